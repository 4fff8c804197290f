// Gradient/hessian histograms, as scikit-learn's HistogramBuilder (sklearn/ensemble/
// _hist_gradient_boosting/histogram.pyx). A histogram holds, for every feature and bin, the sum of
// gradients, the sum of hessians and the sample count of the node's samples in that bin; the
// split finder scans it instead of the samples.
//
// Layout: one Float64Array, feature-major, HIST_STRIDE values per bin:
//   hist[(f * nBins + b) * 3 + 0] = Σ gradient, + 1 = Σ hessian, + 2 = count.
// Sums are float64 over float32 gradients, as sklearn's hist_struct.

export const HIST_STRIDE = 3;

export function histogramLength(nFeatures: number, nBins: number): number {
  return nFeatures * nBins * HIST_STRIDE;
}

/**
 * Histogram of the samples `partition[start..stop)` (brute force, O(samples × features)).
 * Gradients are first gathered into `orderedGrad/orderedHess` in partition order, as sklearn's
 * `ordered_gradients`, so the per-feature loops read them contiguously.
 * `binned` is column-major: feature f of sample i is `binned[f * n + i]`.
 */
export function buildHistogram(
  binned: Uint8Array,
  n: number,
  nFeatures: number,
  nBins: number,
  partition: Int32Array,
  start: number,
  stop: number,
  grad: Float32Array,
  hess: Float32Array,
  orderedGrad: Float64Array,
  orderedHess: Float64Array,
  out: Float64Array,
): void {
  out.fill(0);
  const len = stop - start;
  const isRoot = start === 0 && stop === n;
  if (!isRoot) {
    for (let i = 0; i < len; i++) {
      const s = partition[start + i]!;
      orderedGrad[i] = grad[s]!;
      orderedHess[i] = hess[s]!;
    }
  }
  for (let f = 0; f < nFeatures; f++) {
    const col = f * n;
    const hOff = f * nBins * HIST_STRIDE;
    if (isRoot) {
      // The root holds every sample in index order (sklearn's _build_histogram_root).
      for (let i = 0; i < n; i++) {
        const o = hOff + binned[col + i]! * HIST_STRIDE;
        out[o]! += grad[i]!;
        out[o + 1]! += hess[i]!;
        out[o + 2]! += 1;
      }
    } else {
      for (let i = 0; i < len; i++) {
        const o = hOff + binned[col + partition[start + i]!]! * HIST_STRIDE;
        out[o]! += orderedGrad[i]!;
        out[o + 1]! += orderedHess[i]!;
        out[o + 2]! += 1;
      }
    }
  }
}

/**
 * The sibling's histogram by subtraction (parent − child), O(bins × features): only the smaller
 * child is built from its samples, as sklearn's `compute_histograms_subtraction`.
 */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < parent.length; i++) out[i] = parent[i]! - child[i]!;
}

/** A free list of histogram buffers, so that growing a tree allocates none after warm-up. */
export class HistogramPool {
  readonly #length: number;
  readonly #free: Float64Array[] = [];

  constructor(nFeatures: number, nBins: number) {
    this.#length = histogramLength(nFeatures, nBins);
  }

  take(): Float64Array {
    return this.#free.pop() ?? new Float64Array(this.#length);
  }

  give(hist: Float64Array): void {
    this.#free.push(hist);
  }
}
