// Plain record types for every table of the Inloop database. No Dexie import here: domain modules
// and workers may import these types without pulling the database in. Fields that later issues
// will refine are kept loose but typed (`Record<string, unknown>`); what must stay stable are the
// table names, primary keys and indexed fields (see versions/).
import type { QualityReport } from '../data/quality-types';
import type { ColumnType } from '../data/types';
import type { Modality, Project } from '../projects/types';

export type { Project };

/** Global key-value settings (backend preference, UI choices). Not tied to a project. */
export interface SettingRecord {
  key: string;
  value: unknown;
}

// ---------------------------------------------------------------------------------------------
// Data

export type SourceRole = 'pool' | 'production';

/**
 * `staging` while an import is still writing chunks; a source becomes `ready` only when the import
 * finished, so an interrupted import can be found and removed instead of being half-used.
 */
export type SourceStatus = 'staging' | 'ready';

/** How chunk columns are stored: see {@link ChunkColumn}. */
export type ColumnStorage = ChunkColumn['kind'];

/** What a column is used for in this source. */
export type ColumnRole = 'feature' | 'target' | 'id' | 'time' | 'ignored';

export interface ColumnSchema {
  name: string;
  /** What the column means; image pixels are not a column, they live in `blobs`. */
  type: ColumnType;
  storage: ColumnStorage;
  role: ColumnRole;
  /** Categories in code order (i32 columns); grows append-only while a source is imported. */
  vocab?: string[];
}

export interface SourceRecord {
  id: string;
  projectId: string;
  name: string;
  modality: Modality;
  role: SourceRole;
  status: SourceStatus;
  rowCount: number;
  columns: ColumnSchema[];
  /** Orders production traffic for replay and monitoring windows. */
  timeColumn?: string;
  createdAt: number;
  /** SHA-256 (hex) of the imported content, once known. */
  digest?: string;
  /** While 'staging': last sign of life of the import writing it (epoch ms); see cleanupStaging. */
  heartbeatAt?: number;
  /** Data-quality report, computed by the ingest worker before the source is committed. */
  quality?: QualityReport;
  /** What the import read and left out. */
  stats?: SourceImportStats;
}

export interface SourceImportStats {
  /** Size of the imported file(s) in bytes. */
  bytes: number;
  /** Rows or files skipped, by reason (ragged row, not an image, corrupt image…). */
  skipped: { reason: string; count: number; examples: string[] }[];
  /** `import` annotations written with the source. */
  labelsImported: number;
  /** Image sources: side of the stored square pixel arrays. */
  imageSize?: number;
  durationMs: number;
}

/**
 * One column of a chunk. Typed arrays go straight into tensors without per-row objects.
 * - `f32`: numbers; `missing[i] === 1` marks a missing value (`values[i]` is then meaningless).
 * - `f64`: datetimes as epoch milliseconds (float32 would round them to minutes); same `missing`.
 * - `i32`: categories as codes into `vocab`; code `-1` marks a missing value.
 * - `str`: free text (text projects), kept as strings for the tokenizer.
 */
export type ChunkColumn =
  | { kind: 'f32'; values: Float32Array; missing: Uint8Array }
  | { kind: 'f64'; values: Float64Array; missing: Uint8Array }
  | { kind: 'i32'; codes: Int32Array; vocab: string[] }
  | { kind: 'str'; values: string[] };

/** A few thousand consecutive rows of a source, column by column. Key: `[sourceId+index]`. */
export interface ChunkRecord {
  sourceId: string;
  /** 0-based chunk number within the source. */
  index: number;
  /** Row number of the chunk's first row within the source. */
  rowStart: number;
  rowCount: number;
  columns: Record<string, ChunkColumn>;
  /** Stable item ids, one per row: annotations, predictions and splits refer to these. */
  itemIds: string[];
}

/**
 * `pixels`: the resized RGB array the model reads; `thumbnail` and `original`: for display only.
 */
export type BlobKind = 'pixels' | 'thumbnail' | 'original';

export interface BlobRecord {
  id: string;
  sourceId: string;
  itemId: string;
  kind: BlobKind;
  data: ArrayBuffer | Blob;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------
// Labeling

export type AnnotationKind = 'human' | 'suggestion' | 'import' | 'adjudication' | 'undo';

/**
 * One entry of the append-only annotation log. An item's current label is the latest entry that
 * is not undone; rows are never rewritten, so undo, audit and merges stay exact.
 */
export interface AnnotationRecord {
  /** Auto-incremented: the log's order. */
  seq: number;
  projectId: string;
  itemId: string;
  /** A `LabelClass.id` (stable across renames), or `null` when the entry clears the label. */
  label: string | null;
  annotator: string;
  /** One labeling session of one annotator: the unit merged from other machines. */
  sessionId: string;
  kind: AnnotationKind;
  at: number;
  /** For `undo`: the `seq` of the entry it takes back. */
  undoes?: number;
  /** For `suggestion`: the model's probability for `label`. */
  confidence?: number;
  /** Set when the annotator skipped or flagged the item instead of (or as well as) labelling it. */
  flag?: 'skipped' | 'flagged';
}

// ---------------------------------------------------------------------------------------------
// Training and registry

export type Backend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * What an exact learner (or Auto) fitted: the family that produced the weights, its parameters,
 * and — for Auto — every family tried, with its validation figures and why it won or was skipped.
 * Absent for network runs recorded before the exact learners.
 */
export interface LearnerRecord {
  family: 'linear' | 'boosted-trees' | 'network';
  params: Record<string, number | string>;
  iterations?: number;
  converged?: boolean;
  trials?: LearnerTrial[];
}

export interface LearnerTrial {
  family: 'linear' | 'boosted-trees' | 'network';
  params: Record<string, number | string>;
  /** Validation log-loss and macro-F1; absent when the trial was skipped. */
  valLogLoss?: number;
  valMacroF1?: number;
  ms?: number;
  chosen: boolean;
  note?: string;
}

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunRecord {
  id: string;
  projectId: string;
  status: RunStatus;
  config: Record<string, unknown>;
  seed: number;
  backend: Backend;
  /** SHA-256 of the data snapshot and of the label snapshot the run trained on. */
  dataDigest: string;
  labelDigest: string;
  /** Per-epoch series, e.g. `{ loss: [...], valAccuracy: [...] }`. */
  curves: Record<string, number[]>;
  metrics: Record<string, number>;
  startedAt: number;
  finishedAt: number | null;
  error?: string;
  // Optional (added with training, issue 4; not indexed, so no schema version bump).
  /** `configHash(config)`: runs with equal hashes trained with equal settings. */
  configHash?: string;
  /** The app's version (package.json) that ran the training. */
  appVersion?: string;
  /** WebGPU adapter ('google · swiftshader') or WebGL renderer, when the backend has one. */
  adapter?: string;
  /**
   * How `backend` was chosen when the user left it on automatic: the backend per job kind and
   * every backend's measured milliseconds per kind (a `BackendChoice` without its fingerprint).
   */
  learner?: LearnerRecord;
  backendChoice?: {
    chosen: Record<string, string>;
    timings: { backend: string; ms: Record<string, number>; software?: boolean; note?: string }[];
    measuredAt: number;
  };
  /** Pool sources the run read, in the order they were read. */
  sourceIds?: string[];
  /** Labelled items per split, e.g. `{ train: 240, validation: 52, test: 52 }`. */
  splitCounts?: Record<string, number>;
  /** The featurisation spec fitted on the training split (a `FeaturisationSpec`). */
  featurisation?: Record<string, unknown>;
  /** Per-split reports (per-class precision/recall, confusion matrix) beside the flat metrics. */
  evaluation?: Record<string, unknown>;
  /** Epoch (0-based) whose weights were kept by early stopping. */
  bestEpoch?: number;
  /** `modelWeights` key of the trained weights (completed runs only), e.g. `run:<runId>`. */
  weightsKey?: string;
  // Optional (added with labeling, issue 5; not indexed).
  /** 'cross-validation' for the review queue's fold models; absent for ordinary runs. */
  purpose?: 'train' | 'cross-validation';
  // Optional (added with automation, issue 8; not indexed).
  /** Set when the run fine-tuned a stored model (continual learning) instead of starting afresh. */
  continual?: {
    baseRunId: string;
    penalty?: 'ewc' | 'mas';
    lambda?: number;
    importanceSamples?: number;
  };
}

export type ModelAlias = 'champion' | 'challenger';

export type ModelStatus = 'registered' | 'archived';

/** A model version in the registry. Written with its weights in one transaction. */
export interface ModelRecord {
  id: string;
  projectId: string;
  /** 1, 2, 3… per project. */
  version: number;
  runId: string;
  aliases: ModelAlias[];
  status: ModelStatus;
  createdAt: number;
  metrics: Record<string, number>;
  /** Normalisation statistics, vocabularies, image size: applied identically when serving. */
  featurisation: Record<string, unknown>;
  /** Which data, labels, config and parent model produced this version. */
  lineage: Record<string, unknown>;
  parentModelId: string | null;
}

/** Mirrors a TF.js weights-manifest entry, without importing TF.js here. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
}

/** TF.js layers-format artifacts of one model version, kept apart so listing models stays cheap. */
export interface ModelWeightsRecord {
  modelId: string;
  /** The `modelTopology` JSON of `model.json`. */
  topology: unknown;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

// ---------------------------------------------------------------------------------------------
// Serving, monitoring, automation, audit

/** One logged prediction (append-only). */
export interface PredictionRecord {
  seq: number;
  projectId: string;
  modelId: string;
  sourceId: string;
  itemId: string;
  at: number;
  /** Predicted `LabelClass.id`. */
  label: string;
  /** One probability per class, in the project's class order. */
  probabilities: number[];
  // Optional (added with serving, issue 7; not indexed, so no schema version bump).
  /**
   * Convention for `at`: the item's event time when its source has a time column (so hour/day
   * windows follow the data), else the wall time of scoring. `scoredAt` is always the wall time.
   */
  scoredAt?: number;
  /** How the prediction was made: the Try-it form, a batch scoring job, or a stream replay. */
  mode?: PredictionMode;
  /** One scoring job (batch run or replay session); its predictions share it. */
  jobId?: string;
  /** The registry version number of `modelId`, copied so log views need no join. */
  version?: number;
  /** `max(probabilities)`. */
  confidence?: number;
}

export type PredictionMode = 'try' | 'batch' | 'replay';

export type MonitorState = 'ok' | 'warning' | 'drift';

/** Drift statistics over one time window of production traffic (append-only). */
export interface MonitorWindowRecord {
  seq: number;
  projectId: string;
  modelId: string;
  sourceId: string;
  start: number;
  end: number;
  count: number;
  state: MonitorState;
  /** Per-test results, e.g. `{ 'ks:age': { statistic, pValue } }`. */
  tests: Record<string, unknown>;
}

export type PolicyTrigger = 'schedule' | 'new-labels' | 'drift' | 'performance-drop';

export interface PolicyRecord {
  id: string;
  projectId: string;
  name: string;
  enabled: boolean;
  trigger: PolicyTrigger;
  /** Trigger parameters and pipeline options (interval, label count, margin, retrain mode…). */
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type PipelineStatus = 'running' | 'promoted' | 'kept' | 'failed' | 'cancelled';

export interface PipelineRunRecord {
  id: string;
  projectId: string;
  /** `null` when started by hand. */
  policyId: string | null;
  status: PipelineStatus;
  startedAt: number;
  finishedAt: number | null;
  /** Snapshot → train → evaluate → promote/keep, each with its outcome. */
  steps: Record<string, unknown>[];
  challengerModelId: string | null;
  // Optional (added with automation, issue 8; not indexed).
  /** What started the run: the trigger's decision in words, and the window that fired it. */
  trigger?: { kind: string; reason: string; windowSeq?: number; catchUp?: boolean };
  /** Why it failed or was cancelled. */
  error?: string;
  /** The challenger's training run (its weights stay under `run:<id>`, not in the registry). */
  challengerRunId?: string;
}

/** Audit log entry (append-only): who did what, when. */
export interface EventRecord {
  seq: number;
  projectId: string;
  kind: string;
  at: number;
  actor: string;
  detail: Record<string, unknown>;
}
