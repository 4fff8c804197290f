/* eslint-disable svelte/prefer-svelte-reactivity -- maps here are local to a computation or replaced wholesale in $state.raw fields. */
// The review queue: "it seems you made a mistake here". On demand, K-fold (default 5) out-of-fold
// probabilities for every labelled, non-holdout item — K models trained in the ML worker, each on
// the other folds (`heldOutItemIds`), each scoring its held-out fold — then confident learning
// (`findLabelIssues`, cleanlab's prune-by-noise-rate) lists the suspected mistakes, lowest
// self-confidence first. The fold runs are tagged 'cross-validation' while they exist and removed
// once their fold is scored, so they never show up as retrains or on the learning curve.
// Keep / relabel is one key and is logged as an 'adjudication' annotation.
import { runsRepo as pageRuns, type RunsRepo } from '../persistence';
import { DEFAULT_PRESET, presetConfig, trainRequest, type MlBridge } from '../training';
import { findLabelIssues } from './confident-learning';
import { stratifiedFolds } from './folds';
import type { LabelingState } from './labeling.svelte';
import { poolProbabilities } from './pool-scoring';

export const DEFAULT_FOLDS = 5;

export interface ReviewIssue {
  itemId: string;
  givenClassId: string;
  suggestedClassId: string;
  selfConfidence: number;
  suggestedConfidence: number;
}

export type ReviewPhase = 'idle' | 'running' | 'done';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class ReviewState {
  readonly #labeling: LabelingState;
  readonly #bridge: Pick<MlBridge, 'trainModel' | 'predict' | 'evictModels'>;
  readonly #dbName: string;
  readonly #runs: RunsRepo;
  #controller: AbortController | null = null;

  folds = $state(DEFAULT_FOLDS);
  phase = $state<ReviewPhase>('idle');
  step = $state('');
  foldsDone = $state(0);
  error = $state<string | null>(null);
  issues = $state.raw<ReviewIssue[]>([]);
  /** Items the reviewer has decided on (kept or relabelled) in this review. */
  resolved = $state.raw<Map<string, 'kept' | 'relabelled'>>(new Map());
  checked = $state(0);
  index = $state(0);

  constructor(
    labeling: LabelingState,
    bridge: Pick<MlBridge, 'trainModel' | 'predict' | 'evictModels'>,
    dbName: string,
    runs: RunsRepo = pageRuns,
  ) {
    this.#labeling = labeling;
    this.#bridge = bridge;
    this.#dbName = dbName;
    this.#runs = runs;
  }

  readonly open = $derived(this.issues.filter((i) => !this.resolved.has(i.itemId)));
  readonly current: ReviewIssue | null = $derived(this.open[0] ?? null);

  /** Trains the K fold models and runs confident learning over their out-of-fold probabilities. */
  async run(): Promise<void> {
    const lab = this.#labeling;
    const pool = lab.pool;
    if (!pool || this.phase === 'running') return;
    const controller = new AbortController();
    this.#controller = controller;
    const signal = controller.signal;
    this.phase = 'running';
    this.error = null;
    this.foldsDone = 0;
    this.issues = [];
    this.resolved = new Map();
    try {
      await lab.flush();
      const project = lab.project;
      const classIndex = lab.classIndex;
      const labels = new Map<string, string>();
      for (const [id, label] of lab.labels) {
        const r = pool.rowOf.get(id);
        if (r !== undefined && !pool.holdout[r] && classIndex.has(label)) labels.set(id, label);
      }
      const k = Math.max(2, Math.min(this.folds, labels.size));
      if (new Set(labels.values()).size < 2 || labels.size < k * 2) {
        throw new Error(
          'The review needs labelled items of at least two classes; label some more.',
        );
      }
      const fold = stratifiedFolds(labels, k, project.seed);
      const ids = [...labels.keys()];
      const row = new Map(ids.map((id, i) => [id, i]));
      const K = project.classes.length;
      const probs = new Float32Array(ids.length * K);
      // Out-of-fold probabilities from the fast exact learner: K fits in seconds, not K networks.
      const config = {
        ...presetConfig(project.modality, DEFAULT_PRESET, project.seed),
        family: 'linear' as const,
      };
      for (let f = 0; f < k; f++) {
        const heldOut = ids.filter((id) => fold.get(id) === f);
        this.step = `Fold ${f + 1} of ${k}: training on ${ids.length - heldOut.length} items`;
        const request = {
          ...trainRequest(this.#dbName, project.id, config),
          heldOutItemIds: heldOut,
          purpose: 'cross-validation' as const,
        };
        try {
          await this.#bridge.trainModel(request, { signal });
          this.step = `Fold ${f + 1} of ${k}: scoring ${heldOut.length} held-out items`;
          const res = await poolProbabilities(
            this.#bridge,
            this.#dbName,
            pool,
            request.runId,
            signal,
            heldOut,
          );
          const m = res.classIds.length;
          res.rows.forEach((r, i) => {
            if (r < 0) return;
            const o = row.get(pool.itemIds[r]!)! * K;
            for (let j = 0; j < m; j++) {
              const c = classIndex.get(res.classIds[j]!);
              if (c !== undefined) probs[o + c] = res.data[i * m + j]!;
            }
          });
        } finally {
          await this.#runs.remove(request.runId).catch(() => undefined);
          await this.#bridge.evictModels(request.runId).catch(() => undefined);
        }
        this.foldsDone = f + 1;
      }
      const given = Int32Array.from(ids, (id) => classIndex.get(labels.get(id)!)!);
      const result = findLabelIssues(probs, given, K);
      const classIds = project.classes.map((c) => c.id);
      this.checked = ids.length;
      this.issues = result.issues.map((i) => ({
        itemId: ids[i.index]!,
        givenClassId: classIds[i.givenLabel]!,
        suggestedClassId: classIds[i.suggestedLabel]!,
        selfConfidence: i.selfConfidence,
        suggestedConfidence: i.suggestedConfidence,
      }));
      this.phase = 'done';
    } catch (e) {
      this.phase = 'idle';
      if (!signal.aborted) this.error = message(e);
    } finally {
      this.step = '';
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }

  /** Keeps the given label (logged as an adjudication confirming it). */
  keep(): void {
    const c = this.current;
    if (!c) return;
    this.#labeling.adjudicate(c.itemId, c.givenClassId);
    this.resolved = new Map([...this.resolved, [c.itemId, 'kept']]);
  }

  /** Relabels with `classId` (default: the suggestion), logged as an adjudication. */
  relabel(classId?: string): void {
    const c = this.current;
    if (!c) return;
    const to = classId ?? c.suggestedClassId;
    this.#labeling.adjudicate(c.itemId, to);
    this.resolved = new Map([
      ...this.resolved,
      [c.itemId, to === c.givenClassId ? 'kept' : 'relabelled'],
    ]);
  }

  dispose(): void {
    this.#controller?.abort();
  }
}
