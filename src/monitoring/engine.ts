// The monitoring engine's pure part: one window of production traffic against a version's
// reference profile → a report with every signal, its evidence and the ensemble state; and the
// performance track, which replays the delayed-label error stream through DDM, ADWIN and
// Page-Hinkley and cuts it into the same windows. No DOM, Dexie or TF.js: the runner
// (monitor-runner.ts) feeds it from the database; tests and benchmarks call it directly.
//
// Cost is bounded per window: the tests run on the profile's sample (≤ 5,000 rows) and on at most
// `maxTestRows` current rows (a seeded subsample; counts, rates and histograms use every row), so
// a window costs a few milliseconds on the main thread whatever its size (see README).
import { createRng, randInt } from '../lib/rng';
import {
  Adwin,
  Ddm,
  PageHinkley,
  type PageHinkleyOptions,
  type StreamingDetector,
} from './detectors';
import {
  columnDrift,
  DEFAULT_THRESHOLDS,
  isPValueTest,
  chooseTest,
  ksTwoSample,
  ksAsymptoticP,
  KS_MAX_EXACT_N,
  WASSERSTEIN_MIN_STD,
  zTestProportions,
  jensenShannonDistance,
  binnedShares,
  BINNING_MIN_DISTINCT,
  populationStabilityIndex,
  chiSquareGoodnessOfFit,
} from './drift-tests';
import { DEFAULT_ENSEMBLE_RULE, ensembleState, type EnsembleRule, type Signal } from './ensemble';
import { mmdTest } from './mmd';
import { erfc } from './special';
import { IsolationForest, MahalanobisDetector, OUTLIER_QUANTILE } from './outliers';
import {
  maxProbability,
  predictedClassCounts,
  predictedClassDrift,
  predictiveEntropy,
  type UncertaintyMeasure,
} from './prediction-drift';
import {
  numericSample,
  type CategoricalFeatureProfile,
  type NumericFeatureProfile,
  type ReferenceAccuracy,
  type ReferenceProfile,
} from './reference-profile';
import type { ColumnDrift, DetectorState, DriftState, DriftTestId, SignalGroup } from './types';
import type { WindowSpec } from './windows';

/** What the user can set on the Monitor page (stored per project). */
export interface MonitorSettings {
  window: WindowSpec;
  /** Per-column test and/or threshold instead of the automatic choice. */
  overrides: Record<string, { test?: DriftTestId; threshold?: number }>;
  /** Also compute PSI per feature (shown, not voted on unless chosen as a column's test). */
  psi: boolean;
  uncertainty: UncertaintyMeasure;
  rule: EnsembleRule;
  /**
   * Production sources' target columns as delayed labels: null (default) = no, the labels come
   * only from the label log (a replay's revealed labels, a labels file, the labeling panel); a
   * number = yes, arriving at the row's `label_at` / `<target>_at` datetime when the source has
   * one, else this many ms after the prediction.
   */
  labelLagMs: number | null;
}

export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = {
  window: { by: 'count', size: 500 },
  overrides: {},
  psi: false,
  uncertainty: 'entropy',
  rule: DEFAULT_ENSEMBLE_RULE,
  labelLagMs: null,
};

/** Current rows beyond this are subsampled (seeded) for the two-sample tests. */
export const DEFAULT_MAX_TEST_ROWS = 5_000;
/** Outlier rate alarms: expected 1 − 0.99 = 1% by construction of the threshold. */
export const OUTLIER_WARNING_RATE = 0.02;
export const OUTLIER_DRIFT_RATE = 0.03;
/** p-value thresholds of the prediction, uncertainty and windowed-accuracy tests. */
export const PREDICTION_P_THRESHOLD = 0.05;
export const ACCURACY_DRIFT_P = 0.01;
export const ACCURACY_WARNING_P = 0.05;
/** Fewer labels than this in a window: no accuracy test (too noisy). */
export const MIN_LABELS_FOR_ACCURACY = 30;
/** Items kept per window as labeling candidates (outliers, drifted regions). */
export const MAX_CANDIDATES_PER_WINDOW = 50;

/** Current feature values of a window: numbers (NaN = missing) or category strings. */
export type CurrentColumn = Float64Array | (string | null)[];

export interface WindowInput {
  itemIds: readonly string[];
  features: Record<string, CurrentColumn>;
  /** `rows × classIds.length`, in the profile's class order. */
  probabilities: ArrayLike<number>;
  /** Penultimate-layer embeddings (image/text), `rows × dim`. */
  embeddings?: { values: ArrayLike<number>; dim: number };
}

export interface FeatureHistogram {
  /** Numeric: the profile's histogram edges; the first and last counts are below/above them. */
  edges: number[] | null;
  /** Categorical: the profile's categories, then new ones seen in the window. */
  categories: string[] | null;
  reference: number[];
  current: number[];
}

export interface FeatureReport extends ColumnDrift {
  psi?: number;
  histogram: FeatureHistogram;
}

export interface Candidate {
  itemId: string;
  reason: 'outlier' | 'drifted-region';
  /** Higher first: outlier score over threshold, or current/reference share of the item's bin. */
  score: number;
  detail: string;
}

export type PerformanceDetector = 'ddm' | 'adwin' | 'pageHinkley';

export interface PerformanceWindow {
  /** Labels of the window's predictions (each joined to its prediction by item). */
  labelled: number;
  correct: number;
  accuracy: number | null;
  macroF1: number | null;
  errorRate: number | null;
  /**
   * The worst state each detector reached on the window's arrivals; 'ok' for a detector listed
   * in `warmingUp`.
   */
  detectors: { ddm: DetectorState; adwin: DetectorState; pageHinkley: DetectorState };
  /**
   * Detectors that had not finished their warm-up (river's minimum instances: DDM 30, ADWIN 10,
   * Page-Hinkley 30, counted since their last reset) when the window opened: their verdicts in
   * this window are not reported or voted (absent in windows stored before).
   */
  warmingUp?: PerformanceDetector[];
  /**
   * One-sided z-test of the window's accuracy against the reference accuracy: two-proportion
   * (pooled) when the reference's label count is known, else against the reference as exact.
   */
  accuracyTest: {
    referenceAccuracy: number;
    /** Labels the reference accuracy was measured on (null: unknown, one-sample test). */
    referenceCount?: number | null;
    z: number;
    pValue: number;
    state: DriftState;
  } | null;
  /** Recall and precision per class (absent in windows stored before). */
  perClass?: ClassPerformance[];
  /**
   * Label (target) drift of the window's labels against the reference class proportions
   * ({@link labelDrift}); null with fewer than 30 labels on either side (absent before).
   */
  labelDrift?: {
    statistic: number;
    pValue: number;
    drifted: boolean;
    referenceCounts: number[];
    currentCounts: number[];
  } | null;
}

export interface WindowReport {
  rows: number;
  features: FeatureReport[];
  dataset: { driftedColumns: number; driftShare: number; drifted: boolean };
  prediction: {
    statistic: number;
    pValue: number;
    drifted: boolean;
    referenceCounts: number[];
    currentCounts: number[];
    /** Each class's predicted share against the reference's (absent in windows stored before). */
    perClass?: ClassPredictionDrift[];
  } | null;
  uncertainty: {
    measure: UncertaintyMeasure;
    statistic: number;
    pValue: number;
    drifted: boolean;
    referenceMean: number;
    currentMean: number;
  } | null;
  outliers: {
    method: 'isolation-forest' | 'mahalanobis';
    /** Outliers among the scored rows (the window's rows, or its ≤ maxTestRows sample). */
    count: number;
    rate: number;
    threshold: number;
    state: DriftState;
    /**
     * Every flagged item with its score (score > threshold), highest first: the per-item flags
     * the page lists and exports, whereas `candidates` keeps the best 50 of outliers and
     * drifted regions together for the labeling queue. Absent in windows stored before.
     */
    items?: { itemId: string; score: number }[];
  } | null;
  embedding: { mmd2: number; pValue: number; drifted: boolean } | null;
  performance: PerformanceWindow | null;
  signals: Signal[];
  ensemble: {
    state: DriftState;
    reason: string;
    groups: Record<
      SignalGroup,
      { state: DriftState; drifted: number; signals: number; observed: boolean }
    >;
  };
  candidates: Candidate[];
}

/** One class's share of the predictions, reference vs window. */
export interface ClassPredictionDrift {
  classId: string;
  referenceShare: number;
  currentShare: number;
  /** Two-proportion Z-test (Evidently's `z_stat_test`), two-sided. */
  pValue: number;
  drifted: boolean;
}

/**
 * Predicted-class drift per class: the class's share of the window's predictions against its
 * share of the reference's, by the two-proportion Z-test, p < 0.05. Shown per class (a rare
 * class whose predictions rose 4× while the K-class χ² stayed under its threshold), not voted:
 * K tests at 5% would raise some class in most windows of unchanged traffic.
 */
export function perClassPredictionDrift(
  classIds: readonly string[],
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
): ClassPredictionDrift[] {
  let nRef = 0;
  let nCur = 0;
  for (let j = 0; j < classIds.length; j++) {
    nRef += referenceCounts[j]!;
    nCur += currentCounts[j]!;
  }
  return classIds.map((classId, j) => {
    const r = referenceCounts[j]!;
    const c = currentCounts[j]!;
    const pValue = nRef > 0 && nCur > 0 ? zTestProportions(r, nRef, c, nCur).pValue : 1;
    return {
      classId,
      referenceShare: nRef ? r / nRef : 0,
      currentShare: nCur ? c / nCur : 0,
      pValue,
      drifted: pValue < PREDICTION_P_THRESHOLD,
    };
  });
}

/** Outlier detectors fitted once per profile (deterministic: the same profile gives the same). */
export interface FittedReference {
  profile: ReferenceProfile;
  numeric: {
    feature: NumericFeatureProfile;
    sorted: Float64Array;
    sample: Float64Array;
    std: number;
  }[];
  categorical: CategoricalFeatureProfile[];
  forest: { model: IsolationForest; features: string[]; fill: number[] } | null;
  mahalanobis: MahalanobisDetector | null;
  referenceUncertainty: Record<UncertaintyMeasure, Float64Array> | null;
}

/** Pre-sorts the reference samples and fits the outlier detector (isolation forest or Mahalanobis). */
export function fitReference(profile: ReferenceProfile): FittedReference {
  const numeric = profile.features
    .filter((f): f is NumericFeatureProfile => f.kind === 'numeric')
    .map((feature) => {
      const sample = numericSample(feature);
      const sorted = sample.filter((x) => !Number.isNaN(x)).sort();
      return { feature, sample, sorted, std: populationStd(sorted) };
    });
  const categorical = profile.features.filter(
    (f): f is CategoricalFeatureProfile => f.kind !== 'numeric',
  );
  let forest: FittedReference['forest'] = null;
  const rows = profile.sampleItemIds.length;
  if (numeric.length > 0 && rows >= 10 && !profile.embedding) {
    // Missing values take the reference median, so a missing value alone is not an outlier.
    const fill = numeric.map((n) => quantileOf(n.sorted, 0.5));
    const dim = numeric.length;
    const x = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < dim; f++) {
        const v = numeric[f]!.sample[r]!;
        x[r * dim + f] = Number.isNaN(v) ? fill[f]! : v;
      }
    }
    forest = {
      model: new IsolationForest(x, rows, dim, { seed: profile.seed }),
      features: numeric.map((n) => n.feature.name),
      fill,
    };
  }
  let mahalanobis: MahalanobisDetector | null = null;
  const emb = profile.embedding;
  if (emb && emb.rows > emb.dim) {
    mahalanobis = new MahalanobisDetector(emb.values, emb.rows, emb.dim);
  }
  const pred = profile.predictions;
  return {
    profile,
    numeric,
    categorical,
    forest,
    mahalanobis,
    referenceUncertainty: pred
      ? {
          entropy: Float64Array.from(pred.entropy).sort(),
          'max-prob': Float64Array.from(pred.maxProb).sort(),
        }
      : null,
  };
}

function quantileOf(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, n - 1)]! - sorted[lo]!);
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return a.length ? s / a.length : 0;
}

/** `values` at the picked rows (the array itself when every row is picked). */
function pick(values: Float64Array, picked: Int32Array): Float64Array {
  if (picked.length === values.length) return values;
  const out = new Float64Array(picked.length);
  for (let k = 0; k < picked.length; k++) out[k] = values[picked[k]!]!;
  return out;
}

/** A sorted copy without NaN. */
function finiteSorted(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[m++] = values[i]!;
  return out.subarray(0, m).sort();
}

/** Seeded subsample of row indexes (all rows when n ≤ max), in ascending order. */
export function subsampleRows(n: number, max: number, seed: number): Int32Array {
  if (n <= max) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const rng = createRng(seed);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < max; i++) {
    const j = i + randInt(rng, n - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, max).sort();
}

function countDistinctSorted(a: Float64Array, b: Float64Array, cap: number): number {
  // Distinct values of the union of two sorted arrays, counting stops at `cap`.
  let i = 0;
  let j = 0;
  let d = 0;
  let last = Number.NaN;
  while ((i < a.length || j < b.length) && d <= cap) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (v !== last) {
      d++;
      last = v;
    }
  }
  return d;
}

/**
 * scipy's wasserstein_distance (as drift-tests.ts's `wassersteinDistance`, tested against it)
 * for samples that are already sorted: no copy, no sort — the reference sample is sorted once
 * per profile, which is what keeps a 100k-row reference cheap. The merge walks runs of one
 * sample below the other's next value in a tight loop (a 100k reference against a 10k window is
 * mostly such runs), adding the same terms in the same order as the plain merge: bit-identical
 * to `wassersteinDistance` (tested).
 */
export function wassersteinSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return NaN;
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let total = 0;
  while (i < n1 && j < n2) {
    const av = a[i]!;
    const bv = b[j]!;
    if (av < bv) {
      // a's values below bv: the current share j/n2 is fixed along the run.
      const cj = j / n2;
      let v = av;
      do {
        total += Math.abs(i / n1 - cj) * (v - prev);
        prev = v;
        i++;
        while (i < n1 && a[i] === v) i++;
        if (i >= n1) break;
        v = a[i]!;
      } while (v < bv);
    } else if (bv < av) {
      const ci = i / n1;
      let v = bv;
      do {
        total += Math.abs(ci - j / n2) * (v - prev);
        prev = v;
        j++;
        while (j < n2 && b[j] === v) j++;
        if (j >= n2) break;
        v = b[j]!;
      } while (v < av);
    } else {
      total += Math.abs(i / n1 - j / n2) * (av - prev);
      prev = av;
      while (i < n1 && a[i] === av) i++;
      while (j < n2 && b[j] === av) j++;
    }
  }
  for (; i < n1;) {
    const v = a[i]!;
    total += Math.abs(i / n1 - j / n2) * (v - prev);
    prev = v;
    while (i < n1 && a[i] === v) i++;
  }
  for (; j < n2;) {
    const v = b[j]!;
    total += Math.abs(i / n1 - j / n2) * (v - prev);
    prev = v;
    while (j < n2 && b[j] === v) j++;
  }
  return total;
}

/**
 * ksTwoSample for a reference that is already sorted (and NaN-free): the same statistic by one
 * merge; above scipy's exact-method size (max(n₁, n₂) > 10,000) the same asymptotic p-value,
 * below it ksTwoSample itself (the exact lattice-path count needs its own bookkeeping).
 */
export function ksSortedReference(
  referenceSorted: Float64Array,
  current: ArrayLike<number>,
): { statistic: number; pValue: number } {
  const b = new Float64Array(current.length);
  let m = 0;
  for (let i = 0; i < current.length; i++) if (!Number.isNaN(current[i]!)) b[m++] = current[i]!;
  const cur = b.subarray(0, m).sort();
  const n1 = referenceSorted.length;
  const n2 = cur.length;
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N || n1 === 0 || n2 === 0) {
    const r = ksTwoSample(referenceSorted, cur);
    return { statistic: r.statistic, pValue: r.pValue };
  }
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || referenceSorted[i]! <= cur[j]!) ? referenceSorted[i]! : cur[j]!;
    while (i < n1 && referenceSorted[i] === v) i++;
    while (j < n2 && cur[j] === v) j++;
    const diff = Math.abs(i * n2 - j * n1);
    if (diff > best) best = diff;
  }
  const d = best / (n1 * n2);
  return { statistic: d, pValue: ksAsymptoticP(d, n1, n2) };
}

/** Population standard deviation (ddof 0), as normalizedWasserstein uses. */
export function populationStd(a: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < a.length; i++) mean += a[i]!;
  mean /= a.length || 1;
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += (a[i]! - mean) ** 2;
  return Math.sqrt(ss / (a.length || 1));
}

/**
 * Drift of a numeric feature: Evidently's choice by the reference's true row count and the
 * distinct values of sample ∪ current, then the golden-tested statistic. `referenceStd` (the
 * sample's population std) may be passed when known.
 */
export function numericFeatureDrift(
  name: string,
  referenceSorted: Float64Array,
  referenceRows: number,
  currentSorted: Float64Array,
  override: { test?: DriftTestId; threshold?: number } = {},
  referenceStd?: number,
): ColumnDrift {
  const distinct = countDistinctSorted(referenceSorted, currentSorted, 6);
  const test =
    override.test ?? chooseTest({ kind: 'numeric', distinctValues: distinct }, referenceRows);
  const threshold = override.threshold ?? DEFAULT_THRESHOLDS[test];
  let value: number;
  let statistic: number | undefined;
  if (test === 'ks') {
    const r = ksTwoSample(referenceSorted, currentSorted);
    value = r.pValue;
    statistic = r.statistic;
  } else if (test === 'wasserstein') {
    // = normalizedWasserstein(reference, current), without re-sorting the reference.
    const std = referenceStd ?? populationStd(referenceSorted);
    value = wassersteinSorted(referenceSorted, currentSorted) / Math.max(std, WASSERSTEIN_MIN_STD);
  } else {
    // χ², Z, JS and PSI: columnDrift's own binning/counting on the values.
    const r = columnDrift(name, 'numeric', referenceSorted, currentSorted, { test, threshold });
    return { ...r, referenceSize: referenceRows };
  }
  return {
    column: name,
    kind: 'numeric',
    test,
    value,
    ...(statistic === undefined ? {} : { statistic }),
    threshold,
    drifted: isPValueTest(test) ? value < threshold : value >= threshold,
    referenceSize: referenceRows,
    currentSize: currentSorted.length,
  };
}

/**
 * Drift of a categorical feature from the profile's exact category counts (the whole reference)
 * and the window's counts: χ² (Evidently's goodness of fit against the reference shares), Z (pooled two-proportion,
 * on the reference's first category) or Jensen–Shannon on the category shares — the same
 * statistics columnDrift computes from raw values, without expanding the reference into values.
 * PSI (on request) fills empty shares as Evidently does.
 */
export function categoricalFeatureDrift(
  feature: Pick<CategoricalFeatureProfile, 'name' | 'kind' | 'categories' | 'counts'>,
  referenceRows: number,
  current: readonly (string | null)[],
  override: { test?: DriftTestId; threshold?: number } = {},
): ColumnDrift {
  const index = new Map(feature.categories.map((c, i) => [c, i]));
  const ref = [...feature.counts];
  const cur = new Array<number>(ref.length).fill(0);
  for (const v of current) {
    if (v === null) continue;
    let i = index.get(v);
    if (i === undefined) {
      i = ref.length;
      index.set(v, i);
      ref.push(0);
      cur.push(0);
    }
    cur[i]!++;
  }
  const nRef = ref.reduce((s, x) => s + x, 0);
  const nCur = cur.reduce((s, x) => s + x, 0);
  const test =
    override.test ?? chooseTest({ kind: feature.kind, distinctValues: ref.length }, referenceRows);
  const threshold = override.threshold ?? DEFAULT_THRESHOLDS[test];
  let value: number;
  let statistic: number | undefined;
  const share = (a: number[], n: number) => a.map((x) => x / n);
  switch (test) {
    case 'chi-square': {
      // Evidently's `chisquare`: scipy.stats.chisquare(current, reference · n_cur/n_ref) over
      // the categories seen in either sample; one new in the window gives p = 0, as there.
      const keep = ref.map((r, i) => r + cur[i]! > 0);
      const r = chiSquareGoodnessOfFit(
        ref.filter((_, i) => keep[i]),
        cur.filter((_, i) => keep[i]),
      );
      value = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'z': {
      const r = zTestProportions(ref[0] ?? 0, nRef, cur[0] ?? 0, nCur);
      value = r.pValue;
      statistic = r.statistic;
      break;
    }
    case 'jensen-shannon':
      value = jensenShannonDistance(share(ref, nRef), share(cur, nCur));
      break;
    case 'psi': {
      const fill = (a: number[]) => {
        const min = Math.min(...a.filter((x) => x > 0));
        const f = min <= 1e-4 ? min / 1e6 : 1e-4;
        return a.map((x) => (x === 0 ? f : x));
      };
      value = populationStabilityIndex(fill(share(ref, nRef)), fill(share(cur, nCur)));
      break;
    }
    default: {
      // KS / Wasserstein on category codes make no sense; use columnDrift's own handling.
      const values: string[] = [];
      feature.categories.forEach((c, i) => {
        for (let k = 0; k < Math.min(feature.counts[i]!, 10_000); k++) values.push(c);
      });
      const r = columnDrift(feature.name, feature.kind, values, current, { test, threshold });
      return { ...r, referenceSize: referenceRows };
    }
  }
  return {
    column: feature.name,
    kind: feature.kind,
    test,
    value,
    ...(statistic === undefined ? {} : { statistic }),
    threshold,
    drifted: isPValueTest(test) ? value < threshold : value >= threshold,
    referenceSize: referenceRows,
    currentSize: nCur,
  };
}

function numericHistogram(feature: NumericFeatureProfile, current: Float64Array): FeatureHistogram {
  const edges = feature.histogram.edges;
  const bins = edges.length - 1;
  const lo = edges[0]!;
  const hi = edges[bins]!;
  // [below, bins…, above]
  const cur = new Array<number>(bins + 2).fill(0);
  for (const x of current) {
    if (Number.isNaN(x)) continue;
    if (x < lo) cur[0]!++;
    else if (x > hi) cur[bins + 1]!++;
    else cur[1 + Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo || 1)) * bins))]!++;
  }
  return { edges, categories: null, reference: [0, ...feature.histogram.counts, 0], current: cur };
}

function categoricalHistogram(
  feature: CategoricalFeatureProfile,
  current: (string | null)[],
): FeatureHistogram {
  const categories = [...feature.categories];
  const index = new Map(categories.map((c, i) => [c, i]));
  const cur = new Array<number>(categories.length).fill(0);
  for (const v of current) {
    if (v === null) continue;
    let i = index.get(v);
    if (i === undefined) {
      i = categories.length;
      categories.push(v);
      index.set(v, i);
      cur.push(0);
    }
    cur[i]!++;
  }
  const reference = categories.map((_, i) => feature.counts[i] ?? 0);
  return { edges: null, categories, reference, current: cur };
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total ? c / total : 0));
}

/**
 * Items from drifted regions: for each drifted feature, the bins (or categories) whose current
 * share is at least twice the reference's (or that the reference never had); each item in such a
 * bin is a candidate scored by that ratio. Only the best `limit` get their sentence.
 */
function driftedRegionCandidates(
  features: readonly FeatureReport[],
  input: WindowInput,
  limit: number,
): Candidate[] {
  const rows = input.itemIds.length;
  const bestScore = new Float64Array(rows);
  const bestFeature = new Int32Array(rows).fill(-1);
  const bestBin = new Int32Array(rows);
  const ratios: number[][] = [];
  features.forEach((f, fi) => {
    const h = f.histogram;
    const ref = shares(h.reference);
    const cur = shares(h.current);
    const ratio = cur.map((c, i) => (c === 0 ? 0 : ref[i]! === 0 ? 100 : c / ref[i]!));
    ratios.push(ratio);
    const column = input.features[f.column];
    if (!f.drifted || !column || !ratio.some((r) => r >= 2)) return;
    if (h.edges && column instanceof Float64Array) {
      const bins = h.edges.length - 1;
      const lo = h.edges[0]!;
      const hi = h.edges[bins]!;
      const width = hi - lo || 1;
      for (let r = 0; r < rows; r++) {
        const x = column[r]!;
        if (Number.isNaN(x)) continue;
        const bin =
          x < lo
            ? 0
            : x > hi
              ? bins + 1
              : 1 + Math.min(bins - 1, Math.floor(((x - lo) / width) * bins));
        const score = ratio[bin]!;
        if (score >= 2 && score > bestScore[r]!) {
          bestScore[r] = score;
          bestFeature[r] = fi;
          bestBin[r] = bin;
        }
      }
    } else if (h.categories && Array.isArray(column)) {
      const index = new Map(h.categories.map((c, i) => [c, i]));
      for (let r = 0; r < rows; r++) {
        const v = column[r];
        if (v === null || v === undefined) continue;
        const bin = index.get(v) ?? -1;
        const score = bin < 0 ? 0 : ratio[bin]!;
        if (score >= 2 && score > bestScore[r]!) {
          bestScore[r] = score;
          bestFeature[r] = fi;
          bestBin[r] = bin;
        }
      }
    }
  });
  const order: number[] = [];
  for (let r = 0; r < rows; r++) if (bestFeature[r]! >= 0) order.push(r);
  order.sort((a, b) => bestScore[b]! - bestScore[a]! || a - b);
  return order.slice(0, limit).map((r) => {
    const f = features[bestFeature[r]!]!;
    const column = input.features[f.column]!;
    const v = column[r];
    const shown = typeof v === 'number' ? v.toPrecision(4) : String(v);
    const score = bestScore[r]!;
    const why =
      shares(f.histogram.reference)[bestBin[r]!] === 0
        ? 'outside the reference range'
        : `${score.toFixed(1)}× as common as in the reference`;
    return {
      itemId: input.itemIds[r]!,
      reason: 'drifted-region' as const,
      score,
      detail: `${f.column} = ${shown}: ${why}`,
    };
  });
}

/**
 * Where a window's time went (ms), filled by windowReport when asked (benchmarks): the per-feature
 * tests and histograms, outlier scoring, embedding MMD, prediction and uncertainty drift, and the
 * rest (ensemble, drifted-region candidates).
 */
export interface WindowTimings {
  features: number;
  outliers: number;
  embedding: number;
  prediction: number;
  other: number;
  total: number;
}

const SIGNAL_NAMES: Record<PerformanceDetector, string> = {
  ddm: 'ddm',
  adwin: 'adwin',
  pageHinkley: 'page-hinkley',
};

/**
 * The performance group's signals of a window: the three detectors and the windowed-accuracy
 * test (decisive: its drift alone is performance drift).
 */
export function performanceSignals(performance: PerformanceWindow | null): Signal[] {
  if (!performance || performance.labelled === 0) return [];
  const signals: Signal[] = [];
  // A detector still warming up reads 'ok' (performanceTrack), and stays in the group so that
  // the vote's share means the same in the first window as in later ones.
  for (const d of ['ddm', 'adwin', 'pageHinkley'] as const) {
    signals.push({ name: SIGNAL_NAMES[d], group: 'performance', state: performance.detectors[d] });
  }
  if (performance.accuracyTest) {
    signals.push({
      name: 'accuracy',
      group: 'performance',
      state: performance.accuracyTest.state,
      value: performance.accuracy ?? undefined,
      threshold: performance.accuracyTest.referenceAccuracy,
      decisive: true,
    });
  }
  if (performance.labelDrift) {
    signals.push({
      name: 'label-drift',
      group: 'performance',
      state: performance.labelDrift.drifted ? 'drift' : 'ok',
      value: performance.labelDrift.pValue,
      threshold: PREDICTION_P_THRESHOLD,
      advisory: true,
    });
  }
  return signals;
}

/**
 * Evaluates one window against the fitted reference. `performance` comes from the track;
 * `options.timings`, when given, receives the time split.
 */
export function windowReport(
  ref: FittedReference,
  input: WindowInput,
  settings: MonitorSettings = DEFAULT_MONITOR_SETTINGS,
  performance: PerformanceWindow | null = null,
  options: { seed?: number; maxTestRows?: number; timings?: WindowTimings } = {},
): WindowReport {
  const clock = options.timings ? () => globalThis.performance.now() : () => 0;
  const t0 = clock();
  const profile = ref.profile;
  const rows = input.itemIds.length;
  const seed = options.seed ?? profile.seed;
  const picked = subsampleRows(rows, options.maxTestRows ?? DEFAULT_MAX_TEST_ROWS, seed);
  const signals: Signal[] = [];

  // Data drift per feature.
  const features: FeatureReport[] = [];
  for (const n of ref.numeric) {
    const column = input.features[n.feature.name];
    if (!(column instanceof Float64Array)) continue;
    const sorted = finiteSorted(pick(column, picked));
    if (sorted.length === 0 || n.sorted.length === 0) continue;
    const override = settings.overrides[n.feature.name] ?? {};
    const drift = numericFeatureDrift(
      n.feature.name,
      n.sorted,
      profile.rows,
      sorted,
      override,
      n.std,
    );
    const report: FeatureReport = { ...drift, histogram: numericHistogram(n.feature, column) };
    if (settings.psi) {
      const b = binnedShares(n.sorted, sorted, 'numeric', {
        maxCategories: BINNING_MIN_DISTINCT,
        fillZeroes: true,
        binning: 'evidently',
        quantileBins: 10,
      });
      report.psi = populationStabilityIndex(b.reference, b.current);
    }
    features.push(report);
  }
  for (const c of ref.categorical) {
    const column = input.features[c.name];
    if (!Array.isArray(column)) continue;
    // Category counts are cheap: every window row is counted (no subsample).
    if (column.every((v) => v === null) || c.counts.length === 0) continue;
    const override = settings.overrides[c.name] ?? {};
    const drift = categoricalFeatureDrift(c, profile.rows, column, override);
    const report: FeatureReport = { ...drift, histogram: categoricalHistogram(c, column) };
    if (settings.psi) {
      report.psi = categoricalFeatureDrift(c, profile.rows, column, { test: 'psi' }).value;
    }
    features.push(report);
  }
  const drifted = features.filter((f) => f.drifted).length;
  const dataset = {
    driftedColumns: drifted,
    driftShare: features.length ? drifted / features.length : 0,
    drifted: features.length > 0 && drifted / features.length >= 0.5,
  };
  for (const f of features) {
    signals.push({
      name: `feature:${f.column}`,
      group: 'data',
      state: f.drifted ? 'drift' : 'ok',
      value: f.value,
      threshold: f.threshold,
    });
  }

  const tFeatures = clock();

  // Outliers, scored on the same (seeded, ≤ maxTestRows) rows the tests see: the rate is that
  // sample's, and outlier candidates come from it.
  let outliers: WindowReport['outliers'] = null;
  const candidates: Candidate[] = [];
  let scores: Float64Array | null = null;
  let threshold = 0;
  let method: 'isolation-forest' | 'mahalanobis' = 'isolation-forest';
  const scored = picked.length;
  if (ref.mahalanobis && input.embeddings && input.embeddings.dim === ref.mahalanobis.dim) {
    method = 'mahalanobis';
    const dim = input.embeddings.dim;
    const e = new Float64Array(scored * dim);
    for (let k = 0; k < scored; k++) {
      for (let d = 0; d < dim; d++) e[k * dim + d] = input.embeddings.values[picked[k]! * dim + d]!;
    }
    scores = ref.mahalanobis.squaredDistances(e);
    threshold = ref.mahalanobis.threshold;
  } else if (ref.forest) {
    const dim = ref.forest.features.length;
    const x = new Float64Array(scored * dim);
    for (let f = 0; f < dim; f++) {
      const column = input.features[ref.forest.features[f]!];
      for (let k = 0; k < scored; k++) {
        const v = column instanceof Float64Array ? column[picked[k]!]! : Number.NaN;
        x[k * dim + f] = Number.isNaN(v) ? ref.forest.fill[f]! : v;
      }
    }
    scores = ref.forest.model.scores(x);
    threshold = ref.forest.model.threshold;
  }
  if (scores && scored > 0) {
    let count = 0;
    for (let k = 0; k < scored; k++) if (scores[k]! > threshold) count++;
    const rate = count / scored;
    const state: DriftState =
      rate >= OUTLIER_DRIFT_RATE ? 'drift' : rate >= OUTLIER_WARNING_RATE ? 'warning' : 'ok';
    const items: { itemId: string; score: number }[] = [];
    for (let k = 0; k < scored; k++) {
      if (scores[k]! > threshold)
        items.push({ itemId: input.itemIds[picked[k]!]!, score: scores[k]! });
    }
    items.sort((a, b) => b.score - a.score || a.itemId.localeCompare(b.itemId));
    outliers = { method, count, rate, threshold, state, items };
    signals.push({
      name: 'outlier-rate',
      group: 'data',
      state,
      value: rate,
      threshold: OUTLIER_DRIFT_RATE,
    });
    for (let k = 0; k < scored; k++) {
      if (!(scores[k]! > threshold)) continue;
      candidates.push({
        itemId: input.itemIds[picked[k]!]!,
        reason: 'outlier',
        score: scores[k]! / (threshold || 1),
        detail: `${method === 'mahalanobis' ? 'Mahalanobis distance²' : 'isolation score'} ${scores[k]!.toFixed(3)} > ${threshold.toFixed(3)} (reference ${Math.round(OUTLIER_QUANTILE * 100)}th percentile)`,
      });
    }
  }

  const tOutliers = clock();

  // Embedding drift (image/text): MMD on at most 200 + 200 rows.
  let embedding: WindowReport['embedding'] = null;
  if (profile.embedding && input.embeddings && input.embeddings.dim === profile.embedding.dim) {
    const dim = profile.embedding.dim;
    const take = (values: ArrayLike<number>, n: number, s: number) => {
      const idx = subsampleRows(n, 200, s);
      const out = new Float64Array(idx.length * dim);
      idx.forEach((r, k) => {
        for (let d = 0; d < dim; d++) out[k * dim + d] = values[r * dim + d]!;
      });
      return out;
    };
    const a = take(profile.embedding.values, profile.embedding.rows, seed);
    const b = take(input.embeddings.values, rows, seed + 1);
    const r = mmdTest(a, b, dim, { permutations: 100, seed });
    embedding = { mmd2: r.mmd2, pValue: r.pValue, drifted: r.pValue < 0.05 };
    signals.push({
      name: 'embedding-mmd',
      group: 'data',
      state: embedding.drifted ? 'drift' : 'ok',
      value: r.pValue,
      threshold: 0.05,
    });
  }

  const tEmbedding = clock();

  // Prediction and uncertainty drift.
  let prediction: WindowReport['prediction'] = null;
  let uncertainty: WindowReport['uncertainty'] = null;
  const pred = profile.predictions;
  const k = pred?.classIds.length ?? 0;
  if (pred && ref.referenceUncertainty && k > 0 && rows > 0) {
    const counts = predictedClassCounts(input.probabilities, k);
    const chi = predictedClassDrift(pred.classCounts, counts);
    prediction = {
      statistic: chi.statistic,
      pValue: chi.pValue,
      drifted: chi.pValue < PREDICTION_P_THRESHOLD,
      referenceCounts: [...pred.classCounts],
      currentCounts: Array.from(counts),
      perClass: perClassPredictionDrift(pred.classIds, pred.classCounts, counts),
    };
    signals.push({
      name: 'prediction-drift',
      group: 'prediction',
      state: prediction.drifted ? 'drift' : 'ok',
      value: chi.pValue,
      threshold: PREDICTION_P_THRESHOLD,
    });
    const measure = settings.uncertainty;
    const cur = (measure === 'entropy' ? predictiveEntropy : maxProbability)(
      input.probabilities,
      k,
    );
    const curSub = pick(cur, picked);
    const refU = ref.referenceUncertainty[measure];
    const ks = ksSortedReference(refU, curSub);
    uncertainty = {
      measure,
      statistic: ks.statistic,
      pValue: ks.pValue,
      drifted: ks.pValue < PREDICTION_P_THRESHOLD,
      referenceMean: mean(refU),
      currentMean: mean(cur),
    };
    signals.push({
      name: 'uncertainty-drift',
      group: 'prediction',
      state: uncertainty.drifted ? 'drift' : 'ok',
      value: ks.pValue,
      threshold: PREDICTION_P_THRESHOLD,
    });
  }

  const tPrediction = clock();

  // Performance (delayed labels), computed by the track over the whole error stream.
  signals.push(...performanceSignals(performance));

  const ensemble = ensembleOf(signals, settings.rule);

  candidates.push(...driftedRegionCandidates(features, input, MAX_CANDIDATES_PER_WINDOW));
  candidates.sort((a, b) =>
    a.reason !== b.reason ? (a.reason === 'outlier' ? -1 : 1) : b.score - a.score,
  );

  if (options.timings) {
    const end = clock();
    Object.assign(options.timings, {
      features: tFeatures - t0,
      outliers: tOutliers - tFeatures,
      embedding: tEmbedding - tOutliers,
      prediction: tPrediction - tEmbedding,
      other: end - tPrediction,
      total: end - t0,
    } satisfies WindowTimings);
  }
  return {
    rows,
    features,
    dataset,
    prediction,
    uncertainty,
    outliers,
    embedding,
    performance,
    signals,
    ensemble,
    candidates: candidates.slice(0, MAX_CANDIDATES_PER_WINDOW),
  };
}

// ---------------------------------------------------------------------------------------------
// Performance track: delayed labels → error stream → detectors, cut into windows.

/**
 * Page-Hinkley on the error stream watches increases only: river's default 'both' would also
 * call a fall of the error rate (easier traffic, a fixed upstream bug) performance drift.
 */
export const PERFORMANCE_PAGE_HINKLEY: Partial<PageHinkleyOptions> = { mode: 'up' };

/** A label that arrived for a logged prediction (the arrival-time view, {@link performanceTrack}). */
export interface LabelArrival {
  /** When the label became known (ms): decides which window it counts in. */
  at: number;
  /** Order among arrivals at the same time (e.g. the prediction's seq). */
  order: number;
  predicted: string;
  actual: string;
}

/**
 * A label joined to the prediction it is the truth for (item, version): it counts in that
 * prediction's window, whenever it arrived ({@link joinedPerformanceTrack}).
 */
export interface JoinedLabel {
  /** Index of the prediction's window in the series. */
  window: number;
  /** The prediction's place in the log (its seq): the error stream's order. */
  order: number;
  predicted: string;
  actual: string;
}

const WORST: Record<DetectorState, number> = { ok: 0, warning: 1, drift: 2 };

function worse(a: DetectorState, b: DetectorState): DetectorState {
  return WORST[b] > WORST[a] ? b : a;
}

/** Standard normal CDF, Φ(z) = erfc(−z/√2)/2. */
function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Macro F1 over the classes that occur (as actual or predicted) among the arrivals. */
export function macroF1(pairs: readonly { predicted: string; actual: string }[]): number | null {
  if (pairs.length === 0) return null;
  const classes = new Set<string>();
  for (const p of pairs) {
    classes.add(p.predicted);
    classes.add(p.actual);
  }
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const p of pairs) {
      if (p.predicted === c && p.actual === c) tp++;
      else if (p.predicted === c) fp++;
      else if (p.actual === c) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes.size;
}

/** One class among a window's labelled predictions. */
export interface ClassPerformance {
  classId: string;
  /** Labels of the class (true positives + false negatives). */
  support: number;
  /** Labelled predictions of the class (true positives + false positives). */
  predicted: number;
  truePositives: number;
  /** tp / support; null without labels of the class. */
  recall: number | null;
  /** tp / predicted; null when the class was never predicted. */
  precision: number | null;
}

/**
 * Recall and precision per class over labelled predictions, in `classIds` order, then classes
 * seen only in the labels (a label outside the model's classes).
 */
export function perClassPerformance(
  pairs: readonly { predicted: string; actual: string }[],
  classIds: readonly string[],
): ClassPerformance[] {
  const ids = [...classIds];
  for (const p of pairs) if (!ids.includes(p.actual)) ids.push(p.actual);
  return ids.map((classId) => {
    let tp = 0;
    let support = 0;
    let predicted = 0;
    for (const p of pairs) {
      if (p.actual === classId) support++;
      if (p.predicted === classId) predicted++;
      if (p.actual === classId && p.predicted === classId) tp++;
    }
    return {
      classId,
      support,
      predicted,
      truePositives: tp,
      recall: support ? tp / support : null,
      precision: predicted ? tp / predicted : null,
    };
  });
}

/** Fewest labels in a window, and in the reference, for the label-drift test. */
export const MIN_LABELS_FOR_LABEL_DRIFT = 30;

/**
 * Label (target) drift: Evidently's default test for a categorical target on a small reference,
 * the χ² goodness of fit of the window's label counts against the reference class proportions
 * ({@link chiSquareGoodnessOfFit}), p < 0.05. Classes absent from both are left out; a class
 * the reference never had makes p = 0 (as scipy's chisquare with an expected 0).
 */
export function labelDrift(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
): NonNullable<PerformanceWindow['labelDrift']> | null {
  const refTotal = referenceCounts.reduce((s, c) => s + c, 0);
  const curTotal = currentCounts.reduce((s, c) => s + c, 0);
  if (refTotal < MIN_LABELS_FOR_LABEL_DRIFT || curTotal < MIN_LABELS_FOR_LABEL_DRIFT) return null;
  const ref: number[] = [];
  const cur: number[] = [];
  referenceCounts.forEach((r, j) => {
    if (r + (currentCounts[j] ?? 0) > 0) {
      ref.push(r);
      cur.push(currentCounts[j] ?? 0);
    }
  });
  if (ref.length < 2) return null;
  const chi = chiSquareGoodnessOfFit(ref, cur);
  return {
    statistic: chi.statistic,
    pValue: chi.pValue,
    drifted: chi.pValue < PREDICTION_P_THRESHOLD,
    referenceCounts: [...referenceCounts],
    currentCounts: [...currentCounts],
  };
}

/** A detector with its samples since its last reset (river resets on the update after a drift). */
class TrackedDetector {
  #seen = 0;
  #lastDrift = false;

  constructor(
    readonly detector: StreamingDetector,
    readonly minInstances: number,
  ) {}

  /** Past its warm-up: at least `minInstances` samples since the last reset. */
  get warm(): boolean {
    return !this.#lastDrift && this.#seen >= this.minInstances;
  }

  update(x: number): DetectorState {
    if (this.#lastDrift) this.#seen = 0;
    this.#seen++;
    const state = this.detector.update(x);
    this.#lastDrift = state === 'drift';
    return state;
  }
}

/** What the performance track knows of the classes (per-class metrics, label drift). */
export interface TrackClasses {
  /** The model's classes, in the order per-class results and label counts follow. */
  classIds: readonly string[];
  /** Reference label counts per class in `classIds` order (label drift), when known. */
  referenceLabelCounts?: readonly number[] | null;
}

/**
 * Replays the error stream (1 = wrong) of the labelled predictions, in log order, through DDM
 * (warm-up 30, warning 2σ, drift 3σ), ADWIN (δ 0.002) and Page-Hinkley (δ 0.005, λ 50, α 0.9999,
 * increases only), and gives each of the `windows` windows its own labels: a label counts in the
 * window of the prediction it is the truth for, so a window never has more labels than
 * predictions and its accuracy is its own traffic's (by arrival time, labels landed in whichever
 * window was open when their batch came: 56 in one, exactly 512 in the next with a lag of 200).
 * A window's detector state is the worst state any of its labels produced, counted only for
 * detectors past their warm-up when the window opened (`warmingUp` lists the others; the first
 * window with labels is every detector's warm-up). Replaying from the start each time is
 * O(labels) and keeps detector state out of the database; a label that arrives later changes
 * its window's (and later windows') result, which the runner then supersedes.
 *
 * The windowed accuracy is tested against `reference` ({@link accuracyZTest}); with its label
 * count the reference's own sampling error counts too — a version's held-out accuracy on a few
 * hundred labels is itself uncertain by a few points, and treating it as exact made unchanged
 * traffic read as an accuracy drop.
 */
export function joinedPerformanceTrack(
  labels: readonly JoinedLabel[],
  windows: number,
  reference: ReferenceAccuracy | null,
  classes: TrackClasses | null = null,
): PerformanceWindow[] {
  const sorted = labels
    .filter((l) => l.window >= 0 && l.window < windows)
    .sort((a, b) => a.window - b.window || a.order - b.order);
  const ddm = new Ddm();
  const adwin = new Adwin();
  const ph = new PageHinkley(PERFORMANCE_PAGE_HINKLEY);
  const tracked: Record<PerformanceDetector, TrackedDetector> = {
    ddm: new TrackedDetector(ddm, ddm.options.warmStart),
    adwin: new TrackedDetector(adwin, adwin.options.gracePeriod),
    pageHinkley: new TrackedDetector(ph, ph.options.minInstances),
  };
  const names = Object.keys(tracked) as PerformanceDetector[];
  const out: PerformanceWindow[] = [];
  let i = 0;
  for (let w = 0; w < windows; w++) {
    const own: JoinedLabel[] = [];
    // A detector judges change against what it saw before; one still warming up when the window
    // opens has no "before" yet: in the Drifting stream demo DDM took its minimum from window 1's
    // first ~80 labels and called an ordinary fluctuation at label 124 a drift.
    const warmingUp = names.filter((d) => !tracked[d].warm);
    const worst: Record<PerformanceDetector, DetectorState> = {
      ddm: 'ok',
      adwin: 'ok',
      pageHinkley: 'ok',
    };
    while (i < sorted.length && sorted[i]!.window === w) {
      const a = sorted[i++]!;
      own.push(a);
      const x = a.predicted === a.actual ? 0 : 1;
      for (const d of names) {
        const state = tracked[d].update(x);
        if (!warmingUp.includes(d)) worst[d] = worse(worst[d], state);
      }
    }
    const correct = own.filter((a) => a.predicted === a.actual).length;
    const n = own.length;
    const accuracy = n ? correct / n : null;
    const accuracyTest =
      reference !== null && n >= MIN_LABELS_FOR_ACCURACY
        ? accuracyZTest(correct, n, reference)
        : null;
    const window: PerformanceWindow = {
      labelled: n,
      correct,
      accuracy,
      macroF1: macroF1(own),
      errorRate: accuracy === null ? null : 1 - accuracy,
      detectors: worst,
      ...(warmingUp.length ? { warmingUp } : {}),
      accuracyTest,
    };
    if (classes) {
      const perClass = perClassPerformance(own, classes.classIds);
      window.perClass = perClass;
      const ref = classes.referenceLabelCounts;
      window.labelDrift =
        ref && ref.length === classes.classIds.length
          ? labelDrift(
              ref,
              classes.classIds.map((_, j) => perClass[j]!.support),
            )
          : null;
    }
    out.push(window);
  }
  return out;
}

/**
 * The arrival-time view: window w takes the arrivals with `windowEnds[w − 1] < at ≤ windowEnds[w]`
 * (the first window everything up to its end), replayed in arrival order. The monitor joins
 * labels to their predictions instead ({@link joinedPerformanceTrack}); this stays for streams
 * whose labels have no prediction to join (benchmarks of the detectors on a label stream).
 */
export function performanceTrack(
  arrivals: readonly LabelArrival[],
  windowEnds: readonly number[],
  reference: ReferenceAccuracy | null,
): PerformanceWindow[] {
  const sorted = [...arrivals].sort((a, b) => a.at - b.at || a.order - b.order);
  const labels: JoinedLabel[] = [];
  let w = 0;
  sorted.forEach((a, order) => {
    while (w < windowEnds.length && a.at > windowEnds[w]!) w++;
    if (w < windowEnds.length)
      labels.push({ window: w, order, predicted: a.predicted, actual: a.actual });
  });
  return joinedPerformanceTrack(labels, windowEnds.length, reference);
}

/**
 * The report with its performance part replaced (labels that arrived after the window was
 * stored): the performance signals and the ensemble are recomputed under `rule`, everything the
 * window's traffic gave (features, predictions, outliers …) stays as it was.
 */
export function withPerformance(
  report: WindowReport,
  performance: PerformanceWindow | null,
  rule: EnsembleRule = DEFAULT_ENSEMBLE_RULE,
): WindowReport {
  const signals = [
    ...report.signals.filter((s) => s.group !== 'performance'),
    ...performanceSignals(performance),
  ];
  return { ...report, performance, signals, ensemble: ensembleOf(signals, rule) };
}

function ensembleOf(signals: readonly Signal[], rule: EnsembleRule): WindowReport['ensemble'] {
  const ens = ensembleState(signals, rule);
  const groups = Object.fromEntries(
    (['data', 'prediction', 'performance'] as const).map((g) => [
      g,
      {
        state: ens.groups[g].state,
        drifted: ens.groups[g].drifted,
        signals: ens.groups[g].signals.length,
        observed: ens.groups[g].observed,
      },
    ]),
  ) as WindowReport['ensemble']['groups'];
  return { state: ens.state, reason: ens.reason, groups };
}

/**
 * One-sided test that `correct / n` is below the reference accuracy p₀. With the reference's
 * count n₀ it is the pooled two-proportion z-test: p̂ = (correct + p₀n₀)/(n + n₀),
 * z = (correct/n − p₀)/√(p̂(1−p̂)(1/n + 1/n₀)); without it, z = (correct/n − p₀)/√(p₀(1−p₀)/n).
 * p = Φ(z); drift below {@link ACCURACY_DRIFT_P}, warning below {@link ACCURACY_WARNING_P}.
 */
export function accuracyZTest(
  correct: number,
  n: number,
  reference: ReferenceAccuracy,
): NonNullable<PerformanceWindow['accuracyTest']> {
  const p0 = Math.min(Math.max(reference.value, 1e-6), 1 - 1e-6);
  const n0 = reference.count !== null && reference.count > 0 ? reference.count : null;
  const accuracy = correct / n;
  let se: number;
  if (n0 === null) se = Math.sqrt((p0 * (1 - p0)) / n);
  else {
    const pooled = (correct + reference.value * n0) / (n + n0);
    se = Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n0));
  }
  // Both perfect (pooled p̂ = 1): no evidence of a drop.
  const z = se > 0 ? (accuracy - p0) / se : 0;
  const pValue = normalCdf(z);
  const state: DriftState =
    pValue < ACCURACY_DRIFT_P ? 'drift' : pValue < ACCURACY_WARNING_P ? 'warning' : 'ok';
  return { referenceAccuracy: reference.value, referenceCount: n0, z, pValue, state };
}

/** Sanity for a stored or imported settings object: unknown fields dropped, defaults filled. */
export function normaliseSettings(value: unknown): MonitorSettings {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Partial<MonitorSettings>;
  const w = v.window;
  let window: WindowSpec = DEFAULT_MONITOR_SETTINGS.window;
  if (w && w.by === 'count' && Number.isInteger(w.size) && (w.size ?? 0) >= 10) window = w;
  else if (w && w.by === 'time' && ['hour', 'day', 'week'].includes(w.bucket)) window = w;
  const tests: DriftTestId[] = ['ks', 'chi-square', 'z', 'wasserstein', 'jensen-shannon', 'psi'];
  const overrides: MonitorSettings['overrides'] = {};
  for (const [col, o] of Object.entries(v.overrides ?? {})) {
    const entry: { test?: DriftTestId; threshold?: number } = {};
    if (o.test && tests.includes(o.test)) entry.test = o.test;
    if (typeof o.threshold === 'number' && Number.isFinite(o.threshold) && o.threshold > 0) {
      entry.threshold = o.threshold;
    }
    if (entry.test || entry.threshold) overrides[col] = entry;
  }
  const r = v.rule;
  const share = (x: unknown, d: number) => (typeof x === 'number' && x > 0 && x <= 1 ? x : d);
  const rule: EnsembleRule = r
    ? {
        groupDriftShare: {
          data: share(r.groupDriftShare?.data, 0.5),
          prediction: share(r.groupDriftShare?.prediction, 0.5),
          performance: share(r.groupDriftShare?.performance, 0.5),
        },
        groupsForDrift:
          Number.isInteger(r.groupsForDrift) && r.groupsForDrift >= 1 && r.groupsForDrift <= 3
            ? r.groupsForDrift
            : 2,
        performanceDecides: r.performanceDecides !== false,
      }
    : DEFAULT_ENSEMBLE_RULE;
  return {
    window,
    overrides,
    psi: v.psi === true,
    uncertainty: v.uncertainty === 'max-prob' ? 'max-prob' : 'entropy',
    rule,
    labelLagMs:
      typeof v.labelLagMs === 'number' && v.labelLagMs >= 0 && Number.isFinite(v.labelLagMs)
        ? v.labelLagMs
        : null,
  };
}
