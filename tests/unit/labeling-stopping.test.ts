import { describe, expect, it } from 'vitest';
import { labelSavings, labelsToReach, stoppingHint } from '../../src/labeling/stopping';
import { golden } from './labeling-golden';

describe('stopping hint (small-text KappaAverage)', () => {
  it('stops once the mean κ of the last 3 consecutive rounds reaches 0.99', () => {
    const same = Int32Array.of(0, 1, 2, 1);
    const changed = Int32Array.of(0, 1, 2, 2);
    // Rounds: changed, same, same, same → κ(same vs changed) < 1, then 1, 1.
    const h1 = stoppingHint([changed, same, same, same], 3);
    expect(h1.kappas).toHaveLength(3);
    expect(h1.kappas.slice(1)).toEqual([1, 1]);
    expect(h1.stop).toBe(false);
    // One more identical round: the last three κ are all 1.
    const h2 = stoppingHint([changed, same, same, same, same], 3);
    expect(h2.meanKappa).toBe(1);
    expect(h2.stop).toBe(true);
    // Too few rounds: no verdict.
    expect(stoppingHint([same, same], 3)).toMatchObject({ stop: false, meanKappa: null });
    expect(() => stoppingHint([same, Int32Array.of(0)], 3)).toThrow(RangeError);
  });

  it('matches small-text round by round', () => {
    const g = golden.kappa_average;
    const history = g.history.map((h) => Int32Array.from(h));
    const last = stoppingHint(history, g.k);
    g.kappas.forEach((k, i) => expect(last.kappas[i]).toBeCloseTo(k, 12));
    g.stops.forEach((stop, r) =>
      expect(stoppingHint(history.slice(0, r + 1), g.k).stop).toBe(stop),
    );
  });
});

describe('label efficiency', () => {
  const curve = [
    { labels: 10, metric: 0.5 },
    { labels: 20, metric: 0.7 },
    { labels: 40, metric: 0.91 },
    { labels: 30, metric: 0.9 },
    { labels: 80, metric: 0.95 },
  ];
  it('labelsToReach: the fewest labels whose metric reaches the target', () => {
    expect(labelsToReach(curve, 0.9)).toBe(30);
    expect(labelsToReach(curve, 0.5)).toBe(10);
    expect(labelsToReach(curve, 0.99)).toBeNull();
    expect(labelsToReach([], 0.1)).toBeNull();
  });
  it('labelSavings: 1 − strategy / baseline', () => {
    expect(labelSavings(60, 100)).toBeCloseTo(0.4, 12);
    expect(labelSavings(null, 100)).toBeNull();
    expect(labelSavings(60, null)).toBeNull();
  });
});
