// Inference in the ML worker: class probabilities for stored items, raw records, pixels or ready
// feature vectors (batched, partial results streamed), penultimate-layer embeddings, and T
// stochastic forward passes with dropout on (MC dropout, for BALD). Trained models stay in a small
// cache keyed by database and run; a model not in the cache is loaded from `modelWeights` with the
// featurisation stored on its run, so scoring after a reload uses exactly what training fitted.
// Two kinds of model are served: TF.js layers models (networks and the linear family) and
// boosted trees (plain JSON scored in typed arrays, workers/ml-trees.ts). Trees have no dropout
// and no hidden layer: their MC-dropout passes are identical (BALD scores 0) and their embedding
// is the featurised input vector, as a linear model's is.
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../src/lib/rng';
import { applyFeaturisation, applyImagePixels, applyToRaw } from '../src/training/featurize';
import type { FeaturisationSpec } from '../src/training/featurize-types';
import type {
  EmbedResult,
  McDropoutResult,
  ModelInfo,
  ModelRef,
  PredictPartial,
  PredictRequest,
  PredictResult,
} from '../src/training/train-types';
import { runWeightsKey } from '../src/persistence/runs-repo';
import { yieldToEventLoop, type JobToken } from './jobs';
import { readPixels, reposFor } from './ml-data';
import { loadStoredModel } from './ml-io';
import { embeddingModel, SEED_STREAM, setDropoutSeeds } from './ml-models';
import { treesProbabilities } from './ml-trees';
import {
  isTreesTopology,
  treeInputLayout,
  type TreeInputLayout,
  type TreesTopology,
} from '../src/training/tree-inputs';

/** Rows per streamed partial result (and per GPU read). */
const PARTIAL_ROWS = 8192;
/** Input values per forward pass when the caller does not say how many rows (4 MiB of floats). */
const BATCH_VALUES = 2 ** 20;

/**
 * Rows per forward pass: about `BATCH_VALUES` input values, 256 to `PARTIAL_ROWS` rows. Per-call
 * overhead, not arithmetic, is what a small model's inference costs — most of all on WebGPU: a
 * 100k-row pool through the tabular MLP took 2.6 s in calls of 32 rows, 0.4 s in calls of 1,024
 * and 0.08 s in calls of 8,192 on an H100 (bench/results/gpu-pool-scoring-h100.json) — while wide
 * inputs (images, hashed text) keep their activations bounded.
 */
export function forwardBatchRows(inputValues: number): number {
  return Math.max(256, Math.min(PARTIAL_ROWS, Math.floor(BATCH_VALUES / Math.max(1, inputValues))));
}
/** Trained models kept in memory; older ones are disposed (they reload from IndexedDB). */
const MAX_CACHED_MODELS = 4;

/** A TF.js layers model (a network or the linear family). */
interface CachedLayers {
  kind: 'layers';
  model: tf.LayersModel;
  spec: FeaturisationSpec;
  /**
   * The TF.js backend its weights live on. A job on another backend (each job kind runs where it is
   * fastest: workers/backend.ts) reloads the model there instead of reading weights across
   * backends, which on WebGPU would mean a blocking `dataSync` per variable.
   */
  backend: string;
  /** `undefined` until first asked; `null` for a linear model (the embedding is the input). */
  embedding?: tf.LayersModel | null;
}

/** A boosted-trees model: plain JSON, on no backend. */
interface CachedTrees {
  kind: 'trees';
  trees: TreesTopology;
  layout: TreeInputLayout;
  spec: FeaturisationSpec;
}

export type CachedModel = CachedLayers | CachedTrees;

const disposeEntry = (entry: CachedModel): void => {
  if (entry.kind === 'layers') entry.model.dispose();
};

const cache = new Map<string, CachedModel>();
const keyOf = (dbName: string, runId: string) => `${dbName}\u0000${runId}`;

export function inputShapeOf(spec: FeaturisationSpec): number[] {
  return spec.modality === 'image' && spec.image
    ? [spec.image.size, spec.image.size, spec.image.channels]
    : [spec.featureDim];
}

/** Keeps a trained model for inference (the cache owns it from now on). */
export function cacheModel(
  dbName: string,
  runId: string,
  model: tf.LayersModel | TreesTopology,
  spec: FeaturisationSpec,
): void {
  const key = keyOf(dbName, runId);
  const old = cache.get(key);
  if (old) disposeEntry(old);
  cache.delete(key);
  cache.set(
    key,
    isTreesTopology(model)
      ? { kind: 'trees', trees: model, layout: treeInputLayout(spec), spec }
      : { kind: 'layers', model, spec, backend: tf.getBackend() },
  );
  while (cache.size > MAX_CACHED_MODELS) {
    const [oldest] = cache.keys();
    disposeEntry(cache.get(oldest!)!);
    cache.delete(oldest!);
  }
}

/** Disposes cached models (one run's, or all); returns how many were dropped. */
export function evictModels(runId?: string): number {
  let dropped = 0;
  for (const [key, entry] of cache) {
    if (runId !== undefined && !key.endsWith(`\u0000${runId}`)) continue;
    disposeEntry(entry);
    cache.delete(key);
    dropped++;
  }
  return dropped;
}

/** The cached model of a run, loading it from IndexedDB if needed. */
export async function modelFor(ref: ModelRef): Promise<CachedModel> {
  const key = keyOf(ref.dbName, ref.runId);
  const hit = cache.get(key);
  if (hit && hit.kind === 'layers' && hit.backend !== tf.getBackend()) {
    hit.model.dispose();
    cache.delete(key);
  } else if (hit) {
    // Most recently used last, so eviction drops the least recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const { runs } = reposFor(ref.dbName);
  const run = await runs.get(ref.runId);
  if (!run) throw new Error(`Run ${ref.runId} does not exist`);
  if (run.status !== 'completed' || !run.featurisation) {
    throw new Error(`Run ${ref.runId} has no trained model (it is ${run.status})`);
  }
  const record = await runs.getWeights(run.weightsKey ?? runWeightsKey(ref.runId));
  if (!record) throw new Error(`The weights of run ${ref.runId} are missing`);
  const spec = run.featurisation as unknown as FeaturisationSpec;
  const model = isTreesTopology(record.topology) ? record.topology : await loadStoredModel(record);
  cacheModel(ref.dbName, ref.runId, model, spec);
  return cache.get(key)!;
}

export async function modelInfo(ref: ModelRef): Promise<ModelInfo> {
  const { spec } = await modelFor(ref);
  return {
    runId: ref.runId,
    classIds: spec.labels.classIds,
    featureDim: spec.featureDim,
    modality: spec.modality,
  };
}

/** Fills `count` feature rows starting at row `start` into `out`. */
type FillRows = (start: number, count: number, out: Float32Array) => void;

/**
 * Runs `model` over `rows` rows in batches of `batchSize` and reads the outputs back once per
 * `PARTIAL_ROWS` rows. `forward` defaults to `model.predict` (inference mode: dropout off).
 */
export async function scoreRows(
  model: tf.LayersModel,
  inputShape: number[],
  rows: number,
  fill: FillRows,
  options: {
    batchSize?: number;
    job?: JobToken;
    onSlice?: (start: number, values: Float32Array, width: number) => void;
    forward?: (x: tf.Tensor) => tf.Tensor;
  } = {},
): Promise<Float32Array> {
  const dim = inputShape.reduce((a, b) => a * b, 1);
  const batchSize = options.batchSize ?? forwardBatchRows(dim);
  // `predict` slices its input into batches of 32 unless told otherwise: one call per 32 rows
  // (3,125 for a 100k pool) is what an inference cost, in per-call overhead, on every backend.
  const forward =
    options.forward ?? ((x: tf.Tensor) => model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor);
  let out: Float32Array | undefined;
  for (let sliceStart = 0; sliceStart < rows; sliceStart += PARTIAL_ROWS) {
    const sliceRows = Math.min(PARTIAL_ROWS, rows - sliceStart);
    const parts: tf.Tensor[] = [];
    try {
      for (let b = 0; b < sliceRows; b += batchSize) {
        const count = Math.min(batchSize, sliceRows - b);
        const x = new Float32Array(count * dim);
        fill(sliceStart + b, count, x);
        parts.push(tf.tidy(() => forward(tf.tensor(x, [count, ...inputShape]))));
      }
      const joined = parts.length === 1 ? parts[0]! : tf.concat(parts);
      if (joined !== parts[0]) parts.push(joined);
      const width = joined.shape[1] ?? 1;
      const values = (await joined.data()) as Float32Array;
      out ??= new Float32Array(rows * width);
      out.set(values, sliceStart * width);
      options.onSlice?.(sliceStart, values, width);
    } finally {
      tf.dispose(parts);
    }
    await yieldToEventLoop();
    options.job?.throwIfCancelled();
  }
  return out ?? new Float32Array(0);
}

interface ScoreOptions {
  batchSize?: number;
  job?: JobToken;
  onSlice?: (start: number, values: Float32Array, width: number) => void;
}

type Scorer = (rows: number, fill: FillRows, options: ScoreOptions) => Promise<Float32Array>;

/** `scoreRows` over a layers model (as `predict` always called it). */
function scoreLayers(cached: CachedLayers): Scorer {
  return (rows, fill, options) =>
    scoreRows(cached.model, inputShapeOf(cached.spec), rows, fill, options);
}

/**
 * Class probabilities of a trees model, in the slices `scoreRows` streams (`PARTIAL_ROWS` rows,
 * a yield and a cancel check after each); `batchSize` means nothing to trees.
 */
export async function scoreTrees(
  cached: Pick<CachedTrees, 'trees' | 'layout' | 'spec'>,
  rows: number,
  fill: FillRows,
  options: ScoreOptions = {},
): Promise<Float32Array> {
  const dim = cached.spec.featureDim;
  const k = cached.spec.labels.classIds.length;
  const out = new Float32Array(rows * k);
  for (let start = 0; start < rows; start += PARTIAL_ROWS) {
    const count = Math.min(PARTIAL_ROWS, rows - start);
    const x = new Float32Array(count * dim);
    fill(start, count, x);
    const values = treesProbabilities(cached.trees, cached.layout, x, count);
    out.set(values, start * k);
    options.onSlice?.(start, values, k);
    await yieldToEventLoop();
    options.job?.throwIfCancelled();
  }
  return out;
}

/** Rows of a prediction input, with a way to fill them and their item ids. */
interface InputRows {
  rows: number;
  itemIds: string[];
  fill: FillRows;
}

async function inputRows(
  ref: ModelRef,
  spec: FeaturisationSpec,
  input: PredictRequest['input'],
): Promise<InputRows> {
  const dim = spec.featureDim;
  switch (input.kind) {
    case 'features': {
      if (input.x.length !== input.rows * dim) {
        throw new Error(`Expected ${input.rows} × ${dim} features, got ${input.x.length} values`);
      }
      return {
        rows: input.rows,
        itemIds: [],
        fill: (start, count, out) => out.set(input.x.subarray(start * dim, (start + count) * dim)),
      };
    }
    case 'raw': {
      const vectors = input.records.map((r) => applyToRaw(spec, r));
      return {
        rows: vectors.length,
        itemIds: [],
        fill: (start, count, out) => {
          for (let i = 0; i < count; i++) out.set(vectors[start + i]!, i * dim);
        },
      };
    }
    case 'pixels':
      return {
        rows: input.images.length,
        itemIds: [],
        fill: (start, count, out) => {
          applyImagePixels(spec, input.images.slice(start, start + count), { out });
        },
      };
    case 'items': {
      const { sources } = reposFor(ref.dbName);
      const wanted = input.itemIds ? new Set(input.itemIds) : undefined;
      const n = await sources.chunkCount(input.sourceId);
      const itemIds: string[] = [];
      if (spec.modality === 'image') {
        const pixels: Uint8Array[] = [];
        for (let c = 0; c < n; c++) {
          const chunk = await sources.getChunk(input.sourceId, c);
          for (const id of chunk?.itemIds ?? []) {
            if (wanted && !wanted.has(id)) continue;
            itemIds.push(id);
            pixels.push(await readPixels(sources, id, spec.image!.size));
          }
        }
        return {
          rows: itemIds.length,
          itemIds: input.omitItemIds ? [] : itemIds,
          fill: (start, count, out) =>
            applyImagePixels(spec, pixels.slice(start, start + count), { out }),
        };
      }
      // Features are computed chunk by chunk as the rows are read (no dense copy of the source).
      const x: Float32Array[] = [];
      for (let c = 0; c < n; c++) {
        const chunk = await sources.getChunk(input.sourceId, c);
        if (!chunk) continue;
        const rows: number[] = [];
        chunk.itemIds.forEach((id, r) => {
          if (!wanted || wanted.has(id)) rows.push(r);
        });
        if (rows.length === 0) continue;
        const batch = applyFeaturisation(spec, chunk, rows);
        itemIds.push(...batch.itemIds);
        x.push(batch.x);
      }
      const flat = x.length === 1 ? x[0]! : concatFloat32(x);
      return {
        rows: itemIds.length,
        itemIds: input.omitItemIds ? [] : itemIds,
        fill: (start, count, out) => out.set(flat.subarray(start * dim, (start + count) * dim)),
      };
    }
  }
}

function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export async function predict(
  request: PredictRequest,
  job: JobToken,
  onPartial?: (partial: PredictPartial) => void,
): Promise<PredictResult> {
  const started = performance.now();
  const cached = await modelFor(request.model);
  const { spec } = cached;
  const input = await inputRows(request.model, spec, request.input);
  job.throwIfCancelled();
  const k = spec.labels.classIds.length;
  const score: Scorer =
    cached.kind === 'trees'
      ? (rows, fill, options) => scoreTrees(cached, rows, fill, options)
      : scoreLayers(cached);
  const probabilities = await score(input.rows, input.fill, {
    ...(request.batchSize ? { batchSize: request.batchSize } : {}),
    job,
    onSlice: (start, values) => {
      const rows = values.length / k;
      onPartial?.({
        rowStart: start,
        rows,
        itemIds: input.itemIds.slice(start, start + rows),
        probabilities: values,
        done: start + rows,
        total: input.rows,
      });
    },
  });
  return {
    classIds: spec.labels.classIds,
    rows: input.rows,
    itemIds: input.itemIds,
    probabilities,
    ms: performance.now() - started,
  };
}

export async function embed(request: PredictRequest, job: JobToken): Promise<EmbedResult> {
  const cached = await modelFor(request.model);
  const { spec } = cached;
  if (cached.kind === 'layers' && cached.embedding === undefined) {
    cached.embedding = embeddingModel(cached.model);
  }
  const input = await inputRows(request.model, spec, request.input);
  const inputShape = inputShapeOf(spec);
  if (cached.kind === 'trees' || cached.embedding === null) {
    // A linear model: its penultimate "layer" is the feature vector itself. Trees have no layer
    // either, and they read exactly these vectors (their columns are a function of them).
    const embeddings = new Float32Array(input.rows * spec.featureDim);
    input.fill(0, input.rows, embeddings);
    return { rows: input.rows, dim: spec.featureDim, itemIds: input.itemIds, embeddings };
  }
  const sub = cached.embedding!;
  const embeddings = await scoreRows(cached.model, inputShape, input.rows, input.fill, {
    ...(request.batchSize ? { batchSize: request.batchSize } : {}),
    job,
    forward: (x) => sub.predict(x, { batchSize: x.shape[0] }) as tf.Tensor,
  });
  const dim = input.rows > 0 ? embeddings.length / input.rows : 0;
  return { rows: input.rows, dim, itemIds: input.itemIds, embeddings };
}

/**
 * `passes` forward passes with dropout active (`training: true`), each with its own derived
 * dropout seed so the result is reproducible. A model without dropout gives identical passes.
 */
export async function mcDropout(
  request: PredictRequest,
  passes: number,
  job: JobToken,
  seed = 0,
): Promise<McDropoutResult> {
  const cached = await modelFor(request.model);
  const { spec } = cached;
  const input = await inputRows(request.model, spec, request.input);
  const k = spec.labels.classIds.length;
  const probabilities = new Float32Array(passes * input.rows * k);
  if (cached.kind === 'trees') {
    // No dropout in a tree ensemble: every pass is the same prediction (BALD's mutual information
    // is then 0 for every row, and the queue falls back to its tie order).
    const pass = await scoreTrees(cached, input.rows, input.fill, { job });
    for (let t = 0; t < passes; t++) probabilities.set(pass, t * input.rows * k);
    return {
      classIds: spec.labels.classIds,
      passes,
      rows: input.rows,
      itemIds: input.itemIds,
      probabilities,
    };
  }
  const { model } = cached;
  const base = deriveSeed(seed, SEED_STREAM.mcDropout);
  try {
    for (let t = 0; t < passes; t++) {
      setDropoutSeeds(model, deriveSeed(base, t));
      const pass = await scoreRows(model, inputShapeOf(spec), input.rows, input.fill, {
        ...(request.batchSize ? { batchSize: request.batchSize } : {}),
        job,
        forward: (x) => model.apply(x, { training: true }) as tf.Tensor,
      });
      probabilities.set(pass, t * input.rows * k);
    }
  } finally {
    setDropoutSeeds(model, undefined);
  }
  return {
    classIds: spec.labels.classIds,
    passes,
    rows: input.rows,
    itemIds: input.itemIds,
    probabilities,
  };
}
