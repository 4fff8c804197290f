// Embedding drift: maximum mean discrepancy (Gretton et al. 2012) between reference and current
// embeddings with a Gaussian (RBF) kernel, its bandwidth from the median heuristic, and a seeded
// permutation test. Embeddings are `rows × dim` row-major.
import { createRng, shuffleInPlace } from '../lib/rng';
import { quantileSorted } from '../data/stats';

export interface MmdResult {
  /** Unbiased MMD² (Gretton et al. 2012, eq. 3); may be slightly negative under no drift. */
  mmd2: number;
  /** Permutation p-value (1 + #{perm ≥ observed}) / (1 + permutations). */
  pValue: number;
  /** Kernel bandwidth σ: k(x, y) = exp(−‖x − y‖² / (2σ²)). */
  sigma: number;
  permutations: number;
}

export interface MmdOptions {
  permutations: number;
  seed: number;
  /** Override of the median-heuristic σ. */
  sigma?: number;
}

function squaredDistances(all: ArrayLike<number>, n: number, dim: number): Float64Array {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = all[i * dim + k]! - all[j * dim + k]!;
        s += t * t;
      }
      d[i * n + j] = s;
      d[j * n + i] = s;
    }
  }
  return d;
}

/** Unbiased MMD² of the split (first m of `order` vs the rest) over kernel matrix `kern`. */
function mmd2(kern: Float64Array, n: number, order: Int32Array, m: number): number {
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let a = 0; a < n; a++) {
    const i = order[a]!;
    for (let b = a + 1; b < n; b++) {
      const v = kern[i * n + order[b]!]!;
      if (b < m) xx += v;
      else if (a >= m) yy += v;
      else xy += v;
    }
  }
  const k = n - m;
  return (2 * xx) / (m * (m - 1)) + (2 * yy) / (k * (k - 1)) - (2 * xy) / (m * k);
}

/**
 * MMD² test of reference vs current embeddings. σ is the median of the pairwise Euclidean
 * distances of the pooled sample (the median heuristic, Gretton et al. 2012 §8). Cost
 * O((m + n)² · (dim + permutations)): subsample large windows before calling (e.g. 500 + 500).
 */
export function mmdTest(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  dim: number,
  options: Partial<MmdOptions> = {},
): MmdResult {
  const { permutations, seed } = { permutations: 200, seed: 0, ...options };
  const m = reference.length / dim;
  const k = current.length / dim;
  if (m < 2 || k < 2) throw new RangeError('mmdTest: need at least two rows on each side');
  const n = m + k;
  const all = new Float64Array(n * dim);
  all.set(reference);
  all.set(current, m * dim);
  const d2 = squaredDistances(all, n, dim);
  let sigma = options.sigma;
  if (sigma === undefined) {
    const upper = new Float64Array((n * (n - 1)) / 2);
    let p = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) upper[p++] = Math.sqrt(d2[i * n + j]!);
    sigma = quantileSorted(upper.sort(), 0.5);
    if (!(sigma > 0)) sigma = 1;
  }
  const kern = d2.map((v) => Math.exp(-v / (2 * sigma * sigma)));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const observed = mmd2(kern, n, order, m);
  const rng = createRng(seed);
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    shuffleInPlace<number, Int32Array>(order, rng);
    if (mmd2(kern, n, order, m) >= observed) atLeast++;
  }
  return { mmd2: observed, pValue: (1 + atLeast) / (1 + permutations), sigma, permutations };
}
