// Permutation feature importance, as scikit-learn's `sklearn.inspection.permutation_importance`
// computes it (Breiman 2001; sklearn's user guide §4.2): score the model on the evaluation rows,
// then for each input column shuffle that column's values across the rows, score again, and
// report the mean and the population std (numpy's default, ddof = 0) over `nRepeats` shuffles of
// the drop from the unpermuted baseline. Two scores: accuracy (its drop) and log-loss (its
// increase — sklearn's `neg_log_loss` drop). A column is a *source* column, not a feature slot: a
// numeric column moves with its missing-value indicator, a categorical column's one-hot slots
// move together, so a permuted row is still a row the featuriser could have produced.
//
// Pure: the worker (workers/ml-importance.ts) supplies a `score` that runs the model; the unit
// test supplies a hand-written one. No TF.js, Dexie or DOM imports (the worker imports this file).
import { createRng, deriveSeed, permutation } from '../lib/rng';
import { classificationMetrics } from '../training/metrics';
import type { FeaturisationSpec } from '../training/featurize-types';
import type {
  FeatureImportance,
  ImportanceColumnKind,
  ImportanceProgress,
} from '../training/train-types';

/** sklearn's default `n_repeats`. */
export const DEFAULT_IMPORTANCE_REPEATS = 5;

/** One source column and the feature-vector slots it owns. */
export interface ImportanceGroup {
  name: string;
  kind: ImportanceColumnKind;
  slots: number[];
}

/**
 * The source columns of a tabular spec with their slots, in vector order (the layout
 * `featureDimOf` / `featureNames` in src/training/featurize.ts describe: numerics first, each
 * followed by its indicator when it has one, then one block of `vocab.length + 1` per
 * categorical). Text and image specs have no columns to permute here (see the worker).
 */
export function importanceGroups(spec: FeaturisationSpec): ImportanceGroup[] {
  const t = spec.tabular;
  if (spec.modality !== 'tabular' || !t) return [];
  const groups: ImportanceGroup[] = [];
  let offset = 0;
  for (const f of t.numeric) {
    const width = f.missingIndicator ? 2 : 1;
    groups.push({ name: f.name, kind: 'numeric', slots: range(offset, width) });
    offset += width;
  }
  for (const f of t.categorical) {
    const width = f.vocab.length + 1;
    groups.push({ name: f.name, kind: 'categorical', slots: range(offset, width) });
    offset += width;
  }
  if (offset !== spec.featureDim) {
    throw new Error(
      `The featurisation lays out ${offset} features but declares ${spec.featureDim}: ` +
        'its columns cannot be mapped to the feature vector',
    );
  }
  return groups;
}

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}

/** Class probabilities of `rows` feature rows (`rows × dim`, row-major), `rows × k` back. */
export type ScoreRows = (x: Float32Array, rows: number) => Promise<ArrayLike<number>>;

/**
 * Row order of repeat `repeat` of group `group`: after permuting, row i holds the group's values
 * of row `order[i]`. The default draws a fresh seeded permutation per (group, repeat); the golden
 * test passes the ones sklearn drew.
 */
export type PermutationSource = (group: number, repeat: number, rows: number) => ArrayLike<number>;

export interface PermutationOptions {
  nRepeats?: number;
  /** Seed of the default permutations (ignored when `permutations` is given). */
  seed?: number;
  permutations?: PermutationSource;
  onProgress?: (progress: ImportanceProgress) => void;
}

export interface PermutationOutcome {
  baseline: { accuracy: number; logLoss: number };
  /** Per group, in the groups' order (not sorted). */
  features: FeatureImportance[];
  /** Raw per-repeat drops, `[group][repeat]`, for tests and the golden comparison. */
  accuracyDrops: number[][];
  logLossIncreases: number[][];
}

/** The default permutations: one stream per group, so adding a column does not shift another. */
export function seededPermutations(seed: number): PermutationSource {
  return (group, repeat, rows) =>
    permutation(rows, createRng(deriveSeed(deriveSeed(seed, group), repeat)));
}

/** Mean and population standard deviation (ddof = 0, as `np.std` in sklearn's code). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Permutation importance of each group on `rows` rows of `x` with true class indices `yTrue`.
 * `x` is not changed (the shuffles happen in one working copy whose group slots are restored
 * after each score). Rejects with whatever `score` rejects with (an AbortError on cancel).
 */
export async function permutationImportance(
  x: Float32Array,
  rows: number,
  dim: number,
  yTrue: Int32Array,
  classIds: readonly string[],
  groups: readonly ImportanceGroup[],
  score: ScoreRows,
  options: PermutationOptions = {},
): Promise<PermutationOutcome> {
  if (x.length !== rows * dim) throw new RangeError(`Expected ${rows} × ${dim} features`);
  if (yTrue.length !== rows) throw new RangeError(`Expected ${rows} labels, got ${yTrue.length}`);
  const nRepeats = options.nRepeats ?? DEFAULT_IMPORTANCE_REPEATS;
  if (!Number.isInteger(nRepeats) || nRepeats < 1) {
    throw new RangeError(`nRepeats must be a positive integer, got ${nRepeats}`);
  }
  const permutations = options.permutations ?? seededPermutations(options.seed ?? 0);
  const metricsOf = async (input: Float32Array) => {
    const m = classificationMetrics(yTrue, await score(input, rows), classIds);
    return { accuracy: m.accuracy, logLoss: m.logLoss };
  };
  const total = 1 + groups.length * nRepeats;
  let done = 0;
  const step = () => options.onProgress?.({ done: ++done, total });

  const baseline = await metricsOf(x);
  step();
  const work = x.slice();
  const accuracyDrops: number[][] = [];
  const logLossIncreases: number[][] = [];
  for (let g = 0; g < groups.length; g++) {
    const { slots } = groups[g]!;
    const acc: number[] = [];
    const ll: number[] = [];
    for (let r = 0; r < nRepeats; r++) {
      const order = permutations(g, r, rows);
      if (order.length !== rows) throw new RangeError(`Permutation of ${order.length} ≠ ${rows}`);
      for (let i = 0; i < rows; i++) {
        const from = (order[i] as number) * dim;
        for (const s of slots) work[i * dim + s] = x[from + s]!;
      }
      const permuted = await metricsOf(work);
      acc.push(baseline.accuracy - permuted.accuracy);
      ll.push(permuted.logLoss - baseline.logLoss);
      step();
    }
    // Restore the group's slots so the next group permutes one column at a time.
    for (let i = 0; i < rows; i++) {
      for (const s of slots) work[i * dim + s] = x[i * dim + s]!;
    }
    accuracyDrops.push(acc);
    logLossIncreases.push(ll);
  }
  const features: FeatureImportance[] = groups.map((group, g) => ({
    name: group.name,
    kind: group.kind,
    slots: group.slots.length,
    accuracyDrop: meanStd(accuracyDrops[g]!),
    logLossIncrease: meanStd(logLossIncreases[g]!),
  }));
  return { baseline, features, accuracyDrops, logLossIncreases };
}

/**
 * Most important first: by mean accuracy drop, then by mean log-loss increase (on a small holdout
 * many columns tie at an accuracy drop of 0 while the log-loss still tells them apart), then name.
 */
export function rankImportances(features: readonly FeatureImportance[]): FeatureImportance[] {
  return [...features].sort(
    (a, b) =>
      b.accuracyDrop.mean - a.accuracyDrop.mean ||
      b.logLossIncrease.mean - a.logLossIncrease.mean ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
