// Queue strategies: what the labeling queue shows next. Each is a pure function of what the ML
// worker computed for the pool (probabilities, MC-dropout passes, embeddings, gradient embeddings)
// or, before any model exists, of the features. The registry below is what the strategy picker
// lists and what the worker (or the page) dispatches through: one `selectBatch(input, k, seed)`.
//
// The uncertainty strategies score every row and take a partial top-k, O(n log k): well under a
// second on a 100k pool. The distance-based ones (core-set, BADGE, diversity) cost O(k · m · dim)
// and run on a seeded random subsample of m = `DEFAULT_MAX_CANDIDATES` eligible rows when the pool
// is larger. Sener & Savarese and Ash et al. subsample the pool the same way for large data; a
// 10,000-row sample still covers the pool densely for batches of tens to hundreds.
import { deriveSeed, createRng, randInt } from '../lib/rng';
import { err, ok } from '../lib/result';
import type { Result } from '../lib/result';
import { badge, coreSetKCenterGreedy, diversityKMeansPP, eligibleRows } from './kmeans';
import { bald, entropy, leastConfidence, margin } from './scores';
import { topK } from './top-k';
import type {
  QueueStrategy,
  QueueStrategyId,
  RowExclusion,
  SelectOptions,
  Selection,
  StrategyError,
  StrategyInput,
} from './types';

/** Candidate cap of the distance-based strategies (see the header). */
export const DEFAULT_MAX_CANDIDATES = 10_000;

/** Seed streams: the subsample and the strategy's own draws never share a sequence. */
const STREAM_SUBSAMPLE = 1;
const STREAM_STRATEGY = 2;

/**
 * `k` distinct rows of `0 … n − 1` (minus `exclude`) uniformly at random, in draw order: a partial
 * Fisher–Yates shuffle of the eligible rows, O(n) time, seeded. Scores are NaN (no score).
 */
export function randomSampling(
  n: number,
  k: number,
  seed: number,
  exclude?: RowExclusion,
): Selection {
  const pool = eligibleRows(n, exclude === undefined ? {} : { exclude });
  const picks = Math.min(k, pool.length);
  const rng = createRng(seed);
  for (let i = 0; i < picks; i++) {
    const j = i + randInt(rng, pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return { indices: pool.slice(0, picks), scores: new Float64Array(picks).fill(NaN) };
}

/** Uncertainty sampling by least confidence: the `k` rows whose top probability is lowest. */
export function leastConfidenceSampling(
  probs: Float32Array,
  classes: number,
  k: number,
  exclude?: RowExclusion,
): Selection {
  return topK(leastConfidence(probs, classes), k, exclude);
}

/** Margin sampling: the `k` rows with the smallest gap between the two top probabilities. */
export function marginSampling(
  probs: Float32Array,
  classes: number,
  k: number,
  exclude?: RowExclusion,
): Selection {
  return topK(margin(probs, classes), k, exclude);
}

/** Entropy sampling: the `k` rows with the highest predictive entropy. */
export function entropySampling(
  probs: Float32Array,
  classes: number,
  k: number,
  exclude?: RowExclusion,
): Selection {
  return topK(entropy(probs, classes), k, exclude);
}

/** BALD: the `k` rows with the highest mutual information over MC-dropout passes. */
export function baldSampling(
  mcProbs: Float32Array,
  passes: number,
  classes: number,
  k: number,
  exclude?: RowExclusion,
): Selection {
  return topK(bald(mcProbs, passes, classes), k, exclude);
}

/**
 * The eligible rows a distance-based strategy runs on: all of them, or a seeded uniform sample of
 * `max` in ascending row order (so ties still break by row index).
 */
export function candidateRows(
  rows: number,
  exclude: RowExclusion | undefined,
  max: number,
  seed: number,
): Int32Array {
  const all = eligibleRows(rows, exclude === undefined ? {} : { exclude });
  if (all.length <= max) return all;
  const rng = createRng(seed);
  for (let i = 0; i < max; i++) {
    const j = i + randInt(rng, all.length - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, max).sort();
}

function checkShape(
  need: StrategyError['need'],
  length: number,
  rows: number,
  width: number,
): StrategyError | null {
  if (!Number.isInteger(width) || width < 1 || length !== rows * width) {
    return {
      kind: 'bad-shape',
      need,
      detail: `${length} values for ${rows} rows × ${width}`,
    };
  }
  return null;
}

type Run = (
  input: StrategyInput,
  k: number,
  seed: number,
  options: SelectOptions,
) => Result<Selection, StrategyError>;

function probsStrategy(score: typeof leastConfidence): Run {
  return (input, k) => {
    const p = input.probs;
    if (p === undefined) return err({ kind: 'missing-input', need: 'probs' });
    const bad = checkShape('probs', p.data.length, input.rows, p.classes);
    if (bad) return err(bad);
    return ok(topK(score(p.data, p.classes), k, input.exclude));
  };
}

function matrixStrategy(
  need: 'features' | 'gradients',
  pick: (data: Float32Array, dim: number, k: number, seed: number, rows: Int32Array) => Selection,
): Run {
  return (input, k, seed, options) => {
    const mat = input[need];
    if (mat === undefined) return err({ kind: 'missing-input', need });
    const bad = checkShape(need, mat.data.length, input.rows, mat.dim);
    if (bad) return err(bad);
    const rows = candidateRows(
      input.rows,
      input.exclude,
      options.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
      deriveSeed(seed, STREAM_SUBSAMPLE),
    );
    return ok(pick(mat.data, mat.dim, k, deriveSeed(seed, STREAM_STRATEGY), rows));
  };
}

const RUNS: Record<QueueStrategyId, Run> = {
  random: (input, k, seed) => ok(randomSampling(input.rows, k, seed, input.exclude)),
  'least-confidence': probsStrategy(leastConfidence),
  margin: probsStrategy(margin),
  entropy: probsStrategy(entropy),
  bald: (input, k) => {
    const mc = input.mc;
    if (mc === undefined) return err({ kind: 'missing-input', need: 'mc' });
    const bad = checkShape('mc', mc.data.length, input.rows * mc.passes, mc.classes);
    if (bad) return err(bad);
    return ok(topK(bald(mc.data, mc.passes, mc.classes), k, input.exclude));
  },
  'core-set': (input, k, seed, options) => {
    const e = input.embeddings;
    if (e === undefined) return err({ kind: 'missing-input', need: 'embeddings' });
    const bad = checkShape('embeddings', e.data.length, input.rows, e.dim);
    if (bad) return err(bad);
    // Labelled rows are centers, never candidates; the subsample is drawn from the rest.
    const labelled = new Uint8Array(input.rows);
    for (const i of e.labelled) labelled[i] = 1;
    const ex = input.exclude;
    if (ex !== undefined) {
      for (let i = 0; i < input.rows; i++) {
        if (ex instanceof Uint8Array ? ex[i] !== 0 : ex.has(i)) labelled[i] = 1;
      }
    }
    const rows = candidateRows(
      input.rows,
      labelled,
      options.maxCandidates ?? DEFAULT_MAX_CANDIDATES,
      deriveSeed(seed, STREAM_SUBSAMPLE),
    );
    return ok(
      coreSetKCenterGreedy(e.data, e.dim, e.labelled, k, {
        candidates: rows,
        seed: deriveSeed(seed, STREAM_STRATEGY),
      }),
    );
  },
  badge: matrixStrategy('gradients', (data, dim, k, seed, rows) =>
    badge(data, dim, k, seed, { candidates: rows }),
  ),
  diversity: matrixStrategy('features', (data, dim, k, seed, rows) =>
    diversityKMeansPP(data, dim, k, seed, { candidates: rows }),
  ),
  monitoring: (input, k) => {
    const r = input.ranked;
    if (r === undefined) return err({ kind: 'missing-input', need: 'ranked' });
    if (r.scores.length !== r.rows.length) {
      return err({
        kind: 'bad-shape',
        need: 'ranked',
        detail: `${r.scores.length} scores for ${r.rows.length} rows`,
      });
    }
    return ok(rankedSelection(r.rows, r.scores, k, input.exclude));
  },
};

/** The first `k` of rows ranked elsewhere (best first), skipping excluded ones; order kept. */
export function rankedSelection(
  rows: Int32Array,
  scores: Float64Array,
  k: number,
  exclude?: RowExclusion,
): Selection {
  const indices: number[] = [];
  const picked: number[] = [];
  for (let i = 0; i < rows.length && indices.length < k; i++) {
    const row = rows[i]!;
    if (
      exclude !== undefined &&
      (exclude instanceof Uint8Array ? exclude[row] !== 0 : exclude.has(row))
    )
      continue;
    indices.push(row);
    picked.push(scores[i]!);
  }
  return { indices: Int32Array.from(indices), scores: Float64Array.from(picked) };
}

function strategy(s: Omit<QueueStrategy, 'selectBatch'>): QueueStrategy {
  const run = RUNS[s.id];
  return {
    ...s,
    selectBatch: (input, k, seed, options = {}) => {
      if (!Number.isInteger(k) || k < 0) {
        throw new RangeError(`selectBatch: batch size must be an integer ≥ 0, got ${k}`);
      }
      return run(input, k, seed, options);
    },
  };
}

/** Every strategy, in the order the picker lists them. */
export const QUEUE_STRATEGIES: readonly QueueStrategy[] = [
  strategy({
    id: 'random',
    label: 'Random',
    needs: 'none',
    needsModel: false,
    description: 'Uniformly random items: the baseline every other strategy must beat.',
    reference: 'Passive learning baseline',
  }),
  strategy({
    id: 'least-confidence',
    label: 'Least confidence',
    needs: 'probs',
    needsModel: true,
    description: 'Items whose most likely class the model is least sure of.',
    reference: 'Lewis & Gale 1994; Settles 2009 §3.1',
  }),
  strategy({
    id: 'margin',
    label: 'Margin',
    needs: 'probs',
    needsModel: true,
    description: 'Items where the two most likely classes are closest.',
    reference: 'Scheffer et al. 2001; Settles 2009 §3.1',
  }),
  strategy({
    id: 'entropy',
    label: 'Entropy',
    needs: 'probs',
    needsModel: true,
    description: 'Items whose predicted class distribution is most spread out.',
    reference: 'Shannon entropy; Settles 2009 §3.1',
  }),
  strategy({
    id: 'bald',
    label: 'BALD (MC dropout)',
    needs: 'mc',
    needsModel: true,
    description:
      'Items on which dropout samples of the model disagree most (epistemic uncertainty).',
    reference: 'Houlsby et al. 2011; Gal, Islam & Ghahramani 2017',
  }),
  strategy({
    id: 'core-set',
    label: 'Core-set',
    needs: 'embeddings',
    needsModel: true,
    description: 'Items farthest from everything labelled so far, in the model’s embedding space.',
    reference: 'Sener & Savarese 2018 (k-center greedy)',
  }),
  strategy({
    id: 'badge',
    label: 'BADGE',
    needs: 'gradients',
    needsModel: true,
    description: 'A batch both uncertain and diverse: k-means++ on last-layer gradient embeddings.',
    reference: 'Ash et al. 2020',
  }),
  strategy({
    id: 'diversity',
    label: 'Diversity (cold start)',
    needs: 'features',
    needsModel: false,
    description: 'Before any model: items spread over the feature space (k-means++ seeding).',
    reference: 'Arthur & Vassilvitskii 2007 (k-means++)',
  }),
  strategy({
    id: 'monitoring',
    label: 'Monitoring: outliers and drifted regions',
    needs: 'ranked',
    needsModel: false,
    description:
      'Unlabelled production items the Monitor flagged: outliers first, then items from drifted regions, in its rank order.',
    reference: 'Delayed labels for drift monitoring (Inloop Monitor)',
  }),
];

const BY_ID = new Map(QUEUE_STRATEGIES.map((s) => [s.id, s]));

export function getStrategy(id: QueueStrategyId): QueueStrategy {
  const s = BY_ID.get(id);
  if (s === undefined) throw new RangeError(`Unknown queue strategy: ${String(id)}`);
  return s;
}

/** Dispatch by id: `selectBatch('margin', input, 20, seed)`. */
export function selectBatch(
  id: QueueStrategyId,
  input: StrategyInput,
  k: number,
  seed: number,
  options?: SelectOptions,
): Result<Selection, StrategyError> {
  return getStrategy(id).selectBatch(input, k, seed, options);
}

/** The sentence the UI shows for a strategy error. */
export function describeStrategyError(e: StrategyError): string {
  switch (e.kind) {
    case 'missing-input':
      if (e.need === 'ranked') return 'This strategy needs the Monitor’s ranked candidates.';
      return e.need === 'features'
        ? 'This strategy needs the items’ features.'
        : `This strategy needs ${NEED_WORDS[e.need]} from a trained model.`;
    case 'bad-shape':
      return `The ${NEED_WORDS[e.need]} do not match the pool (${e.detail}).`;
  }
}

const NEED_WORDS: Record<StrategyError['need'], string> = {
  none: 'nothing',
  probs: 'predicted probabilities',
  mc: 'Monte-Carlo dropout predictions',
  embeddings: 'embeddings',
  gradients: 'gradient embeddings',
  features: 'features',
  ranked: 'ranked candidates',
};
