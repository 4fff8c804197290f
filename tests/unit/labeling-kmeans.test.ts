import { describe, expect, it } from 'vitest';
import {
  badge,
  coreSetKCenterGreedy,
  diversityKMeansPP,
  gradientEmbedding,
  kMeansPlusPlus,
} from '../../src/labeling/kmeans';
import { createRng, randInt, randNormal } from '../../src/lib/rng';

/** `n` random points in `dim` dimensions (a few clusters, so distances vary). */
function cloud(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = randInt(rng, 4);
    for (let d = 0; d < dim; d++) out[i * dim + d] = c * 3 * ((d % 2) * 2 - 1) + randNormal(rng);
  }
  return out;
}

function sqDist(x: Float32Array, dim: number, a: number, b: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (x[a * dim + d]! - x[b * dim + d]!) ** 2;
  return s;
}

/** min over centers of the squared distance from row i. */
const nearestSq = (x: Float32Array, dim: number, i: number, centers: number[]): number =>
  Math.min(...centers.map((c) => sqDist(x, dim, i, c)));

describe('k-means++ seeding', () => {
  const dim = 5;
  const x = cloud(300, dim, 3);

  it('first pick is the seeded uniform draw; no repeats; each score is the D² it had', () => {
    for (const seed of [1, 2, 99]) {
      const sel = diversityKMeansPP(x, dim, 25, seed);
      expect(sel.indices[0]).toBe(randInt(createRng(seed), 300));
      expect(sel.scores[0]).toBe(Infinity);
      expect(new Set(sel.indices).size).toBe(25);
      for (let p = 1; p < 25; p++) {
        const d2 = nearestSq(x, dim, sel.indices[p]!, Array.from(sel.indices.subarray(0, p)));
        expect(sel.scores[p]).toBeCloseTo(d2, 9);
        expect(d2).toBeGreaterThan(0);
      }
    }
  });

  it('is deterministic given the seed', () => {
    expect(diversityKMeansPP(x, dim, 10, 5)).toEqual(diversityKMeansPP(x, dim, 10, 5));
    expect(diversityKMeansPP(x, dim, 10, 5)).not.toEqual(diversityKMeansPP(x, dim, 10, 6));
  });

  it('draws the next center with probability proportional to D²', () => {
    // On a line: A = 10 (largest norm, so 'max-norm' makes it the first center), B = 0, C = 9,
    // D = 7. D² to A: B 100, C 1, D 9, total 110: B should come second 100/110 of the time,
    // C 1/110, D 9/110.
    const line = Float32Array.of(10, 0, 9, 7);
    const trials = 20_000;
    const seen = [0, 0, 0, 0];
    for (let s = 0; s < trials; s++) {
      const sel = kMeansPlusPlus(line, 1, 2, s, { first: 'max-norm' });
      expect(sel.indices[0]).toBe(0);
      seen[sel.indices[1]!]!++;
    }
    const expected = [0, 100 / 110, 1 / 110, 9 / 110];
    for (let i = 1; i < 4; i++) {
      const p = expected[i]!;
      const sd = Math.sqrt((p * (1 - p)) / trials);
      expect(Math.abs(seen[i]! / trials - p)).toBeLessThan(4 * sd);
    }
  });

  it('never draws a duplicate of a center while other rows remain, then fills uniformly', () => {
    // Rows 0–3 identical, row 4 elsewhere: after any first pick from 0–3, row 4 is the only row
    // with D² > 0, so it must come second.
    const pts = Float32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 5, 5);
    for (let s = 0; s < 50; s++) {
      const sel = diversityKMeansPP(pts, 2, 5, s, { candidates: [0, 1, 2, 3, 4] });
      expect(new Set(sel.indices).size).toBe(5);
      if (sel.indices[0] !== 4) expect(sel.indices[1]).toBe(4);
    }
  });

  it('respects candidates and exclusions, and returns fewer rows when fewer are eligible', () => {
    const sel = diversityKMeansPP(x, dim, 50, 1, {
      candidates: [5, 6, 7, 8, 9, 10],
      exclude: new Set([7]),
    });
    expect(Array.from(sel.indices).sort((a, b) => a - b)).toEqual([5, 6, 8, 9, 10]);
    expect(diversityKMeansPP(x, dim, 0, 1).indices.length).toBe(0);
    expect(() => diversityKMeansPP(x, 7, 2, 1)).toThrow(RangeError);
  });
});

describe('BADGE', () => {
  it('gradient embedding by hand: (p − onehot(ŷ)) ⊗ h', () => {
    // Row 0: p = [.7 .2 .1], ŷ = 0, h = [1 2]: g = [−.3·1, −.3·2, .2·1, .2·2, .1·1, .1·2].
    // Row 1: p = [.1 .3 .6], ŷ = 2, h = [−1 0]: g = [−.1, 0, −.3, 0, .4, 0].
    const probs = Float32Array.of(0.7, 0.2, 0.1, 0.1, 0.3, 0.6);
    const h = Float32Array.of(1, 2, -1, 0);
    const g = gradientEmbedding(probs, h, 2, 3, 2);
    const want = [-0.3, -0.6, 0.2, 0.4, 0.1, 0.2, -0.1, 0, -0.3, 0, 0.4, 0];
    want.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
    const only1 = gradientEmbedding(probs, h, 2, 3, 2, [1]);
    expect(Array.from(only1)).toEqual(Array.from(g.subarray(6)));
    expect(() => gradientEmbedding(probs, h, 3, 3, 2)).toThrow(RangeError);
  });

  it('starts from the largest gradient, then k-means++ with no repeats', () => {
    const rng = createRng(11);
    const n = 200;
    const k = 3;
    const d = 4;
    const probs = new Float32Array(n * k);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += probs[r * k + j] = rng.next() ** 3;
      for (let j = 0; j < k; j++) probs[r * k + j]! /= s;
    }
    const h = cloud(n, d, 12);
    const g = gradientEmbedding(probs, h, n, k, d);
    const dim = k * d;
    let maxNorm = -1;
    let argMax = -1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += g[i * dim + t]! ** 2;
      if (s > maxNorm) [maxNorm, argMax] = [s, i];
    }
    const sel = badge(g, dim, 20, 4);
    expect(sel.indices[0]).toBe(argMax);
    expect(new Set(sel.indices).size).toBe(20);
    for (let p = 1; p < 20; p++) {
      const d2 = nearestSq(g, dim, sel.indices[p]!, Array.from(sel.indices.subarray(0, p)));
      expect(sel.scores[p]).toBeCloseTo(d2, 6);
    }
  });
});

describe('core-set k-center greedy', () => {
  it('by hand on a line', () => {
    // x = [0, 1, 2, 5, 10, 11], row 0 labelled. Distances to {0}: 1, 2, 5, 10, 11 → pick row 5
    // (x = 11, d = 11). To {0, 11}: 1, 2, 5, 1 → row 3 (x = 5, d = 5). To {0, 11, 5}: 1, 2, 1 →
    // row 2 (x = 2, d = 2).
    const x = Float32Array.of(0, 1, 2, 5, 10, 11);
    const sel = coreSetKCenterGreedy(x, 1, [0], 3);
    expect(Array.from(sel.indices)).toEqual([5, 3, 2]);
    expect(Array.from(sel.scores)).toEqual([11, 5, 2]);
  });

  it('breaks distance ties by the lower row index', () => {
    // Rows 0 and 2 are both 1 away from the labelled row 1.
    const sel = coreSetKCenterGreedy(Float32Array.of(-1, 0, 1), 1, [1], 2);
    expect(Array.from(sel.indices)).toEqual([0, 2]);
  });

  it('invariants: each pick maximises the min-distance at its step, no duplicates, labelled never picked', () => {
    const dim = 6;
    const x = cloud(250, dim, 21);
    const labelled = [3, 50, 77, 140];
    const sel = coreSetKCenterGreedy(x, dim, labelled, 30, { exclude: new Set([9, 10]) });
    const centers = [...labelled];
    const picked = new Set<number>();
    for (let p = 0; p < 30; p++) {
      const i = sel.indices[p]!;
      expect(labelled).not.toContain(i);
      expect([9, 10]).not.toContain(i);
      expect(picked.has(i)).toBe(false);
      let best = -1;
      for (let r = 0; r < 250; r++) {
        if (centers.includes(r) || r === 9 || r === 10) continue;
        best = Math.max(best, nearestSq(x, dim, r, centers));
      }
      expect(sel.scores[p]! ** 2).toBeCloseTo(best, 6);
      expect(nearestSq(x, dim, i, centers)).toBeCloseTo(best, 6);
      centers.push(i);
      picked.add(i);
    }
  });

  it('with nothing labelled, starts from a seeded draw; returns every row when k ≥ rows', () => {
    const x = Float32Array.of(0, 1, 2, 3);
    const a = coreSetKCenterGreedy(x, 1, [], 2, { seed: 3 });
    expect(a.indices[0]).toBe(randInt(createRng(3), 4));
    expect(a.scores[0]).toBe(Infinity);
    const all = coreSetKCenterGreedy(x, 1, [1], 10);
    expect(Array.from(all.indices).sort()).toEqual([0, 2, 3]);
    expect(() => coreSetKCenterGreedy(x, 1, [4], 1)).toThrow(RangeError);
  });
});
