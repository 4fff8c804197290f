// The promotion gate's glue: collect the project's frozen-holdout items with their current labels,
// score model versions on them through the ML worker, and hand both models' predictions to
// `evaluateGate`. `evaluateOnHoldout` is the one entry point (the Models page and the automation
// pipeline both call it); the helpers below it are pure and tested on their own.
//
// Which items: every labelled item of the project's ready pool sources whose label is one of the
// project's classes and which `isHoldout(itemId, project.seed)` puts in the frozen holdout — the
// items no training run ever reads (workers/ml-data.ts leaves them out of every split). Their
// order is source (oldest first), then chunk, then row: the same on every call, so predictions
// pair by position and are checked by item id.
import { isHoldout } from '../data/splits';
import { HOLDOUT_FRACTION } from '../data/types';
import type { AnnotationsRepo } from '../persistence/annotations-repo';
import type { Project, SourceRecord } from '../persistence/schema';
import type { SourcesRepo } from '../persistence/sources-repo';
import type { MlBridge } from '../training/ml-bridge';
import type { PredictResult } from '../training/train-types';
import {
  evaluateGate,
  holdoutMetric,
  resolveGateConfig,
  type GateConfig,
  type GateVerdict,
  type HoldoutPredictions,
} from './gate';
import type { ModelVersion } from './types';

/**
 * Fewer labelled holdout items than this and the gate refuses to compare: with a handful of items
 * no test can tell models apart, and a verdict would only look precise. Ten is where McNemar's
 * exact test can first reach p < 0.05 with room to spare (6 discordant pairs all one way give
 * p = 0.031).
 */
export const MIN_HOLDOUT_ITEMS = 10;

export interface HoldoutItem {
  sourceId: string;
  itemId: string;
  /** Current class id. */
  label: string;
}

export interface HoldoutSet {
  projectId: string;
  items: HoldoutItem[];
}

/** What the scoring is doing now, for a progress bar. */
export interface HoldoutProgress {
  stage: 'collecting' | 'champion' | 'challenger';
  done: number;
  total: number;
}

/** The parts of the app the glue needs (the page passes its repositories and bridge). */
export interface HoldoutDeps {
  bridge: Pick<MlBridge, 'predict'>;
  /** Name of the IndexedDB database the worker reads (`getDb().name` in the page). */
  dbName: string;
  sources: Pick<SourcesRepo, 'listSources' | 'chunkCount' | 'getChunk'>;
  annotations: Pick<AnnotationsRepo, 'currentLabels'>;
}

export interface HoldoutOptions {
  config?: Partial<GateConfig>;
  signal?: AbortSignal;
  onProgress?: (progress: HoldoutProgress) => void;
  /** Default {@link MIN_HOLDOUT_ITEMS}. */
  minItems?: number;
}

/** The outcome of one gate evaluation: the verdict and what it was computed from. */
export interface HoldoutEvaluation {
  verdict: GateVerdict;
  /** Labelled holdout items found (before any were left out). */
  holdoutItems: number;
  /** Holdout items left out because the challenger does not predict their class. */
  skipped: number;
  champion: HoldoutPredictions | null;
  challenger: HoldoutPredictions | null;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('The holdout evaluation was cancelled', 'AbortError');
}

/** Ready pool sources, oldest first (as training reads them). */
function poolSources(sources: readonly SourceRecord[]): SourceRecord[] {
  return sources
    .filter((s) => s.role === 'pool' && s.status === 'ready')
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** The project's labelled frozen-holdout items, in source, chunk and row order. */
export async function collectHoldout(
  project: Pick<Project, 'id' | 'seed' | 'classes'>,
  deps: Pick<HoldoutDeps, 'sources' | 'annotations'>,
  signal?: AbortSignal,
): Promise<HoldoutSet> {
  const known = new Set(project.classes.map((c) => c.id));
  const labels = await deps.annotations.currentLabels(project.id);
  const items: HoldoutItem[] = [];
  for (const source of poolSources(await deps.sources.listSources(project.id))) {
    const chunks = await deps.sources.chunkCount(source.id);
    for (let i = 0; i < chunks; i++) {
      throwIfAborted(signal);
      const chunk = await deps.sources.getChunk(source.id, i);
      if (!chunk) continue;
      for (const itemId of chunk.itemIds) {
        const label = labels.get(itemId);
        if (label === undefined || !known.has(label) || !isHoldout(itemId, project.seed)) continue;
        items.push({ sourceId: source.id, itemId, label });
      }
    }
  }
  return { projectId: project.id, items };
}

/** Index of the largest probability in each row (first one on ties, as numpy's argmax). */
export function argmaxRows(probabilities: ArrayLike<number>, rows: number, k: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestP = -Infinity;
    for (let j = 0; j < k; j++) {
      const p = probabilities[r * k + j] as number;
      if (p > bestP) {
        bestP = p;
        best = j;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * A model's holdout predictions from its scores. `classIds` is the order the gate compares in
 * (the challenger's); a model whose outputs come in another order is re-mapped by class id.
 * Items whose true class is not in `classIds` are left out (counted in `skipped`).
 */
export function toHoldoutPredictions(
  holdout: HoldoutSet,
  classIds: readonly string[],
  scores: Pick<PredictResult, 'classIds' | 'itemIds' | 'probabilities'>,
): { predictions: HoldoutPredictions; skipped: number } {
  const k = scores.classIds.length;
  const rowOf = new Map(scores.itemIds.map((id, r) => [id, r]));
  const classIndex = new Map(classIds.map((id, i) => [id, i]));
  const predicted = argmaxRows(scores.probabilities, scores.itemIds.length, k);
  const itemIds: string[] = [];
  const yTrue: number[] = [];
  const yPred: number[] = [];
  let skipped = 0;
  for (const item of holdout.items) {
    const truth = classIndex.get(item.label);
    if (truth === undefined) {
      skipped++;
      continue;
    }
    const row = rowOf.get(item.itemId);
    if (row === undefined) throw new Error(`Holdout item ${item.itemId} was not scored`);
    const predictedClass = scores.classIds[predicted[row] as number] as string;
    itemIds.push(item.itemId);
    yTrue.push(truth);
    // A class the gate's order lacks can never be right: −1 matches no true class.
    yPred.push(classIndex.get(predictedClass) ?? -1);
  }
  return {
    predictions: {
      classIds: [...classIds],
      itemIds,
      yTrue: Int32Array.from(yTrue),
      yPred: Int32Array.from(yPred),
    },
    skipped,
  };
}

/** Scores one version on the holdout items, one predict call per source. */
export async function scoreHoldout(
  deps: Pick<HoldoutDeps, 'bridge' | 'dbName'>,
  version: Pick<ModelVersion, 'runId'>,
  holdout: HoldoutSet,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Pick<PredictResult, 'classIds' | 'itemIds' | 'probabilities'>> {
  const bySource = new Map<string, string[]>();
  for (const item of holdout.items) {
    let ids = bySource.get(item.sourceId);
    if (!ids) bySource.set(item.sourceId, (ids = []));
    ids.push(item.itemId);
  }
  const total = holdout.items.length;
  let classIds: string[] = [];
  const itemIds: string[] = [];
  const parts: Float32Array[] = [];
  let done = 0;
  for (const [sourceId, ids] of bySource) {
    throwIfAborted(options.signal);
    const before = done;
    const scored = await deps.bridge.predict(
      {
        model: { dbName: deps.dbName, runId: version.runId },
        input: { kind: 'items', sourceId, itemIds: ids },
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => options.onProgress?.(before + p.done, total),
      },
    );
    classIds = scored.classIds;
    itemIds.push(...(scored.itemIds.length ? scored.itemIds : ids));
    parts.push(scored.probabilities);
    done += ids.length;
    options.onProgress?.(done, total);
  }
  const probabilities = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    probabilities.set(p, at);
    at += p.length;
  }
  return { classIds, itemIds, probabilities };
}

/** A failed verdict that stops before any comparison (too few items, unpairable models). */
export function refusedVerdict(
  config: Partial<GateConfig>,
  reason: string,
  items: number,
  challengerScore: number | null = null,
): GateVerdict {
  const cfg = resolveGateConfig(config);
  return {
    passed: false,
    reasons: [reason],
    numbers: {
      metric: cfg.metric,
      test: cfg.test,
      margin: cfg.margin,
      alpha: cfg.alpha,
      items,
      champion: null,
      challenger: challengerScore ?? Number.NaN,
      difference: null,
    },
    config: cfg,
  };
}

const sameClasses = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Scores `challenger` (and `champion`, when there is one) on the project's frozen holdout and
 * judges it with the promotion gate. Never throws for a judgement: too few holdout labels or
 * models with different classes come back as a failed verdict whose reason says so. Rejects only
 * on a storage or worker error, or with an AbortError when `signal` aborts.
 *
 * - No champion: the challenger becomes the first champion without a test (the verdict says so);
 *   it is still scored on the holdout when there are items, so its holdout score is on record.
 */
export async function evaluateOnHoldout(
  deps: HoldoutDeps,
  project: Pick<Project, 'id' | 'seed' | 'classes'>,
  challenger: Pick<ModelVersion, 'runId' | 'version' | 'labels'>,
  champion: Pick<ModelVersion, 'runId' | 'version' | 'labels'> | null,
  options: HoldoutOptions = {},
): Promise<HoldoutEvaluation> {
  const { signal, onProgress } = options;
  const config = options.config ?? {};
  const minItems = options.minItems ?? MIN_HOLDOUT_ITEMS;
  onProgress?.({ stage: 'collecting', done: 0, total: 0 });
  const holdout = await collectHoldout(project, deps, signal);
  const classIds = challenger.labels.classIds;
  const usable = holdout.items.filter((i) => classIds.includes(i.label)).length;
  const base = { holdoutItems: holdout.items.length, skipped: holdout.items.length - usable };

  const score = async (
    stage: 'champion' | 'challenger',
    version: Pick<ModelVersion, 'runId'>,
  ): Promise<HoldoutPredictions> => {
    onProgress?.({ stage, done: 0, total: holdout.items.length });
    const scores = await scoreHoldout(deps, version, holdout, {
      ...(signal ? { signal } : {}),
      onProgress: (done, total) => onProgress?.({ stage, done, total }),
    });
    return toHoldoutPredictions(holdout, classIds, scores).predictions;
  };

  if (champion === null) {
    const predictions = usable > 0 ? await score('challenger', challenger) : null;
    const verdict = evaluateGate(
      config,
      null,
      predictions ?? { classIds, itemIds: [], yTrue: [], yPred: [] },
    );
    return { ...base, verdict, champion: null, challenger: predictions };
  }

  if (!sameClasses(champion.labels.classIds, classIds)) {
    const verdict = refusedVerdict(
      config,
      `Version ${challenger.version} predicts ${classIds.length} classes (${classIds.join(', ')}) and ` +
        `the champion, version ${champion.version}, ${champion.labels.classIds.length} ` +
        `(${champion.labels.classIds.join(', ')}): their predictions cannot be paired on the holdout. ` +
        'Retrain on the same label set, or promote with a written reason.',
      usable,
    );
    return { ...base, verdict, champion: null, challenger: null };
  }

  if (usable < minItems) {
    const verdict = refusedVerdict(
      config,
      `Only ${usable} labelled item${usable === 1 ? ' is' : 's are'} in the frozen holdout; the gate needs at ` +
        `least ${minItems} to compare two models, so it needs ${minItems - usable} more holdout label` +
        `${minItems - usable === 1 ? '' : 's'} (about ${Math.ceil((minItems - usable) / HOLDOUT_FRACTION)} more ` +
        `labels if you label items at random, since about ${Math.round(HOLDOUT_FRACTION * 100)} % of all ` +
        'items are in the holdout). Label holdout items (on the Label page, tick "Label the holdout"), or ' +
        'promote with a written reason.',
      usable,
    );
    return { ...base, verdict, champion: null, challenger: null };
  }

  const championPredictions = await score('champion', champion);
  const challengerPredictions = await score('challenger', challenger);
  const verdict = evaluateGate(config, championPredictions, challengerPredictions);
  return {
    ...base,
    verdict,
    champion: championPredictions,
    challenger: challengerPredictions,
  };
}

/** The gate metric of one model's holdout predictions (for display next to a verdict). */
export function holdoutScore(
  predictions: HoldoutPredictions,
  metric: GateConfig['metric'] = 'macroF1',
): number {
  return holdoutMetric(metric, predictions.yTrue, predictions.yPred, predictions.classIds.length);
}
