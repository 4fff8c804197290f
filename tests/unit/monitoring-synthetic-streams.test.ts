import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SEA_CONCEPTS,
  newConceptProbability,
  seaStream,
} from '../../src/monitoring/synthetic-streams';

/** Error rate of concept 0's true rule (x1 + x2 ≤ 8) on rows [a, b). */
function conceptZeroError(s: ReturnType<typeof seaStream>, a: number, b: number): number {
  let wrong = 0;
  for (let i = a; i < b; i++) {
    const pred = s.columns.x1[i]! + s.columns.x2[i]! <= 8 ? 1 : 0;
    if (pred !== s.labels[i]) wrong++;
  }
  return wrong / (b - a);
}

describe('SEA drifting stream', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = seaStream({ seed: 7, n: 500, driftPoints: [200], gradualWidth: 50 });
    const b = seaStream({ seed: 7, n: 500, driftPoints: [200], gradualWidth: 50 });
    const c = seaStream({ seed: 8, n: 500, driftPoints: [200], gradualWidth: 50 });
    expect(Array.from(a.columns.x1)).toEqual(Array.from(b.columns.x1));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.concept)).toEqual(Array.from(b.concept));
    expect(Array.from(a.columns.x1)).not.toEqual(Array.from(c.columns.x1));
  });

  it('a sudden drift switches the concept exactly at the drift point', () => {
    const s = seaStream({ seed: 1, n: 2000, driftPoints: [1200] });
    expect(s.concept.slice(0, 1200).every((c) => c === 0)).toBe(true);
    expect(s.concept.slice(1200).every((c) => c === 1)).toBe(true);
    // Features follow the concept's shift: x3 is U[0,10] before and U[3,13] after.
    const before = s.columns.x3.slice(0, 1200);
    const after = s.columns.x3.slice(1200);
    expect(Math.min(...before)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...before)).toBeLessThan(10);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...after)).toBeLessThan(13);
  });

  it('noise flips about the requested share; the drift raises concept 0 errors', () => {
    const s = seaStream({ seed: 3, n: 40_000, driftPoints: [20_000], noise: 0.1 });
    const before = conceptZeroError(s, 0, 20_000);
    const after = conceptZeroError(s, 20_000, 40_000);
    // Before: only the noise (10%); binomial sd at n = 20,000 is 0.2%.
    expect(Math.abs(before - 0.1)).toBeLessThan(0.01);
    // After (concept 1): errors on 6.5 < u1+u2 ≤ 9 (share 0.405 − 0.21125) mixed with the noise.
    const expected = 0.1 + 0.8 * (0.405 - 0.21125);
    expect(Math.abs(after - expected)).toBeLessThan(0.015);
  });

  it('a gradual drift follows the sigmoid: half the rows switched at p, nearly all at p + w', () => {
    const n = 60_000;
    const s = seaStream({ seed: 5, n, driftPoints: [30_000], gradualWidth: 20_000 });
    const share = (a: number, b: number) => {
      let k = 0;
      for (let i = a; i < b; i++) k += s.concept[i]!;
      return k / (b - a);
    };
    expect(newConceptProbability(30_000, 30_000, 20_000)).toBe(0.5);
    expect(Math.abs(share(29_000, 31_000) - 0.5)).toBeLessThan(0.05);
    expect(share(50_000, 60_000)).toBeGreaterThan(0.97);
    expect(share(0, 5_000)).toBeLessThan(0.01);
  });

  it('pure concept drift leaves the features alone; bad options are refused', () => {
    const s = seaStream({ seed: 2, n: 1000, driftPoints: [500], covariateShift: false });
    expect(Math.max(...s.columns.x3)).toBeLessThan(10);
    expect(() => seaStream({ seed: 1, n: 10, driftPoints: [1, 2, 3, 4] })).toThrow(RangeError);
    expect(() => seaStream({ seed: 1, n: 10, driftPoints: [5, 2] })).toThrow(RangeError);
    expect(() => seaStream({ seed: 1, n: 10, noise: 2 })).toThrow(RangeError);
    expect(DEFAULT_SEA_CONCEPTS[0]!.theta).toBe(8);
  });

  it('event times are spaced by the interval', () => {
    const s = seaStream({ seed: 1, n: 3, startTime: 1000, intervalMs: 10 });
    expect(Array.from(s.times)).toEqual([1000, 1010, 1020]);
  });
});
