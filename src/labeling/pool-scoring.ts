// Pool scoring for the active-learning queue: asks the ML worker (through the ML bridge) for what
// a strategy needs — probabilities, MC-dropout passes, embeddings — over the unlabelled pool,
// builds the StrategyInput and runs `selectBatch`. Cold start (no model yet) uses model-free
// features computed here in the page: the fitted tabular/text featurisation (pure TypeScript, no
// TF.js), or 7 × 7 grey thumbnails of image pixels. BADGE and image diversity run on a seeded
// candidate subsample (`DEFAULT_MAX_CANDIDATES` / `IMAGE_CANDIDATES`) so that only those rows are
// embedded, as the strategies would subsample anyway. BALD does too (`BALD_CANDIDATES`): its
// MC-dropout passes cost `passes` forward passes per row, about 30 s for 10 passes over a 100k
// pool on the CPU backend, so it scores a seeded random subsample of the eligible rows (Gal et
// al. 2017 and BatchBALD score a random pool subset the same way); both knobs are per request.
import { deriveSeed } from '../lib/rng';
import { sourcesRepo } from '../persistence';
import type { Project } from '../projects/types';
import { applyFeaturisation, fitFeaturisation, type MlBridge } from '../training';
import { gradientEmbedding } from './kmeans';
import type { LabelingPool } from './pool';
import {
  DEFAULT_MAX_CANDIDATES,
  candidateRows,
  describeStrategyError,
  getStrategy,
} from './strategies';
import type { QueueStrategyId, StrategyInput } from './types';

/** MC-dropout passes for BALD (Gal et al. 2017 use 10–100). */
export const MC_PASSES = 10;
/**
 * BALD scores at most this many eligible rows, a seeded random subsample: 10 passes over 10,000
 * rows cost about what one pass over 100,000 does.
 */
export const BALD_CANDIDATES = 10_000;
/** Image cold start reads stored pixels of at most this many candidates. */
export const IMAGE_CANDIDATES = 2000;
/** Hash buckets of the text cold-start features: enough to spread e-mails, cheap for k-means++. */
const COLD_TEXT_DIM = 256;

export type ScoringBridge = Pick<MlBridge, 'predict' | 'embed' | 'mcDropout'>;

export interface PoolScoringRequest {
  bridge: ScoringBridge;
  dbName: string;
  project: Project;
  pool: LabelingPool;
  /** Run whose model scores the pool; null before any model (cold-start strategies only). */
  runId: string | null;
  strategy: QueueStrategyId;
  k: number;
  seed: number;
  /** 1 = may be selected. */
  eligible: Uint8Array;
  /** Pool rows that carry a label (core-set's initial centers). */
  labelledRows: Int32Array;
  signal?: AbortSignal;
  /** BALD: MC-dropout passes (default `MC_PASSES`). */
  mcPasses?: number;
  /** BALD: rows scored at most (default `BALD_CANDIDATES`; `Infinity` scores every row). */
  baldCandidates?: number;
}

export interface ScoredBatch {
  rows: number[];
  scores: number[];
  /** Pool-wide probabilities when the strategy computed them (class order `classIds`). */
  probs?: { data: Float32Array; classIds: string[] };
}

/** Model probabilities of every pool row, aligned to pool rows (rows × classIds.length). */
export async function poolProbabilities(
  bridge: Pick<MlBridge, 'predict'>,
  dbName: string,
  pool: LabelingPool,
  runId: string,
  signal?: AbortSignal,
  itemIds?: string[],
): Promise<{ data: Float32Array; classIds: string[]; rows: Int32Array }> {
  let classIds: string[] = [];
  const parts: { rows: Int32Array; probs: Float32Array }[] = [];
  for (const source of pool.sources) {
    const ids = itemIds?.filter((id) => sourceOfItem(pool, id) === source.id);
    if (ids && ids.length === 0) continue;
    const whole = ids === undefined;
    const res = await bridge.predict(
      {
        model: { dbName, runId },
        input: {
          kind: 'items',
          sourceId: source.id,
          ...(ids ? { itemIds: ids } : { omitItemIds: true }),
        },
      },
      signal ? { signal } : {},
    );
    await yieldToPage();
    classIds = res.classIds;
    parts.push({
      rows: whole ? sourceRows(pool, source.id, res.rows) : rowsOf(pool, res.itemIds),
      probs: res.probabilities,
    });
  }
  if (parts.length === 1) return { data: parts[0]!.probs, classIds, rows: parts[0]!.rows };
  const k = classIds.length;
  const n = parts.reduce((a, p) => a + p.rows.length, 0);
  const rows = new Int32Array(n);
  const data = new Float32Array(n * k);
  let o = 0;
  for (const p of parts) {
    rows.set(p.rows, o);
    data.set(p.probs, o * k);
    o += p.rows.length;
  }
  return { data, classIds, rows };
}

function rowsOf(pool: LabelingPool, itemIds: readonly string[]): Int32Array {
  return Int32Array.from(itemIds, (id) => pool.rowOf.get(id) ?? -1);
}

/**
 * The pool rows of a whole source, in the order the ML worker reads it (its chunks in order):
 * the pool numbers rows the same way, so they are one contiguous range. `rows` is what the worker
 * scored; a mismatch (the source changed under the pool) is an error rather than a misaligned
 * queue.
 */
function sourceRows(pool: LabelingPool, sourceId: string, rows: number): Int32Array {
  let start = -1;
  let count = 0;
  let r = 0;
  for (const c of pool.chunks) {
    if (c.sourceId === sourceId) {
      if (start < 0) start = r;
      count += c.rowCount;
    }
    r += c.rowCount;
  }
  if (count !== rows) {
    throw new Error(
      `The model scored ${rows} rows of a source the labeling pool holds ${count} of: reload the page`,
    );
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = start + i;
  return out;
}

function sourceOfItem(pool: LabelingPool, itemId: string): string | undefined {
  const r = pool.rowOf.get(itemId);
  return r === undefined ? undefined : pool.chunks[pool.chunkOf[r]!]!.sourceId;
}

/** Ends the current task, so input and frames waiting for the main thread go first. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Scatters per-result rows into a pool-aligned matrix (rows never scored stay 0). */
function aligned(n: number, width: number, rows: Int32Array, data: Float32Array): Float32Array {
  if (rows.length === n && data.length === n * width && isIdentity(rows)) return data;
  return scatter(new Float32Array(n * width), width, rows, data);
}

/** Writes row i of `data` (`width` values) at pool row `rows[i]` of `out`; rows < 0 are skipped. */
function scatter(out: Float32Array, width: number, rows: Int32Array, data: Float32Array) {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r >= 0) out.set(data.subarray(i * width, (i + 1) * width), r * width);
  }
  return out;
}

function isIdentity(rows: Int32Array): boolean {
  for (let i = 0; i < rows.length; i++) if (rows[i] !== i) return false;
  return true;
}

async function poolEmbeddings(
  req: PoolScoringRequest,
  runId: string,
): Promise<{ data: Float32Array; dim: number }> {
  const n = req.pool.itemIds.length;
  let dim = 0;
  const parts: { rows: Int32Array; data: Float32Array }[] = [];
  for (const source of req.pool.sources) {
    const res = await req.bridge.embed(
      {
        model: { dbName: req.dbName, runId },
        input: { kind: 'items', sourceId: source.id, omitItemIds: true },
      },
      req.signal ? { signal: req.signal } : {},
    );
    dim = res.dim;
    parts.push({ rows: sourceRows(req.pool, source.id, res.rows), data: res.embeddings });
  }
  const out = new Float32Array(n * dim);
  for (const p of parts) scatter(out, dim, p.rows, p.data);
  return { data: out, dim };
}

/** Model-free features of the given pool rows (cold start), `rows.length × dim`. */
export async function coldStartFeatures(
  project: Project,
  pool: LabelingPool,
  rows: Int32Array,
): Promise<{ data: Float32Array; dim: number }> {
  if (project.modality === 'image') {
    const dim = 49;
    const out = new Float32Array(rows.length * dim);
    for (let t = 0; t < rows.length; t++) {
      const blob = await sourcesRepo.getBlob(pool.itemIds[rows[t]!]!, 'pixels');
      if (!blob || blob.data instanceof Blob) continue;
      greyThumb(new Uint8Array(blob.data), blob.width, blob.height, out, t * dim);
    }
    return { data: out, dim };
  }
  const source = pool.sources[0];
  if (!source) return { data: new Float32Array(0), dim: 1 };
  const spec = fitFeaturisation(
    source.columns,
    pool.chunks.filter((c) => c.sourceId === source.id),
    () => true,
    project.classes.map((c) => c.id),
    { modality: project.modality, textDim: COLD_TEXT_DIM, ngramRange: [1, 1] },
  );
  const dim = Math.max(1, spec.featureDim);
  const out = new Float32Array(rows.length * dim);
  // Group rows by chunk so each chunk is featurised once.
  const byChunk = new Map<number, number[]>();
  rows.forEach((r, t) => {
    const c = pool.chunkOf[r]!;
    let list = byChunk.get(c);
    if (!list) byChunk.set(c, (list = []));
    list.push(t);
  });
  for (const [c, ts] of byChunk) {
    const chunk = pool.chunks[c]!;
    if (chunk.sourceId !== source.id) continue;
    const within = ts.map((t) => pool.rowInChunk[rows[t]!]!);
    const batch = applyFeaturisation(spec, chunk, within);
    ts.forEach((t, j) => out.set(batch.x.subarray(j * dim, (j + 1) * dim), t * dim));
  }
  return { data: out, dim };
}

/** Mean-pools RGB (or grey) pixels to a 7 × 7 grey image in [0, 1]. */
function greyThumb(px: Uint8Array, w: number, h: number, out: Float32Array, o: number): void {
  const channels = Math.max(1, Math.round(px.length / Math.max(1, w * h)));
  const sums = new Float64Array(49);
  const counts = new Float64Array(49);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cell = Math.min(6, Math.floor((y * 7) / h)) * 7 + Math.min(6, Math.floor((x * 7) / w));
      let v = 0;
      for (let c = 0; c < channels; c++) v += px[(y * w + x) * channels + c]!;
      sums[cell]! += v / channels / 255;
      counts[cell]!++;
    }
  }
  for (let i = 0; i < 49; i++) out[o + i] = counts[i]! > 0 ? sums[i]! / counts[i]! : 0;
}

/**
 * The latest model outputs over a whole pool, per pool object: the probabilities (pool-aligned)
 * and penultimate-layer embeddings of one run. A model's outputs on the pool's items never change
 * (items are immutable, a run's weights too), so the refills between two retrains reuse them and
 * cost only the selection; a new run or a reloaded pool starts afresh.
 */
const poolOutputs = new WeakMap<
  LabelingPool,
  {
    key: string;
    probs?: { data: Float32Array; classIds: string[] };
    embeddings?: { data: Float32Array; dim: number };
  }
>();

/** Drops a pool's cached model outputs (the next refill runs the inference again). */
export function forgetPoolOutputs(pool: LabelingPool): void {
  poolOutputs.delete(pool);
}

function outputsOf(req: PoolScoringRequest, runId: string) {
  const key = `${req.dbName}\u0000${runId}`;
  let entry = poolOutputs.get(req.pool);
  if (entry?.key !== key) poolOutputs.set(req.pool, (entry = { key }));
  return entry;
}

async function wholePoolProbabilities(
  req: PoolScoringRequest,
  runId: string,
): Promise<{ data: Float32Array; classIds: string[] }> {
  const entry = outputsOf(req, runId);
  if (!entry.probs) {
    const p = await poolProbabilities(req.bridge, req.dbName, req.pool, runId, req.signal);
    const data = aligned(req.pool.itemIds.length, p.classIds.length, p.rows, p.data);
    entry.probs = { data, classIds: p.classIds };
  }
  return entry.probs;
}

async function wholePoolEmbeddings(
  req: PoolScoringRequest,
  runId: string,
): Promise<{ data: Float32Array; dim: number }> {
  const entry = outputsOf(req, runId);
  entry.embeddings ??= await poolEmbeddings(req, runId);
  return entry.embeddings;
}

/** Runs one strategy over the pool; throws with the strategy's sentence when it cannot run. */
export async function scorePool(req: PoolScoringRequest): Promise<ScoredBatch> {
  const n = req.pool.itemIds.length;
  const strategy = getStrategy(req.strategy);
  if (strategy.needsModel && req.runId === null) {
    throw new Error(
      `${strategy.label} needs a trained model: train one first, or start with Diversity or Random.`,
    );
  }
  const exclude = new Uint8Array(n);
  for (let i = 0; i < n; i++) exclude[i] = req.eligible[i] ? 0 : 1;
  const input: StrategyInput = { rows: n, exclude };
  let probs: ScoredBatch['probs'];
  // Subsampled strategies run on a sub-input over `sub` rows; indices map back through it.
  let sub: Int32Array | null = null;
  const runId = req.runId;

  switch (strategy.needs) {
    case 'none':
      break;
    case 'probs': {
      probs = await wholePoolProbabilities(req, runId!);
      await yieldToPage();
      input.probs = { data: probs.data, classes: probs.classIds.length };
      break;
    }
    case 'mc': {
      const passes = Math.max(2, Math.floor(req.mcPasses ?? MC_PASSES));
      sub = candidateRows(
        n,
        exclude,
        req.baldCandidates ?? BALD_CANDIDATES,
        deriveSeed(req.seed, 13),
      );
      const m = sub.length;
      // Sub-row of each pool row in the subsample (−1 outside it).
      const subOf = new Int32Array(n).fill(-1);
      sub.forEach((r, i) => (subOf[r] = i));
      let classes = 0;
      const perSource: { rows: Int32Array; data: Float32Array; passes: number }[] = [];
      for (const source of req.pool.sources) {
        const itemIds: string[] = [];
        for (const r of sub) {
          if (req.pool.chunks[req.pool.chunkOf[r]!]!.sourceId === source.id)
            itemIds.push(req.pool.itemIds[r]!);
        }
        if (itemIds.length === 0) continue;
        const res = await req.bridge.mcDropout(
          {
            model: { dbName: req.dbName, runId: runId! },
            input: { kind: 'items', sourceId: source.id, itemIds },
          },
          passes,
          { seed: req.seed, ...(req.signal ? { signal: req.signal } : {}) },
        );
        classes = res.classIds.length;
        perSource.push({
          rows: rowsOf(req.pool, res.itemIds).map((r) => subOf[r] ?? -1),
          data: res.probabilities,
          passes: res.passes,
        });
      }
      const data = new Float32Array(passes * m * classes);
      for (const s of perSource) {
        const rows = s.rows.length;
        for (let p = 0; p < s.passes; p++) {
          for (let i = 0; i < rows; i++) {
            const t = s.rows[i]!;
            if (t < 0) continue;
            data.set(
              s.data.subarray((p * rows + i) * classes, (p * rows + i + 1) * classes),
              (p * m + t) * classes,
            );
          }
        }
      }
      input.rows = m;
      delete input.exclude;
      input.mc = { data, passes, classes: Math.max(1, classes) };
      break;
    }
    case 'embeddings': {
      const e = await wholePoolEmbeddings(req, runId!);
      input.embeddings = { data: e.data, dim: e.dim, labelled: req.labelledRows };
      break;
    }
    case 'gradients': {
      probs = await wholePoolProbabilities(req, runId!);
      const e = await wholePoolEmbeddings(req, runId!);
      const k = probs.classIds.length;
      const data = probs.data;
      sub = candidateRows(n, exclude, DEFAULT_MAX_CANDIDATES, deriveSeed(req.seed, 11));
      const g = gradientEmbedding(data, e.data, n, k, e.dim, sub);
      input.rows = sub.length;
      delete input.exclude;
      input.gradients = { data: g, dim: k * e.dim };
      break;
    }
    case 'features': {
      const max = req.project.modality === 'image' ? IMAGE_CANDIDATES : DEFAULT_MAX_CANDIDATES;
      sub = candidateRows(n, exclude, max, deriveSeed(req.seed, 12));
      const f = await coldStartFeatures(req.project, req.pool, sub);
      input.rows = sub.length;
      delete input.exclude;
      input.features = f;
      break;
    }
  }
  // A refill runs while someone labels: let a pending key press and its frame go first.
  await yieldToPage();
  const result = strategy.selectBatch(input, req.k, req.seed);
  if (!result.ok) throw new Error(describeStrategyError(result.error));
  const { indices, scores } = result.value;
  const rows = Array.from(indices, (i) => (sub ? sub[i]! : i));
  return { rows, scores: Array.from(scores), ...(probs ? { probs } : {}) };
}
