// Two-sample drift tests per feature, as scipy computes them and Evidently chooses and thresholds
// them. Reference values: tests/fixtures/golden/make-monitoring-golden.py (scipy 1.10).
//
// Evidently (src/evidently/legacy/calculations/stattests, v0.7.21) is the model for the choice of
// test, the thresholds, the normalisation of the Wasserstein distance, the χ² variant and the
// binning of Jensen–Shannon and PSI; scipy is the model for every statistic and p-value.
import { kstwoSf } from './kolmogorov-n';
import { chiSquareSf, twoSidedNormalP } from './special';
import type {
  CategoryValue,
  ColumnDrift,
  ColumnKind,
  DatasetDrift,
  DriftTestId,
  TestResult,
} from './types';

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov

/** scipy's ks_2samp(method='auto') is exact when max(n1, n2) ≤ this, asymptotic above. */
export const KS_MAX_EXACT_N = 10_000;

export interface KsResult extends TestResult {
  /** 'exact' (lattice-path count) or 'asymp' (limiting Kolmogorov distribution). */
  method: 'exact' | 'asymp';
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Pr(D ≥ h/n) for equal sample sizes n: scipy's `_compute_prob_outside_square`, the alternating
 * reflection sum 2·Σ (−1)^{k−1} C(2n, n − kh)/C(2n, n) evaluated Horner-style.
 */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * Proportion of lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h/lcm:
 * scipy's `_compute_outer_prob_inside_method` (Hodges 1958, computed as 1 − p directly following
 * Viehmann 2021, arXiv:2102.08037), one sliding column at a time. O(m · band) time.
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) a[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    for (let k = curlen; k < curlen + Math.max(0, lastlen - curlen) && k < lenA; k++) a[k] = 1;
  }
  return a[maxj - minj - 1]!;
}

/**
 * Two-sample, two-sided Kolmogorov–Smirnov test as scipy.stats.ks_2samp(method='auto') (scipy
 * 1.10): the statistic is max |F₁ − F₂| over the pooled values (ties handled by right-continuous
 * ECDFs); the p-value is exact (lattice paths) when max(n1, n2) ≤ 10,000, and above it scipy's
 * asymptotic branch kstwo.sf(D, round(n1·n2/(n1+n2))) — the exact one-sample Kolmogorov
 * distribution at the effective size ({@link kstwoSf}), not the limiting kstwobign. scipy also
 * falls back to 'asymp' when the exact count under/overflows; so do we (non-finite or
 * out-of-range result).
 */
export function ksTwoSample(reference: ArrayLike<number>, current: ArrayLike<number>): KsResult {
  const a = Float64Array.from(reference)
    .filter((x) => !Number.isNaN(x))
    .sort();
  const b = Float64Array.from(current)
    .filter((x) => !Number.isNaN(x))
    .sort();
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ksTwoSample: both samples must be non-empty');
  // Walk the pooled distinct values; the largest |i·n2 − j·n1| is the statistic times n1·n2.
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    const diff = Math.abs(i * n2 - j * n1);
    if (diff > best) best = diff;
  }
  const g = gcd(n1, n2);
  let d = best / (n1 * n2);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    // h = D·lcm(n1, n2) is an integer: |i·n2 − j·n1| / g.
    const h = best / g;
    if (h === 0) return { statistic: 0, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) {
      d = h / ((n1 / g) * n2);
      return { statistic: d, pValue: p, method: 'exact' };
    }
  }
  return { statistic: d, pValue: ksAsymptoticP(d, n1, n2), method: 'asymp' };
}

/** numpy's round (half to even), as np.round(en) in ks_2samp. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * ks_2samp's asymptotic two-sided p-value: kstwo.sf(D, round(en)), en = m·n/(m + n) with m ≥ n
 * (scipy sorts the sizes first; the product is the same, the rounding of en may not be).
 */
export function ksAsymptoticP(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  return Math.min(1, Math.max(0, kstwoSf(d, roundHalfEven((m * n) / (m + n)))));
}

// ---------------------------------------------------------------------------------------------
// Category counts, χ² and the two-proportion Z-test

/** Counts of each category in reference and current, over the union of their categories. */
export interface CategoryCounts {
  /** Categories in first-seen order (reference first, then current). */
  categories: CategoryValue[];
  reference: Float64Array;
  current: Float64Array;
}

/** Aligned category counts; null, undefined and NaN are missing values and are not counted. */
export function categoryCounts(
  reference: ArrayLike<CategoryValue | null | undefined>,
  current: ArrayLike<CategoryValue | null | undefined>,
): CategoryCounts {
  const index = new Map<CategoryValue, number>();
  const ref: number[] = [];
  const cur: number[] = [];
  const add = (values: ArrayLike<CategoryValue | null | undefined>, target: number[]) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
      let k = index.get(v);
      if (k === undefined) {
        k = index.size;
        index.set(v, k);
        ref.push(0);
        cur.push(0);
      }
      target[k]!++;
    }
  };
  add(reference, ref);
  add(current, cur);
  return {
    categories: [...index.keys()],
    reference: Float64Array.from(ref),
    current: Float64Array.from(cur),
  };
}

export interface ChiSquareResult extends TestResult {
  dof: number;
}

/**
 * χ² test of homogeneity on the 2 × K table [reference counts; current counts], as
 * scipy.stats.chi2_contingency(correction=True): expected = row total × column total / N, Yates'
 * continuity correction (|O − E| reduced by min(0.5, |O − E|)) only when dof = 1 (a 2 × 2 table),
 * p = χ²_{K−1}.sf(statistic). Categories absent from both samples must not be passed (scipy
 * rejects zero expected counts); one category (dof 0) gives statistic 0, p = 1 as scipy does.
 *
 * Evidently's own `chisquare_stattest` instead runs scipy.stats.chisquare(current, reference ×
 * n_cur/n_ref), a goodness-of-fit test that treats the reference frequencies as exact: see
 * {@link chiSquareGoodnessOfFit}. The contingency test is the right one when both samples are
 * random (its p-values are larger, so it alarms less on small references).
 */
export function chiSquareContingency(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): ChiSquareResult {
  const k = reference.length;
  if (current.length !== k) throw new RangeError('chiSquareContingency: count lengths differ');
  let r0 = 0;
  let r1 = 0;
  for (let j = 0; j < k; j++) {
    r0 += reference[j]!;
    r1 += current[j]!;
  }
  const total = r0 + r1;
  const dof = k - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  let stat = 0;
  for (let j = 0; j < k; j++) {
    const col = reference[j]! + current[j]!;
    for (const [obs, row] of [
      [reference[j]!, r0],
      [current[j]!, r1],
    ] as const) {
      const exp = (row * col) / total;
      if (!(exp > 0)) throw new RangeError('chiSquareContingency: a zero expected count');
      let o = obs;
      if (dof === 1) {
        const diff = exp - o;
        o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      stat += ((o - exp) * (o - exp)) / exp;
    }
  }
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof };
}

/**
 * Evidently's χ² variant: scipy.stats.chisquare(f_obs = current counts, f_exp = reference counts
 * × n_current / n_reference), dof K − 1. A category seen only in the current sample has expected
 * count 0: statistic ∞, p = 0 (as scipy returns).
 */
export function chiSquareGoodnessOfFit(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): ChiSquareResult {
  const k = reference.length;
  let nRef = 0;
  let nCur = 0;
  for (let j = 0; j < k; j++) {
    nRef += reference[j]!;
    nCur += current[j]!;
  }
  const scale = nCur / nRef;
  let stat = 0;
  for (let j = 0; j < k; j++) {
    const exp = reference[j]! * scale;
    const d = current[j]! - exp;
    stat += exp === 0 ? (d === 0 ? NaN : Infinity) : (d * d) / exp;
  }
  const dof = k - 1;
  return { statistic: stat, pValue: stat === Infinity ? 0 : chiSquareSf(stat, dof), dof };
}

/**
 * Two-proportion Z-test (Evidently's `z_stat_test`): z = (p₁ − p₂)/√(P(1 − P)(1/n₁ + 1/n₂)) with
 * the pooled P, two-sided normal p. `refHits`/`curHits` count one chosen category (either: the
 * test is symmetric). Evidently returns p = 1 when both samples hold the same single value; a
 * pooled P of 0 or 1 can only mean that, so we do the same. Evidently's 2·(1 − Φ(|z|)) loses
 * every digit below 1e-16; ours is erfc(|z|/√2).
 */
export function zTestProportions(
  refHits: number,
  refN: number,
  curHits: number,
  curN: number,
): TestResult {
  const p1 = refHits / refN;
  const p2 = curHits / curN;
  const pooled = (refHits + curHits) / (refN + curN);
  if (pooled <= 0 || pooled >= 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / refN + 1 / curN));
  return { statistic: z, pValue: twoSidedNormalP(z) };
}

// ---------------------------------------------------------------------------------------------
// Distances

/**
 * 1-Wasserstein (earth mover's) distance between two empirical distributions:
 * ∫ |F₁ − F₂| dx over the pooled sorted values (scipy.stats.wasserstein_distance, unweighted).
 */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return NaN;
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let total = 0;
  while (i < n1 || j < n2) {
    const x = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    total += Math.abs(i / n1 - j / n2) * (x - prev);
    prev = x;
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
  }
  return total;
}

/** Evidently's floor on the reference standard deviation, so a constant column stays finite. */
export const WASSERSTEIN_MIN_STD = 0.001;

/**
 * Wasserstein distance in units of the reference's population standard deviation (ddof 0,
 * numpy's default), floored at 0.001: Evidently's `wasserstein_distance_norm`.
 */
export function normalizedWasserstein(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): number {
  let mean = 0;
  for (let i = 0; i < reference.length; i++) mean += reference[i]!;
  mean /= reference.length;
  let ss = 0;
  for (let i = 0; i < reference.length; i++) ss += (reference[i]! - mean) ** 2;
  const std = Math.sqrt(ss / reference.length);
  return wassersteinDistance(reference, current) / Math.max(std, WASSERSTEIN_MIN_STD);
}

/** x·ln(x/y) with scipy.special.rel_entr's conventions (0 at x = 0, ∞ when y = 0 < x). */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * Jensen–Shannon distance (the square root of the divergence), natural log, as
 * scipy.spatial.distance.jensenshannon(p, q) with base=None — Evidently's convention: its
 * threshold 0.1 is on this distance. Inputs are normalised to sum 1. In base 2 divide by √ln 2.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const k = p.length;
  if (q.length !== k) throw new RangeError('jensenShannonDistance: lengths differ');
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < k; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < k; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  return Math.sqrt((left + right) / 2);
}

/**
 * Population stability index Σ (r − c)·ln(r/c) over bin shares (Evidently's `psi`; ≥ 0.1 is
 * drift). Shares must be floored already (see {@link binnedShares}'s `fillZeroes`).
 */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

// ---------------------------------------------------------------------------------------------
// Binning (Evidently's get_binned_data)

export interface BinnedShares {
  /** Bin edges (numeric binning) or null (one bin per category). */
  edges: number[] | null;
  reference: Float64Array;
  current: Float64Array;
}

/** numpy's histogram_bin_edges(x, bins='sturges') over ascending `sorted` values. */
export function sturgesEdges(sorted: ArrayLike<number>): number[] {
  const n = sorted.length;
  let first = sorted[0]!;
  let last = sorted[n - 1]!;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  // numpy: width = ptp / (log2 n + 1), bins = ceil(range / width) (1 when the width is 0).
  const ptp = sorted[n - 1]! - sorted[0]!;
  const width = ptp / (Math.log2(n) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  // np.linspace: start + i·step, the last edge set exactly to stop.
  const step = (last - first) / bins;
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(first + i * step);
  edges.push(last);
  return edges;
}

/**
 * Shares of `values` in the bins `edges` as np.histogram(values, edges) / n: bins are half-open
 * [e_i, e_{i+1}) except the last, which includes its right edge; values outside are not counted.
 */
export function histogramShares(values: ArrayLike<number>, edges: readonly number[]): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const last = edges[bins]!;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x >= edges[0]!) || x > last) continue;
    // upper bound: first edge > x
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[Math.min(lo - 1, bins - 1)]!++;
  }
  for (let b = 0; b < bins; b++) counts[b]! /= values.length;
  return counts;
}

/** Evidently's get_binned_data zero fill: min nonzero share / 10⁶ if that is ≤ 1e-4, else 1e-4. */
function fillZeroes(shares: Float64Array): void {
  let min = Infinity;
  for (const s of shares) if (s > 0 && s < min) min = s;
  const fill = min <= 1e-4 ? min / 1e6 : 1e-4;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}

export type Binning = 'evidently' | 'reference-quantiles';

/**
 * Evidently's get_binned_data bins a numeric column when its reference has more than 20 distinct
 * values (`reference_data.nunique() > 20`), for PSI and Jensen–Shannon alike; its `n` argument
 * (n_bins = 30) is not used by that rule. Fewer distinct values: one bin per value.
 */
export const BINNING_MIN_DISTINCT = 20;

export interface BinningOptions {
  /**
   * Numeric columns with more distinct reference values than this are binned (else: per value);
   * Evidently's rule is {@link BINNING_MIN_DISTINCT}.
   */
  maxCategories: number;
  fillZeroes: boolean;
  /**
   * 'evidently': Sturges' equal-width bins over reference ∪ current (Evidently's default).
   * 'reference-quantiles': `quantileBins` equal-frequency bins from the reference's quantiles
   * (the common PSI convention; needs only the stored reference profile), outer edges ±∞.
   */
  binning: Binning;
  quantileBins: number;
}

function sortedFinite(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values)
    .filter((x) => !Number.isNaN(x))
    .sort();
}

function distinctSorted(sorted: Float64Array): number {
  let d = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) d++;
  return d;
}

/**
 * Reference and current shares per bin (numeric) or per category, as Evidently's
 * get_binned_data(reference, current, feature_type, n, feel_zeroes).
 */
export function binnedShares(
  reference: ArrayLike<number> | ArrayLike<CategoryValue | null | undefined>,
  current: ArrayLike<number> | ArrayLike<CategoryValue | null | undefined>,
  kind: ColumnKind,
  options: BinningOptions,
): BinnedShares {
  let out: BinnedShares;
  const numeric = kind === 'numeric';
  const ref = numeric ? sortedFinite(reference as ArrayLike<number>) : null;
  if (ref && distinctSorted(ref) > options.maxCategories) {
    const cur = sortedFinite(current as ArrayLike<number>);
    let edges: number[];
    if (options.binning === 'evidently') {
      const pooled = new Float64Array(ref.length + cur.length);
      pooled.set(ref);
      pooled.set(cur, ref.length);
      edges = sturgesEdges(pooled.sort());
    } else {
      const inner: number[] = [];
      for (let b = 1; b < options.quantileBins; b++) {
        const h = (ref.length - 1) * (b / options.quantileBins);
        const lo = Math.floor(h);
        const q = ref[lo]! + (h - lo) * (ref[Math.min(lo + 1, ref.length - 1)]! - ref[lo]!);
        if (inner.length === 0 || q > inner[inner.length - 1]!) inner.push(q);
      }
      edges = [-Infinity, ...inner, Infinity];
    }
    out = { edges, reference: histogramShares(ref, edges), current: histogramShares(cur, edges) };
  } else {
    const counts = categoryCounts(reference, current);
    const nRef = counts.reference.reduce((s, x) => s + x, 0);
    const nCur = counts.current.reduce((s, x) => s + x, 0);
    out = {
      edges: null,
      reference: counts.reference.map((c) => c / nRef),
      current: counts.current.map((c) => c / nCur),
    };
  }
  if (options.fillZeroes) {
    fillZeroes(out.reference);
    fillZeroes(out.current);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Choice of test and the drift verdict (Evidently's defaults)

/** Evidently's defaults: p-value tests alarm below, distances at or above their threshold. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTestId, number>> = {
  ks: 0.05,
  'chi-square': 0.05,
  z: 0.05,
  wasserstein: 0.1,
  'jensen-shannon': 0.1,
  psi: 0.1,
};

/** Evidently's switch from p-value tests to distances. */
export const SMALL_REFERENCE_MAX_ROWS = 1000;

/** Tests whose value is a p-value (drift when below the threshold). */
export function isPValueTest(test: DriftTestId): boolean {
  return test === 'ks' || test === 'chi-square' || test === 'z';
}

/**
 * Evidently's default test (`get_default_stattest`): `distinctValues` counts reference ∪ current.
 * Reference ≤ 1,000 rows: numeric with > 5 distinct values → KS; otherwise χ² (> 2 distinct)
 * or Z (binary). Larger references: numeric with > 5 distinct → normalised Wasserstein, anything
 * else → Jensen–Shannon.
 */
export function chooseTest(
  column: { kind: ColumnKind; distinctValues: number },
  referenceSize: number,
): DriftTestId {
  const many = column.kind === 'numeric' && column.distinctValues > 5;
  if (referenceSize <= SMALL_REFERENCE_MAX_ROWS) {
    if (many) return 'ks';
    return column.distinctValues > 2 ? 'chi-square' : 'z';
  }
  return many ? 'wasserstein' : 'jensen-shannon';
}

export interface ColumnDriftOptions {
  /** Per-column override of the test; default {@link chooseTest}. */
  test?: DriftTestId;
  /** Override of the test's threshold; default {@link DEFAULT_THRESHOLDS}. */
  threshold?: number;
  /** PSI / Jensen–Shannon binning of numeric columns (default 'evidently'). */
  binning?: Binning;
}

/**
 * Drift of one column between reference and current values (NaN / null are missing and
 * dropped). Numeric columns are number arrays; categorical and binary columns any category values.
 */
export function columnDrift(
  name: string,
  kind: ColumnKind,
  reference: ArrayLike<number> | ArrayLike<CategoryValue | null | undefined>,
  current: ArrayLike<number> | ArrayLike<CategoryValue | null | undefined>,
  options: ColumnDriftOptions = {},
): ColumnDrift {
  const counts = categoryCounts(reference, current);
  const referenceSize = counts.reference.reduce((s, x) => s + x, 0);
  const currentSize = counts.current.reduce((s, x) => s + x, 0);
  const test =
    options.test ?? chooseTest({ kind, distinctValues: counts.categories.length }, referenceSize);
  const threshold = options.threshold ?? DEFAULT_THRESHOLDS[test];
  const binning = options.binning ?? 'evidently';
  let value: number;
  let statistic: number | undefined;
  switch (test) {
    case 'ks': {
      const r = ksTwoSample(reference as ArrayLike<number>, current as ArrayLike<number>);
      value = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'chi-square': {
      // Evidently's `chisquare` stattest: goodness of fit against the reference proportions.
      const r = chiSquareGoodnessOfFit(counts.reference, counts.current);
      value = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'z': {
      const r = zTestProportions(
        counts.reference[0] ?? 0,
        referenceSize,
        counts.current[0] ?? 0,
        currentSize,
      );
      value = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'wasserstein':
      value = normalizedWasserstein(
        sortedFinite(reference as ArrayLike<number>),
        sortedFinite(current as ArrayLike<number>),
      );
      break;
    case 'jensen-shannon': {
      const b = binnedShares(reference, current, kind, {
        maxCategories: BINNING_MIN_DISTINCT,
        fillZeroes: false,
        binning,
        quantileBins: 10,
      });
      value = jensenShannonDistance(b.reference, b.current);
      break;
    }
    case 'psi': {
      const b = binnedShares(reference, current, kind, {
        maxCategories: BINNING_MIN_DISTINCT,
        fillZeroes: true,
        binning,
        quantileBins: 10,
      });
      value = populationStabilityIndex(b.reference, b.current);
      break;
    }
    default: {
      const never: never = test;
      throw new Error(`columnDrift: unknown test ${String(never)}`);
    }
  }
  const drifted = isPValueTest(test) ? value < threshold : value >= threshold;
  return {
    column: name,
    kind,
    test,
    value,
    ...(statistic === undefined ? {} : { statistic }),
    threshold,
    drifted,
    referenceSize,
    currentSize,
  };
}

/** Evidently's dataset-drift share: the dataset drifts when ≥ this share of columns drift. */
export const DATASET_DRIFT_SHARE = 0.5;

/** Dataset drift from per-column results (Evidently's DatasetDriftMetric, drift_share 0.5). */
export function datasetDrift(
  columns: readonly ColumnDrift[],
  share = DATASET_DRIFT_SHARE,
): DatasetDrift {
  const drifted = columns.filter((c) => c.drifted).length;
  const driftShare = columns.length ? drifted / columns.length : 0;
  return {
    columns: [...columns],
    driftedColumns: drifted,
    driftShare,
    drifted: columns.length > 0 && driftShare >= share,
  };
}
