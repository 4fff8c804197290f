// One pipeline run: snapshot → choose training data → train a challenger → evaluate (frozen holdout
// and the most recent labelled window) → gate → promote or keep. Each stage is appended to the
// `pipelineRuns` row as it ends, with its timing, outcome and a sentence on what happened.
//
// All-or-nothing: the only lasting effect besides the log is the last stage (registering the
// challenger and making it champion, one registry call). A cancel or failure before it leaves the
// registry untouched and ends the row 'cancelled' / 'failed'; once the decision is being written the
// run no longer checks for cancel (the registry write is one transaction and either happens fully
// or not at all). The challenger's training run stays in the run history like any other run.
//
// Pure orchestration: the stages' work comes in through `PipelineDeps` (the page wires the ML
// bridge, the registry and the repositories; tests wire fakes), so it runs under a fake clock.
import type { AutomationRepo } from '../persistence/automation-repo';
import type { PipelineRunRecord } from '../persistence/schema';
import { resolveSelection, selectTrainingItems, type LabelledItem } from './data-selection';
import type { PipelineStage, PipelineStep, PolicyConfig } from './types';

/** What the snapshot stage reads about the project. */
export interface PipelineSnapshot {
  /** The champion's registered version and run; null when the project has none yet. */
  champion: { modelId: string; runId: string; config: Record<string, unknown> } | null;
  /** Every labelled item with its monitoring window (−1: pool data, outside any window). */
  items: LabelledItem[];
  /** Ensemble states of the latest windows, oldest first. */
  recentStates: PipelineSnapshotState[];
  driftKind?: 'sudden' | 'gradual';
  /** Digest of the labels at snapshot time, for the log. */
  labelDigest?: string;
}
type PipelineSnapshotState = 'ok' | 'warning' | 'drift';

/** How the challenger should be trained (the page turns it into a TrainRequest). */
export interface ChallengerPlan {
  runId: string;
  mode: 'scratch' | 'fine-tune';
  baseRunId: string | null;
  trainItemIds: string[];
  penalty: { kind: 'ewc' | 'mas'; lambda: number; itemIds: string[] } | null;
  epochs: number;
  learningRate: number | null;
  /**
   * Whether the training config's early stopping applies. Off after a drift selection: the
   * worker validates on the whole labelled validation split, mostly the old concept's items, so
   * early stopping would stop the adaptation after a few epochs and keep the epoch that fits the
   * old concept best — the one closest to the champion. The challenger then trains `epochs`
   * epochs and keeps its last weights; the gate judges it on the recent holdout.
   */
  earlyStopping: boolean;
}

export interface ModelScores {
  /** Accuracy and macro-F1 of a model on a set of items (null: no items). */
  accuracy: number | null;
  macroF1: number | null;
  count: number;
}

export interface Evaluation {
  /** Frozen holdout, champion vs challenger. */
  holdout: { champion: ModelScores | null; challenger: ModelScores };
  /** The most recent labelled window (items the challenger did not train on). */
  recentWindow: { window: number; champion: ModelScores | null; challenger: ModelScores } | null;
  /** Opaque data the gate needs (paired holdout predictions). */
  gateInput: unknown;
}

export interface GateOutcome {
  passed: boolean;
  reasons: string[];
  /** Whatever the registry stores with a promotion (its verdict). */
  verdict: unknown;
}

export interface PipelineDeps {
  repo: Pick<AutomationRepo, 'createRun' | 'appendStep' | 'finishRun' | 'patchRun'>;
  now: () => number;
  newId: () => string;
  snapshot: (signal: AbortSignal) => Promise<PipelineSnapshot>;
  train: (plan: ChallengerPlan, signal: AbortSignal) => Promise<{ runId: string }>;
  evaluate: (
    challengerRunId: string,
    snapshot: PipelineSnapshot,
    trainItemIds: readonly string[],
    gateScope: readonly string[] | null,
    signal: AbortSignal,
  ) => Promise<Evaluation>;
  gate: (evaluation: Evaluation) => GateOutcome;
  /** Registers the challenger run and makes it champion (one registry write). Returns the model id. */
  promote: (
    challengerRunId: string,
    parentModelId: string | null,
    gate: GateOutcome,
  ) => Promise<string>;
  notify?: (tone: 'info' | 'ok' | 'error', text: string) => void;
}

export interface PipelineRequest {
  projectId: string;
  policyId: string | null;
  config: PolicyConfig;
  /** Why it started (a trigger decision, or "started by hand"). */
  trigger: { kind: string; reason: string; windowSeq?: number; catchUp?: boolean };
  seed: number;
}

export interface PipelineResult {
  id: string;
  status: Exclude<PipelineRunRecord['status'], 'running'>;
  challengerModelId: string | null;
  steps: PipelineStep[];
}

class StageFailure extends Error {}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(3);
}

/** Runs one pipeline; see the header. Never throws for a stage's failure: the result says it. */
export async function runPipeline(
  deps: PipelineDeps,
  request: PipelineRequest,
  signal: AbortSignal,
): Promise<PipelineResult> {
  const id = deps.newId();
  const steps: PipelineStep[] = [];
  const startedAt = deps.now();
  await deps.repo.createRun({
    id,
    projectId: request.projectId,
    policyId: request.policyId,
    startedAt,
    challengerModelId: null,
    trigger: request.trigger,
  });
  deps.notify?.('info', `Pipeline started: ${request.trigger.reason}`);

  async function stage<T>(
    name: PipelineStage,
    work: () => Promise<{ value: T; summary: string; detail?: Record<string, unknown> }>,
  ): Promise<T> {
    if (signal.aborted) throw signal.reason ?? new DOMException('Cancelled', 'AbortError');
    const t0 = deps.now();
    try {
      const { value, summary, detail } = await work();
      if (signal.aborted) throw signal.reason ?? new DOMException('Cancelled', 'AbortError');
      const step: PipelineStep = {
        stage: name,
        outcome: 'ok',
        startedAt: t0,
        durationMs: deps.now() - t0,
        summary,
        ...(detail ? { detail } : {}),
      };
      steps.push(step);
      await deps.repo.appendStep(id, { ...step });
      return value;
    } catch (error) {
      const cancelled = isAbort(error, signal);
      const step: PipelineStep = {
        stage: name,
        outcome: cancelled ? 'cancelled' : 'failed',
        startedAt: t0,
        durationMs: deps.now() - t0,
        summary: cancelled ? 'Cancelled.' : message(error),
      };
      steps.push(step);
      await deps.repo.appendStep(id, { ...step }).catch(() => undefined);
      throw cancelled ? error : new StageFailure(`${name}: ${message(error)}`);
    }
  }

  const c = request.config;
  try {
    const snap = await stage('snapshot', async () => {
      const s = await deps.snapshot(signal);
      const windows = new Set(s.items.filter((i) => i.window >= 0).map((i) => i.window)).size;
      return {
        value: s,
        summary: `${s.items.length} labelled items (${windows} monitoring windows); champion ${s.champion ? s.champion.modelId.slice(0, 8) : 'none'}.`,
        detail: {
          labelled: s.items.length,
          windows,
          champion: s.champion?.modelId ?? null,
          recentStates: s.recentStates,
          ...(s.labelDigest ? { labelDigest: s.labelDigest } : {}),
        },
      };
    });

    const selection = await stage('select-data', () => {
      const resolved = resolveSelection(c.dataSelection, {
        recentStates: snap.recentStates,
        ...(snap.driftKind ? { driftKind: snap.driftKind } : {}),
      });
      const chosen = selectTrainingItems(snap.items, resolved.selection, {
        recentWindows: c.recentWindows,
        replay: c.replay,
        replayRatio: c.replayRatio,
        seed: request.seed,
      });
      if (chosen.trainItemIds.length === 0) {
        return Promise.reject(new Error('No labelled items to train on.'));
      }
      return Promise.resolve({
        value: chosen,
        summary: `${resolved.reason} ${chosen.summary}`,
        detail: {
          selection: chosen.selection,
          reason: resolved.reason,
          trainItems: chosen.trainItemIds.length,
          replayItems: chosen.replayItemIds.length,
          replayGroups: chosen.replayGroups,
          importanceItems: chosen.importanceItemIds.length,
        },
      });
    });

    const fineTune = c.training === 'fine-tune' && snap.champion !== null;
    const plan: ChallengerPlan = {
      runId: deps.newId(),
      mode: fineTune ? 'fine-tune' : 'scratch',
      baseRunId: fineTune ? snap.champion!.runId : null,
      trainItemIds: selection.trainItemIds,
      // After a sudden drift the old concept is obsolete: anchoring the weights to it would only
      // slow the challenger down, so the forgetting penalty applies to the other selections.
      penalty:
        fineTune &&
        c.penalty !== 'none' &&
        selection.selection !== 'recent-windows' &&
        selection.importanceItemIds.length > 0
          ? { kind: c.penalty, lambda: c.penaltyLambda, itemIds: selection.importanceItemIds }
          : null,
      epochs: c.epochs,
      learningRate: fineTune ? c.fineTuneLearningRate : null,
      earlyStopping: selection.selection === 'full-history',
    };
    const trained = await stage('train', async () => {
      await deps.repo.patchRun(id, { challengerRunId: plan.runId });
      const r = await deps.train(plan, signal);
      const how = fineTune
        ? `Fine-tuned from the champion${
            plan.penalty
              ? ` with ${plan.penalty.kind.toUpperCase()} (λ = ${plan.penalty.lambda}, importance on ${plan.penalty.itemIds.length} old items)`
              : c.penalty !== 'none' && selection.selection === 'recent-windows'
                ? ' without a forgetting penalty (after a sudden drift the old concept is obsolete)'
                : ' (no penalty)'
          }`
        : c.training === 'fine-tune'
          ? 'Trained from scratch (no champion to fine-tune yet)'
          : 'Trained from scratch';
      const stopping = plan.earlyStopping
        ? ''
        : ' No early stopping: the validation split is mostly the old concept, which would keep the epoch closest to the champion.';
      return {
        value: r,
        summary: `${how} on ${plan.trainItemIds.length} items, ${plan.epochs} epochs.${stopping}`,
        detail: {
          runId: r.runId,
          mode: plan.mode,
          epochs: plan.epochs,
          penalty: plan.penalty?.kind ?? 'none',
          earlyStopping: plan.earlyStopping,
        },
      };
    });

    // The gate compares on the frozen holdout items of the data the challenger is meant for:
    // after a drift, the recent windows' share of the holdout (the old concept's labels there
    // would reward the stale champion); otherwise the whole holdout.
    const recentWindows = new Set(
      selection.selection === 'full-history'
        ? []
        : [...new Set(snap.items.map((i) => i.window).filter((w) => w >= 0))]
            .sort((a, b) => a - b)
            .slice(-Math.max(1, c.recentWindows)),
    );
    const gateScope =
      recentWindows.size > 0
        ? snap.items.filter((i) => recentWindows.has(i.window)).map((i) => i.itemId)
        : null;
    const evaluation = await stage('evaluate', async () => {
      const e = await deps.evaluate(trained.runId, snap, selection.trainItemIds, gateScope, signal);
      const h = e.holdout;
      const w = e.recentWindow;
      return {
        value: e,
        summary:
          `Holdout (${h.challenger.count} items${gateScope ? ', recent windows' : ''}): challenger ${fmt(h.challenger.accuracy)} vs champion ${fmt(h.champion?.accuracy)} accuracy. ` +
          (w
            ? `Window #${w.window} (${w.challenger.count} untrained items): challenger ${fmt(w.challenger.accuracy)} vs champion ${fmt(w.champion?.accuracy)}.`
            : 'No recent labelled window to compare on.'),
        detail: { holdout: h, recentWindow: w },
      };
    });

    const gate = await stage('gate', () => {
      const g = deps.gate(evaluation);
      return Promise.resolve({
        value: g,
        summary: `${g.passed ? 'Passed' : 'Not passed'}: ${g.reasons.join(' ')}`,
        detail: { passed: g.passed, reasons: g.reasons },
      });
    });

    if (signal.aborted) throw signal.reason ?? new DOMException('Cancelled', 'AbortError');
    // From here on the run finishes: the registry write is atomic and not interrupted.
    const promote = gate.passed && c.autoPromote;
    let modelId: string | null = null;
    const t0 = deps.now();
    try {
      if (promote)
        modelId = await deps.promote(trained.runId, snap.champion?.modelId ?? null, gate);
    } catch (error) {
      const step: PipelineStep = {
        stage: 'decide',
        outcome: 'failed',
        startedAt: t0,
        durationMs: deps.now() - t0,
        summary: `Promotion failed: ${message(error)}`,
      };
      steps.push(step);
      await deps.repo.appendStep(id, { ...step }).catch(() => undefined);
      throw new StageFailure(`decide: ${message(error)}`);
    }
    const step: PipelineStep = {
      stage: 'decide',
      outcome: 'ok',
      startedAt: t0,
      durationMs: deps.now() - t0,
      summary: promote
        ? `Promoted the challenger to champion (version ${modelId!.slice(0, 8)}).`
        : gate.passed
          ? 'Kept the champion: the gate passed but the policy does not promote automatically; the challenger run can be registered from the Models page.'
          : 'Kept the champion: the challenger did not pass the gate.',
      ...(modelId ? { detail: { modelId } } : {}),
    };
    steps.push(step);
    await deps.repo.appendStep(id, { ...step });
    const status = promote ? 'promoted' : 'kept';
    await deps.repo.finishRun(id, status, { challengerModelId: modelId }, deps.now());
    deps.notify?.(
      promote ? 'ok' : 'info',
      promote ? 'Pipeline promoted a new champion.' : 'Pipeline kept the champion.',
    );
    return { id, status, challengerModelId: modelId, steps };
  } catch (error) {
    const cancelled = !(error instanceof StageFailure) && isAbort(error, signal);
    const status = cancelled ? 'cancelled' : 'failed';
    const reason = cancelled ? 'cancelled by the user' : message(error);
    await deps.repo.finishRun(id, status, { error: reason }, deps.now()).catch(() => undefined);
    deps.notify?.(
      cancelled ? 'info' : 'error',
      cancelled ? 'Pipeline run cancelled; nothing was registered.' : `Pipeline failed: ${reason}`,
    );
    return { id, status, challengerModelId: null, steps };
  }
}
