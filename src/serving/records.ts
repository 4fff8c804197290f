// Turning model output into prediction-log rows. Pure: the caller supplies times and the clock.
import type { NewPrediction } from '../persistence/predictions-repo';
import type { PredictionContext, ScoredBatch } from './types';

/**
 * Re-orders one row of model probabilities (model class order) into the project's class order,
 * with 0 for classes the model does not predict (it never saw a label of them).
 */
export function toProjectOrder(
  modelClassIds: readonly string[],
  projectClassIds: readonly string[],
  row: ArrayLike<number>,
): number[] {
  const out = projectClassIds.map(() => 0);
  modelClassIds.forEach((id, k) => {
    const at = projectClassIds.indexOf(id);
    if (at >= 0) out[at] = row[k]!;
  });
  return out;
}

/** Index of the largest value (the first one on ties). */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Prediction rows for a scored batch. `at` follows the log's convention: the item's event time
 * when known (`eventTime` returns a number), else `scoredAt`.
 */
export function predictionRecords(
  context: PredictionContext,
  batch: ScoredBatch,
  eventTime: (itemId: string) => number | null,
  scoredAt: number,
): NewPrediction[] {
  const k = batch.classIds.length;
  return batch.itemIds.map((itemId, i) => {
    const row = batch.probabilities.subarray(i * k, (i + 1) * k);
    const best = argMax(row);
    const time = eventTime(itemId);
    return {
      projectId: context.projectId,
      modelId: context.modelId,
      sourceId: context.sourceId,
      itemId,
      at: time ?? scoredAt,
      label: batch.classIds[best]!,
      probabilities: toProjectOrder(batch.classIds, context.projectClassIds, row),
      scoredAt,
      mode: context.mode,
      jobId: context.jobId,
      version: context.version,
      confidence: row[best]!,
    };
  });
}

/** Predicted class → count. */
export function classDistribution(
  records: readonly { label: string }[],
  into: Record<string, number> = {},
): Record<string, number> {
  for (const r of records) into[r.label] = (into[r.label] ?? 0) + 1;
  return into;
}

/** A short random id for one scoring job. */
export function newJobId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
