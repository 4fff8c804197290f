// The prediction log (`predictions`, append-only) and its join with delayed ground truth (the
// `annotations` log). Every prediction the page makes — Try it, batch scoring, stream replay — is
// appended here; the monitor reads it incrementally by `seq` and by time window.
//
// Conventions (see PredictionRecord in schema.ts): `at` is the item's event time when its source
// has a time column, else the wall time of scoring (`scoredAt` is always the wall time); `label` is
// a `LabelClass.id`; `probabilities` follow the project's class order.
import { currentLabelEntriesOf } from './annotations-repo';
import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import type { AnnotationKind, PredictionMode, PredictionRecord } from './schema';

/** A prediction before the log has given it its sequence number. */
export type NewPrediction = Omit<PredictionRecord, 'seq'>;

/** Which predictions of a project: all, one model version's, one mode's, one job's. */
export interface PredictionFilter {
  modelId?: string;
  mode?: PredictionMode;
  jobId?: string;
}

export interface PredictionPage extends PredictionFilter {
  /** Rows skipped (after filtering), in the chosen order. Default 0. */
  offset?: number;
  /** Rows returned at most. Default: all. */
  limit?: number;
  /** `asc`: oldest first (by `seq`); `desc`: newest first. Default `asc`. */
  order?: 'asc' | 'desc';
}

/** An item's current ground truth: the label and the entry that set it. */
export interface GroundTruth {
  /** `LabelClass.id`. */
  label: string;
  /** The annotation's time: for delayed labels, when the label became known. */
  at: number;
  /** The annotation's `seq` in the label log. */
  seq: number;
  annotator: string;
  kind: AnnotationKind;
}

export interface PredictionsRepo {
  /** Appends the records in one transaction (all or nothing); returns their `seq`s in order. */
  appendMany(records: readonly NewPrediction[]): Promise<number[]>;
  /** A project's predictions ordered by `seq`, filtered, paged. */
  list(projectId: string, page?: PredictionPage): Promise<PredictionRecord[]>;
  /** How many predictions match (index-backed unless `mode`/`jobId` filter). */
  count(projectId: string, filter?: PredictionFilter): Promise<number>;
  /** The newest `n` predictions, newest first. */
  latest(projectId: string, n: number, filter?: PredictionFilter): Promise<PredictionRecord[]>;
  /**
   * Predictions with `seq > afterSeq`, oldest first, at most `limit` (default all): the monitor
   * remembers the last `seq` it consumed and asks for what came after.
   */
  since(
    projectId: string,
    afterSeq: number,
    options?: PredictionFilter & { limit?: number },
  ): Promise<PredictionRecord[]>;
  /** Predictions whose `at` lies in `[from, to)`, ordered by `at` then `seq`. */
  inTimeRange(
    projectId: string,
    from: number,
    to: number,
    filter?: PredictionFilter,
  ): Promise<PredictionRecord[]>;
  /**
   * A model's predictions after `afterSeq`, oldest first (read by the primary key), and how many
   * predictions the model has in all (an index count, no records read): what a
   * `TailCache` (src/lib/tail-cache.ts) needs. Model ids are unique UUIDs, so the count needs no
   * project filter.
   */
  modelTail(
    projectId: string,
    modelId: string,
    afterSeq: number,
  ): Promise<{ entries: PredictionRecord[]; count: number }>;
  /** The `seq` of the project's newest prediction, 0 when the log is empty. */
  lastSeq(projectId: string): Promise<number>;
  /** Every prediction of these items (any model, any mode), oldest first. */
  byItems(projectId: string, itemIds: readonly string[]): Promise<PredictionRecord[]>;
  /**
   * Current ground truth of these items from the annotation log (replayed as `currentLabelsOf`
   * does: undo and clears respected). Items without a label are absent from the map.
   */
  delayedLabels(projectId: string, itemIds: readonly string[]): Promise<Map<string, GroundTruth>>;
}

function matches(filter: PredictionFilter | undefined): (r: PredictionRecord) => boolean {
  const modelId = filter?.modelId;
  const mode = filter?.mode;
  const jobId = filter?.jobId;
  return (r) =>
    (modelId === undefined || r.modelId === modelId) &&
    (mode === undefined || r.mode === mode) &&
    (jobId === undefined || r.jobId === jobId);
}

export function createPredictionsRepo(db: () => InloopDB): PredictionsRepo {
  const list = (projectId: string, page: PredictionPage = {}) =>
    withStorageErrors(async () => {
      const keep = matches(page);
      let collection = db().predictions.orderBy('seq');
      if (page.order === 'desc') collection = collection.reverse();
      collection = collection.filter((r) => r.projectId === projectId && keep(r));
      if (page.offset) collection = collection.offset(page.offset);
      if (page.limit !== undefined) collection = collection.limit(page.limit);
      return collection.toArray();
    });

  return {
    appendMany: (records) =>
      records.length === 0
        ? Promise.resolve([])
        : withStorageErrors(() =>
            db().transaction('rw', db().predictions, () =>
              db().predictions.bulkAdd(records as PredictionRecord[], { allKeys: true }),
            ),
          ),

    list,

    count: (projectId, filter) =>
      withStorageErrors(() => {
        if (filter?.mode === undefined && filter?.jobId === undefined) {
          if (filter?.modelId !== undefined) {
            return db()
              .predictions.where('[modelId+at]')
              .between([filter.modelId, -Infinity], [filter.modelId, Infinity], true, true)
              .filter((r) => r.projectId === projectId)
              .count();
          }
          return db()
            .predictions.where('[projectId+at]')
            .between([projectId, -Infinity], [projectId, Infinity], true, true)
            .count();
        }
        const keep = matches(filter);
        return db()
          .predictions.where('[projectId+at]')
          .between([projectId, -Infinity], [projectId, Infinity], true, true)
          .filter(keep)
          .count();
      }),

    latest: (projectId, n, filter) => list(projectId, { ...filter, order: 'desc', limit: n }),

    since: (projectId, afterSeq, options) =>
      withStorageErrors(() => {
        const keep = matches(options);
        let collection = db()
          .predictions.where('seq')
          .above(afterSeq)
          .filter((r) => r.projectId === projectId && keep(r));
        if (options?.limit !== undefined) collection = collection.limit(options.limit);
        return collection.toArray();
      }),

    // Two reads, not one transaction: a write between them only makes the count disagree, and
    // the reader then reads the whole log.
    modelTail: (projectId, modelId, afterSeq) =>
      withStorageErrors(async () => {
        const [entries, count] = await Promise.all([
          db()
            .predictions.where('seq')
            .above(afterSeq)
            .filter((r) => r.projectId === projectId && r.modelId === modelId)
            .toArray(),
          db()
            .predictions.where('[modelId+at]')
            .between([modelId, -Infinity], [modelId, Infinity], true, true)
            .count(),
        ]);
        return { entries, count };
      }),

    inTimeRange: (projectId, from, to, filter) =>
      withStorageErrors(async () => {
        const keep = matches(filter);
        const rows =
          filter?.modelId !== undefined
            ? await db()
                .predictions.where('[modelId+at]')
                .between([filter.modelId, from], [filter.modelId, to], true, false)
                .filter((r) => r.projectId === projectId && keep(r))
                .toArray()
            : await db()
                .predictions.where('[projectId+at]')
                .between([projectId, from], [projectId, to], true, false)
                .filter(keep)
                .toArray();
        return rows.sort((a, b) => a.at - b.at || a.seq - b.seq);
      }),

    lastSeq: (projectId) =>
      withStorageErrors(async () => {
        const last = await db()
          .predictions.orderBy('seq')
          .reverse()
          .filter((r) => r.projectId === projectId)
          .first();
        return last?.seq ?? 0;
      }),

    byItems: (projectId, itemIds) =>
      withStorageErrors(async () => {
        if (itemIds.length === 0) return [];
        const rows = await db()
          .predictions.where('[projectId+itemId]')
          .anyOf(itemIds.map((id) => [projectId, id]))
          .toArray();
        return rows.sort((a, b) => a.seq - b.seq);
      }),

    delayedLabels: (projectId, itemIds) =>
      withStorageErrors(async () => {
        const out = new Map<string, GroundTruth>();
        if (itemIds.length === 0) return out;
        // Undo entries carry the item id of the entry they take back, so an item's own entries
        // are enough to replay its label.
        const entries = await db()
          .annotations.where('[projectId+itemId]')
          .anyOf([...new Set(itemIds)].map((id) => [projectId, id]))
          .toArray();
        for (const [itemId, e] of currentLabelEntriesOf(entries)) {
          out.set(itemId, {
            label: e.label,
            at: e.at,
            seq: e.seq,
            annotator: e.annotator,
            kind: e.kind,
          });
        }
        return out;
      }),
  };
}
