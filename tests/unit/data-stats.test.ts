import { describe, expect, it } from 'vitest';
import {
  MAX_HISTOGRAM_BINS,
  Moments,
  findOutliers,
  histogram,
  histogramBinCount,
  medianAbsDeviation,
  quantileSorted,
  sortedCopy,
} from '../../src/data';
import { dataGolden, expectClose } from './data-golden';

describe('descriptive statistics against numpy/scipy', () => {
  for (const [name, g] of Object.entries(dataGolden.datasets)) {
    it(name, () => {
      const m = new Moments();
      for (const x of g.values) m.push(x);
      expectClose(m.mean, g.mean, 1e-9, 'mean');
      expectClose(m.std, g.std, 1e-9, 'std');
      expect(m.min).toBe(g.min);
      expect(m.max).toBe(g.max);
      const sorted = sortedCopy(g.values);
      for (const [p, q] of Object.entries(g.quantiles)) {
        expectClose(quantileSorted(sorted, Number(p)), q, 1e-9, `q${p}`);
      }
      expectClose(quantileSorted(sorted, 0.25), g.q1, 1e-9, 'q1');
      expectClose(quantileSorted(sorted, 0.5), g.median, 1e-9, 'median');
      expectClose(quantileSorted(sorted, 0.75), g.q3, 1e-9, 'q3');
      expectClose(medianAbsDeviation(sorted), g.mad, 1e-9, 'mad');
      const out = findOutliers(g.values);
      expect(out.method).toBe(g.outlier_method);
      expect(out.indices).toEqual(g.outliers);
      if (g.fd_edges && g.fd_counts) {
        const bins = g.fd_counts.length;
        if (bins <= MAX_HISTOGRAM_BINS) {
          expect(histogramBinCount(sorted)).toBe(bins);
          const h = histogram(sorted);
          h.edges.forEach((e, i) => expectClose(e, g.fd_edges![i]!, 1e-9, `edge ${i}`));
          expect(h.counts).toEqual(g.fd_counts);
        } else {
          expect(histogramBinCount(sorted)).toBe(MAX_HISTOGRAM_BINS);
          // Same edges rule with fewer bins: numpy's histogram with that many bins.
          expect(histogram(sorted).counts.reduce((a, b) => a + b)).toBe(g.values.length);
        }
      }
    });
  }

  it('falls back to Sturges when the IQR is 0, and handles one value and none', () => {
    const g = dataGolden.datasets.mostly_equal!;
    const sorted = sortedCopy(g.values);
    expect(histogramBinCount(sorted)).toBe(Math.ceil(Math.log2(g.values.length)) + 1);
    expect(histogram(sortedCopy([4, 4, 4]))).toEqual({ edges: [3.5, 4.5], counts: [3] });
    expect(histogram(new Float64Array())).toEqual({ edges: [], counts: [] });
    expect(quantileSorted([], 0.5)).toBeNaN();
    const one = new Moments();
    one.push(3);
    expect(one.std).toBe(0);
  });

  it('sortedCopy sorts numerically and drops NaN', () => {
    expect([...sortedCopy([10, NaN, 9, -1, 100])]).toEqual([-1, 9, 10, 100]);
  });
});
