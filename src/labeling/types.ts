// Plain types of the labeling core: selections, strategy inputs, label issues, stopping hints.
// No Svelte, Dexie or TF.js here; every matrix is a row-major typed array with its shape beside it.
import type { Result } from '../lib/result';

/**
 * Rows chosen for labeling, in the order they should be shown, with the score each row had when it
 * was chosen (higher = more useful). The score's meaning depends on the strategy: an uncertainty
 * score, the distance to the nearest center (core-set), the D² weight it was drawn with (k-means++,
 * BADGE). `NaN` where the strategy has no score (random sampling); `Infinity` for a first center
 * drawn before any center existed.
 */
export interface Selection {
  indices: Int32Array;
  scores: Float64Array;
}

/**
 * Rows never to select: a set of row indices, or a mask (`mask[i] !== 0` = excluded). Use the mask
 * for large pools: a lookup in a typed array is cheaper than in a Set.
 */
export type RowExclusion = ReadonlySet<number> | Uint8Array;

/** What a queue strategy needs from the ML worker before it can choose. */
export type StrategyNeed =
  'none' | 'probs' | 'mc' | 'embeddings' | 'gradients' | 'features' | 'ranked';

export type QueueStrategyId =
  | 'random'
  | 'least-confidence'
  | 'margin'
  | 'entropy'
  | 'bald'
  | 'core-set'
  | 'badge'
  | 'diversity'
  | 'monitoring';

/** A `rows × dim` matrix, row-major. */
export interface RowMatrix {
  data: Float32Array;
  dim: number;
}

/**
 * Everything a strategy may read, indexed by the same pool rows `0 … rows − 1`. Only the parts a
 * strategy `needs` must be present.
 */
export interface StrategyInput {
  /** Number of pool rows. */
  rows: number;
  /** Rows that must not be selected (already labelled, skipped, queued). */
  exclude?: RowExclusion;
  /** Predicted probabilities, `rows × classes`. */
  probs?: { data: Float32Array; classes: number };
  /** Monte-Carlo dropout probabilities, `passes × rows × classes` (pass-major). */
  mc?: { data: Float32Array; passes: number; classes: number };
  /**
   * Model embeddings (penultimate layer), `rows × dim`, and the rows that are already labelled:
   * they are the initial centers of core-set and are never selected.
   */
  embeddings?: RowMatrix & { labelled: Int32Array };
  /** BADGE gradient embeddings `rows × (classes·dim)` (see `gradientEmbedding`). */
  gradients?: RowMatrix;
  /** Model-free features (normalised), `rows × dim`, for cold start. */
  features?: RowMatrix;
  /**
   * Rows already ranked elsewhere, best first, with their scores (the monitoring strategy: the
   * monitor's outliers and drifted-region items).
   */
  ranked?: { rows: Int32Array; scores: Float64Array };
}

/** Why `selectBatch` could not run; the UI turns it into a sentence. */
export type StrategyError =
  | { kind: 'missing-input'; need: StrategyNeed }
  | { kind: 'bad-shape'; need: StrategyNeed; detail: string };

/** Options every strategy accepts. */
export interface SelectOptions {
  /**
   * The distance-based strategies (core-set, BADGE, diversity) cost O(k · m · dim) for m candidate
   * rows; above this many eligible rows they run on a seeded random subsample of this size.
   */
  maxCandidates?: number;
}

/** One entry of the strategy picker, and the code that runs it. */
export interface QueueStrategy {
  id: QueueStrategyId;
  label: string;
  needs: StrategyNeed;
  description: string;
  /** The paper or library the method follows. */
  reference: string;
  /** Needs a trained model (false only for the cold-start strategies). */
  needsModel: boolean;
  selectBatch(
    input: StrategyInput,
    k: number,
    seed: number,
    options?: SelectOptions,
  ): Result<Selection, StrategyError>;
}

/** One suspected label error, as the review queue shows it. */
export interface LabelIssue {
  /** Row index into the probabilities / labels passed in. */
  index: number;
  givenLabel: number;
  /** argmax of the out-of-fold probabilities. */
  suggestedLabel: number;
  /** Out-of-fold probability of the given label: the ranking key, lowest first. */
  selfConfidence: number;
  /** Out-of-fold probability of the suggested label. */
  suggestedConfidence: number;
}

export interface ConfidentLearningResult {
  /** Per-class thresholds t_j = mean p_j over the rows labelled j (2 for a class with no rows). */
  thresholds: Float64Array;
  /** Confident joint C[given][guessed true], `K × K`, before calibration (diagonal ≥ 1). */
  confidentJoint: Int32Array;
  /** C calibrated so that row i sums to the count of label i and the whole to N. */
  calibratedJoint: Int32Array;
  /** How many rows with given label i to prune towards true class j (`K × K`, diagonal kept). */
  pruneCounts: Int32Array;
  /** Suspected errors, lowest self-confidence first. */
  issues: LabelIssue[];
}

/** One point of a learning curve: validation metric after training on `labels` labels. */
export interface CurvePoint {
  labels: number;
  metric: number;
}

export interface StoppingHint {
  /** True when predictions on the stop set have been stable for `window` rounds. */
  stop: boolean;
  /** κ between each pair of consecutive rounds (round r−1 vs r), oldest first. */
  kappas: number[];
  /** Mean of the last `window` κ values; null until there are that many. */
  meanKappa: number | null;
  window: number;
  threshold: number;
}
