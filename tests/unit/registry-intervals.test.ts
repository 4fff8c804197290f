// Wilson intervals and small-sample warnings against golden values from the formula with
// scipy.stats.norm.ppf (tests/fixtures/golden/make-wilson-golden.py).
import { describe, expect, it } from 'vitest';
import golden from '../fixtures/golden/wilson-golden.json';
import {
  INTERVAL_BELOW_ITEMS,
  describeProportion,
  intervalText,
  normalQuantile,
  smallClassWarning,
  smallSplitWarning,
  summariseSplitMetrics,
  wilsonInterval,
} from '../../src/registry/intervals';
import { evaluateGate } from '../../src/registry/gate';

describe('Wilson score interval', () => {
  it('matches scipy-based golden quantiles and intervals', () => {
    for (const { p, z } of golden.quantiles) expect(normalQuantile(p)).toBeCloseTo(z, 12);
    for (const { k, n, confidence, interval } of golden.cases) {
      const got = wilsonInterval(k, n, confidence);
      expect(got.lower).toBeCloseTo(interval[0]!, 12);
      expect(got.upper).toBeCloseTo(interval[1]!, 12);
    }
  });

  it('does not collapse at 5/5: the Penguins test score of 1.000 on 5 items reaches down to 0.57', () => {
    const { lower, upper } = wilsonInterval(5, 5);
    expect(upper).toBe(1);
    expect(lower).toBeCloseTo(0.5655, 4);
    expect(describeProportion(1, 5)).toBe('1.000 (n = 5; 95 % Wilson interval 0.566–1.000)');
    expect(describeProportion(0.9, 1000)).toBe('0.900 (n = 1,000)');
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });

  it('warns on splits under 30 items and classes under 5', () => {
    expect(smallSplitWarning('test', 5)).toMatch(/only 5 items \(fewer than 30\)/);
    expect(smallSplitWarning('test', 30)).toBeNull();
    expect(
      smallClassWarning('test', [
        { name: 'Adelie', n: 40 },
        { name: 'Chinstrap', n: 2 },
      ]),
    ).toMatch(/Chinstrap \(2\)/);
    expect(smallClassWarning('test', [{ name: 'Adelie', n: 5 }])).toBeNull();
  });
});

describe('the gate on a tiny holdout', () => {
  it('a first champion on 2 holdout items is told the score tells little and how many more labels to get', () => {
    const verdict = evaluateGate({}, null, {
      classIds: ['a', 'b'],
      yTrue: [0, 1],
      yPred: [0, 1],
    });
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons[1]).toMatch(/only 2 labelled items: its holdout accuracy is 2\/2/);
    expect(verdict.reasons[1]).toMatch(/label 28 more holdout items/);
  });
});

describe('a split summarised for the pages', () => {
  // A tiny test split as the Penguins demo had: 5 items, one class with 1 item.
  const tiny = {
    count: 5,
    accuracy: 1,
    macroF1: 1,
    perClass: [
      { classId: 'a', recall: 1, support: 4 },
      { classId: 'c', recall: 1, support: 1 },
      { classId: 'g', recall: 0, support: 0 },
    ],
  };
  const names: Record<string, string> = { a: 'Adelie', c: 'Chinstrap', g: 'Gentoo' };

  it('gives n beside accuracy and macro-F1, recall intervals per class, and both warnings', () => {
    const s = summariseSplitMetrics('test', tiny, (id) => names[id] ?? id);
    expect(s.accuracy).toBe('1.000 (n = 5; 95 % Wilson interval 0.566–1.000)');
    expect(s.macroF1).toBe('1.000 (n = 5)');
    expect(s.recallInterval).toEqual({ a: '0.510–1.000', c: '0.207–1.000', g: null });
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings[0]).toMatch(/test split has only 5 items/);
    expect(s.warnings[1]).toMatch(/Adelie \(4\), Chinstrap \(1\), Gentoo \(0\)/);
  });

  it('says nothing extra on a large split', () => {
    const big = {
      count: 1200,
      accuracy: 0.9,
      macroF1: 0.88,
      perClass: [
        { classId: 'a', recall: 0.9, support: 600 },
        { classId: 'c', recall: 0.9, support: 600 },
      ],
    };
    const s = summariseSplitMetrics('test', big, (id) => id);
    expect(s.accuracy).toBe('0.900 (n = 1,200)');
    expect(s.recallInterval).toEqual({ a: null, c: null });
    expect(s.warnings).toEqual([]);
    expect(intervalText(0.9, INTERVAL_BELOW_ITEMS - 1)).not.toBeNull();
  });
});
