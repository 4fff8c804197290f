// Plain types of the automation domain: retraining policies, trigger signals and decisions, data
// selection and continual-training options, pipeline stages. No Svelte, Dexie or TF.js imports.
import type { MonitorState, PipelineStatus, PolicyTrigger } from '../persistence/schema';

export type { PolicyTrigger, PipelineStatus };

/** How the challenger is trained. */
export type TrainingMode = 'scratch' | 'fine-tune';

/** Weight-importance penalty of a fine-tune (none: naive fine-tune). */
export type PenaltyKind = 'none' | 'ewc' | 'mas';

/** How replayed (old) samples are chosen. */
export type ReplayStrategy = 'none' | 'reservoir' | 'bandit';

/**
 * Which labelled data trains the challenger. `auto` lets the pipeline choose by the detected
 * signal (see data-selection.ts): sudden drift → recent windows, gradual → sliding window + replay,
 * otherwise full history.
 */
export type DataSelection = 'auto' | 'full-history' | 'recent-windows' | 'sliding-replay';

/** A concrete choice (what `auto` resolves to). */
export type ResolvedSelection = Exclude<DataSelection, 'auto'>;

/** Trigger parameters and pipeline options of one policy (stored as `PolicyRecord.config`). */
export interface PolicyConfig {
  /** schedule: minutes between runs while the app is open. */
  intervalMinutes: number;
  /** new-labels: labels added since the last run that trigger a new one. */
  labelCount: number;
  /** drift: the lowest ensemble state that triggers ('warning' also fires on 'drift'). */
  driftLevel: Exclude<MonitorState, 'ok'>;
  /** performance-drop: the windowed accuracy below which a run starts… */
  metricThreshold: number;
  /** …once the window has at least this many delayed labels. */
  minLabels: number;
  /** Minutes after a run (of this policy) during which it does not trigger again. */
  cooldownMinutes: number;
  /** Paused policies keep their settings but never trigger (the scheduler skips them). */
  paused: boolean;
  dataSelection: DataSelection;
  /** recent-windows / sliding-replay: how many of the latest windows are "recent". */
  recentWindows: number;
  training: TrainingMode;
  penalty: PenaltyKind;
  /** λ of the penalty λ/2·Σ Ω_i (θ_i − θ*_i)². */
  penaltyLambda: number;
  replay: ReplayStrategy;
  /** Replayed old samples, as a fraction of the new training items (0.5 = half as many). */
  replayRatio: number;
  /** Epochs of the challenger's training (fine-tunes usually need fewer). */
  epochs: number;
  /** Learning rate of a fine-tune (from-scratch runs keep the champion config's). */
  fineTuneLearningRate: number;
  /** Promote automatically when the gate passes (else keep and leave it as challenger). */
  autoPromote: boolean;
}

/** Defaults; a stored config is merged over these, so older records gain new fields. */
export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  intervalMinutes: 60,
  labelCount: 50,
  driftLevel: 'drift',
  metricThreshold: 0.8,
  minLabels: 30,
  cooldownMinutes: 10,
  paused: false,
  dataSelection: 'auto',
  recentWindows: 2,
  training: 'fine-tune',
  penalty: 'ewc',
  penaltyLambda: 100,
  replay: 'reservoir',
  replayRatio: 0.5,
  epochs: 15,
  fineTuneLearningRate: 0.005,
  autoPromote: true,
};

/** What the trigger logic reads about a project now. */
export interface TriggerSignals {
  /** Labels added since the last pipeline run of the policy started (or since it was created). */
  newLabelsSinceLastRun: number;
  /** The latest monitoring window, if any. */
  latestWindow?: WindowSignal;
}

/** One monitoring window as the trigger logic needs it. */
export interface WindowSignal {
  seq: number;
  end: number;
  state: MonitorState;
  /** Accuracy over the window's delayed labels (undefined when none arrived). */
  accuracy?: number;
  labelCount: number;
  /** Drift shape reported by monitoring, when it knows (sudden vs gradual). */
  driftKind?: 'sudden' | 'gradual';
}

/** What the scheduler remembers about one policy between evaluations. */
export interface PolicyClock {
  /** When the policy's last pipeline run started (epoch ms), if ever. */
  lastRunAt?: number;
  /** The monitoring window seq that last triggered it (a window triggers at most once). */
  lastWindowSeq?: number;
}

export type TriggerOutcome = 'fire' | 'wait';

/** A trigger decision with its reason in words, for the dry-run and the pipeline log. */
export interface TriggerDecision {
  policyId: string;
  outcome: TriggerOutcome;
  /** Why (fire) or why not (wait), one sentence. */
  reason: string;
  /** For schedule: this run is the single catch-up for missed intervals. */
  catchUp?: boolean;
  /** Epoch ms of the next time the schedule is due (schedule policies). */
  nextDueAt?: number;
}

/** Stage names of a pipeline run, in order. */
export const PIPELINE_STAGES = [
  'snapshot',
  'select-data',
  'train',
  'evaluate',
  'gate',
  'decide',
] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** One stage's record in `PipelineRunRecord.steps`. */
export interface PipelineStep {
  stage: PipelineStage;
  outcome: 'ok' | 'failed' | 'cancelled' | 'skipped';
  startedAt: number;
  durationMs: number;
  /** One sentence on what happened. */
  summary: string;
  detail?: Record<string, unknown>;
}
