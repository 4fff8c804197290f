// The Train page's state: the config being edited (preset + advanced values, validated as typed),
// what the run will train on (the worker's plan), the run in progress with its live curves, and
// the project's recorded runs (live from IndexedDB, so they survive reloads and show other tabs'
// runs). Components render this and call its methods; they compute nothing themselves.
import { LiveQuery, runsRepo, getDb } from '../persistence';
import { findDuplicateRun } from '../registry/experiments';
import type { Project, RunRecord } from '../persistence/schema';
import {
  configHash,
  DEFAULT_PRESET,
  describeTrainConfigError,
  presetConfig,
  type ModelFamily,
  type SplitBy,
  trainConfigErrors,
  type TrainConfig,
  type TrainConfigError,
  type TrainPreset,
} from './config';
import type { MlBridge } from './ml-bridge';
import { isAbortError } from './ml-bridge';
import { trainRequest } from './train-client';
import type { EpochPoint, SplitCounts, TrainingPlan, TrainResult } from './train-types';

/** Runs are checked for a dead tab's leftovers once per project per page load (not reactive). */
const checkedForInterrupted: Record<string, true> = {};

/** Runs compared at once: beyond six the overlaid curves stop being readable. */
const MAX_COMPARED = 6;

export type TrainPhase = 'idle' | 'preparing' | 'training' | 'evaluating';

export interface LiveProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TrainState {
  readonly project: Project;
  readonly #bridge: MlBridge;
  #controller: AbortController | null = null;

  config = $state<TrainConfig>() as TrainConfig;
  plan = $state.raw<TrainingPlan | null>(null);
  planError = $state<string | null>(null);
  planLoading = $state(false);

  phase = $state<TrainPhase>('idle');
  progress = $state.raw<LiveProgress | null>(null);
  /** Curves of the run in progress (or the one that just ended). */
  live = $state.raw<EpochPoint[]>([]);
  liveRunId = $state<string | null>(null);
  lastResult = $state.raw<TrainResult | null>(null);
  error = $state<string | null>(null);

  /** Run shown in detail (confusion matrix, per-class table); defaults to the newest. */
  viewedRunId = $state<string | null>(null);
  /** Runs picked for side-by-side comparison (two or more; the oldest pick drops out beyond six). */
  compared = $state<string[]>([]);
  /**
   * An earlier completed run with the same config hash, data digest and label digest as the run
   * the user just asked for: its result is shown and the user is asked before repeating it.
   */
  duplicate = $state.raw<RunRecord | null>(null);
  /** True while the duplicate check reads the current data and label digests. */
  checking = $state(false);

  readonly runs: LiveQuery<RunRecord[]>;

  readonly configErrors: TrainConfigError[] = $derived(trainConfigErrors(this.config));
  readonly configMessages: string[] = $derived(this.configErrors.map(describeTrainConfigError));
  /**
   * A run is over when the worker's call returns, or when its record says it ended: the record is
   * written in the worker's last transaction, and the page must not wait on the call's reply
   * alone (seen in CI: the record said completed, the reply never came, Start stayed disabled).
   */
  get running(): boolean {
    return (
      this.phase !== 'idle' &&
      !this.runs.current.some((r) => r.id === this.liveRunId && r.status !== 'running')
    );
  }
  readonly canStart = $derived(
    !this.running &&
      !this.checking &&
      this.configErrors.length === 0 &&
      !!this.plan &&
      !this.plan.problem,
  );
  /** 0–1 over all epochs, for the progress bar. */
  readonly fraction = $derived.by(() => {
    const p = this.progress;
    if (!p || p.epochs === 0) return 0;
    const within = p.batchesPerEpoch > 0 ? p.batch / p.batchesPerEpoch : 0;
    return Math.min(1, (p.epoch + within) / p.epochs);
  });

  readonly viewedRun = $derived.by(() => {
    const all = this.runs.current;
    return (
      all.find((r) => r.id === this.viewedRunId) ??
      all.find((r) => r.status === 'completed') ??
      null
    );
  });
  readonly comparedRuns = $derived(
    this.compared
      .map((id) => this.runs.current.find((r) => r.id === id))
      .filter((r): r is RunRecord => r !== undefined),
  );

  constructor(project: Project, bridge: MlBridge) {
    this.project = project;
    this.#bridge = bridge;
    this.config = presetConfig(project.modality, DEFAULT_PRESET, project.seed);
    this.runs = new LiveQuery(() => runsRepo.list(project.id), []);
  }

  /** Marks a dead tab's runs as interrupted (once per load) and asks the worker for the plan. */
  async open(): Promise<void> {
    if (!checkedForInterrupted[this.project.id]) {
      checkedForInterrupted[this.project.id] = true;
      await runsRepo.markInterrupted(this.project.id);
    }
    await this.refreshPlan();
  }

  async refreshPlan(): Promise<void> {
    this.planLoading = true;
    this.planError = null;
    try {
      // The plan's counts follow the split the run would use.
      const splitBy = this.config.splitBy;
      this.plan = await this.#bridge.trainingPlan({
        dbName: getDb().name,
        projectId: this.project.id,
        ...(splitBy ? { splitBy } : {}),
      });
    } catch (e) {
      this.planError = `Could not read the project's data: ${message(e)}`;
    } finally {
      this.planLoading = false;
    }
  }

  applyPreset(preset: TrainPreset): void {
    const { family, C, splitBy } = this.config;
    this.config = presetConfig(this.project.modality, preset, this.config.seed);
    // The family and the split are their own choices: a preset sets the network's sizes, not
    // which learner runs or how the data is split.
    if (family !== undefined) this.config.family = family;
    if (C !== undefined) this.config.C = C;
    if (splitBy !== undefined) this.config.splitBy = splitBy;
  }

  setFamily(family: ModelFamily): void {
    this.config.family = family;
  }

  /** Random or time-ordered split; the plan is re-read so its counts show the new split. */
  async setSplitBy(splitBy: SplitBy): Promise<void> {
    // Random is stored as absent, so a random run's config hash is the one it always had.
    if (splitBy === 'random') delete this.config.splitBy;
    else this.config.splitBy = splitBy;
    await this.refreshPlan();
  }

  /** Counts of one class in one split, for the plan table. */
  countOf(classId: string, split: keyof SplitCounts['perClass'][string]): number {
    return this.plan?.counts.perClass[classId]?.[split] ?? 0;
  }

  className(classId: string): string {
    return this.project.classes.find((c) => c.id === classId)?.name ?? classId;
  }

  /**
   * Starts a run, unless an earlier completed run had the same config hash, data digest and label
   * digest: then that run is shown (`duplicate`, `viewedRunId`) and nothing starts until the user
   * confirms with `start({ repeat: true })`. The digests come from a fresh training plan (the
   * worker computes them exactly as training does, without training).
   */
  async start(options: { repeat?: boolean } = {}): Promise<void> {
    if (!this.canStart) return;
    this.duplicate = null;
    if (!options.repeat) {
      this.checking = true;
      try {
        const config = $state.snapshot(this.config);
        const [hash] = await Promise.all([configHash(config), this.refreshPlan()]);
        const plan = this.plan;
        if (plan?.dataDigest && plan.labelDigest) {
          const earlier = findDuplicateRun(await runsRepo.list(this.project.id), {
            configHash: hash,
            dataDigest: plan.dataDigest,
            labelDigest: plan.labelDigest,
          });
          if (earlier) {
            this.duplicate = earlier;
            this.viewedRunId = earlier.id;
            return;
          }
        }
      } catch (e) {
        this.error = `Could not check for an identical earlier run: ${message(e)}`;
        return;
      } finally {
        this.checking = false;
      }
      if (!this.canStart) return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    const request = trainRequest(getDb().name, this.project.id, $state.snapshot(this.config));
    this.phase = 'preparing';
    this.error = null;
    this.live = [];
    this.progress = null;
    this.liveRunId = request.runId;
    this.viewedRunId = request.runId;
    try {
      this.lastResult = await this.#bridge.trainModel(request, {
        signal: controller.signal,
        onProgress: (p) => {
          switch (p.kind) {
            case 'prepared':
              this.phase = 'training';
              this.progress = {
                epoch: 0,
                epochs: p.epochs,
                batch: 0,
                batchesPerEpoch: p.batchesPerEpoch,
              };
              break;
            case 'batch':
              if (this.progress)
                this.progress = { ...this.progress, epoch: p.epoch, batch: p.batch };
              break;
            case 'epoch':
              this.live = [...this.live, p.point];
              if (this.progress) {
                this.progress = { ...this.progress, epoch: p.point.epoch + 1, batch: 0 };
              }
              break;
            case 'evaluating':
              this.phase = 'evaluating';
              break;
          }
        },
      });
    } catch (e) {
      if (!isAbortError(e)) this.error = message(e);
    } finally {
      this.phase = 'idle';
      this.#controller = null;
    }
  }

  /** Stops the run in progress; it is recorded as cancelled. */
  cancel(): void {
    this.#controller?.abort();
  }

  view(runId: string): void {
    this.viewedRunId = runId;
  }

  /** Answers the duplicate-run question: `repeat` trains again, otherwise nothing starts. */
  async resolveDuplicate(repeat: boolean): Promise<void> {
    this.duplicate = null;
    if (repeat) await this.start({ repeat: true });
  }

  /** Adds or removes a run from the comparison (the oldest pick drops out beyond six). */
  toggleCompared(runId: string): void {
    if (this.compared.includes(runId)) {
      this.compared = this.compared.filter((id) => id !== runId);
    } else {
      this.compared = [...this.compared, runId].slice(-MAX_COMPARED);
    }
  }

  /** The per-epoch curves of a run as points (recorded runs store them column-wise). */
  curvesOf(run: RunRecord | null): EpochPoint[] {
    if (!run) return [];
    if (run.id === this.liveRunId && this.live.length > 0) return this.live;
    const c = run.curves;
    const n = c.loss?.length ?? 0;
    return Array.from({ length: n }, (_, i) => ({
      epoch: c.epoch?.[i] ?? i,
      loss: c.loss?.[i] ?? Number.NaN,
      accuracy: c.accuracy?.[i] ?? Number.NaN,
      valLoss: c.valLoss?.[i] ?? Number.NaN,
      valAccuracy: c.valAccuracy?.[i] ?? Number.NaN,
      valMacroF1: c.valMacroF1?.[i] ?? Number.NaN,
      seconds: c.seconds?.[i] ?? Number.NaN,
    }));
  }

  dispose(): void {
    this.#controller?.abort();
  }
}
