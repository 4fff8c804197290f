// The tree grower, as scikit-learn's TreeGrower (sklearn/ensemble/_hist_gradient_boosting/
// grower.py): one regression tree fitted to a Newton step on the gradients and hessians, grown
// leaf-wise best-first (the splittable node with the largest gain is split next) until
// `maxLeafNodes` leaves, `maxDepth`, or no node has a valid split.
//
// Memory: the samples of every node are a contiguous range of one shared `partition` array
// (split in place, as sklearn's splitter does); histograms come from a pool and go back to it as
// soon as a node's children have theirs. Only the smaller child's histogram is built from its
// samples, the larger one's is the parent's minus it.

import { buildHistogram, subtractHistogram, type HistogramPool } from './histogram';
import { findNodeSplit, splitIndices, type SplitInfo, type SplitterContext } from './splitter';

export interface GrowerParams {
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  /** Multiplies every leaf value at the end of growth (the learning rate). */
  shrinkage: number;
}

/** Buffers shared by every tree of one fit. */
export interface GrowerData {
  binned: Uint8Array;
  /** Training rows. */
  n: number;
  ctx: SplitterContext;
  partition: Int32Array;
  scratch: Int32Array;
  orderedGrad: Float64Array;
  orderedHess: Float64Array;
  pool: HistogramPool;
}

export interface GrowerNode {
  depth: number;
  /** The node's samples are `partition[start..stop)`. */
  start: number;
  stop: number;
  sumGrad: number;
  sumHess: number;
  /** Unshrunk value while growing; leaves hold the shrunk value once growth ends. */
  value: number;
  split: SplitInfo | null;
  hist: Float64Array | null;
  left: GrowerNode | null;
  right: GrowerNode | null;
  isLeaf: boolean;
}

export interface GrownTree {
  root: GrowerNode;
  leaves: GrowerNode[];
}

function makeNode(
  depth: number,
  start: number,
  stop: number,
  sumGrad: number,
  sumHess: number,
  value: number,
): GrowerNode {
  return {
    depth,
    start,
    stop,
    sumGrad,
    sumHess,
    value,
    split: null,
    hist: null,
    left: null,
    right: null,
    isLeaf: false,
  };
}

/** Grow one tree on `grad`/`hess` (length n, float32 as sklearn's G_H_DTYPE). */
export function growTree(
  data: GrowerData,
  grad: Float32Array,
  hess: Float32Array,
  params: GrowerParams,
): GrownTree {
  const { binned, n, ctx, partition, pool } = data;
  for (let i = 0; i < n; i++) partition[i] = i;
  let sumGrad = 0;
  let sumHess = 0;
  for (let i = 0; i < n; i++) {
    sumGrad += grad[i]!;
    sumHess += hess[i]!;
  }
  const leaves: GrowerNode[] = [];
  const splittable: GrowerNode[] = [];
  const finalize = (node: GrowerNode): void => {
    node.isLeaf = true;
    if (node.hist) pool.give(node.hist);
    node.hist = null;
    leaves.push(node);
  };
  const build = (node: GrowerNode): Float64Array => {
    const hist = pool.take();
    buildHistogram(
      binned,
      n,
      ctx.nFeatures,
      ctx.nBins,
      partition,
      node.start,
      node.stop,
      grad,
      hess,
      data.orderedGrad,
      data.orderedHess,
      hist,
    );
    return hist;
  };
  const computeSplitAndPush = (node: GrowerNode): void => {
    node.split = findNodeSplit(
      ctx,
      node.hist!,
      node.stop - node.start,
      node.sumGrad,
      node.sumHess,
      node.value,
    );
    if (node.split === null || node.split.gain <= 0) finalize(node);
    else splittable.push(node);
  };

  // sklearn starts the root at value 0 (see splitter.ts on what that does to the root's gain).
  const root = makeNode(0, 0, n, sumGrad, sumHess, 0);
  if (n < 2 * params.minSamplesLeaf || sumHess < ctx.minHessianToSplit) {
    finalize(root);
  } else {
    root.hist = build(root);
    computeSplitAndPush(root);
  }

  while (splittable.length > 0) {
    // Pop the node with the largest gain (first one on ties); at most maxLeafNodes are waiting,
    // so a linear scan is as fast as a heap.
    let bi = 0;
    for (let i = 1; i < splittable.length; i++) {
      if (splittable[i]!.split!.gain > splittable[bi]!.split!.gain) bi = i;
    }
    const node = splittable.splice(bi, 1)[0]!;
    const split = node.split!;
    const nLeft = splitIndices(
      split,
      binned,
      n,
      ctx.missingBin,
      partition,
      node.start,
      node.stop,
      data.scratch,
    );
    const depth = node.depth + 1;
    const mid = node.start + nLeft;
    const left = makeNode(
      depth,
      node.start,
      mid,
      split.sumGradLeft,
      split.sumHessLeft,
      split.valueLeft,
    );
    const right = makeNode(
      depth,
      mid,
      node.stop,
      split.sumGradRight,
      split.sumHessRight,
      split.valueRight,
    );
    node.left = left;
    node.right = right;
    if (!ctx.hasMissing[split.feature]) {
      // No missing value at fit time: at predict time they go to the child with the most
      // samples (grower.py split_next).
      split.missingGoLeft = nLeft > node.stop - mid;
    }
    const nLeafNodes = leaves.length + splittable.length + 2;
    if (params.maxLeafNodes !== null && nLeafNodes === params.maxLeafNodes) {
      finalize(left);
      finalize(right);
      while (splittable.length > 0) finalize(splittable.pop()!);
    } else if (params.maxDepth !== null && depth === params.maxDepth) {
      finalize(left);
      finalize(right);
    } else {
      if (left.stop - left.start < 2 * params.minSamplesLeaf) finalize(left);
      if (right.stop - right.start < 2 * params.minSamplesLeaf) finalize(right);
      if (!left.isLeaf || !right.isLeaf) {
        // Brute force on the smaller child, subtraction for the larger (ties: right is built).
        const leftSmaller = left.stop - left.start < right.stop - right.start;
        const small = leftSmaller ? left : right;
        const large = leftSmaller ? right : left;
        small.hist = build(small);
        large.hist = pool.take();
        subtractHistogram(node.hist!, small.hist, large.hist);
        if (!left.isLeaf) computeSplitAndPush(left);
        else {
          pool.give(left.hist!);
          left.hist = null;
        }
        if (!right.isLeaf) computeSplitAndPush(right);
        else {
          pool.give(right.hist!);
          right.hist = null;
        }
      }
    }
    if (node.hist) pool.give(node.hist);
    node.hist = null;
  }
  // Shrinkage is applied once growth ends, as sklearn's _apply_shrinkage.
  for (const leaf of leaves) leaf.value *= params.shrinkage;
  return { root, leaves };
}

/** Add each leaf's value to the raw predictions of its training samples (_update_raw_predictions). */
export function addLeafValues(
  tree: GrownTree,
  partition: Int32Array,
  raw: Float64Array,
  stride: number,
  offset: number,
): void {
  for (const leaf of tree.leaves) {
    const v = leaf.value;
    for (let i = leaf.start; i < leaf.stop; i++) raw[partition[i]! * stride + offset]! += v;
  }
}
