// The bin mapper, as scikit-learn's `_BinMapper` (sklearn/ensemble/_hist_gradient_boosting/
// binning.py): every feature is mapped to at most `maxBins` (≤ 255) bins for non-missing values
// plus one bin, index `maxBins`, reserved for missing values, so a binned value fits a byte.
//
// - Numeric features: thresholds are the midpoints between distinct values when there are at
//   most `maxBins` of them, else the `maxBins - 1` inner quantiles (numpy's 'midpoint' method),
//   as `_find_binning_thresholds`. Value x goes to bin i iff thresholds[i-1] < x <= thresholds[i].
// - Categorical features: each known category is its own bin (bin = rank of the raw value among
//   the sorted known categories). Unlike sklearn, which wants the codes in [0, maxBins), any
//   integer code is accepted; only the number of categories is bounded by `maxBins`.
//   Unknown categories map to the missing bin, as sklearn's predictor treats them.
//
// sklearn subsamples 200 000 rows before computing quantiles; we use every training row (exact,
// and sorting 10^5–10^6 values per column is cheap next to boosting).

/** sklearn's ALMOST_INF: thresholds are clipped to it so that +Infinity is never a threshold. */
const ALMOST_INF = 1e300;

export interface BinMapper {
  /** Bins for non-missing values (at most); the missing-values bin is `maxBins`. */
  maxBins: number;
  /** Index of the missing-values bin, the same for every feature (`maxBins`). */
  missingBin: number;
  /** Per feature: 1 for categorical. */
  isCategorical: Uint8Array;
  /** Per numeric feature: the increasing upper bounds of its bins (length nBinsNonMissing - 1). */
  thresholds: (Float64Array | null)[];
  /** Per categorical feature: its sorted known raw category values (bin b holds categories[b]). */
  categories: (Float64Array | null)[];
  /** Per feature: how many bins non-missing values actually use. */
  nBinsNonMissing: Int32Array;
}

/**
 * Bin thresholds of one numeric column (missing values already removed), as sklearn's
 * `_find_binning_thresholds`. `sorted` must be ascending; it is not modified.
 */
export function findBinningThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  // Distinct values of the sorted column.
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  let out: Float64Array;
  if (distinct <= maxBins) {
    const uniq = new Float64Array(distinct);
    let j = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq[j++] = sorted[i]!;
    out = new Float64Array(Math.max(0, distinct - 1));
    // numpy: (distinct[:-1] + distinct[1:]) * 0.5
    for (let i = 0; i + 1 < distinct; i++) out[i] = (uniq[i]! + uniq[i + 1]!) * 0.5;
  } else {
    // np.percentile(col, np.linspace(0, 100, maxBins + 1)[1:-1], method='midpoint'):
    // virtual index (n-1)*q; gamma 0 at an exact index, else 0.5, and numpy's lerp for t >= 0.5
    // is b - (b - a) * (1 - t).
    out = new Float64Array(maxBins - 1);
    const step = 100 / maxBins;
    for (let i = 1; i < maxBins; i++) {
      const q = (i * step) / 100;
      const virtual = (n - 1) * q;
      const lo = Math.floor(virtual);
      const hi = Math.min(lo + 1, n - 1);
      const a = sorted[lo]!;
      const b = sorted[hi]!;
      out[i - 1] = virtual - lo === 0 ? a : b - (b - a) * 0.5;
    }
  }
  for (let i = 0; i < out.length; i++) if (out[i]! > ALMOST_INF) out[i] = ALMOST_INF;
  return out;
}

/** Column `f` of a row-major matrix, restricted to `rows` (or all rows), without missing values. */
function nonMissingSorted(
  values: ArrayLike<number>,
  cols: number,
  f: number,
  rows: Int32Array,
): Float64Array {
  const tmp = new Float64Array(rows.length);
  let m = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]! * cols + f]!;
    if (v === v) tmp[m++] = v;
  }
  return tmp.subarray(0, m).sort();
}

/**
 * Fit the bin mapper on the given rows of a row-major matrix. `knownCategories[f]` is the sorted
 * list of categories of feature f (computed on every row, as sklearn does before the early-
 * stopping split), or null for a numeric feature.
 */
export function fitBinMapper(
  values: ArrayLike<number>,
  cols: number,
  rows: Int32Array,
  maxBins: number,
  knownCategories: (number[] | null)[],
): BinMapper {
  const isCategorical = new Uint8Array(cols);
  const thresholds: (Float64Array | null)[] = [];
  const categories: (Float64Array | null)[] = [];
  const nBinsNonMissing = new Int32Array(cols);
  for (let f = 0; f < cols; f++) {
    const cats = knownCategories[f] ?? null;
    if (cats) {
      isCategorical[f] = 1;
      thresholds.push(null);
      categories.push(Float64Array.from(cats));
      nBinsNonMissing[f] = cats.length;
    } else {
      const t = findBinningThresholds(nonMissingSorted(values, cols, f, rows), maxBins);
      thresholds.push(t);
      categories.push(null);
      nBinsNonMissing[f] = t.length + 1;
    }
  }
  return { maxBins, missingBin: maxBins, isCategorical, thresholds, categories, nBinsNonMissing };
}

/** Index of the first element of `arr` that is >= x (binary search; arr ascending). */
function lowerBound(arr: Float64Array, x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The bin of one raw value of feature f. */
export function binValue(mapper: BinMapper, f: number, v: number): number {
  if (v !== v) return mapper.missingBin;
  const cats = mapper.categories[f];
  if (cats) {
    const i = lowerBound(cats, v);
    return i < cats.length && cats[i] === v ? i : mapper.missingBin;
  }
  // Number of thresholds strictly below v, as sklearn's `_map_to_bins` binary search.
  return lowerBound(mapper.thresholds[f]!, v);
}

/** Bin the given rows: a column-major `Uint8Array` of `cols × rows.length` bins. */
export function binRows(
  mapper: BinMapper,
  values: ArrayLike<number>,
  cols: number,
  rows: Int32Array,
): Uint8Array {
  const n = rows.length;
  const out = new Uint8Array(n * cols);
  for (let f = 0; f < cols; f++) {
    const off = f * n;
    for (let i = 0; i < n; i++) out[off + i] = binValue(mapper, f, values[rows[i]! * cols + f]!);
  }
  return out;
}
