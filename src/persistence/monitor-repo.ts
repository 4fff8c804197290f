// Drift monitoring's storage: the windows the monitor computed (`monitorWindows`, append-only),
// and the reference profile on a model version's row (`models.referenceProfile`, one field
// updated). The prediction log itself is read through predictions-repo.
//
// A window row keeps the indexed fields of MonitorWindowRecord (start/end = event times of its
// first and last prediction, or the time bucket) and, not indexed, `fromSeq`/`toSeq` (the
// prediction log range it covers, so the next run starts after `toSeq`), `windowKey` (the
// settings the series was computed with: changing them starts a new series instead of rewriting
// old rows) and `index` (position in the series). `tests` holds the engine's WindowReport.
// A window's traffic part is never rewritten; its performance part is, when delayed labels
// arrive for its predictions after it was stored: `supersedePerformance` replaces `state` and
// `tests` of the row and counts `revision` up (absent = 0, the first computation), so no schema
// change was needed (neither field is indexed).
import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import type { ModelRecord, MonitorWindowRecord } from './schema';

/** A stored window with the monitor's own (non-indexed) fields. */
export type StoredMonitorWindow = MonitorWindowRecord & {
  fromSeq: number;
  toSeq: number;
  windowKey: string;
  index: number;
  /** Times the performance part was superseded (absent = never). */
  revision?: number;
};

export type NewMonitorWindow = Omit<StoredMonitorWindow, 'seq'>;

export interface MonitorRepo {
  /** Stores a version's reference profile (only that field of its row changes). */
  setReferenceProfile(modelId: string, profile: Record<string, unknown>): Promise<void>;
  /** A series of windows (one model, one settings key), oldest first. */
  listWindows(
    projectId: string,
    modelId: string,
    windowKey: string,
  ): Promise<StoredMonitorWindow[]>;
  /** Every window of a project (all models and series), oldest first. */
  listProjectWindows(projectId: string): Promise<StoredMonitorWindow[]>;
  /** Appends windows in one transaction; returns their seqs. */
  appendWindows(windows: NewMonitorWindow[]): Promise<number[]>;
  /**
   * Replaces the state and report of stored windows whose labels changed (one transaction),
   * counting each row's `revision` up. Windows that no longer exist are skipped.
   */
  supersedePerformance(
    updates: { seq: number; state: MonitorWindowRecord['state']; tests: Record<string, unknown> }[],
  ): Promise<void>;
}

export function createMonitorRepo(db: () => InloopDB): MonitorRepo {
  return {
    setReferenceProfile: (modelId, profile) =>
      withStorageErrors(async () => {
        // `referenceProfile` is a registry field beside ModelRecord's (src/registry/types.ts).
        const updated = await db().models.update(modelId, (row) => {
          (row as ModelRecord & { referenceProfile?: unknown }).referenceProfile = profile;
        });
        if (updated === 0) throw new Error(`Model version ${modelId} does not exist`);
      }),
    listWindows: (projectId, modelId, windowKey) =>
      withStorageErrors(async () => {
        const rows = (await db()
          .monitorWindows.where('[modelId+start]')
          .between([modelId, -Infinity], [modelId, Infinity])
          .toArray()) as StoredMonitorWindow[];
        return rows
          .filter((w) => w.projectId === projectId && w.windowKey === windowKey)
          .sort((a, b) => a.seq - b.seq);
      }),
    listProjectWindows: (projectId) =>
      withStorageErrors(async () => {
        const rows = (await db()
          .monitorWindows.where('[projectId+start]')
          .between([projectId, -Infinity], [projectId, Infinity])
          .toArray()) as StoredMonitorWindow[];
        return rows.sort((a, b) => a.seq - b.seq);
      }),
    appendWindows: (windows) =>
      withStorageErrors(() =>
        db().transaction('rw', db().monitorWindows, async () => {
          const seqs: number[] = [];
          for (const w of windows) {
            seqs.push(await db().monitorWindows.add(w));
          }
          return seqs;
        }),
      ),
    supersedePerformance: (updates) =>
      withStorageErrors(() =>
        db().transaction('rw', db().monitorWindows, async () => {
          for (const u of updates) {
            await db()
              .monitorWindows.where(':id')
              .equals(u.seq)
              .modify((row) => {
                const w = row as StoredMonitorWindow;
                w.state = u.state;
                w.tests = u.tests;
                w.revision = (w.revision ?? 0) + 1;
              });
          }
        }),
      ),
  };
}
