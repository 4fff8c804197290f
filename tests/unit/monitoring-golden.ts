// Typed access to tests/fixtures/golden/monitoring-golden.json (made by make-monitoring-golden.py
// with numpy, scipy and scikit-learn; see the script for definitions). Not a test file itself.
import { readFileSync } from 'node:fs';

interface Named {
  name: string;
}

export interface MonitoringGolden {
  scipy_version: string;
  special: {
    gamma: { a: number; x: number; q: number; p: number }[];
    gammaln: { x: number; v: number }[];
    erfc: { x: number; v: number }[];
    chi2_sf: { x: number; dof: number; v: number }[];
    kolmogorov_sf: { x: number; v: number }[];
    kstwo_sf: { n: number; x: number; v: number }[];
  };
  ks: (Named & {
    a: number[];
    b: number[];
    statistic: number;
    pvalue: number;
    exact: boolean;
    limit_pvalue: number;
  })[];
  chi2: (Named & {
    ref: number[];
    cur: number[];
    statistic: number;
    pvalue: number;
    dof: number;
    gof: { statistic: number; pvalue: number } | null;
  })[];
  z: { h1: number; n1: number; h2: number; n2: number; z: number; pvalue: number }[];
  wasserstein: (Named & { u: number[]; v: number[]; distance: number; normalized: number })[];
  binned: (Named & {
    kind: 'num' | 'cat';
    ref: number[];
    cur: number[];
    js_edges: number[] | null;
    js_ref: number[];
    js_cur: number[];
    jensenshannon: number;
    psi_ref: number[];
    psi_cur: number[];
    psi: number;
  })[];
  adwin: (Named & {
    stream: number[];
    params: { clock?: number };
    detections: number[];
  })[];
  page_hinkley: (Named & {
    stream: number[];
    mode: 'up' | 'down' | 'both';
    detections: number[];
  })[];
  ledoit_wolf: (Named & {
    rows: number;
    dim: number;
    x: number[];
    y: number[];
    location: number[];
    covariance: number[];
    shrinkage: number;
    mahalanobis: number[];
  })[];
}

export const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/monitoring-golden.json', import.meta.url), 'utf8'),
) as MonitoringGolden;

/** |actual − expected| ≤ rel·|expected| + abs. */
export function close(actual: number, expected: number, rel = 1e-9, abs = 1e-300): boolean {
  if (expected === actual) return true;
  return Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;
}
