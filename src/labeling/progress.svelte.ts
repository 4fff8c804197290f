/* eslint-disable svelte/prefer-svelte-reactivity -- the stop-set cache is deliberately not reactive; other maps are local. */
// Progress of the labeling loop: labels per class, the learning curve (validation macro-F1 vs the
// number of labels a run trained on, one point per completed run) and the stopping hint —
// small-text's KappaAverage over the predictions of the last rounds' models on a fixed stop set.
// The stop set is the project's frozen holdout (stable by construction: it depends only on item
// ids and the seed), capped at STOP_SET_MAX rows in pool order.
import type { RunRecord } from '../persistence/schema';
import type { LabelClass } from '../projects/types';
import type { MlBridge } from '../training';
import type { LabelingState } from './labeling.svelte';
import { poolProbabilities } from './pool-scoring';
import { STOPPING_WINDOW, stoppingHint } from './stopping';
import type { CurvePoint, StoppingHint } from './types';

export const STOP_SET_MAX = 1000;

/** Labels a run trained and validated on (holdout excluded). */
export function labelsOfRun(run: RunRecord): number {
  const c = run.splitCounts;
  return c ? (c.train ?? 0) + (c.validation ?? 0) + (c.test ?? 0) : 0;
}

/** One point per completed, non-cross-validation run, oldest first. */
export function learningCurve(runs: readonly RunRecord[]): (CurvePoint & { runId: string })[] {
  return runs
    .filter((r) => r.status === 'completed' && r.purpose !== 'cross-validation')
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((r) => ({
      runId: r.id,
      labels: labelsOfRun(r),
      metric: r.metrics.valMacroF1 ?? r.metrics.valAccuracy ?? Number.NaN,
    }));
}

export class ProgressState {
  readonly #labeling: LabelingState;
  readonly #bridge: Pick<MlBridge, 'predict'>;
  readonly #dbName: string;
  /** Stop-set predictions per run id (class indices), computed once per run. */
  readonly #cache = new Map<string, Int32Array>();

  hint = $state.raw<StoppingHint | null>(null);
  hintRuns = $state(0);
  checking = $state(false);
  error = $state<string | null>(null);

  constructor(labeling: LabelingState, bridge: Pick<MlBridge, 'predict'>, dbName: string) {
    this.#labeling = labeling;
    this.#bridge = bridge;
    this.#dbName = dbName;
  }

  get perClass(): { cls: LabelClass; count: number }[] {
    const counts = new Map(this.#labeling.project.classes.map((c) => [c.id, 0]));
    for (const label of this.#labeling.labels.values()) {
      if (counts.has(label)) counts.set(label, counts.get(label)! + 1);
    }
    return this.#labeling.project.classes.map((c) => ({ cls: c, count: counts.get(c.id)! }));
  }

  get curve(): (CurvePoint & { runId: string })[] {
    return learningCurve(this.#labeling.runs.current);
  }

  /** Predicts the stop set with the last WINDOW + 1 rounds' models and computes the hint. */
  async check(): Promise<void> {
    const lab = this.#labeling;
    const pool = lab.pool;
    if (!pool || this.checking) return;
    this.checking = true;
    this.error = null;
    try {
      const stopIds: string[] = [];
      for (let r = 0; r < pool.itemIds.length && stopIds.length < STOP_SET_MAX; r++) {
        if (pool.holdout[r]) stopIds.push(pool.itemIds[r]!);
      }
      const rounds = this.curve.slice(-(STOPPING_WINDOW + 1));
      const history: Int32Array[] = [];
      for (const point of rounds) {
        let preds = this.#cache.get(point.runId);
        if (!preds) {
          const res = await poolProbabilities(
            this.#bridge,
            this.#dbName,
            pool,
            point.runId,
            undefined,
            stopIds,
          );
          const m = res.classIds.length;
          const byItem = new Map<string, number>();
          res.rows.forEach((r, i) => {
            let best = 0;
            for (let j = 1; j < m; j++)
              if (res.data[i * m + j]! > res.data[i * m + best]!) best = j;
            byItem.set(pool.itemIds[r]!, lab.classIndex.get(res.classIds[best]!) ?? 0);
          });
          preds = Int32Array.from(stopIds, (id) => byItem.get(id) ?? 0);
          this.#cache.set(point.runId, preds);
        }
        history.push(preds);
      }
      this.hintRuns = history.length;
      this.hint = stoppingHint(history, lab.project.classes.length);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.checking = false;
    }
  }
}
