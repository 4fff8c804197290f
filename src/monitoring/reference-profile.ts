// The reference profile of a model version: what "normal" looks like for drift monitoring.
// Computed once per version (stored on its `models` row, field `referenceProfile`) from the pool
// it was trained on, so the monitor never has to re-read the training data.
//
// - Features: per numeric feature count, missing, mean, std, min, max, quantiles and a 20-bin
//   histogram; per categorical feature the exact category frequencies. Beside them a seeded,
//   row-aligned reservoir sample of raw values (Vitter's Algorithm R) so KS, Wasserstein,
//   Jensen–Shannon binning and the isolation forest can run against real reference values. The
//   sample holds at most `maxSampleValues` numbers in all (default 100,000 ≈ 1 MB of JSON-ish
//   numbers), at most `maxSampleRows` rows; quantiles and histograms come from that sample (exact
//   when the pool is smaller than the sample).
// - Predictions: the version's predicted-class counts and per-row entropy and top probability on
//   the sampled rows, and its held-out accuracy with its label count (run metrics: the test
//   split when it has enough labels, else validation) for the windowed-accuracy check.
// - Embeddings (image/text): a sample of penultimate-layer activations for Mahalanobis outliers
//   (Ledoit–Wolf covariance) and MMD drift.
//
// Why the whole pool and not only the training split: the labelled items were picked by active
// learning, so their feature distribution is biased towards the decision boundary; the pool they
// were picked from is the distribution the model was built for. Test choice (Evidently: ≤ 1,000
// reference rows → p-value tests) uses the pool's true row count, not the sample size.
//
// Plain JSON (numbers, strings, null for missing): it round-trips through IndexedDB and
// workspace files unchanged.
import { createRng, randInt, type Rng } from '../lib/rng';
import { maxProbability, predictedClassCounts, predictiveEntropy } from './prediction-drift';
import type { ColumnKind } from './types';

export const REFERENCE_PROFILE_VERSION = 1;
export const DEFAULT_MAX_SAMPLE_VALUES = 100_000;
export const DEFAULT_MAX_SAMPLE_ROWS = 5_000;
/** Quantile levels stored per numeric feature. */
export const PROFILE_QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
export const PROFILE_HISTOGRAM_BINS = 20;

export interface ProfileFeatureSpec {
  name: string;
  kind: ColumnKind;
}

export interface NumericFeatureProfile {
  name: string;
  kind: 'numeric';
  count: number;
  missing: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  quantiles: { q: number; value: number }[];
  histogram: { edges: number[]; counts: number[] };
  /** Row-aligned sample (see ReferenceProfile.sampleItemIds); null = missing. */
  sample: (number | null)[];
}

export interface CategoricalFeatureProfile {
  name: string;
  kind: 'categorical' | 'binary';
  count: number;
  missing: number;
  /** Categories in first-seen order with their exact counts over the reference. */
  categories: string[];
  counts: number[];
  /** Row-aligned sample as indexes into `categories`; null = missing. */
  sample: (number | null)[];
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface PredictionProfile {
  classIds: string[];
  rows: number;
  /** Predicted-class counts (arg-max) per class, in `classIds` order. */
  classCounts: number[];
  /** Per-row predictive entropy (natural log) and top probability. */
  entropy: number[];
  maxProb: number[];
  /** The version's held-out accuracy ({@link heldOutAccuracy}), when its run recorded one. */
  accuracy: number | null;
  /** Labelled items the accuracy is over (for the accuracy test), when known. */
  accuracyCount: number | null;
}

export interface EmbeddingProfile {
  rows: number;
  dim: number;
  /** `rows × dim`, row-major. */
  values: number[];
}

export interface ReferenceProfile {
  version: typeof REFERENCE_PROFILE_VERSION;
  createdAt: number;
  /** Sources the reference was read from. */
  sourceIds: string[];
  /** Rows of the reference (the pool), counted in full. */
  rows: number;
  /** Item ids of the sampled rows, in sample order: every feature's `sample` is aligned to this. */
  sampleItemIds: string[];
  seed: number;
  features: FeatureProfile[];
  predictions: PredictionProfile | null;
  embedding: EmbeddingProfile | null;
}

/** A column of one chunk as the builder reads it: numbers (NaN = missing) or category strings. */
export type ProfileColumn = ArrayLike<number> | ArrayLike<string | null>;

interface NumericAcc {
  count: number;
  missing: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

/**
 * Streams reference rows (chunk by chunk) into a profile. Deterministic for a seed and a row
 * order.
 */
export class ReferenceProfileBuilder {
  readonly features: readonly ProfileFeatureSpec[];
  readonly seed: number;
  readonly capacity: number;
  readonly #rng: Rng;
  #rows = 0;
  readonly #numeric: (NumericAcc | null)[];
  readonly #categories: (Map<string, number> | null)[];
  readonly #missingCat: number[];
  /** Reservoir: per feature, values (numbers; category strings for categorical); row ids. */
  readonly #sample: (number | string | null)[][];
  readonly #sampleIds: string[] = [];

  constructor(
    features: readonly ProfileFeatureSpec[],
    options: { seed?: number; maxSampleValues?: number; maxSampleRows?: number } = {},
  ) {
    this.features = features;
    this.seed = options.seed ?? 0;
    const maxValues = options.maxSampleValues ?? DEFAULT_MAX_SAMPLE_VALUES;
    const maxRows = options.maxSampleRows ?? DEFAULT_MAX_SAMPLE_ROWS;
    this.capacity = Math.max(
      1,
      Math.min(maxRows, Math.floor(maxValues / Math.max(1, features.length))),
    );
    this.#rng = createRng(this.seed);
    this.#numeric = features.map((f) =>
      f.kind === 'numeric'
        ? { count: 0, missing: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity }
        : null,
    );
    this.#categories = features.map((f) => (f.kind === 'numeric' ? null : new Map()));
    this.#missingCat = features.map(() => 0);
    this.#sample = features.map(() => []);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Item ids of the rows currently in the sample. */
  get sampleItemIds(): readonly string[] {
    return this.#sampleIds;
  }

  /** Adds `itemIds.length` rows; `columns[name]` holds each feature's values for these rows. */
  addRows(columns: Record<string, ProfileColumn>, itemIds: readonly string[]): void {
    const n = itemIds.length;
    const cols = this.features.map((f) => {
      const c = columns[f.name];
      if (!c) throw new Error(`Reference profile: column ${f.name} is missing`);
      if (c.length !== n) throw new Error(`Reference profile: column ${f.name} has a bad length`);
      return c;
    });
    for (let r = 0; r < n; r++) {
      const values: (number | string | null)[] = cols.map((c, f) => {
        const v = c[r];
        if (this.#numeric[f]) {
          const x = typeof v === 'number' ? v : Number.NaN;
          const acc = this.#numeric[f];
          if (Number.isNaN(x)) {
            acc.missing++;
            return null;
          }
          acc.count++;
          const d = x - acc.mean;
          acc.mean += d / acc.count;
          acc.m2 += d * (x - acc.mean);
          if (x < acc.min) acc.min = x;
          if (x > acc.max) acc.max = x;
          return x;
        }
        if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
          this.#missingCat[f]!++;
          return null;
        }
        const s = String(v);
        const map = this.#categories[f]!;
        map.set(s, (map.get(s) ?? 0) + 1);
        return s;
      });
      // Algorithm R: the first `capacity` rows fill the reservoir; row t replaces a random slot
      // with probability capacity / (t + 1).
      const t = this.#rows++;
      let slot = -1;
      if (t < this.capacity) slot = t;
      else {
        const j = randInt(this.#rng, t + 1);
        if (j < this.capacity) slot = j;
      }
      if (slot >= 0) {
        this.#sampleIds[slot] = itemIds[r]!;
        for (let f = 0; f < values.length; f++) this.#sample[f]![slot] = values[f]!;
      }
    }
  }

  /** The profile; `predictions` and `embedding` are added by the caller when it has them. */
  finish(
    extra: {
      sourceIds?: string[];
      createdAt?: number;
      predictions?: PredictionProfile | null;
      embedding?: EmbeddingProfile | null;
    } = {},
  ): ReferenceProfile {
    const features: FeatureProfile[] = this.features.map((spec, f) => {
      const sample = this.#sample[f]!;
      const acc = this.#numeric[f];
      if (acc) {
        const nums = sample as (number | null)[];
        const sorted = Float64Array.from(nums.filter((x): x is number => x !== null)).sort();
        return {
          name: spec.name,
          kind: 'numeric',
          count: acc.count,
          missing: acc.missing,
          mean: acc.count ? acc.mean : 0,
          std: acc.count ? Math.sqrt(acc.m2 / acc.count) : 0,
          min: acc.count ? acc.min : 0,
          max: acc.count ? acc.max : 0,
          quantiles: PROFILE_QUANTILES.map((q) => ({ q, value: quantileOfSorted(sorted, q) })),
          histogram: histogram(sorted, acc.count ? acc.min : 0, acc.count ? acc.max : 0),
          sample: nums,
        } satisfies NumericFeatureProfile;
      }
      const map = this.#categories[f]!;
      const categories = [...map.keys()];
      const index = new Map(categories.map((c, i) => [c, i]));
      return {
        name: spec.name,
        kind: spec.kind === 'binary' ? 'binary' : 'categorical',
        count: categories.reduce((s, c) => s + map.get(c)!, 0),
        missing: this.#missingCat[f]!,
        categories,
        counts: categories.map((c) => map.get(c)!),
        sample: (sample as (string | null)[]).map((s) => (s === null ? null : index.get(s)!)),
      } satisfies CategoricalFeatureProfile;
    });
    return {
      version: REFERENCE_PROFILE_VERSION,
      createdAt: extra.createdAt ?? Date.now(),
      sourceIds: extra.sourceIds ?? [],
      rows: this.#rows,
      sampleItemIds: [...this.#sampleIds],
      seed: this.seed,
      features,
      predictions: extra.predictions ?? null,
      embedding: extra.embedding ?? null,
    };
  }
}

/** numpy's default (linear) quantile of sorted values; 0 for an empty array. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Equal-width histogram over [min, max] (numpy's rule: the last bin includes max). */
export function histogram(
  sorted: ArrayLike<number>,
  min: number,
  max: number,
  bins = PROFILE_HISTOGRAM_BINS,
): { edges: number[]; counts: number[] } {
  const lo = min;
  const hi = max > min ? max : min + 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]!;
    if (x < lo || x > hi) continue;
    const b = Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins));
    counts[b]!++;
  }
  return { edges, counts };
}

/** A version's accuracy on held-out labels, and how many labels it was measured on. */
export interface ReferenceAccuracy {
  value: number;
  count: number | null;
}

/** Fewest test-split labels for the test accuracy to be the reference (else validation's). */
export const MIN_REFERENCE_TEST_LABELS = 30;

/**
 * The accuracy the monitor compares production windows with, from a run's flat metrics: the test
 * split's (never used to pick an epoch, so unbiased) when it has at least
 * {@link MIN_REFERENCE_TEST_LABELS} labels, else the validation split's (early stopping picked
 * its best epoch on it, so it leans optimistic). Null when the run has neither.
 */
export function heldOutAccuracy(
  metrics: Readonly<Record<string, number>>,
): ReferenceAccuracy | null {
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const { testAccuracy, testCount, valAccuracy, valCount } = metrics;
  if (finite(testAccuracy) && finite(testCount) && testCount >= MIN_REFERENCE_TEST_LABELS) {
    return { value: testAccuracy, count: testCount };
  }
  if (finite(valAccuracy)) return { value: valAccuracy, count: finite(valCount) ? valCount : null };
  return null;
}

/**
 * The profile with its prediction part's reference accuracy set from `metrics`
 * ({@link heldOutAccuracy}); the same object when nothing changes (or it has no prediction part).
 */
export function withHeldOutAccuracy(
  profile: ReferenceProfile,
  metrics: Readonly<Record<string, number>>,
): ReferenceProfile {
  const p = profile.predictions;
  const acc = heldOutAccuracy(metrics);
  if (!p || !acc || (p.accuracy === acc.value && p.accuracyCount === acc.count)) return profile;
  return { ...profile, predictions: { ...p, accuracy: acc.value, accuracyCount: acc.count } };
}

/** The reference accuracy a stored profile holds, for the monitor's accuracy test. */
export function profileAccuracy(
  predictions: PredictionProfile | null | undefined,
): ReferenceAccuracy | null {
  if (!predictions || predictions.accuracy === null) return null;
  return { value: predictions.accuracy, count: predictions.accuracyCount ?? null };
}

/** The prediction part of a profile from the version's probabilities on reference rows. */
export function predictionProfile(
  probabilities: ArrayLike<number>,
  classIds: readonly string[],
  accuracy: ReferenceAccuracy | null = null,
): PredictionProfile {
  const k = classIds.length;
  const rows = k ? probabilities.length / k : 0;
  return {
    classIds: [...classIds],
    rows,
    classCounts: Array.from(predictedClassCounts(probabilities, k)),
    entropy: Array.from(predictiveEntropy(probabilities, k)),
    maxProb: Array.from(maxProbability(probabilities, k)),
    accuracy: accuracy?.value ?? null,
    accuracyCount: accuracy?.count ?? null,
  };
}

/** A stored profile's numeric sample as a Float64Array (missing → NaN). */
export function numericSample(feature: NumericFeatureProfile): Float64Array {
  return Float64Array.from(feature.sample, (x) => (x === null ? Number.NaN : x));
}

/** Is this stored value a profile this code can read? (Older or foreign rows are recomputed.) */
export function isReferenceProfile(value: unknown): value is ReferenceProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ReferenceProfile>;
  return (
    v.version === REFERENCE_PROFILE_VERSION &&
    Array.isArray(v.features) &&
    Array.isArray(v.sampleItemIds) &&
    typeof v.rows === 'number'
  );
}

/** Rough size of a profile in bytes as JSON (to keep it within a few MB). */
export function profileSize(profile: ReferenceProfile): number {
  return JSON.stringify(profile).length;
}
