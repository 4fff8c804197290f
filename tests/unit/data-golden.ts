// Typed access to tests/fixtures/golden/data-stats.json (made by make-data-golden.py with numpy and
// scipy; the tests read the JSON only).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface Described {
  values: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  q1: number;
  median: number;
  q3: number;
  quantiles: Record<string, number>;
  mad: number;
  outliers: number[];
  outlier_method: 'modified-z' | 'tukey';
  fd_edges?: number[];
  fd_counts?: number[];
}

/** Reference values from numpy/scipy: tests/fixtures/golden/make-data-golden.py. */
export const dataGolden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/data-stats.json', import.meta.url), 'utf8'),
) as { datasets: Record<string, Described>; sha256: Record<string, string> };

/** |a − b| ≤ tol·max(1, |b|). */
export function expectClose(a: number, b: number, tol: number, what = ''): void {
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(
    tol * Math.max(1, Math.abs(b)),
  );
}
