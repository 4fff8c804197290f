// The split finder and the sample partitioner, as scikit-learn's Splitter (sklearn/ensemble/
// _hist_gradient_boosting/splitting.pyx).
//
// Gain (XGBoost, Chen & Guestrin 2016, eq. 7, as sklearn's `_split_gain`):
//   value(G, H) = −G / (H + λ + 1e-15)          (compute_node_value)
//   loss(node)  = G · value(node)               (_loss_from_value)
//   gain        = loss(node) − loss(left) − loss(right)
//               = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G·value(node)
// where value(node) is the node's own value. sklearn gives the root the value 0 (TreeNode(value=0)
// in grower.py), so at the root the last term is 0; elsewhere it is −G²/(H+λ). The ranking of
// splits within a node is the same either way; the root's gain is just never 0 when a valid split
// exists. We keep sklearn's convention so trees match.
//
// Numeric features are scanned left to right (missing values go right) and, when the feature had
// missing values in training, right to left (missing values go left); the right-to-left scan only
// wins when strictly better. Categorical features: categories with enough hessian support are
// sorted by Σg/(Σh + 10) and scanned from both ends up to the middle (Fisher 1958, sklearn's
// `_find_best_bin_to_split_category`); low-support categories always go right.

import { HIST_STRIDE } from './histogram';

/** sklearn's MIN_CAT_SUPPORT (also the smoothing term of the category ordering). */
const MIN_CAT_SUPPORT = 10;

export interface SplitterContext {
  nFeatures: number;
  /** Bins per feature in the histogram, missing bin included (`maxBins + 1`). */
  nBins: number;
  missingBin: number;
  nBinsNonMissing: Int32Array;
  /** Per feature: 1 when the training rows had a missing value there. */
  hasMissing: Uint8Array;
  isCategorical: Uint8Array;
  minSamplesLeaf: number;
  minHessianToSplit: number;
  minGainToSplit: number;
  l2Regularization: number;
}

export interface SplitInfo {
  gain: number;
  feature: number;
  /** Numeric: samples with bin <= binIdx go left. Unused (0) for categorical splits. */
  binIdx: number;
  missingGoLeft: boolean;
  isCategorical: boolean;
  /** Categorical: per bin (missing bin included), 1 when the bin goes left. */
  leftBins: Uint8Array | null;
  sumGradLeft: number;
  sumHessLeft: number;
  nLeft: number;
  sumGradRight: number;
  sumHessRight: number;
  nRight: number;
  valueLeft: number;
  valueRight: number;
}

/** A node's value before shrinkage, sklearn's `compute_node_value` (no monotonic bounds). */
export function computeNodeValue(sumGrad: number, sumHess: number, l2: number): number {
  return -sumGrad / (sumHess + l2 + 1e-15);
}

function splitGain(
  gl: number,
  hl: number,
  gr: number,
  hr: number,
  lossCurrent: number,
  l2: number,
): number {
  return lossCurrent - gl * computeNodeValue(gl, hl, l2) - gr * computeNodeValue(gr, hr, l2);
}

function makeSplit(
  ctx: SplitterContext,
  gain: number,
  feature: number,
  binIdx: number,
  missingGoLeft: boolean,
  leftBins: Uint8Array | null,
  gl: number,
  hl: number,
  nl: number,
  sumGrad: number,
  sumHess: number,
  nSamples: number,
): SplitInfo {
  const gr = sumGrad - gl;
  const hr = sumHess - hl;
  return {
    gain,
    feature,
    binIdx,
    missingGoLeft,
    isCategorical: leftBins !== null,
    leftBins,
    sumGradLeft: gl,
    sumHessLeft: hl,
    nLeft: nl,
    sumGradRight: gr,
    sumHessRight: hr,
    nRight: nSamples - nl,
    valueLeft: computeNodeValue(gl, hl, ctx.l2Regularization),
    valueRight: computeNodeValue(gr, hr, ctx.l2Regularization),
  };
}

/** sklearn's `_find_best_bin_to_split_left_to_right`: missing values (if any) go right. */
function leftToRight(
  ctx: SplitterContext,
  hist: Float64Array,
  f: number,
  nSamples: number,
  sumGrad: number,
  sumHess: number,
  lossCurrent: number,
): SplitInfo | null {
  const base = f * ctx.nBins * HIST_STRIDE;
  // The last non-missing bin never goes left (the right child would be empty) unless missing
  // values exist, which then make the right child: a "split on missingness".
  const end = ctx.nBinsNonMissing[f]! - 1 + ctx.hasMissing[f]!;
  let gl = 0;
  let hl = 0;
  let nl = 0;
  let bestGain = -1;
  let best = -1;
  let bestGl = 0;
  let bestHl = 0;
  let bestNl = 0;
  for (let b = 0; b < end; b++) {
    const o = base + b * HIST_STRIDE;
    const count = hist[o + 2]!;
    // An empty bin leaves the sums, hence the gain and the checks, as at the previous bin: it can
    // never be strictly better, so skipping it changes nothing but the rounding residue a
    // subtracted histogram may leave in it (deep nodes have many empty bins).
    if (count === 0) continue;
    nl += count;
    hl += hist[o + 1]!;
    gl += hist[o]!;
    const nr = nSamples - nl;
    const hr = sumHess - hl;
    if (nl < ctx.minSamplesLeaf) continue;
    if (nr < ctx.minSamplesLeaf) break;
    if (hl < ctx.minHessianToSplit) continue;
    if (hr < ctx.minHessianToSplit) break;
    const gain = splitGain(gl, hl, sumGrad - gl, hr, lossCurrent, ctx.l2Regularization);
    if (gain > bestGain && gain > ctx.minGainToSplit) {
      bestGain = gain;
      best = b;
      bestGl = gl;
      bestHl = hl;
      bestNl = nl;
    }
  }
  if (best < 0) return null;
  return makeSplit(
    ctx,
    bestGain,
    f,
    best,
    false,
    null,
    bestGl,
    bestHl,
    bestNl,
    sumGrad,
    sumHess,
    nSamples,
  );
}

/** sklearn's `_find_best_bin_to_split_right_to_left`: missing values go left. */
function rightToLeft(
  ctx: SplitterContext,
  hist: Float64Array,
  f: number,
  nSamples: number,
  sumGrad: number,
  sumHess: number,
  lossCurrent: number,
  previousGain: number,
): SplitInfo | null {
  const base = f * ctx.nBins * HIST_STRIDE;
  const start = ctx.nBinsNonMissing[f]! - 2;
  let gr = 0;
  let hr = 0;
  let nr = 0;
  let bestGain = previousGain;
  let best = -1;
  let bestGl = 0;
  let bestHl = 0;
  let bestNl = 0;
  for (let b = start; b >= 0; b--) {
    const o = base + (b + 1) * HIST_STRIDE;
    const count = hist[o + 2]!;
    if (count === 0) continue; // as in leftToRight
    nr += count;
    hr += hist[o + 1]!;
    gr += hist[o]!;
    const nl = nSamples - nr;
    const hl = sumHess - hr;
    const gl = sumGrad - gr;
    if (nr < ctx.minSamplesLeaf) continue;
    if (nl < ctx.minSamplesLeaf) break;
    if (hr < ctx.minHessianToSplit) continue;
    if (hl < ctx.minHessianToSplit) break;
    const gain = splitGain(gl, hl, gr, hr, lossCurrent, ctx.l2Regularization);
    if (gain > bestGain && gain > ctx.minGainToSplit) {
      bestGain = gain;
      best = b;
      bestGl = gl;
      bestHl = hl;
      bestNl = nl;
    }
  }
  if (best < 0) return null;
  return makeSplit(
    ctx,
    bestGain,
    f,
    best,
    true,
    null,
    bestGl,
    bestHl,
    bestNl,
    sumGrad,
    sumHess,
    nSamples,
  );
}

/** sklearn's `_find_best_bin_to_split_category`. */
function categorical(
  ctx: SplitterContext,
  hist: Float64Array,
  f: number,
  nSamples: number,
  sumGrad: number,
  sumHess: number,
  lossCurrent: number,
): SplitInfo | null {
  const base = f * ctx.nBins * HIST_STRIDE;
  const nonMissing = ctx.nBinsNonMissing[f]!;
  // Equal to 1 when hessians are constant: support is counted in hessian units.
  const supportFactor = nSamples / sumHess;
  const bins: number[] = [];
  const values: number[] = [];
  const consider = (b: number): void => {
    const o = base + b * HIST_STRIDE;
    const h = hist[o + 1]!;
    if (h * supportFactor >= MIN_CAT_SUPPORT) {
      bins.push(b);
      values.push(hist[o]! / (h + MIN_CAT_SUPPORT));
    }
  };
  for (let b = 0; b < nonMissing; b++) consider(b);
  // Missing values are a category of their own here.
  if (ctx.hasMissing[f]) consider(ctx.missingBin);
  const used = bins.length;
  if (used <= 1) return null;
  const order = Array.from({ length: used }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);

  let bestGain = -1;
  let bestThresh = -1;
  let bestDirection = 0;
  let bestGl = 0;
  let bestHl = 0;
  let bestNl = 0;
  for (const direction of [1, -1]) {
    const middle = direction === 1 ? (used + 1) >> 1 : ((used + 1) >> 1) - 1;
    let gl = 0;
    let hl = 0;
    let nl = 0;
    for (let i = 0; i < middle; i++) {
      const sorted = direction === 1 ? i : used - 1 - i;
      const o = base + bins[order[sorted]!]! * HIST_STRIDE;
      nl += hist[o + 2]!;
      hl += hist[o + 1]!;
      gl += hist[o]!;
      const nr = nSamples - nl;
      const hr = sumHess - hl;
      if (nl < ctx.minSamplesLeaf || hl < ctx.minHessianToSplit) continue;
      if (nr < ctx.minSamplesLeaf || hr < ctx.minHessianToSplit) break;
      const gain = splitGain(gl, hl, sumGrad - gl, hr, lossCurrent, ctx.l2Regularization);
      if (gain > bestGain && gain > ctx.minGainToSplit) {
        bestGain = gain;
        bestThresh = sorted;
        bestDirection = direction;
        bestGl = gl;
        bestHl = hl;
        bestNl = nl;
      }
    }
  }
  if (bestThresh < 0) return null;
  const leftBins = new Uint8Array(ctx.nBins);
  if (bestDirection === 1) {
    for (let s = 0; s <= bestThresh; s++) leftBins[bins[order[s]!]!] = 1;
  } else {
    for (let s = used - 1; s >= bestThresh; s--) leftBins[bins[order[s]!]!] = 1;
  }
  const missingGoLeft = ctx.hasMissing[f] ? leftBins[ctx.missingBin] === 1 : false;
  return makeSplit(
    ctx,
    bestGain,
    f,
    0,
    missingGoLeft,
    leftBins,
    bestGl,
    bestHl,
    bestNl,
    sumGrad,
    sumHess,
    nSamples,
  );
}

/**
 * The best split of a node over every feature (sklearn's `find_node_split`), or null when no
 * split satisfies min_samples_leaf, min_hessian_to_split and gain > min_gain_to_split.
 * `value` is the node's own (unshrunk) value: 0 for the root, as sklearn.
 */
export function findNodeSplit(
  ctx: SplitterContext,
  hist: Float64Array,
  nSamples: number,
  sumGrad: number,
  sumHess: number,
  value: number,
): SplitInfo | null {
  const lossCurrent = sumGrad * value;
  let best: SplitInfo | null = null;
  for (let f = 0; f < ctx.nFeatures; f++) {
    let split: SplitInfo | null;
    if (ctx.isCategorical[f]) {
      split = categorical(ctx, hist, f, nSamples, sumGrad, sumHess, lossCurrent);
    } else {
      split = leftToRight(ctx, hist, f, nSamples, sumGrad, sumHess, lossCurrent);
      if (ctx.hasMissing[f]) {
        const other = rightToLeft(
          ctx,
          hist,
          f,
          nSamples,
          sumGrad,
          sumHess,
          lossCurrent,
          split ? split.gain : -1,
        );
        if (other) split = other;
      }
    }
    // The first feature with the strictly largest gain wins (_find_best_feature_to_split_helper).
    if (split && (best === null || split.gain > best.gain)) best = split;
  }
  return best;
}

/** Whether a binned value goes to the left child (sklearn's `sample_goes_left`). */
export function binGoesLeft(split: SplitInfo, bin: number, missingBin: number): boolean {
  if (split.leftBins) return split.leftBins[bin] === 1;
  return (split.missingGoLeft && bin === missingBin) || bin <= split.binIdx;
}

/**
 * Partition `partition[start..stop)` in place into left then right samples, keeping their order
 * (stable, as sklearn's `split_indices`), using `scratch` for the right part. Returns the number
 * of samples that went left.
 */
export function splitIndices(
  split: SplitInfo,
  binned: Uint8Array,
  n: number,
  missingBin: number,
  partition: Int32Array,
  start: number,
  stop: number,
  scratch: Int32Array,
): number {
  const col = split.feature * n;
  let write = start;
  let nRight = 0;
  const leftBins = split.leftBins;
  const binIdx = split.binIdx;
  const missingLeft = split.missingGoLeft;
  for (let i = start; i < stop; i++) {
    const s = partition[i]!;
    const bin = binned[col + s]!;
    const left = leftBins ? leftBins[bin] === 1 : bin === missingBin ? missingLeft : bin <= binIdx;
    if (left) partition[write++] = s;
    else scratch[nRight++] = s;
  }
  partition.set(scratch.subarray(0, nRight), write);
  return write - start;
}
