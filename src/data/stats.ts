// Descriptive statistics for the quality report, from their definitions, tested against numpy and
// scipy reference values (tests/fixtures/golden/data-stats.json).
import type { Histogram } from './quality-types';

/** Streaming mean and variance (Welford 1962; the update form of Knuth TAOCP vol. 2, 4.2.2). */
export class Moments {
  n = 0;
  mean = 0;
  #m2 = 0;
  min = Infinity;
  max = -Infinity;

  push(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.#m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Sample standard deviation (ddof = 1); 0 with fewer than two values. */
  get std(): number {
    return this.n > 1 ? Math.sqrt(this.#m2 / (this.n - 1)) : 0;
  }
}

/**
 * Quantile `p` of ascending `sorted` values by linear interpolation between order statistics
 * (Hyndman & Fan 1996 method 7; numpy's default `method='linear'`, R's type 7). NaN when empty.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  return a + (h - lo) * (b - a);
}

/** A sorted Float64Array copy of the values (NaN dropped). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values).filter((x) => !Number.isNaN(x));
  return out.sort();
}

/** Median absolute deviation, unscaled: median(|x − median(x)|) (scipy's `scale=1.0`). */
export function medianAbsDeviation(sorted: ArrayLike<number>): number {
  const med = quantileSorted(sorted, 0.5);
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i]! - med);
  return quantileSorted(dev.sort(), 0.5);
}

/** Most bins a histogram gets, so charts stay readable and reports small. */
export const MAX_HISTOGRAM_BINS = 50;

/**
 * Number of equal-width bins for ascending `sorted` values: Freedman–Diaconis (1981), width
 * 2·IQR·n^(−1/3) over the data range (numpy's `bins='fd'`), at most {@link MAX_HISTOGRAM_BINS}.
 * When the IQR is 0 (numpy then returns 1 bin) we use Sturges' rule, ⌈log2 n⌉ + 1, which still
 * shows the shape of a column that is mostly one value. 1 bin for a single distinct value.
 */
export function histogramBinCount(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const range = sorted[n - 1]! - sorted[0]!;
  if (range === 0) return 1;
  const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  const bins =
    iqr > 0 ? Math.ceil(range / (2 * iqr * Math.cbrt(1 / n))) : Math.ceil(Math.log2(n)) + 1;
  return Math.max(1, Math.min(MAX_HISTOGRAM_BINS, bins));
}

/**
 * Equal-width histogram of ascending `sorted` values, edges as numpy's `histogram_bin_edges`
 * (`linspace(min, max, bins + 1)`; a single value v gets the range [v − 0.5, v + 0.5]); the last
 * bin includes its right edge.
 */
export function histogram(sorted: ArrayLike<number>, bins = histogramBinCount(sorted)): Histogram {
  const n = sorted.length;
  if (n === 0 || bins === 0) return { edges: [], counts: [] };
  let first = sorted[0]!;
  let last = sorted[n - 1]!;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(first + ((last - first) * i) / bins);
  edges.push(last);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const x = sorted[i]!;
    let b = Math.min(bins - 1, Math.floor(((x - first) / (last - first)) * bins));
    // Rounding in the division can land a value one bin off its edges: correct as numpy does.
    if (b > 0 && x < edges[b]!) b--;
    else if (b < bins - 1 && x >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return { edges, counts };
}

/** Iglewicz & Hoaglin (1993): |modified z| above this marks an outlier. */
export const MODIFIED_Z_THRESHOLD = 3.5;
/** Φ⁻¹(0.75): makes the MAD a consistent estimator of σ for normal data. */
const MAD_TO_SIGMA = 0.6745;

export type OutlierMethod = 'modified-z' | 'tukey';

/**
 * Indices (into `values`) of outliers. Modified z-score M = 0.6745·(x − median)/MAD, outlier when
 * |M| > 3.5 (Iglewicz & Hoaglin 1993). When MAD = 0 (more than half the values equal) M is
 * undefined, so Tukey's fences (1977) are used: x < Q1 − 1.5·IQR or x > Q3 + 1.5·IQR.
 */
export function findOutliers(values: ArrayLike<number>): {
  method: OutlierMethod;
  indices: number[];
} {
  const sorted = sortedCopy(values);
  const indices: number[] = [];
  if (sorted.length === 0) return { method: 'modified-z', indices };
  const med = quantileSorted(sorted, 0.5);
  const mad = medianAbsDeviation(sorted);
  if (mad > 0) {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (Math.abs((MAD_TO_SIGMA * (x - med)) / mad) > MODIFIED_Z_THRESHOLD) indices.push(i);
    }
    return { method: 'modified-z', indices };
  }
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const lo = q1 - 1.5 * (q3 - q1);
  const hi = q3 + 1.5 * (q3 - q1);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x < lo || x > hi) indices.push(i);
  }
  return { method: 'tukey', indices };
}
