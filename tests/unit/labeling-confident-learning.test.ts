import { describe, expect, it } from 'vitest';
import {
  calibrateConfidentJoint,
  confidentJoint,
  findLabelIssues,
  pruneCounts,
  roundHalfEven,
  roundPreservingSum,
} from '../../src/labeling/confident-learning';
import { golden } from './labeling-golden';

describe('confident learning: a worked example by hand', () => {
  // Ten rows, two classes; p0 is given, p1 = 1 − p0. Rows 0–4 are labelled 0, rows 5–9 labelled 1.
  //   row   0    1    2    3    4  |  5    6    7    8    9
  //   p0   .9   .8   .7   .6   .1  | .2   .1   .3   .95  .4
  //   p1   .1   .2   .3   .4   .9  | .8   .9   .7   .05  .6
  // Row 4 (labelled 0, p1 = .9) and row 8 (labelled 1, p0 = .95) are the planted mistakes.
  //
  // Thresholds: t0 = mean p0 over rows labelled 0 = (.9 + .8 + .7 + .6 + .1) / 5 = .62;
  //             t1 = mean p1 over rows labelled 1 = (.8 + .9 + .7 + .05 + .6) / 5 = .61.
  // Confident classes (p_j ≥ t_j): rows 0, 1, 2 → 0; row 3 none (.6 < .62, .4 < .61); row 4 → 1;
  // rows 5, 6, 7 → 1; row 8 → 0; row 9 none (.6 < .61).
  // Confident joint C[given][true] = [[3, 1], [1, 3]] (rows 3 and 9 are not counted).
  // Calibration: row 0 has 5 labels over C-row sum 4: [3.75, 1.25]; row 1 the same mirrored;
  // total 10 = N already. Rounded half to even, row totals kept: [[4, 1], [1, 4]].
  // Prune counts (transposed, diagonal ≥ 1 already): [[4, 1], [1, 4]]: one row labelled 0 to
  // prune as truly 1, one row labelled 1 to prune as truly 0.
  // Given 0 → true 1: margins p1 − p0 over rows 0–4: −.8, −.6, −.4, −.2, +.8 → row 4.
  // Given 1 → true 0: margins p0 − p1 over rows 5–9: −.6, −.8, −.4, +.9, −.2 → row 8.
  // Neither row's argmax is its given label, so both stay. Ranked by self-confidence:
  // row 8 (p1 = .05) before row 4 (p0 = .1), with suggested labels 0 and 1.
  const p0 = [0.9, 0.8, 0.7, 0.6, 0.1, 0.2, 0.1, 0.3, 0.95, 0.4];
  const probs = Float32Array.from(p0.flatMap((p) => [p, 1 - p]));
  const labels = Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);

  it('finds the planted mistakes with every intermediate step', () => {
    const res = findLabelIssues(probs, labels, 2);
    expect(res.thresholds[0]).toBeCloseTo(0.62, 6);
    expect(res.thresholds[1]).toBeCloseTo(0.61, 6);
    expect(Array.from(res.confidentJoint)).toEqual([3, 1, 1, 3]);
    expect(Array.from(res.calibratedJoint)).toEqual([4, 1, 1, 4]);
    expect(Array.from(res.pruneCounts)).toEqual([4, 1, 1, 4]);
    expect(res.issues.map((i) => [i.index, i.givenLabel, i.suggestedLabel])).toEqual([
      [8, 1, 0],
      [4, 0, 1],
    ]);
    expect(res.issues[0]!.selfConfidence).toBeCloseTo(0.05, 6);
    expect(res.issues[0]!.suggestedConfidence).toBeCloseTo(0.95, 6);
  });

  it('finds nothing when every label agrees with the model', () => {
    const clean = Int32Array.from(p0.map((p) => (p >= 0.5 ? 0 : 1)));
    expect(findLabelIssues(probs, clean, 2).issues).toEqual([]);
  });

  it('rejects bad shapes and labels', () => {
    expect(() => findLabelIssues(probs, labels, 3)).toThrow(RangeError);
    expect(() => findLabelIssues(probs, Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 2), 2)).toThrow(
      RangeError,
    );
  });
});

describe('confident learning: cleanlab details', () => {
  it('with several confident classes, takes the argmax over all classes (cleanlab)', () => {
    // Thresholds [.9, .25, .15]: classes 1 and 2 pass, but argmax p is class 0, which did not.
    const cj = confidentJoint(
      Float32Array.of(0.5, 0.3, 0.2),
      Int32Array.of(1),
      3,
      Float64Array.of(0.9, 0.25, 0.15),
    );
    // Row counted under given 1, true 0; the diagonal is then raised to ≥ 1.
    expect(Array.from(cj)).toEqual([1, 0, 0, 1, 1, 0, 0, 0, 1]);
  });

  it('calibration rounds half to even and keeps row totals', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 3.7].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, 2, 4,
    ]);
    // [1.5, 1.5, 2] rounds to [2, 2, 2] = 6 ≠ 5: one unit comes off the entry that rounding raised
    // most (all tie at −0.5: numpy's stable ascending argsort takes the first).
    expect(Array.from(roundPreservingSum([1.5, 1.5, 2]))).toEqual([1, 2, 2]);
    // [0.4, 0.4, 0.2] rounds to 0 but sums to 1: the largest remainder gets it (ties: the later
    // index, as numpy's reversed stable argsort).
    expect(Array.from(roundPreservingSum([0.4, 0.4, 0.2]))).toEqual([0, 1, 0]);
    const cal = calibrateConfidentJoint(
      Int32Array.of(3, 1, 1, 3),
      Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 1),
      2,
    );
    expect(Array.from(cal)).toEqual([4, 1, 1, 4]);
  });

  it('prune counts raise an empty diagonal, taking the raise off the column', () => {
    // Calibrated C = [[0, 3], [2, 5]] → transposed [[0, 2], [3, 5]]: column 0 has diagonal 0 → 1,
    // and one non-zero off-diagonal (3) that gives the 1 up: 2.
    expect(Array.from(pruneCounts(Int32Array.of(0, 3, 2, 5), 2))).toEqual([1, 2, 2, 5]);
  });
});

describe('confident learning against a port of cleanlab 2.x (numpy)', () => {
  for (const c of golden.confident_learning) {
    it(c.name, () => {
      const probs = Float32Array.from(c.probs);
      const labels = Int32Array.from(c.labels);
      const res = findLabelIssues(probs, labels, c.k);
      c.thresholds.forEach((t, j) => expect(res.thresholds[j]).toBeCloseTo(t, 12));
      expect(Array.from(res.confidentJoint)).toEqual(c.confident_joint);
      expect(Array.from(res.calibratedJoint)).toEqual(c.calibrated_joint);
      expect(Array.from(res.pruneCounts)).toEqual(c.prune_counts);
      expect(res.issues.map((i) => i.index)).toEqual(c.issues);
      expect(res.issues.map((i) => i.suggestedLabel)).toEqual(c.suggested);
    });
  }
});
