// Batch-aware, distance-based selection over row embeddings (`rows × dim`, row-major):
//
// - k-means++ seeding (Arthur & Vassilvitskii 2007): the first center is drawn uniformly (seeded),
//   each next one with probability proportional to D², its squared distance to the nearest chosen
//   center. Used for cold-start diversity on features, and by BADGE on gradient embeddings.
// - BADGE (Ash et al. 2020, "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
//   Bounds"): k-means++ seeding on g = (p − onehot(ŷ)) ⊗ h, the gradient of the cross-entropy with
//   the model's own prediction ŷ as label, w.r.t. the last layer's weights. Its norm grows with the
//   uncertainty and its direction with the content, so one draw trades both off. As in the
//   authors' code (JordanAsh/badge, init_centers), the first center is the largest gradient, not a
//   uniform draw.
// - Core-set k-center greedy (Sener & Savarese 2018, "Active Learning for Convolutional Neural
//   Networks: A Core-Set Approach"): the labelled rows are the initial centers; each pick is the
//   candidate farthest (Euclidean) from its nearest center, which then becomes a center.
//
// Cost: every pick updates each candidate's nearest-center distance once, O(k · m · dim) for m
// candidates, plus O(L · m · dim) for core-set's L labelled centers. The strategy registry runs
// them on a seeded subsample of the pool above `DEFAULT_MAX_CANDIDATES` rows (see strategies.ts).
import { createRng, randInt } from '../lib/rng';
import { isExcluded } from './top-k';
import type { RowExclusion, Selection } from './types';

export interface CandidateOptions {
  /** Only these rows may be selected (default: every row). */
  candidates?: ArrayLike<number>;
  /** Rows never selected. */
  exclude?: RowExclusion;
}

function rowCount(data: Float32Array, dim: number, fn: string): number {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${fn}: dim must be ≥ 1, got ${dim}`);
  if (data.length % dim !== 0) {
    throw new RangeError(`${fn}: ${data.length} values is not a multiple of dim ${dim}`);
  }
  return data.length / dim;
}

/** The selectable rows: `candidates` (or all rows) minus `exclude`, in the order given. */
export function eligibleRows(rows: number, options: CandidateOptions = {}): Int32Array {
  const { candidates, exclude } = options;
  const n = candidates === undefined ? rows : candidates.length;
  const out = new Int32Array(n);
  let m = 0;
  for (let t = 0; t < n; t++) {
    const i = candidates === undefined ? t : (candidates[t] as number);
    if (!Number.isInteger(i) || i < 0 || i >= rows) {
      throw new RangeError(`candidate row ${i} is outside 0…${rows - 1}`);
    }
    if (!isExcluded(exclude, i)) out[m++] = i;
  }
  return m === n ? out : out.slice(0, m);
}

/** Squared Euclidean distance between rows a and b. */
function sqDist(data: Float32Array, dim: number, a: number, b: number): number {
  const oa = a * dim;
  const ob = b * dim;
  // Four independent accumulators: about twice as fast in V8 as one dependent chain.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    const x0 = data[oa + d]! - data[ob + d]!;
    const x1 = data[oa + d + 1]! - data[ob + d + 1]!;
    const x2 = data[oa + d + 2]! - data[ob + d + 2]!;
    const x3 = data[oa + d + 3]! - data[ob + d + 3]!;
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
  }
  for (; d < dim; d++) {
    const x = data[oa + d]! - data[ob + d]!;
    s0 += x * x;
  }
  return s0 + s1 + (s2 + s3);
}

/** Lower nearest[t] to the squared distance from candidate t to `center` where that is closer. */
function updateNearest(
  data: Float32Array,
  dim: number,
  cand: Int32Array,
  nearest: Float64Array,
  center: number,
): void {
  for (let t = 0; t < cand.length; t++) {
    const d = sqDist(data, dim, cand[t]!, center);
    if (d < nearest[t]!) nearest[t] = d;
  }
}

export interface KMeansPlusPlusOptions extends CandidateOptions {
  /** 'uniform' (k-means++) or 'max-norm' (BADGE's reference code). Default 'uniform'. */
  first?: 'uniform' | 'max-norm';
}

/**
 * k-means++ seeding: `k` distinct rows, the first uniform (or the largest-norm row), each next
 * drawn with probability D² / ΣD². The score of each pick is the D² it was drawn with (Infinity
 * for the first). Rows at distance 0 from a chosen center (duplicates) are never drawn while any
 * row at positive distance remains; after that the rest are drawn uniformly, so `k` rows come back
 * whenever `k` rows are eligible.
 */
export function kMeansPlusPlus(
  points: Float32Array,
  dim: number,
  k: number,
  seed: number,
  options: KMeansPlusPlusOptions = {},
): Selection {
  const rows = rowCount(points, dim, 'kMeansPlusPlus');
  const cand = eligibleRows(rows, options);
  const m = cand.length;
  const picks = Math.min(k, m);
  const indices = new Int32Array(picks);
  const scores = new Float64Array(picks);
  if (picks === 0) return { indices, scores };
  const rng = createRng(seed);
  const nearest = new Float64Array(m).fill(Infinity);
  const taken = new Uint8Array(m);

  let first = 0;
  if (options.first === 'max-norm') {
    let best = -1;
    for (let t = 0; t < m; t++) {
      const o = cand[t]! * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += points[o + d]! * points[o + d]!;
      if (s > best || (s === best && cand[t]! < cand[first]!)) {
        best = s;
        first = t;
      }
    }
  } else {
    first = randInt(rng, m);
  }
  indices[0] = cand[first]!;
  scores[0] = Infinity;
  taken[first] = 1;
  updateNearest(points, dim, cand, nearest, cand[first]!);

  for (let p = 1; p < picks; p++) {
    let total = 0;
    for (let t = 0; t < m; t++) if (taken[t] === 0) total += nearest[t]!;
    let pick = -1;
    if (total > 0) {
      const target = rng.next() * total;
      let acc = 0;
      let lastPositive = -1;
      for (let t = 0; t < m; t++) {
        if (taken[t] !== 0 || nearest[t]! <= 0) continue;
        lastPositive = t;
        acc += nearest[t]!;
        if (acc > target) {
          pick = t;
          break;
        }
      }
      // target < total, so only rounding of the running sum can get here.
      if (pick < 0) pick = lastPositive;
    } else {
      // Every remaining row duplicates a center: any of them is as good.
      let r = randInt(rng, m - p);
      for (let t = 0; t < m; t++) {
        if (taken[t] !== 0) continue;
        if (r-- === 0) {
          pick = t;
          break;
        }
      }
    }
    indices[p] = cand[pick]!;
    scores[p] = nearest[pick]!;
    taken[pick] = 1;
    updateNearest(points, dim, cand, nearest, cand[pick]!);
  }
  return { indices, scores };
}

/** Cold start before any model: k-means++ seeding on (normalised) features. */
export function diversityKMeansPP(
  features: Float32Array,
  dim: number,
  k: number,
  seed: number,
  options: CandidateOptions = {},
): Selection {
  return kMeansPlusPlus(features, dim, k, seed, { ...options, first: 'uniform' });
}

/** BADGE: k-means++ seeding on gradient embeddings, the first center the largest gradient. */
export function badge(
  gradEmbeddings: Float32Array,
  dim: number,
  k: number,
  seed: number,
  options: CandidateOptions = {},
): Selection {
  return kMeansPlusPlus(gradEmbeddings, dim, k, seed, { ...options, first: 'max-norm' });
}

/**
 * BADGE's gradient embedding of each row: g[j·D + d] = (p_j − [j = ŷ]) · h_d with ŷ = argmax p
 * (first on ties), from `n × K` probabilities and `n × D` penultimate activations. With `rows`,
 * only those rows are embedded (output row t is row `rows[t]`): the full pool at K·D floats a row
 * is too big to hold (100k × 10 × 128 floats = 512 MB).
 */
export function gradientEmbedding(
  probs: Float32Array,
  penultimate: Float32Array,
  n: number,
  classes: number,
  dim: number,
  rows?: ArrayLike<number>,
): Float32Array {
  if (probs.length !== n * classes) {
    throw new RangeError(`gradientEmbedding: ${probs.length} probabilities for ${n} × ${classes}`);
  }
  if (penultimate.length !== n * dim) {
    throw new RangeError(`gradientEmbedding: ${penultimate.length} activations for ${n} × ${dim}`);
  }
  const m = rows === undefined ? n : rows.length;
  const width = classes * dim;
  const out = new Float32Array(m * width);
  for (let t = 0; t < m; t++) {
    const i = rows === undefined ? t : (rows[t] as number);
    const po = i * classes;
    let yHat = 0;
    for (let j = 1; j < classes; j++) if (probs[po + j]! > probs[po + yHat]!) yHat = j;
    const ho = i * dim;
    const oo = t * width;
    for (let j = 0; j < classes; j++) {
      const c = probs[po + j]! - (j === yHat ? 1 : 0);
      const o = oo + j * dim;
      for (let d = 0; d < dim; d++) out[o + d] = c * penultimate[ho + d]!;
    }
  }
  return out;
}

export interface KCenterOptions extends CandidateOptions {
  /** Seeds the first center when there are no labelled rows (default 0). */
  seed?: number;
}

/**
 * Core-set k-center greedy. Each pick maximises the Euclidean distance to its nearest center
 * (labelled rows and earlier picks), ties to the lower row index; its score is that distance.
 * Labelled rows are never picked. With no labelled rows the first center is a seeded uniform draw
 * (score Infinity), as in the common implementations that start from a random point.
 */
export function coreSetKCenterGreedy(
  embeddings: Float32Array,
  dim: number,
  labelledIdx: ArrayLike<number>,
  k: number,
  options: KCenterOptions = {},
): Selection {
  const rows = rowCount(embeddings, dim, 'coreSetKCenterGreedy');
  const labelledMask = new Uint8Array(rows);
  for (let t = 0; t < labelledIdx.length; t++) {
    const i = labelledIdx[t] as number;
    if (!Number.isInteger(i) || i < 0 || i >= rows) {
      throw new RangeError(`coreSetKCenterGreedy: labelled row ${i} outside 0…${rows - 1}`);
    }
    labelledMask[i] = 1;
  }
  const base = eligibleRows(rows, options);
  let cand = base;
  if (labelledIdx.length > 0) {
    let m = 0;
    cand = new Int32Array(base.length);
    for (let t = 0; t < base.length; t++) if (labelledMask[base[t]!] === 0) cand[m++] = base[t]!;
    cand = cand.slice(0, m);
  }
  const m = cand.length;
  const picks = Math.min(k, m);
  const indices = new Int32Array(picks);
  const scores = new Float64Array(picks);
  if (picks === 0) return { indices, scores };
  const nearest = new Float64Array(m).fill(Infinity);
  for (let t = 0; t < labelledIdx.length; t++) {
    updateNearest(embeddings, dim, cand, nearest, labelledIdx[t] as number);
  }
  const taken = new Uint8Array(m);
  let p = 0;
  if (labelledIdx.length === 0) {
    const first = randInt(createRng(options.seed ?? 0), m);
    indices[0] = cand[first]!;
    scores[0] = Infinity;
    taken[first] = 1;
    updateNearest(embeddings, dim, cand, nearest, cand[first]!);
    p = 1;
  }
  for (; p < picks; p++) {
    let best = -1;
    for (let t = 0; t < m; t++) {
      if (taken[t] !== 0) continue;
      if (
        best < 0 ||
        nearest[t]! > nearest[best]! ||
        (nearest[t] === nearest[best] && cand[t]! < cand[best]!)
      ) {
        best = t;
      }
    }
    indices[p] = cand[best]!;
    scores[p] = Math.sqrt(nearest[best]!);
    taken[best] = 1;
    updateNearest(embeddings, dim, cand, nearest, cand[best]!);
  }
  return { indices, scores };
}
