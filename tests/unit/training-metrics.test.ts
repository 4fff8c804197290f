import { describe, expect, it } from 'vitest';
import {
  classificationMetrics,
  eceBin,
  expectedCalibrationError,
  predictClasses,
} from '../../src/training/metrics';
import { golden } from './training-golden';

describe('classification metrics against scikit-learn', () => {
  for (const c of golden.metrics) {
    it(c.name, () => {
      const classIds = Array.from({ length: c.k }, (_, i) => `c${i}`);
      const m = classificationMetrics(
        Int32Array.from(c.y_true),
        Float32Array.from(c.probs),
        classIds,
      );
      expect(m.count).toBe(c.y_true.length);
      expect(m.accuracy).toBeCloseTo(c.accuracy, 12);
      expect(m.macroF1).toBeCloseTo(c.macro_f1, 12);
      expect(m.confusion).toEqual(c.confusion);
      m.perClass.forEach((pc, i) => {
        expect(pc.classId).toBe(classIds[i]);
        expect(pc.precision).toBeCloseTo(c.precision[i]!, 12);
        expect(pc.recall).toBeCloseTo(c.recall[i]!, 12);
        expect(pc.f1).toBeCloseTo(c.f1[i]!, 12);
        expect(pc.support).toBe(c.support[i]);
      });
      expect(m.logLoss).toBeCloseTo(c.log_loss, 9);
      expect(m.ece).toBeCloseTo(c.ece, 9);
    });
  }
});

describe('metrics by hand', () => {
  // 4 rows, 2 classes. Predictions: 0 (p .9, right), 1 (p .6, right), 0 (p .8, wrong), 1 (p .7,
  // wrong: truth 0).
  const y = Int32Array.of(0, 1, 1, 0);
  const p = Float32Array.of(0.9, 0.1, 0.4, 0.6, 0.8, 0.2, 0.3, 0.7);
  const m = classificationMetrics(y, p, ['neg', 'pos']);

  it('counts, accuracy, per-class, macro-F1', () => {
    expect(m.confusion).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(m.accuracy).toBe(0.5);
    expect(m.perClass.map((c) => c.precision)).toEqual([0.5, 0.5]);
    expect(m.macroF1).toBeCloseTo(0.5, 12);
  });

  it('log-loss is the mean negative log of the true-class probability', () => {
    const expected = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.2) + Math.log(0.3)) / 4;
    expect(m.logLoss).toBeCloseTo(expected, 6);
  });

  it('ECE: Σ |B|/n · |acc − conf| over 15 bins', () => {
    // Confidences .9 (bin 13: (13/15, 14/15]), .6 (bin 8), .8 (bin 11), .7 (bin 10): one row per
    // bin, so ECE = mean |correct − conf| = (.1 + .4 + .8 + .7) / 4 = 0.5.
    expect(m.ece).toBeCloseTo(0.5, 6);
    // Two rows in the same bin: conf .9 right and .92 wrong → |0.5 − 0.91| = 0.41.
    expect(
      expectedCalibrationError(Int32Array.of(0, 1), Float64Array.of(0.9, 0.1, 0.92, 0.08), 2),
    ).toBeCloseTo(0.41, 12);
  });

  it('bins are right-closed at exact boundaries', () => {
    expect(eceBin(1)).toBe(14);
    expect(eceBin(0)).toBe(0);
    expect(eceBin(1 / 15)).toBe(0);
    expect(eceBin(2 / 15)).toBe(1);
    expect(eceBin(0.2)).toBe(2); // 0.2 = 3/15 belongs to (2/15, 3/15]
    expect(eceBin(0.2000001)).toBe(3);
    expect(eceBin(0.5)).toBe(7);
  });

  it('zero division gives 0, a confident wrong answer stays finite, unlabelled rows are skipped', () => {
    const r = classificationMetrics(
      Int32Array.of(0, 0, -1),
      Float32Array.of(0, 1, 0, 0, 1, 0, 0.5, 0.5, 0),
      ['a', 'b', 'c'],
    );
    expect(r.count).toBe(2);
    expect(r.accuracy).toBe(0);
    expect(r.perClass.map((c) => [c.precision, c.recall, c.f1])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(Number.isFinite(r.logLoss)).toBe(true);
    expect(r.logLoss).toBeCloseTo(-Math.log(1e-15), 3);
  });

  it('argmax takes the first of tied maxima, as numpy', () => {
    expect(Array.from(predictClasses(Float32Array.of(0.5, 0.5, 0.2, 0.4, 0.4), 5))).toEqual([0]);
    expect(Array.from(predictClasses(Float32Array.of(0.3, 0.3, 0.4, 0.4, 0.4, 0.2), 3))).toEqual([
      2, 0,
    ]);
  });

  it('rejects shapes that do not match', () => {
    expect(() => classificationMetrics(Int32Array.of(0), Float32Array.of(1), ['a', 'b'])).toThrow(
      RangeError,
    );
  });
});
