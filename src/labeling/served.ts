// Suggestions for production items: the labeling model never scored them, but the model that
// served them did — its logged prediction is the suggestion (the newest one per item, from the
// version the Monitor flagged it under when that version scored it). Pure.
import type { PredictionRecord } from '../persistence/schema';

export interface ServedSuggestion {
  classId: string;
  /** The served probability of `classId`. */
  confidence: number;
  /** Registry version number of the model that served it, when the log recorded it. */
  version: number | null;
}

/**
 * One suggestion per item from its logged predictions: the newest (highest `seq`) by the model
 * in `preferModel` when it has one, else the newest by any model. `classIds` is the project's
 * class order (the order of every record's `probabilities`); records whose label is not a
 * project class are ignored.
 */
export function servedSuggestions(
  records: readonly Pick<
    PredictionRecord,
    'seq' | 'itemId' | 'modelId' | 'label' | 'probabilities' | 'version'
  >[],
  classIds: readonly string[],
  preferModel: ReadonlyMap<string, string> = new Map(),
): Map<string, ServedSuggestion> {
  const best = new Map<string, (typeof records)[number]>();
  const rank = (r: (typeof records)[number]) => (preferModel.get(r.itemId) === r.modelId ? 1 : 0);
  for (const r of records) {
    if (!classIds.includes(r.label)) continue;
    const prev = best.get(r.itemId);
    if (!prev || rank(r) > rank(prev) || (rank(r) === rank(prev) && r.seq > prev.seq)) {
      best.set(r.itemId, r);
    }
  }
  const out = new Map<string, ServedSuggestion>();
  for (const [itemId, r] of best) {
    const p = r.probabilities[classIds.indexOf(r.label)];
    out.set(itemId, {
      classId: r.label,
      confidence: typeof p === 'number' && Number.isFinite(p) ? p : Number.NaN,
      version: r.version ?? null,
    });
  }
  return out;
}
