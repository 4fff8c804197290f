// A fitted tree as plain arrays (the stored, JSON form) and its compiled, typed-array form for
// prediction on raw feature values — scikit-learn's TreePredictor (sklearn/ensemble/
// _hist_gradient_boosting/predictor.py, _predictor.pyx). Nodes are in depth-first pre-order
// (node, left subtree, right subtree), node 0 is the root, as sklearn's `_fill_predictor_arrays`.

import type { BinMapper } from './binning';
import type { GrowerNode } from './grower';

/** One tree, JSON-serialisable. Arrays are indexed by node. */
export interface SerializedTree {
  /** Split feature; -1 for a leaf. */
  feature: number[];
  /**
   * Numeric split: a non-missing value goes left iff `x <= threshold`. `null` on a split on
   * missingness (every non-missing value goes left; sklearn stores +inf, which JSON cannot hold)
   * and on leaves and categorical splits.
   */
  threshold: (number | null)[];
  /** Where a missing value (NaN, or an unknown category) goes. */
  missingGoLeft: boolean[];
  /** Categorical split: the raw category values that go left (others go right); else null. */
  leftCategories: (number[] | null)[];
  /** Child node indices; -1 for a leaf. */
  left: number[];
  right: number[];
  /** Leaf value, learning rate applied (0 on internal nodes). */
  value: number[];
  /** Training samples that reached the node. */
  count: number[];
}

/** Flatten a grown tree into its stored form, mapping bin thresholds back to raw values. */
export function toSerializedTree(root: GrowerNode, mapper: BinMapper): SerializedTree {
  const t: SerializedTree = {
    feature: [],
    threshold: [],
    missingGoLeft: [],
    leftCategories: [],
    left: [],
    right: [],
    value: [],
    count: [],
  };
  const visit = (node: GrowerNode): number => {
    const id = t.feature.length;
    t.count.push(node.stop - node.start);
    const split = node.split;
    if (node.isLeaf || !split || !node.left || !node.right) {
      t.feature.push(-1);
      t.threshold.push(null);
      t.missingGoLeft.push(false);
      t.leftCategories.push(null);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(node.value);
      return id;
    }
    const f = split.feature;
    t.feature.push(f);
    t.missingGoLeft.push(split.missingGoLeft);
    t.value.push(0);
    if (split.leftBins) {
      const cats = mapper.categories[f]!;
      const left: number[] = [];
      for (let b = 0; b < cats.length; b++) if (split.leftBins[b]) left.push(cats[b]!);
      t.threshold.push(null);
      t.leftCategories.push(left);
    } else {
      t.leftCategories.push(null);
      t.threshold.push(
        split.binIdx === mapper.nBinsNonMissing[f]! - 1
          ? null
          : mapper.thresholds[f]![split.binIdx]!,
      );
    }
    t.left.push(-1);
    t.right.push(-1);
    t.left[id] = visit(node.left);
    t.right[id] = visit(node.right);
    return id;
  };
  visit(root);
  return t;
}

/** A tree in typed arrays, for fast prediction. */
export interface CompiledTree {
  feature: Int32Array;
  /** +Infinity for a split on missingness. */
  threshold: Float64Array;
  missingGoLeft: Uint8Array;
  leftCategories: (Set<number> | null)[];
  /** Whether any node splits on categories (else prediction never looks at the sets). */
  hasCategorical: boolean;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export function compileTree(t: SerializedTree): CompiledTree {
  const m = t.feature.length;
  const threshold = new Float64Array(m);
  for (let i = 0; i < m; i++) threshold[i] = t.threshold[i] ?? Infinity;
  return {
    feature: Int32Array.from(t.feature),
    threshold,
    missingGoLeft: Uint8Array.from(t.missingGoLeft, (b) => (b ? 1 : 0)),
    leftCategories: t.leftCategories.map((c) => (c ? new Set(c) : null)),
    hasCategorical: t.leftCategories.some((c) => c !== null),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
  };
}

/**
 * The leaf reached by row `row` of a row-major matrix. `known[f]` holds the categories seen in
 * training for a categorical feature: anything else is routed as missing (sklearn's predictor).
 */
export function leafOf(
  tree: CompiledTree,
  values: ArrayLike<number>,
  cols: number,
  row: number,
  known: (Set<number> | null)[],
): number {
  const { feature, threshold, missingGoLeft, left, right } = tree;
  let node = 0;
  const off = row * cols;
  if (!tree.hasCategorical) {
    for (;;) {
      const f = feature[node]!;
      if (f < 0) return node;
      const x = values[off + f]!;
      const goLeft = x !== x ? missingGoLeft[node] === 1 : x <= threshold[node]!;
      node = goLeft ? left[node]! : right[node]!;
    }
  }
  for (;;) {
    const f = feature[node]!;
    if (f < 0) return node;
    const x = values[off + f]!;
    const cats = tree.leftCategories[node];
    let goLeft: boolean;
    if (x !== x || (cats && !known[f]!.has(x))) goLeft = missingGoLeft[node] === 1;
    else if (cats) goLeft = cats.has(x);
    else goLeft = x <= threshold[node]!;
    node = goLeft ? left[node]! : right[node]!;
  }
}
