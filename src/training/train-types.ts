// Plain types of training and inference, shared by the page (train-client.ts, TrainState) and the
// ML worker (workers/ml-train.ts). No TF.js, Svelte, Dexie or DOM imports.
import type { Split, SplitFractions } from '../data/types';
import type { SplitBy, TrainConfig } from './config';
import type { RawRecord } from './featurize-types';
import type { ClassificationMetrics } from './metrics';
import type { BackendName } from './types';

/** Which items a training run reads: the database and project, optionally a subset of sources. */
export interface DatasetRef {
  /** IndexedDB database name (the page's is `inloop`; tests use their own). */
  dbName: string;
  projectId: string;
  /** Pool sources to read; default every ready pool source of the project. */
  sourceIds?: string[];
  /** Train/validation/test fractions; default DEFAULT_SPLIT. */
  splitFractions?: SplitFractions;
  /**
   * Cross-validation fold (the labeling review queue): these labelled items form the validation
   * split and every other labelled, non-holdout item the training split; the test split is empty.
   * Overrides `splitFractions`.
   */
  heldOutItemIds?: string[];
  /**
   * An explicit split, item id → split, for comparisons with an external reference on exactly its
   * split (the accuracy-sanity test against scikit-learn). Listed labelled items go to their split
   * and the frozen holdout is not applied to them; labelled items not listed are left out (counted
   * as holdout). Overrides `heldOutItemIds` and `splitFractions`.
   */
  splitAssignment?: Record<string, Split>;
  /**
   * How to split when none of the above is given (TrainConfig.splitBy; absent: random). Training
   * takes it from the request's config; the page's plan passes it so its counts match.
   */
  splitBy?: SplitBy;
}

export interface TrainRequest extends DatasetRef {
  /** Id of the run record to create; the page chooses it so it can show the run at once. */
  runId: string;
  config: TrainConfig;
  /** `__APP_VERSION__` of the page (workers have no Vite defines of their own). */
  appVersion: string;
  /** Items between two progress reports within an epoch (default: about 10 reports per epoch). */
  progressEveryBatches?: number;
  /** Stored on the run: why it was trained ('cross-validation' runs are not retrains). */
  purpose?: RunPurpose;
  /**
   * Only these labelled items may train (the automation's data selection: recent windows, replay);
   * validation and test splits are unchanged. Default: the whole training split.
   */
  trainItemIds?: string[];
  /** Fine-tune from a stored model instead of training from scratch (see ContinualRequest). */
  continual?: ContinualRequest;
}

/**
 * A challenger fine-tuned from a stored model (workers/ml-continual.ts): it starts from the base
 * run's weights and reuses its featurisation (so inputs mean the same), optionally with a
 * weight-importance penalty λ/2·Σ Ω_i (θ_i − θ*_i)² whose importances Ω are estimated on
 * `itemIds` (the old concept's data): EWC (diagonal Fisher) or MAS (output sensitivity).
 * `config` must describe the base model's architecture (epochs and learning rate may differ).
 */
export interface ContinualRequest {
  baseRunId: string;
  penalty?: { kind: 'ewc' | 'mas'; lambda: number; itemIds: string[] };
}

/** Why a run was trained: by hand / a queue refill ('train') or as one fold of the review queue. */
export type RunPurpose = 'train' | 'cross-validation';

/** Labelled items per split, and per class within each split (class ids in model order). */
export interface SplitCounts {
  train: number;
  validation: number;
  test: number;
  /** Labelled items kept out of every split for champion/challenger comparisons. */
  holdout: number;
  /** Items without a (known-class) label in the chosen sources. */
  unlabelled: number;
  perClass: Record<string, { train: number; validation: number; test: number; holdout: number }>;
}

/** What a run would train on, without training: for the Train page's summary. */
export interface TrainingPlan {
  /** Classes with at least one label, in the project's order: the model's outputs. */
  classIds: string[];
  counts: SplitCounts;
  sources: { id: string; name: string; rowCount: number }[];
  /** Why training cannot start yet (fewer than two labelled classes, no training items…). */
  problem?: string;
  /**
   * The time columns of the sources read (what a split by time orders by; empty: none, so the
   * time split cannot be offered), and with a time split, the labelled items without a time
   * (they train).
   */
  timeColumns?: string[];
  untimedItems?: number;
  /** The `dataDigest` and `labelDigest` a run on this data would record (duplicate-run check). */
  dataDigest?: string;
  labelDigest?: string;
}

/** One point of the per-epoch curves; `val*` from the validation split with dropout off. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  valMacroF1: number;
  /** Seconds since training started, at the end of this epoch. */
  seconds: number;
}

/** Training progress, one report at a time (a discriminated union, as Marcelle's TrainingStatus). */
export type TrainProgress =
  | {
      kind: 'prepared';
      runId: string;
      backend: BackendName;
      classIds: string[];
      counts: SplitCounts;
      featureDim: number;
      epochs: number;
      batchesPerEpoch: number;
    }
  | { kind: 'batch'; epoch: number; batch: number; batchesPerEpoch: number }
  | { kind: 'epoch'; point: EpochPoint; epochs: number; best: boolean }
  | { kind: 'evaluating' };

export type SplitName = 'validation' | 'test';

export interface TrainResult {
  runId: string;
  backend: BackendName;
  classIds: string[];
  counts: SplitCounts;
  /** Flat metrics as stored on the run: `valAccuracy`, `testMacroF1`, `testEce`… */
  metrics: Record<string, number>;
  evaluation: Record<SplitName, ClassificationMetrics>;
  curves: EpochPoint[];
  /** Epoch whose weights were kept (early stopping restores the best). */
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  durationMs: number;
  /** Training samples per second over the epochs (excluding validation passes). */
  trainSamplesPerSecond: number;
}

/** A trained model in the worker's cache, or loaded from `modelWeights` on first use. */
export interface ModelRef {
  dbName: string;
  runId: string;
}

/** What to score: stored items, raw records ("try it"), pixels, or ready feature vectors. */
export type PredictInput =
  | {
      kind: 'items';
      sourceId: string;
      itemIds?: string[];
      /**
       * Leave the result's `itemIds` empty: rows come in the source's order (its chunks in order)
       * and a caller that knows it saves cloning every id of a large pool on each call.
       */
      omitItemIds?: boolean;
    }
  | { kind: 'raw'; records: RawRecord[] }
  | { kind: 'pixels'; images: Uint8Array[] }
  | { kind: 'features'; x: Float32Array; rows: number };

export interface PredictRequest {
  model: ModelRef;
  input: PredictInput;
  /** Rows per forward pass (default: about 2^20 input values, 256–8,192 rows). */
  batchSize?: number;
}

/** A slice of rows, as it is scored; `probabilities` is `rows × classIds.length`, row-major. */
export interface PredictPartial {
  rowStart: number;
  rows: number;
  itemIds: string[];
  probabilities: Float32Array;
  done: number;
  total: number;
}

export interface PredictResult {
  classIds: string[];
  rows: number;
  /** Item ids for `items` input; empty otherwise. */
  itemIds: string[];
  probabilities: Float32Array;
  ms: number;
}

export interface EmbedResult {
  rows: number;
  dim: number;
  itemIds: string[];
  /** `rows × dim`, row-major. */
  embeddings: Float32Array;
}

export interface McDropoutResult {
  classIds: string[];
  passes: number;
  rows: number;
  itemIds: string[];
  /** `passes × rows × classes`, pass-major. */
  probabilities: Float32Array;
}

/** What the training worker knows about a cached model. */
export interface ModelInfo {
  runId: string;
  classIds: string[];
  featureDim: number;
  modality: TrainConfig['modality'];
}

/**
 * Permutation feature importance of a run's model (workers/ml-importance.ts): on the project's
 * labelled frozen-holdout items (as src/registry/holdout.ts `collectHoldout` selects them), or on
 * the run's test split when the holdout has fewer than `minHoldoutItems` labelled items.
 */
export interface ImportanceRequest {
  model: ModelRef;
  projectId: string;
  /** Shuffles per column (default 5, sklearn's `n_repeats`). */
  nRepeats?: number;
  /** Seed of the shuffles (default: the run's seed). */
  seed?: number;
  /** Fewer labelled holdout items than this and the test split is used (default 30). */
  minHoldoutItems?: number;
}

/** Scoring passes done of `total` (the baseline, then one per column and repeat). */
export interface ImportanceProgress {
  done: number;
  total: number;
}

export type ImportanceColumnKind = 'numeric' | 'categorical';

/** One source column's importance: mean and population std over the repeats. */
export interface FeatureImportance {
  name: string;
  kind: ImportanceColumnKind;
  /** Feature-vector slots permuted together (indicator / one-hot block). */
  slots: number;
  accuracyDrop: { mean: number; std: number };
  logLossIncrease: { mean: number; std: number };
}

/** Plain JSON (stored on the model version's row). */
export interface FeatureImportanceResult {
  runId: string;
  computedAt: number;
  /** Which rows were scored: the frozen holdout, or the test split as the fallback. */
  evaluatedOn: 'holdout' | 'test';
  /** Labelled holdout items found (whether or not they were used). */
  holdoutItems: number;
  /** Rows scored. */
  rows: number;
  nRepeats: number;
  seed: number;
  baseline: { accuracy: number; logLoss: number };
  /** Most important first (by mean accuracy drop, then log-loss increase). */
  features: FeatureImportance[];
  /** Why the test split was used, when it was. */
  note?: string;
}
