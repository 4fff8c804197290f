// Serving in the page: the champion scores a single input ("try it"), a whole production source
// (batch), or a replayed stream, and every prediction goes to the prediction log. Dependencies
// (repositories, database name, ML bridge) are passed in, so browser tests run against their own
// database and the page against its own (`pageServingDeps`).
import {
  annotationsRepo,
  getDb,
  predictionsRepo,
  registryRepo,
  sourcesRepo,
  type AnnotationsRepo,
  type ChunkRecord,
  type NewAnnotation,
  type PredictionsRepo,
  type RegistryRepo,
  type SourceRecord,
  type SourcesRepo,
} from '../persistence';
import type { Project } from '../projects/types';
import type { ModelVersion } from '../registry/types';
import type { MlBridge } from '../training/ml-bridge';
import type { FeaturisationSpec, RawRecord } from '../training/featurize-types';
import { applyFeaturisation } from '../training/featurize';
import type { ModelRef, PredictInput } from '../training/train-types';
import { ok, type Result } from '../lib/result';
import {
  labelsFormatOf,
  parseLabelsFile,
  validateLabels,
  type DelayedLabel,
  type LabelsFileProblem,
} from './labels-file';
import { classDistribution, newJobId, predictionRecords } from './records';
import { DELAYED_LABELS_ANNOTATOR, StreamReplay, type StreamReplayOptions } from './replay';
import { replayOrder } from './stream-order';
import type {
  PredictionContext,
  ScoreItems,
  ScoredBatch,
  ScoringSummary,
  StreamRow,
} from './types';

export interface ServingDeps {
  /** IndexedDB name the ML worker reads models and items from. */
  dbName: string;
  bridge: MlBridge;
  predictions: PredictionsRepo;
  annotations: AnnotationsRepo;
  sources: SourcesRepo;
  registry: RegistryRepo;
}

/** The page's database and repositories with the given bridge. */
export function pageServingDeps(bridge: MlBridge): ServingDeps {
  return {
    dbName: getDb().name,
    bridge,
    predictions: predictionsRepo,
    annotations: annotationsRepo,
    sources: sourcesRepo,
    registry: registryRepo,
  };
}

export function modelRefOf(deps: Pick<ServingDeps, 'dbName'>, model: ModelVersion): ModelRef {
  return { dbName: deps.dbName, runId: model.runId };
}

/** The featurisation spec the version was trained with (stored on it at registration). */
export function specOf(model: ModelVersion): FeaturisationSpec {
  return model.featurisation as unknown as FeaturisationSpec;
}

/** The project's production sources that are ready to score, newest first. */
export async function productionSources(
  deps: Pick<ServingDeps, 'sources'>,
  projectId: string,
): Promise<SourceRecord[]> {
  const all = await deps.sources.listSources(projectId);
  return all.filter((s) => s.role === 'production' && s.status === 'ready');
}

/** Class id of a target cell: the class named so (or with that id), else null. */
function classResolver(project: Project): (value: string) => string | null {
  const byName = new Map(project.classes.map((c) => [c.name, c.id]));
  const byId = new Set(project.classes.map((c) => c.id));
  return (value) => {
    const v = value.trim();
    if (byId.has(v)) return v;
    return byName.get(v) ?? null;
  };
}

/** A source read once: its rows in row order, and (when kept) its chunks for featurisation. */
export interface LoadedSource {
  source: SourceRecord;
  rows: StreamRow[];
  /** Chunks by index; empty unless asked for. */
  chunks: ChunkRecord[];
  /** Item id → [chunk index, row within the chunk]. */
  locate: Map<string, [number, number]>;
}

/**
 * Reads every row of a source with its event time (time column, when set) and target class (the
 * column with role 'target', when there is one), in row order; `keepChunks` keeps the chunks so
 * micro-batches can be featurised in the page without reading the source again.
 */
export async function loadSource(
  deps: Pick<ServingDeps, 'sources'>,
  project: Project,
  source: SourceRecord,
  options: { keepChunks?: boolean } = {},
): Promise<LoadedSource> {
  const toClass = classResolver(project);
  const target = source.columns.find((c) => c.role === 'target')?.name;
  const timeName = source.timeColumn;
  const rows: StreamRow[] = [];
  const chunks: ChunkRecord[] = [];
  const locate = new Map<string, [number, number]>();
  const n = await deps.sources.chunkCount(source.id);
  for (let c = 0; c < n; c++) {
    const chunk = await deps.sources.getChunk(source.id, c);
    if (!chunk) continue;
    if (options.keepChunks) chunks[c] = chunk;
    const timeCol = timeName !== undefined ? chunk.columns[timeName] : undefined;
    const targetCol = target !== undefined ? chunk.columns[target] : undefined;
    chunk.itemIds.forEach((itemId, r) => {
      let time: number | null = null;
      if (timeCol && (timeCol.kind === 'f64' || timeCol.kind === 'f32')) {
        time = timeCol.missing[r] === 1 ? null : timeCol.values[r]!;
      } else if (timeCol && timeCol.kind === 'str') {
        const t = Date.parse(timeCol.values[r]!);
        time = Number.isFinite(t) ? t : null;
      }
      let label: string | null = null;
      if (targetCol?.kind === 'i32') {
        const code = targetCol.codes[r]!;
        label = code < 0 ? null : toClass(targetCol.vocab[code]!);
      } else if (targetCol?.kind === 'str') {
        label = toClass(targetCol.values[r]!);
      } else if (targetCol && (targetCol.kind === 'f32' || targetCol.kind === 'f64')) {
        label = targetCol.missing[r] === 1 ? null : toClass(String(targetCol.values[r]));
      }
      rows.push({ itemId, row: chunk.rowStart + r, time, target: label });
      locate.set(itemId, [c, r]);
    });
  }
  return { source, rows, chunks, locate };
}

/** Every row of a source (see `loadSource`), in row order. */
export async function readStreamRows(
  deps: Pick<ServingDeps, 'sources'>,
  project: Project,
  source: SourceRecord,
): Promise<StreamRow[]> {
  return (await loadSource(deps, project, source)).rows;
}

/**
 * Feature vectors of these items, in this order, with the version's featurisation — the same
 * `applyFeaturisation` the worker runs, so there is no skew; consecutive items of one chunk are
 * featurised in one call.
 */
export function featuresOf(
  spec: FeaturisationSpec,
  loaded: LoadedSource,
  itemIds: readonly string[],
): Float32Array {
  const x = new Float32Array(itemIds.length * spec.featureDim);
  let i = 0;
  while (i < itemIds.length) {
    const [c] = locationOf(loaded, itemIds[i]!);
    const rows: number[] = [];
    const start = i;
    while (i < itemIds.length) {
      const [ci, r] = locationOf(loaded, itemIds[i]!);
      if (ci !== c) break;
      rows.push(r);
      i++;
    }
    applyFeaturisation(spec, loaded.chunks[c]!, rows, { out: x, rowOffset: start });
  }
  return x;
}

function locationOf(loaded: LoadedSource, itemId: string): [number, number] {
  const at = loaded.locate.get(itemId);
  if (!at || !loaded.chunks[at[0]]) {
    throw new Error(`Item ${itemId} is not in source ${loaded.source.name}`);
  }
  return at;
}

/** Image items are read by the worker (pixels); tabular and text rows are featurised here. */
function featurisesInPage(spec: FeaturisationSpec): boolean {
  return spec.modality !== 'image';
}

/**
 * Scores items of a source with the version through the bridge: tabular and text rows as feature
 * vectors featurised here from `loaded` (read once, kept in memory), images as stored items (the
 * worker reads their pixels). Without `loaded` (or for images) the worker reads the items.
 */
export function championScorer(
  deps: Pick<ServingDeps, 'bridge' | 'dbName'>,
  model: ModelVersion,
  sourceId: string,
  loaded?: LoadedSource,
): ScoreItems {
  const ref = modelRefOf(deps, model);
  const spec = specOf(model);
  const inPage = loaded !== undefined && featurisesInPage(spec) && loaded.chunks.length > 0;
  return async (itemIds, signal) => {
    const result = await deps.bridge.predict(
      {
        model: ref,
        input: inPage
          ? { kind: 'features', x: featuresOf(spec, loaded, itemIds), rows: itemIds.length }
          : { kind: 'items', sourceId, itemIds },
      },
      signal ? { signal } : {},
    );
    return {
      classIds: result.classIds,
      itemIds: inPage ? [...itemIds] : result.itemIds,
      probabilities: result.probabilities,
    };
  };
}

function contextOf(
  project: Project,
  model: ModelVersion,
  sourceId: string,
  mode: PredictionContext['mode'],
  jobId: string,
): PredictionContext {
  return {
    projectId: project.id,
    modelId: model.id,
    version: model.version,
    sourceId,
    mode,
    jobId,
    projectClassIds: project.classes.map((c) => c.id),
  };
}

/** The id Try-it predictions are logged under (no stored source). */
export const TRY_IT_SOURCE = 'try-it';

export interface TryItResult {
  classIds: string[];
  /** In `classIds` order. */
  probabilities: number[];
  label: string;
  confidence: number;
  seq: number;
}

/**
 * Predicts one raw record (tabular/text: column → value) or one image (pixels at the model's
 * size, RGB) and logs it (mode 'try', source 'try-it').
 */
export async function tryIt(
  deps: ServingDeps,
  project: Project,
  model: ModelVersion,
  input: { kind: 'raw'; record: RawRecord } | { kind: 'pixels'; pixels: Uint8Array },
  options: { signal?: AbortSignal; now?: number } = {},
): Promise<TryItResult> {
  const result = await deps.bridge.predict(
    {
      model: modelRefOf(deps, model),
      input:
        input.kind === 'raw'
          ? { kind: 'raw', records: [input.record] }
          : { kind: 'pixels', images: [input.pixels] },
    },
    options.signal ? { signal: options.signal } : {},
  );
  const now = options.now ?? Date.now();
  const itemId = `try:${now.toString(36)}-${crypto.randomUUID().slice(0, 6)}`;
  const batch: ScoredBatch = {
    classIds: result.classIds,
    itemIds: [itemId],
    probabilities: result.probabilities,
  };
  const context = contextOf(project, model, TRY_IT_SOURCE, 'try', newJobId('try'));
  const [record] = predictionRecords(context, batch, () => null, now);
  const [seq] = await deps.predictions.appendMany([record!]);
  return {
    classIds: result.classIds,
    probabilities: [...result.probabilities],
    label: record!.label,
    confidence: record!.confidence!,
    seq: seq!,
  };
}

export interface BatchProgress {
  done: number;
  total: number;
  logged: number;
}

export interface BatchOptions {
  signal?: AbortSignal;
  onProgress?: (progress: BatchProgress) => void;
  /** Items per scoring call (each call's result is logged in one transaction). Default 2048. */
  batchRows?: number;
  jobId?: string;
}

/**
 * Scores every row of a production source and logs the predictions batch by batch (one
 * transaction per batch). Cancelling stops after the batch in flight is dropped: the log then
 * holds whole batches only, and the summary says how many predictions were logged.
 */
export async function scoreSource(
  deps: ServingDeps,
  project: Project,
  model: ModelVersion,
  source: SourceRecord,
  options: BatchOptions = {},
): Promise<ScoringSummary> {
  const jobId = options.jobId ?? newJobId('batch');
  const spec = specOf(model);
  const inPage = featurisesInPage(spec);
  const loaded = await loadSource(deps, project, source, { keepChunks: inPage });
  const rows = loaded.rows;
  const timeOf = new Map(rows.map((r) => [r.itemId, r.time]));
  const context = contextOf(project, model, source.id, 'batch', jobId);
  const ref = modelRefOf(deps, model);
  const batchRows = Math.max(1, options.batchRows ?? 2048);
  const total = rows.length;
  // Partials carry no class ids: ask once (this also loads the model into the worker's cache).
  let classIds: string[];
  try {
    ({ classIds } = await deps.bridge.modelInfo(
      ref,
      options.signal ? { signal: options.signal } : {},
    ));
  } catch (e) {
    if (options.signal?.aborted) {
      return { jobId, logged: 0, total: rows.length, cancelled: true, distribution: {} };
    }
    throw e;
  }
  const distribution: Record<string, number> = {};
  let logged = 0;
  let cancelled = false;
  options.onProgress?.({ done: 0, total, logged });
  for (let start = 0; start < total; start += batchRows) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    const itemIds = rows.slice(start, start + batchRows).map((r) => r.itemId);
    // Partials arrive (one per slice of up to 8,192 rows) while the call runs; each is logged in
    // its own transaction. After a cancel no further partial is written.
    const writes: Promise<void>[] = [];
    // Tabular and text rows go as feature vectors featurised here from the chunks read once (the
    // worker would otherwise read the whole source again for every batch); images as items.
    const input: PredictInput = inPage
      ? { kind: 'features', x: featuresOf(spec, loaded, itemIds), rows: itemIds.length }
      : { kind: 'items', sourceId: source.id, itemIds };
    try {
      await deps.bridge.predict(
        { model: ref, input },
        {
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (partial) => {
            if (options.signal?.aborted) return;
            const records = predictionRecords(
              context,
              {
                classIds,
                // Feature input has no item ids: the partial's rows are the batch's rows.
                itemIds:
                  partial.itemIds.length > 0
                    ? partial.itemIds
                    : itemIds.slice(partial.rowStart, partial.rowStart + partial.rows),
                probabilities: partial.probabilities,
              },
              (id) => timeOf.get(id) ?? null,
              Date.now(),
            );
            writes.push(
              deps.predictions.appendMany(records).then(() => {
                logged += records.length;
                classDistribution(records, distribution);
              }),
            );
          },
        },
      );
    } catch (e) {
      await Promise.allSettled(writes);
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      throw e;
    }
    await Promise.all(writes);
    options.onProgress?.({ done: Math.min(total, start + itemIds.length), total, logged });
  }
  return { jobId, logged, total, cancelled, distribution };
}

export interface SourceReplayOptions extends Pick<
  StreamReplayOptions,
  'speed' | 'batchSize' | 'labelLag' | 'clock' | 'onEvent'
> {
  jobId?: string;
  /** Replaces the champion scorer (tests); default `championScorer`. */
  score?: ScoreItems;
}

/**
 * A replay of a production source by the version: rows read and ordered by the source's time
 * column (row order without one), scored through the bridge, logged with mode 'replay'; with a
 * `labelLag`, the source's target column is revealed as delayed labels. Call `start()` on it.
 */
export async function createSourceReplay(
  deps: ServingDeps,
  project: Project,
  model: ModelVersion,
  source: SourceRecord,
  options: SourceReplayOptions = {},
): Promise<StreamReplay> {
  const loaded = options.score
    ? undefined
    : await loadSource(deps, project, source, { keepChunks: featurisesInPage(specOf(model)) });
  const rows = replayOrder(
    loaded?.rows ?? (await readStreamRows(deps, project, source)),
    source.timeColumn !== undefined,
  );
  const jobId = options.jobId ?? newJobId('replay');
  const { mode: _mode, ...context } = contextOf(project, model, source.id, 'replay', jobId);
  return new StreamReplay({
    context,
    rows,
    score: options.score ?? championScorer(deps, model, source.id, loaded),
    log: (records) => deps.predictions.appendMany(records),
    writeLabels: (entries) => deps.annotations.append(entries),
    ...(options.speed !== undefined ? { speed: options.speed } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.labelLag !== undefined ? { labelLag: options.labelLag } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/** Does the source carry ground truth a replay could reveal (a column with role 'target')? */
export function hasTargetColumn(source: SourceRecord): boolean {
  return source.columns.some((c) => c.role === 'target');
}

/**
 * Maps a labels file's id to item ids of the project's production sources: the full item id, or
 * the id the source itself gave the row (the item id without its `sourceId:` prefix).
 */
export async function productionIdResolver(
  deps: Pick<ServingDeps, 'sources'>,
  projectId: string,
): Promise<(id: string) => readonly string[]> {
  const full = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const source of await productionSources(deps, projectId)) {
    const prefix = `${source.id}:`;
    const n = await deps.sources.chunkCount(source.id);
    for (let c = 0; c < n; c++) {
      const chunk = await deps.sources.getChunk(source.id, c);
      for (const itemId of chunk?.itemIds ?? []) {
        full.add(itemId);
        if (!itemId.startsWith(prefix)) continue;
        const key = itemId.slice(prefix.length);
        const list = byKey.get(key);
        if (list) list.push(itemId);
        else byKey.set(key, [itemId]);
      }
    }
  }
  return (id) => (full.has(id) ? [id] : (byKey.get(id) ?? []));
}

export interface LabelsImportSummary {
  written: number;
  /** Labels per class id. */
  perClass: Record<string, number>;
  /** Of the written labels, how many items already have a logged prediction. */
  withPrediction: number;
}

/**
 * Reads, validates and writes a delayed-labels file: every problem is reported and nothing is
 * written, or every label is written in one transaction (annotations of kind 'import' by
 * 'delayed-labels'; `at` = the file's time, else the import time).
 */
export async function importLabelsFile(
  deps: ServingDeps,
  project: Project,
  file: { name: string; text: string },
  options: { now?: number } = {},
): Promise<Result<LabelsImportSummary, LabelsFileProblem[]>> {
  const parsed = parseLabelsFile(file.text, labelsFormatOf(file.name));
  if (!parsed.ok) return parsed;
  const resolveId = await productionIdResolver(deps, project.id);
  const valid = validateLabels(parsed.value, { classes: project.classes, resolveId });
  if (!valid.ok) return valid;
  const now = options.now ?? Date.now();
  const written = await writeDelayedLabels(deps, project.id, valid.value, {
    sessionId: `labels-file:${now.toString(36)}`,
    now,
  });
  const perClass: Record<string, number> = {};
  for (const l of valid.value) perClass[l.label] = (perClass[l.label] ?? 0) + 1;
  const predicted = new Set(
    (
      await deps.predictions.byItems(
        project.id,
        valid.value.map((l) => l.itemId),
      )
    ).map((p) => p.itemId),
  );
  return ok({ written, perClass, withPrediction: predicted.size });
}

/** Appends delayed labels as annotations in one transaction; returns how many. */
export async function writeDelayedLabels(
  deps: Pick<ServingDeps, 'annotations'>,
  projectId: string,
  labels: readonly DelayedLabel[],
  options: { sessionId: string; now: number },
): Promise<number> {
  if (labels.length === 0) return 0;
  const entries: NewAnnotation[] = labels.map((l) => ({
    projectId,
    itemId: l.itemId,
    label: l.label,
    annotator: DELAYED_LABELS_ANNOTATOR,
    sessionId: options.sessionId,
    kind: 'import',
    at: l.at ?? options.now,
  }));
  await deps.annotations.append(entries);
  return entries.length;
}
