import { describe, expect, it } from 'vitest';
import { cohensKappa, fleissKappa } from '../../src/labeling/agreement';
import { golden } from './labeling-golden';

describe("Cohen's kappa", () => {
  it('by hand', () => {
    // a = [0 0 1 1], b = [0 1 1 1]: observed agreement 3/4; a's marginals [2 2], b's [1 3];
    // chance agreement (2·1 + 2·3) / 16 = 1/2; κ = (3/4 − 1/2) / (1 − 1/2) = 1/2.
    expect(cohensKappa(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 1, 1, 1), 2)).toBeCloseTo(
      0.5,
      12,
    );
    // Rows a rater left unlabelled (−1) are skipped.
    expect(cohensKappa(Int32Array.of(0, 0, 1, 1, -1), Int32Array.of(0, 1, 1, 1, 0), 2)).toBeCloseTo(
      0.5,
      12,
    );
    // One class only, both raters: 0/0, NaN as in sklearn.
    expect(cohensKappa(Int32Array.of(1, 1), Int32Array.of(1, 1), 2)).toBeNaN();
    expect(() => cohensKappa(Int32Array.of(0), Int32Array.of(0, 1), 2)).toThrow(RangeError);
  });

  for (const c of golden.cohen) {
    it(`against sklearn: ${c.name}`, () => {
      const a = Int32Array.from(c.a);
      const b = Int32Array.from(c.b);
      expect(cohensKappa(a, b, c.k)).toBeCloseTo(c.none, 12);
      expect(cohensKappa(a, b, c.k, 'linear')).toBeCloseTo(c.linear, 12);
      expect(cohensKappa(a, b, c.k, 'quadratic')).toBeCloseTo(c.quadratic, 12);
    });
  }
});

describe("Fleiss' kappa", () => {
  it('the Wikipedia worked example by hand: P̄ = .378, P̄e = .213, κ = .210', () => {
    const c = golden.fleiss.find((f) => f.name === 'Wikipedia worked example')!;
    // Column totals 20 28 39 21 32 of 140 ratings: P̄e = Σ p_j² = .0204 + .04 + .0776 + .0225 +
    // .0522 = .2127. Per item P_i = (Σ n_ij² − 14) / (14 · 13), mean P̄ = .3780.
    // κ = (.3780 − .2127) / (1 − .2127) = .2099.
    expect(fleissKappa(c.counts.flat(), 5)).toBeCloseTo(0.20993, 5);
  });

  for (const c of golden.fleiss) {
    it(`as statsmodels computes it: ${c.name}`, () => {
      expect(fleissKappa(c.counts.flat(), c.k)).toBeCloseTo(c.kappa, 12);
    });
  }

  it('needs the same number of raters on every item', () => {
    expect(() => fleissKappa([2, 1, 1, 1], 2)).toThrow(RangeError);
    expect(() => fleissKappa([1, 0, 0, 1], 2)).toThrow(RangeError);
  });
});
