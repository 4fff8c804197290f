// Retraining automation: `policies` (one row per retraining policy of a project) and
// `pipelineRuns` (one row per pipeline run: its trigger, its stages as they complete, its outcome).
// A pipeline run is created 'running' and ends exactly once — 'promoted', 'kept', 'failed' or
// 'cancelled' — with its finish time; single-flight is enforced here too: creating a run while
// another of the project is 'running' fails, inside the same transaction that would add it. A tab
// that dies mid-run leaves a 'running' row; `markInterrupted` (called when the Automate page opens
// and by the scheduler) turns those older than the grace period into 'failed'.
import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import type {
  MonitorWindowRecord,
  PipelineRunRecord,
  PipelineStatus,
  PolicyRecord,
} from './schema';

/**
 * A monitoring window as the automation reads it: the indexed record plus the monitor's own
 * non-indexed fields (see monitor-repo.ts), optional because older or foreign rows may lack them.
 */
export type AutomationWindow = MonitorWindowRecord & {
  fromSeq?: number;
  toSeq?: number;
  index?: number;
  windowKey?: string;
};

export const PIPELINE_INTERRUPTED_REASON =
  'interrupted (the tab was closed or crashed while the pipeline ran)';

/** Thrown by `createRun` when the project already has a running pipeline. */
export class PipelineBusyError extends Error {
  override name = 'PipelineBusyError';
  constructor(readonly runningId: string) {
    super('A pipeline run of this project is already running');
  }
}

export interface AutomationRepo {
  listPolicies(projectId: string): Promise<PolicyRecord[]>;
  getPolicy(id: string): Promise<PolicyRecord | undefined>;
  /** Adds or replaces a policy (`updatedAt` is set to `now`). */
  savePolicy(policy: PolicyRecord, now?: number): Promise<PolicyRecord>;
  deletePolicy(id: string): Promise<void>;

  /** Adds a 'running' pipeline run; fails with PipelineBusyError if one is running already. */
  createRun(run: Omit<PipelineRunRecord, 'status' | 'finishedAt' | 'steps'>): Promise<void>;
  getRun(id: string): Promise<PipelineRunRecord | undefined>;
  /** Newest first. */
  listRuns(projectId: string, limit?: number): Promise<PipelineRunRecord[]>;
  /** The project's running pipeline, if any. */
  runningRun(projectId: string): Promise<PipelineRunRecord | undefined>;
  /** The latest run a policy started, if any. */
  latestRunOfPolicy(policyId: string): Promise<PipelineRunRecord | undefined>;
  /** Appends one stage's record to a running pipeline run. */
  appendStep(id: string, step: Record<string, unknown>): Promise<void>;
  /** Sets fields of a running run (e.g. the challenger's run id) without ending it. */
  patchRun(id: string, patch: Partial<Pick<PipelineRunRecord, 'challengerRunId'>>): Promise<void>;
  /**
   * Ends a running run with `status`; fails (changing nothing) if it is not running, so a run ends
   * exactly once.
   */
  finishRun(
    id: string,
    status: Exclude<PipelineStatus, 'running'>,
    patch?: Partial<Pick<PipelineRunRecord, 'error' | 'challengerModelId'>>,
    now?: number,
  ): Promise<PipelineRunRecord>;
  /** Running rows that started before `olderThan` become 'failed' (their tab is gone). */
  markInterrupted(projectId: string, olderThan: number, now?: number): Promise<number>;

  // Reads of other tables the triggers and the snapshot need (read-only).
  /** The project's monitoring windows, oldest first (every model and series). */
  windows(projectId: string): Promise<AutomationWindow[]>;
  /** Item ids of the logged predictions with `fromSeq ≤ seq ≤ toSeq` (one window's traffic). */
  predictedItems(fromSeq: number, toSeq: number): Promise<string[]>;
  /** Label-setting annotations (human, import, adjudication) of the project after `since`. */
  labelsSince(projectId: string, since: number): Promise<number>;
}

export function createAutomationRepo(db: () => InloopDB): AutomationRepo {
  const runsOf = (projectId: string) =>
    db()
      .pipelineRuns.where('[projectId+startedAt]')
      .between([projectId, -Infinity], [projectId, Infinity]);

  return {
    listPolicies: (projectId) =>
      withStorageErrors(async () => {
        const rows = await db().policies.where('projectId').equals(projectId).toArray();
        return rows.sort((a, b) => a.createdAt - b.createdAt);
      }),
    getPolicy: (id) => withStorageErrors(() => db().policies.get(id)),
    savePolicy: (policy, now = Date.now()) =>
      withStorageErrors(async () => {
        const row = { ...policy, updatedAt: now };
        await db().policies.put(row);
        return row;
      }),
    deletePolicy: (id) => withStorageErrors(() => db().policies.delete(id)),

    createRun: (run) =>
      db().transaction('rw', db().pipelineRuns, async () => {
        const running = await runsOf(run.projectId)
          .filter((r) => r.status === 'running')
          .first();
        if (running) throw new PipelineBusyError(running.id);
        await db().pipelineRuns.add({ ...run, status: 'running', finishedAt: null, steps: [] });
      }),
    getRun: (id) => withStorageErrors(() => db().pipelineRuns.get(id)),
    listRuns: (projectId, limit = 50) =>
      withStorageErrors(() => runsOf(projectId).reverse().limit(limit).toArray()),
    runningRun: (projectId) =>
      withStorageErrors(() =>
        runsOf(projectId)
          .filter((r) => r.status === 'running')
          .first(),
      ),
    latestRunOfPolicy: (policyId) =>
      withStorageErrors(async () => {
        const rows = await db().pipelineRuns.where('policyId').equals(policyId).toArray();
        return rows.sort((a, b) => b.startedAt - a.startedAt)[0];
      }),
    appendStep: (id, step) =>
      withStorageErrors(() =>
        db().transaction('rw', db().pipelineRuns, async () => {
          const run = await db().pipelineRuns.get(id);
          if (!run) throw new Error(`Pipeline run ${id} does not exist`);
          if (run.status !== 'running') throw new Error(`Pipeline run ${id} has already ended`);
          await db().pipelineRuns.update(id, { steps: [...run.steps, step] });
        }),
      ),
    patchRun: (id, patch) =>
      withStorageErrors(async () => {
        await db().pipelineRuns.update(id, patch);
      }),
    finishRun: (id, status, patch = {}, now = Date.now()) =>
      withStorageErrors(() =>
        db().transaction('rw', db().pipelineRuns, async () => {
          const run = await db().pipelineRuns.get(id);
          if (!run) throw new Error(`Pipeline run ${id} does not exist`);
          if (run.status !== 'running') {
            throw new Error(`Pipeline run ${id} has already ended (${run.status})`);
          }
          const done: PipelineRunRecord = { ...run, ...patch, status, finishedAt: now };
          await db().pipelineRuns.put(done);
          return done;
        }),
      ),
    markInterrupted: (projectId, olderThan, now = Date.now()) =>
      withStorageErrors(() =>
        db().transaction('rw', db().pipelineRuns, async () => {
          const stale = await runsOf(projectId)
            .filter((r) => r.status === 'running' && r.startedAt < olderThan)
            .toArray();
          for (const r of stale) {
            await db().pipelineRuns.put({
              ...r,
              status: 'failed',
              finishedAt: now,
              error: PIPELINE_INTERRUPTED_REASON,
            });
          }
          return stale.length;
        }),
      ),

    windows: (projectId) =>
      withStorageErrors(async () => {
        const rows = (await db()
          .monitorWindows.where('[projectId+start]')
          .between([projectId, -Infinity], [projectId, Infinity])
          .toArray()) as AutomationWindow[];
        return rows.sort((a, b) => a.seq - b.seq);
      }),
    predictedItems: (fromSeq, toSeq) =>
      withStorageErrors(async () => {
        if (!(toSeq >= fromSeq)) return [];
        const rows = await db()
          .predictions.where(':id')
          .between(fromSeq, toSeq, true, true)
          .toArray();
        return rows.map((r) => r.itemId);
      }),
    labelsSince: (projectId, since) =>
      withStorageErrors(() =>
        db()
          .annotations.where('[projectId+at]')
          .between([projectId, since], [projectId, Infinity], false, true)
          .filter((a) => a.label !== null && a.kind !== 'suggestion' && a.kind !== 'undo')
          .count(),
      ),
  };
}
