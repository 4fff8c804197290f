// Plain types of serving (no Svelte, Dexie or TF.js): what a scored batch looks like, the rows of a
// production stream, and the summaries batch scoring and replay report.
import type { PredictionMode } from '../persistence/schema';

/** Class probabilities of a batch of items, in the model's class order. */
export interface ScoredBatch {
  /** The model's output classes (`LabelClass.id`s), in output order. */
  classIds: string[];
  itemIds: string[];
  /** `itemIds.length × classIds.length`, row-major. */
  probabilities: Float32Array;
}

/** Scores stored items of one source (the champion through the ML bridge, or a test double). */
export type ScoreItems = (itemIds: string[], signal?: AbortSignal) => Promise<ScoredBatch>;

/** One row of a production source as serving reads it. */
export interface StreamRow {
  itemId: string;
  /** 0-based row number in the source (import order). */
  row: number;
  /** Event time (epoch ms, or the time column's number) when the source has a time column. */
  time: number | null;
  /** The target column's class id, when the source has a target column and the value is known. */
  target: string | null;
}

/** Which model version made a set of predictions, and for what. */
export interface PredictionContext {
  projectId: string;
  modelId: string;
  version: number;
  sourceId: string;
  mode: PredictionMode;
  jobId: string;
  /** The project's class ids in order: probabilities are logged in this order. */
  projectClassIds: readonly string[];
}

/** What a finished or cancelled scoring job did. */
export interface ScoringSummary {
  jobId: string;
  /** Predictions logged (whole batches only). */
  logged: number;
  /** Items the job set out to score. */
  total: number;
  cancelled: boolean;
  /** Predicted class id → count, over the logged predictions. */
  distribution: Record<string, number>;
}
