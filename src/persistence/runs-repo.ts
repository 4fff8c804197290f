// Training runs (`runs`) and the weights of their models (`modelWeights`, key `run:<runId>`). A run
// is created in status 'running' when training starts, gains one point per epoch on its curves,
// and ends exactly once: 'completed' with its metrics *and* its weights in one transaction, or
// 'cancelled' / 'failed' with a reason and no weights. A tab that dies mid-run leaves a 'running'
// row; `markInterrupted` (called when the Train page opens) turns those into 'failed'. Usable from
// the page and from the ML worker (no DOM APIs).
import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import type { ModelWeightsRecord, RunRecord, RunStatus } from './schema';

/** The `modelWeights` key of a run's trained model. */
export function runWeightsKey(runId: string): string {
  return `run:${runId}`;
}

/** The reason stored on runs that were still 'running' when their tab went away. */
export const INTERRUPTED_REASON = 'interrupted (the tab was closed or crashed while training)';

/** What a completed run gains in its final write. */
export type RunCompletion = Partial<
  Omit<RunRecord, 'id' | 'projectId' | 'status' | 'startedAt' | 'finishedAt' | 'error'>
>;

export interface RunsRepo {
  /** Adds a run in status 'running'; fails if the id is taken. */
  create(run: Omit<RunRecord, 'status' | 'finishedAt' | 'curves' | 'metrics'>): Promise<void>;
  /** Appends one epoch's values to the run's curves (series missing so far start with it). */
  appendEpoch(runId: string, point: Record<string, number>): Promise<void>;
  /**
   * One transaction: the run becomes 'completed' with `completion` applied, and its weights are
   * stored under `runWeightsKey(runId)`. Fails, changing nothing, if the run is not 'running'.
   */
  complete(
    runId: string,
    completion: RunCompletion,
    weights: Omit<ModelWeightsRecord, 'modelId'>,
    finishedAt?: number,
  ): Promise<RunRecord>;
  /**
   * Ends a run as 'cancelled' or 'failed' with `reason`; no weights are written. Also writes the
   * run when it was never created (a failure before training could start), if `run` is given.
   */
  end(
    runId: string,
    status: Extract<RunStatus, 'cancelled' | 'failed'>,
    reason: string,
    run?: Omit<RunRecord, 'status' | 'finishedAt' | 'curves' | 'metrics'>,
    finishedAt?: number,
  ): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** A project's runs, newest first. */
  list(projectId: string): Promise<RunRecord[]>;
  /** Marks every 'running' run (of one project, or of all) 'failed' as interrupted; returns how many. */
  markInterrupted(projectId?: string, now?: number): Promise<number>;
  getWeights(key: string): Promise<ModelWeightsRecord | undefined>;
  putWeights(record: ModelWeightsRecord): Promise<void>;
  /** Deletes a run and its weights together. */
  remove(runId: string): Promise<void>;
}

/** `db` is a getter so the repository can be built before the connection is opened. */
export function createRunsRepo(db: () => InloopDB): RunsRepo {
  const runsOf = (projectId: string) =>
    db().runs.where('[projectId+startedAt]').between([projectId, -Infinity], [projectId, Infinity]);

  return {
    create: (run) =>
      withStorageErrors(async () => {
        await db().runs.add({
          ...run,
          status: 'running',
          curves: {},
          metrics: {},
          finishedAt: null,
        });
      }),

    appendEpoch: (runId, point) =>
      withStorageErrors(() =>
        db().transaction('rw', db().runs, async () => {
          const run = await db().runs.get(runId);
          if (!run || run.status !== 'running') return;
          const curves = { ...run.curves };
          for (const [name, value] of Object.entries(point)) {
            curves[name] = [...(curves[name] ?? []), value];
          }
          await db().runs.update(runId, { curves });
        }),
      ),

    complete: (runId, completion, weights, finishedAt = Date.now()) =>
      withStorageErrors(() =>
        db().transaction('rw', [db().runs, db().modelWeights], async () => {
          const run = await db().runs.get(runId);
          if (!run) throw new Error(`Run ${runId} does not exist`);
          if (run.status !== 'running') {
            throw new Error(`Run ${runId} is already ${run.status}; it cannot complete`);
          }
          const weightsKey = runWeightsKey(runId);
          const done: RunRecord = {
            ...run,
            ...completion,
            status: 'completed',
            finishedAt,
            weightsKey,
          };
          await db().modelWeights.put({ ...weights, modelId: weightsKey });
          await db().runs.put(done);
          return done;
        }),
      ),

    end: (runId, status, reason, run, finishedAt = Date.now()) =>
      withStorageErrors(() =>
        db().transaction('rw', db().runs, async () => {
          const existing = await db().runs.get(runId);
          if (existing) {
            if (existing.status !== 'running') return;
            await db().runs.update(runId, { status, error: reason, finishedAt });
          } else if (run) {
            await db().runs.add({
              ...run,
              status,
              error: reason,
              curves: {},
              metrics: {},
              finishedAt,
            });
          }
        }),
      ),

    get: (runId) => withStorageErrors(() => db().runs.get(runId)),

    list: (projectId) =>
      withStorageErrors(async () => (await runsOf(projectId).toArray()).reverse()),

    markInterrupted: (projectId, now = Date.now()) =>
      withStorageErrors(() =>
        db().transaction('rw', db().runs, async () => {
          const running = projectId
            ? await runsOf(projectId)
                .filter((r) => r.status === 'running')
                .toArray()
            : await db()
                .runs.filter((r) => r.status === 'running')
                .toArray();
          for (const r of running) {
            await db().runs.update(r.id, {
              status: 'failed',
              error: INTERRUPTED_REASON,
              finishedAt: now,
            });
          }
          return running.length;
        }),
      ),

    getWeights: (key) => withStorageErrors(() => db().modelWeights.get(key)),

    putWeights: (record) =>
      withStorageErrors(async () => {
        await db().modelWeights.put(record);
      }),

    remove: (runId) =>
      withStorageErrors(() =>
        db().transaction('rw', [db().runs, db().modelWeights], async () => {
          await db().modelWeights.delete(runWeightsKey(runId));
          await db().runs.delete(runId);
        }),
      ),
  };
}
