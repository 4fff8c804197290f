// The page's wiring of the automation: trigger signals and policy clocks read from the database,
// and the pipeline's stages done with the ML bridge (train, score), the registry (gate, register,
// promote) and the repositories. Pure logic lives in triggers.ts, data-selection.ts and
// pipeline.ts; this file only reads, calls and maps.
//
// Data the pipeline trains on: every ready source of the project (pool and production), since the
// delayed labels of a replayed production stream are the newest labels there are. Each labelled
// item gets the index of the monitoring window whose traffic first contained it (−1: never
// scored, e.g. the pool), through the windows' prediction-log ranges; items logged after the newest
// window are marked pending (newer than every window, never replayed as old data).
import { isHoldout } from '../data/splits';
import type { AutomationRepo, AutomationWindow } from '../persistence/automation-repo';
import type { AnnotationsRepo } from '../persistence/annotations-repo';
import type { RegistryRepo } from '../persistence/registry-repo';
import type { RunsRepo } from '../persistence/runs-repo';
import type { SourcesRepo } from '../persistence/sources-repo';
import type { MonitorState, PolicyRecord } from '../persistence/schema';
import type { Project } from '../projects/types';
import {
  DEFAULT_GATE_CONFIG,
  evaluateGate,
  holdoutMetric,
  type GateConfig,
  type GateVerdict,
  type HoldoutPredictions,
} from '../registry/gate';
import { registerRun } from '../registry/register';
import { presetConfig, type TrainConfig } from '../training/config';
import type { MlBridge } from '../training/ml-bridge';
import { APP_VERSION } from '../training/train-client';
import type { LabelledItem } from './data-selection';
import type {
  ChallengerPlan,
  Evaluation,
  ModelScores,
  PipelineDeps,
  PipelineSnapshot,
} from './pipeline';
import { resolvePolicyConfig, type TriggerPolicy } from './triggers';
import type { PolicyClock, TriggerSignals, WindowSignal } from './types';

export interface AutomationDeps {
  project: Project;
  bridge: Pick<MlBridge, 'trainModel' | 'predict'>;
  dbName: string;
  automation: AutomationRepo;
  annotations: Pick<AnnotationsRepo, 'currentLabels' | 'log'>;
  sources: Pick<SourcesRepo, 'listSources' | 'chunkCount' | 'getChunk'>;
  runs: Pick<RunsRepo, 'get'>;
  registry: Pick<RegistryRepo, 'getByAlias' | 'registerVersion' | 'promote'>;
  /** Registers a run (the registry's `registerRun` when it carries monitoring's hook). */
  register?: (runId: string, parentModelId: string | null) => Promise<string>;
  gateConfig?: Partial<GateConfig>;
  now?: () => number;
}

/** A stored policy as the trigger logic sees it. */
export function toTriggerPolicy(p: PolicyRecord): TriggerPolicy {
  return {
    id: p.id,
    name: p.name,
    enabled: p.enabled,
    trigger: p.trigger,
    config: resolvePolicyConfig(p.config),
    createdAt: p.createdAt,
  };
}

interface PerformanceLike {
  accuracy?: number | null;
  labelled?: number;
}

/** The trigger's view of a stored window (the monitor keeps its report in `tests`). */
export function windowSignal(w: AutomationWindow): WindowSignal {
  const perf = (w.tests as { performance?: PerformanceLike | null }).performance ?? null;
  const accuracy = perf?.accuracy;
  return {
    seq: w.seq,
    end: w.end,
    state: w.state,
    labelCount: perf?.labelled ?? 0,
    ...(typeof accuracy === 'number' ? { accuracy } : {}),
  };
}

/** What the policy remembers: its last run and the window that started it. */
export async function policyClock(repo: AutomationRepo, policyId: string): Promise<PolicyClock> {
  const last = await repo.latestRunOfPolicy(policyId);
  if (!last) return {};
  return {
    lastRunAt: last.startedAt,
    ...(last.trigger?.windowSeq !== undefined ? { lastWindowSeq: last.trigger.windowSeq } : {}),
  };
}

export async function triggerSignals(
  repo: AutomationRepo,
  projectId: string,
  policy: TriggerPolicy,
  clock: PolicyClock,
): Promise<TriggerSignals> {
  const windows = await repo.windows(projectId);
  const latest = windows.at(-1);
  const newLabels =
    policy.trigger === 'new-labels'
      ? await repo.labelsSince(projectId, clock.lastRunAt ?? policy.createdAt)
      : 0;
  return {
    newLabelsSinceLastRun: newLabels,
    ...(latest ? { latestWindow: windowSignal(latest) } : {}),
  };
}

/** Labelled items with their window index, and where each item lives. */
async function labelledItems(
  deps: AutomationDeps,
  windows: readonly AutomationWindow[],
  signal: AbortSignal,
): Promise<{ items: LabelledItem[]; sourceOf: Map<string, string>; sourceIds: string[] }> {
  const { project } = deps;
  const known = new Set(project.classes.map((c) => c.id));
  const labels = await deps.annotations.currentLabels(project.id);
  const windowOf = new Map<string, number>();
  let lastToSeq = -1;
  for (let k = 0; k < windows.length; k++) {
    const w = windows[k]!;
    if (w.fromSeq === undefined || w.toSeq === undefined) continue;
    lastToSeq = Math.max(lastToSeq, w.toSeq);
    for (const id of await deps.automation.predictedItems(w.fromSeq, w.toSeq)) {
      if (!windowOf.has(id)) windowOf.set(id, k);
    }
  }
  // Traffic logged after the newest window: newer than every window, not judged yet.
  const pending = new Set<string>();
  if (lastToSeq >= 0) {
    for (const id of await deps.automation.predictedItems(lastToSeq + 1, Number.MAX_SAFE_INTEGER)) {
      if (!windowOf.has(id)) pending.add(id);
    }
  }
  const sources = (await deps.sources.listSources(project.id))
    .filter((s) => s.status === 'ready')
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const sourceOf = new Map<string, string>();
  const items: LabelledItem[] = [];
  for (const s of sources) {
    const n = await deps.sources.chunkCount(s.id);
    for (let i = 0; i < n; i++) {
      if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
      const chunk = await deps.sources.getChunk(s.id, i);
      if (!chunk) continue;
      for (const itemId of chunk.itemIds) {
        const label = labels.get(itemId);
        if (label === undefined || !known.has(label)) continue;
        sourceOf.set(itemId, s.id);
        const window = windowOf.get(itemId) ?? -1;
        items.push({ itemId, window, label, ...(pending.has(itemId) ? { pending: true } : {}) });
      }
    }
  }
  const used = new Set(sourceOf.values());
  return { items, sourceOf, sourceIds: sources.filter((s) => used.has(s.id)).map((s) => s.id) };
}

/** Predicted class index (in `classIds` order; −1 for a class outside it) per item. */
async function predictClasses(
  deps: AutomationDeps,
  runId: string,
  itemIds: readonly string[],
  sourceOf: ReadonlyMap<string, string>,
  classIds: readonly string[],
  signal: AbortSignal,
): Promise<Map<string, number>> {
  const bySource = new Map<string, string[]>();
  for (const id of itemIds) {
    const s = sourceOf.get(id);
    if (s) bySource.set(s, [...(bySource.get(s) ?? []), id]);
  }
  const index = new Map(classIds.map((c, i) => [c, i]));
  const out = new Map<string, number>();
  for (const [sourceId, ids] of bySource) {
    const r = await deps.bridge.predict(
      { model: { dbName: deps.dbName, runId }, input: { kind: 'items', sourceId, itemIds: ids } },
      { signal },
    );
    const k = r.classIds.length;
    for (let row = 0; row < r.rows; row++) {
      let best = 0;
      for (let j = 1; j < k; j++) {
        if (r.probabilities[row * k + j]! > r.probabilities[row * k + best]!) best = j;
      }
      out.set(r.itemIds[row] ?? ids[row]!, index.get(r.classIds[best]!) ?? -1);
    }
  }
  return out;
}

function scoresOf(yTrue: number[], yPred: number[], k: number): ModelScores {
  return {
    accuracy: yTrue.length ? holdoutMetric('accuracy', yTrue, yPred, k) : null,
    macroF1: yTrue.length ? holdoutMetric('macroF1', yTrue, yPred, k) : null,
    count: yTrue.length,
  };
}

interface GateInput {
  champion: HoldoutPredictions | null;
  challenger: HoldoutPredictions;
}

/** The pipeline's stages wired to the app (see the header). */
export function createPipelineDeps(
  deps: AutomationDeps,
  notify?: PipelineDeps['notify'],
): PipelineDeps {
  const { project } = deps;
  let sourceOf = new Map<string, string>();
  let sourceIds: string[] = [];
  let classIds: string[] = [];
  const gateConfig = { ...DEFAULT_GATE_CONFIG, ...(deps.gateConfig ?? {}) };
  return {
    repo: deps.automation,
    now: deps.now ?? (() => Date.now()),
    newId: () => crypto.randomUUID(),
    ...(notify ? { notify } : {}),

    async snapshot(signal) {
      const windows = await deps.automation.windows(project.id);
      const champion = await deps.registry.getByAlias(project.id, 'champion');
      const championRun = champion ? await deps.runs.get(champion.runId) : undefined;
      const read = await labelledItems(deps, windows, signal);
      sourceOf = read.sourceOf;
      sourceIds = read.sourceIds;
      const present = new Set(read.items.map((i) => i.label));
      classIds = project.classes.map((c) => c.id).filter((id) => present.has(id));
      const states: MonitorState[] = windows.slice(-3).map((w) => w.state);
      const snap: PipelineSnapshot = {
        champion:
          champion && championRun
            ? { modelId: champion.id, runId: champion.runId, config: championRun.config }
            : null,
        items: read.items,
        recentStates: states,
      };
      return snap;
    },

    async train(plan: ChallengerPlan, signal) {
      const championConfig =
        plan.baseRunId !== null ? (await deps.runs.get(plan.baseRunId))?.config : undefined;
      const base =
        (championConfig as TrainConfig | undefined) ??
        presetConfig(project.modality, 'fast', project.seed);
      const config: TrainConfig = {
        ...base,
        epochs: plan.epochs,
        ...(plan.learningRate !== null ? { learningRate: plan.learningRate } : {}),
        // After a drift selection the validation split is mostly the old concept (see pipeline.ts).
        ...(plan.earlyStopping ? {} : { earlyStopping: null }),
      };
      const r = await deps.bridge.trainModel(
        {
          dbName: deps.dbName,
          projectId: project.id,
          runId: plan.runId,
          config,
          appVersion: APP_VERSION,
          sourceIds,
          trainItemIds: plan.trainItemIds,
          ...(plan.baseRunId
            ? {
                continual: {
                  baseRunId: plan.baseRunId,
                  ...(plan.penalty ? { penalty: plan.penalty } : {}),
                },
              }
            : {}),
        },
        { signal },
      );
      return { runId: r.runId };
    },

    async evaluate(challengerRunId, snap, trainItemIds, gateScope, signal) {
      const scope = gateScope ? new Set(gateScope) : null;
      const labelOf = new Map(snap.items.map((i) => [i.itemId, i.label]));
      const holdout = snap.items
        .filter((i) => isHoldout(i.itemId, project.seed) && (!scope || scope.has(i.itemId)))
        .map((i) => i.itemId);
      // The latest window with labels, on items the challenger did not train on.
      const trained = new Set(trainItemIds);
      const lastWindow = Math.max(-1, ...snap.items.map((i) => i.window));
      const windowItems =
        lastWindow >= 0
          ? snap.items
              .filter(
                (i) =>
                  i.window === lastWindow &&
                  (!trained.has(i.itemId) || isHoldout(i.itemId, project.seed)),
              )
              .map((i) => i.itemId)
          : [];
      const ids = [...new Set([...holdout, ...windowItems])];
      const k = classIds.length;
      const challengerPred = await predictClasses(
        deps,
        challengerRunId,
        ids,
        sourceOf,
        classIds,
        signal,
      );
      const championPred = snap.champion
        ? await predictClasses(deps, snap.champion.runId, ids, sourceOf, classIds, signal)
        : null;
      const classIndex = new Map(classIds.map((c, i) => [c, i]));
      const pairs = (items: string[], pred: Map<string, number>) => ({
        yTrue: items.map((id) => classIndex.get(labelOf.get(id)!) ?? -1),
        yPred: items.map((id) => pred.get(id) ?? -1),
      });
      const ch = pairs(holdout, challengerPred);
      const cp = championPred ? pairs(holdout, championPred) : null;
      const gateInput: GateInput = {
        challenger: { classIds, itemIds: holdout, ...ch },
        champion: cp ? { classIds, itemIds: holdout, ...cp } : null,
      };
      const wch = pairs(windowItems, challengerPred);
      const wcp = championPred ? pairs(windowItems, championPred) : null;
      const e: Evaluation = {
        holdout: {
          challenger: scoresOf(ch.yTrue, ch.yPred, k),
          champion: cp ? scoresOf(cp.yTrue, cp.yPred, k) : null,
        },
        recentWindow:
          lastWindow >= 0 && windowItems.length > 0
            ? {
                window: lastWindow,
                challenger: scoresOf(wch.yTrue, wch.yPred, k),
                champion: wcp ? scoresOf(wcp.yTrue, wcp.yPred, k) : null,
              }
            : null,
        gateInput,
      };
      return e;
    },

    gate(evaluation) {
      const input = evaluation.gateInput as GateInput;
      if (input.challenger.yTrue.length === 0) {
        return {
          passed: false,
          reasons: ['No labelled frozen-holdout items to compare the models on.'],
          verdict: null,
        };
      }
      const verdict: GateVerdict = evaluateGate(gateConfig, input.champion, input.challenger);
      return { passed: verdict.passed, reasons: verdict.reasons, verdict };
    },

    async promote(challengerRunId, parentModelId, gate) {
      let modelId: string;
      if (deps.register) {
        modelId = await deps.register(challengerRunId, parentModelId);
      } else {
        const run = await deps.runs.get(challengerRunId);
        if (!run) throw new Error(`Run ${challengerRunId} is missing`);
        // The registry's one register flow (label snapshot with its annotators).
        modelId = (
          await registerRun({ registry: deps.registry, annotations: deps.annotations }, run, {
            parentModelId,
            actor: 'automation',
            notes: 'Registered by a pipeline run.',
          })
        ).id;
      }
      await deps.registry.promote(modelId, gate.verdict as GateVerdict, { actor: 'automation' });
      return modelId;
    },
  };
}
