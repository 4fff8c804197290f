import { describe, expect, it } from 'vitest';
import { bald, entropy, leastConfidence, margin } from '../../src/labeling/scores';
import { topK } from '../../src/labeling/top-k';
import { createRng } from '../../src/lib/rng';
import { golden } from './labeling-golden';

/** A `rows × k` Float32Array from nested rows. */
const matrix = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());

// Four rows, three classes. By hand (natural log):
//   row 0 [.5 .3 .2]    LC .5    margin 1 − (.5 − .3) = .8   H = .34657 + .36119 + .32189 = 1.02965
//   row 1 [.9 .05 .05]  LC .1    margin 1 − .85 = .15        H = .09482 + 2·.14979 = .39440
//   row 2 [⅓ ⅓ ⅓]       LC ⅔     margin 1                    H = ln 3 = 1.09861
//   row 3 [.4 .4 .2]    LC .6    margin 1                    H = 2·.36652 + .32189 = 1.05492
const P = matrix([
  [0.5, 0.3, 0.2],
  [0.9, 0.05, 0.05],
  [1 / 3, 1 / 3, 1 / 3],
  [0.4, 0.4, 0.2],
]);

describe('uncertainty scores by hand', () => {
  it('least confidence', () => {
    const s = leastConfidence(P, 3);
    [0.5, 0.1, 2 / 3, 0.6].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 6));
    expect(Array.from(topK(s, 4).indices)).toEqual([2, 3, 0, 1]);
  });

  it('margin (rows 2 and 3 tie at 1: the lower index first)', () => {
    const s = margin(P, 3);
    [0.8, 0.15, 1, 1].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 6));
    expect(Array.from(topK(s, 4).indices)).toEqual([2, 3, 0, 1]);
  });

  it('entropy', () => {
    const s = entropy(P, 3);
    [1.02965, 0.3944, Math.log(3), 1.05492].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 4));
    expect(Array.from(topK(s, 4).indices)).toEqual([2, 3, 0, 1]);
  });

  it('entropy treats 0 · ln 0 as 0', () => {
    expect(Array.from(entropy(matrix([[1, 0, 0]]), 3))).toEqual([0]);
  });

  it('BALD separates disagreement between passes from agreed uncertainty', () => {
    // 2 passes × 2 rows × 2 classes. Row 0: passes say [1, 0] and [0, 1]: mean [.5, .5], so
    // H(mean) = ln 2 and each pass has H = 0: BALD = ln 2. Row 1: both passes say [.5, .5]:
    // H(mean) = ln 2 = mean H: BALD = 0, although its predictive entropy is as high as row 0's.
    const mc = Float32Array.of(1, 0, 0.5, 0.5, 0, 1, 0.5, 0.5);
    const s = bald(mc, 2, 2);
    expect(s[0]).toBeCloseTo(Math.log(2), 12);
    expect(s[1]).toBeCloseTo(0, 12);
  });

  it('writes into a given buffer', () => {
    const out = new Float64Array(4);
    expect(leastConfidence(P, 3, out)).toBe(out);
    expect(() => margin(P, 3, new Float64Array(2))).toThrow(RangeError);
    expect(() => entropy(P, 5)).toThrow(RangeError);
    expect(() => bald(P, 5, 3)).toThrow(RangeError);
  });
});

describe('uncertainty scores against numpy / scipy', () => {
  const g = golden.scores;
  const probs = Float32Array.from(g.probs);
  it('least confidence, margin, entropy', () => {
    const lc = leastConfidence(probs, g.k);
    const mg = margin(probs, g.k);
    const h = entropy(probs, g.k);
    g.least_confidence.forEach((v, i) => expect(lc[i]).toBeCloseTo(v, 12));
    g.margin.forEach((v, i) => expect(mg[i]).toBeCloseTo(v, 12));
    g.entropy.forEach((v, i) => expect(h[i]).toBeCloseTo(v, 12));
  });
  it('BALD', () => {
    const s = bald(Float32Array.from(g.mc_probs), g.mc_passes, g.mc_k);
    expect(s.length).toBe(g.bald.length);
    g.bald.forEach((v, i) => expect(s[i]).toBeCloseTo(v, 12));
  });
});

describe('topK', () => {
  it('ranks best first, ties by lower index, NaN last, exclusions skipped', () => {
    const s = [0.5, 0.9, NaN, 0.9, -Infinity, 0.1];
    expect(Array.from(topK(s, 6).indices)).toEqual([1, 3, 0, 5, 4, 2]);
    expect(Array.from(topK(s, 2).indices)).toEqual([1, 3]);
    expect(Array.from(topK(s, 2, new Set([1])).indices)).toEqual([3, 0]);
    expect(Array.from(topK(s, 2, Uint8Array.of(0, 1, 0, 1, 0, 0)).indices)).toEqual([0, 5]);
    expect(Array.from(topK(s, 3).scores)).toEqual([0.9, 0.9, 0.5]);
    expect(topK(s, 0).indices.length).toBe(0);
    expect(topK(s, 100).indices.length).toBe(6);
    expect(() => topK(s, -1)).toThrow(RangeError);
  });

  it('only looks at the given rows', () => {
    expect(Array.from(topK([5, 4, 3, 2, 1], 2, undefined, [4, 2, 3]).indices)).toEqual([2, 3]);
  });

  it('matches a full sort on 20,000 scores with many ties', () => {
    const rng = createRng(7);
    const s = Float64Array.from({ length: 20_000 }, () => Math.floor(rng.next() * 50) / 50);
    const exclude = new Set<number>();
    for (let i = 0; i < 500; i++) exclude.add(Math.floor(rng.next() * 20_000));
    const expected = Array.from(s.keys())
      .filter((i) => !exclude.has(i))
      .sort((a, b) => s[b]! - s[a]! || a - b)
      .slice(0, 137);
    expect(Array.from(topK(s, 137, exclude).indices)).toEqual(expected);
  });

  it('partial top-k on a 100k × 10 pool agrees with a full sort', () => {
    // Speed is measured in the benchmarks, not here; this checks the partial selection on a pool
    // the size the benchmark uses.
    const rng = createRng(1);
    const n = 100_000;
    const k = 10;
    const probs = new Float32Array(n * k);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += probs[r * k + j] = rng.next();
      for (let j = 0; j < k; j++) probs[r * k + j]! /= sum;
    }
    for (const score of [leastConfidence, margin, entropy]) {
      const scores = score(probs, k);
      const expected = Array.from(scores.keys())
        .sort((a, b) => scores[b]! - scores[a]! || a - b)
        .slice(0, 100);
      expect(Array.from(topK(scores, 100).indices)).toEqual(expected);
    }
  });
});
