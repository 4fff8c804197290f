import { describe, expect, it } from 'vitest';
import {
  IsolationForest,
  MahalanobisDetector,
  averagePathLength,
  ledoitWolf,
  outlierRate,
} from '../../src/monitoring/outliers';
import { mmdTest } from '../../src/monitoring/mmd';
import {
  maxProbability,
  predictedClassCounts,
  predictedClassDrift,
  predictiveEntropy,
  uncertaintyDrift,
} from '../../src/monitoring/prediction-drift';
import { createRng, randNormal } from '../../src/lib/rng';
import { close, golden } from './monitoring-golden';

function gaussian(seed: number, rows: number, dim: number, shift = 0): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: rows * dim }, () => randNormal(rng) + shift);
}

function expectAllClose(actual: ArrayLike<number>, expected: readonly number[], rel: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i]!, expected[i]!, rel, 1e-13)) {
      expect.fail(`[${i}] ${actual[i]} is not within ${rel} of ${expected[i]}`);
    }
  }
}

describe('Ledoit–Wolf and Mahalanobis against sklearn.covariance.LedoitWolf', () => {
  for (const c of golden.ledoit_wolf) {
    it(c.name, () => {
      const fit = ledoitWolf(c.x, c.rows, c.dim);
      expect(close(fit.shrinkage, c.shrinkage, 1e-10, 1e-15)).toBe(true);
      expectAllClose(fit.location, c.location, 1e-12);
      expectAllClose(fit.covariance, c.covariance, 1e-10);
      const det = new MahalanobisDetector(c.x, c.rows, c.dim);
      expectAllClose(det.squaredDistances(c.y), c.mahalanobis, 1e-9);
    });
  }

  it('threshold at the reference 99th percentile; the planted far point is an outlier', () => {
    const c = golden.ledoit_wolf[0]!;
    const det = new MahalanobisDetector(c.x, c.rows, c.dim);
    const ref = det.isOutlier(c.x);
    expect(outlierRate(ref)).toBeLessThanOrEqual(0.02);
    expect(det.isOutlier(c.y).at(-1)).toBe(true); // [8, 8, 8, 8]
  });
});

describe('isolation forest', () => {
  const ref = gaussian(11, 500, 3);

  it('c(n) as Liu et al. / sklearn', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // c(256) = 2(ln 255 + γ) − 2·255/256
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649) - 510 / 256, 9);
  });

  it('an obvious outlier scores higher than every inlier; scores in (0, 1); seeded', () => {
    const f = new IsolationForest(ref, 500, 3, { seed: 3 });
    const inliers = f.scores(gaussian(12, 200, 3));
    const out = f.scores([6, -6, 6])[0]!;
    for (const s of inliers) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(1);
      expect(s).toBeLessThan(out);
    }
    expect(out).toBeGreaterThan(f.threshold);
    const again = new IsolationForest(ref, 500, 3, { seed: 3 }).scores(gaussian(12, 200, 3));
    expect([...again]).toEqual([...inliers]);
    const other = new IsolationForest(ref, 500, 3, { seed: 4 }).scores(gaussian(12, 200, 3));
    expect([...other]).not.toEqual([...inliers]);
    // About 1% of the reference is above its own 99th percentile.
    expect(outlierRate(f.isOutlier(ref))).toBeLessThanOrEqual(0.011);
  });

  it('fast scoring (heap layout, eight rows at a time) equals the row-by-row walk exactly', () => {
    const rng = createRng(21);
    // Ties and constant columns (shallow trees, padded leaves), NaN and ±∞ (go right), row
    // counts that are not multiples of four.
    const lumpy = (rows: number, dim: number) =>
      Float64Array.from({ length: rows * dim }, (_, i) => {
        const u = rng.next();
        if (i % dim === 0) return 1;
        if (u < 0.02) return Number.NaN;
        if (u < 0.03) return u < 0.025 ? Infinity : -Infinity;
        return i % dim === 1 ? Math.floor(u * 4) : randNormal(rng) * 3;
      });
    const cases = [
      { forest: new IsolationForest(ref, 500, 3, { seed: 5 }), dim: 3 },
      { forest: new IsolationForest(lumpy(700, 4), 700, 4, { seed: 6, trees: 37 }), dim: 4 },
      { forest: new IsolationForest(ref, 4, 3, { seed: 7 }), dim: 3 },
      { forest: new IsolationForest(ref, 1, 3, { seed: 8, trees: 3 }), dim: 3 },
      // ψ = 9,000 → height limit 14: deeper than the heap layout keeps (the flat walk).
      {
        forest: new IsolationForest(gaussian(9, 18_000, 2), 9_000, 2, {
          seed: 9,
          sampleSize: 9_000,
          trees: 5,
        }),
        dim: 2,
      },
    ];
    for (const { forest, dim } of cases) {
      for (const rows of [1, 2, 3, 5, 8, 403]) {
        for (const x of [gaussian(rows, rows, dim, 0.5), lumpy(rows, dim)]) {
          expect([...forest.scores(x)]).toEqual([...forest.scoresByRow(x)]);
        }
      }
    }
  });
});

describe('MMD permutation test', () => {
  it('same distribution: large p; shifted: the smallest p the permutations allow', () => {
    const ref = gaussian(21, 80, 4);
    const same = mmdTest(ref, gaussian(22, 80, 4), 4, { permutations: 99, seed: 1 });
    expect(same.pValue).toBeGreaterThan(0.05);
    const shifted = mmdTest(ref, gaussian(23, 80, 4, 0.8), 4, { permutations: 99, seed: 1 });
    expect(shifted.pValue).toBe(0.01);
    expect(shifted.mmd2).toBeGreaterThan(same.mmd2);
    expect(mmdTest(ref, gaussian(22, 80, 4), 4, { permutations: 99, seed: 1 })).toEqual(same);
  });

  it('by hand: unbiased MMD² of two 2-point samples with a fixed σ', () => {
    // X = {0, 1}, Y = {3, 4}, σ = 1: k(d) = e^(−d²/2).
    // MMD² = k(1) + k(1) − (2/4)(k(3) + k(4) + k(2) + k(3)) (the 1/(m(m−1)) sums count i ≠ j).
    const k = (d: number) => Math.exp(-(d * d) / 2);
    const want = 2 * k(1) - 0.5 * (2 * k(3) + k(4) + k(2));
    const r = mmdTest([0, 1], [3, 4], 1, { permutations: 5, sigma: 1 });
    expect(r.mmd2).toBeCloseTo(want, 14);
  });
});

describe('prediction and uncertainty drift', () => {
  it('class counts, entropy and max-prob by hand', () => {
    const probs = [0.7, 0.2, 0.1, 0.2, 0.2, 0.6, 0.5, 0.5, 0];
    expect([...predictedClassCounts(probs, 3)]).toEqual([2, 0, 1]); // the tie goes to class 0
    expect(predictiveEntropy(probs, 3)[2]).toBeCloseTo(Math.LN2, 15);
    expect([...maxProbability(probs, 3)]).toEqual([0.7, 0.6, 0.5]);
    // Class 1 is predicted in neither sample: it is left out of the χ² table.
    expect(predictedClassDrift([2, 0, 1], [1, 0, 2]).dof).toBe(1);
  });

  it('a confidence collapse is uncertainty drift; the same model output is not', () => {
    const rng = createRng(31);
    const sharp = (n: number) =>
      Float64Array.from({ length: n * 2 }, (_, i) => {
        const p = 0.85 + 0.1 * rng.next();
        return i % 2 === 0 ? p : 1 - p;
      });
    const ref = sharp(300);
    const flat = Float64Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 0.55 : 0.45));
    expect(uncertaintyDrift(ref, sharp(200), 2).pValue).toBeGreaterThan(0.05);
    expect(uncertaintyDrift(ref, flat, 2, 'max-prob').pValue).toBeLessThan(1e-10);
  });
});
