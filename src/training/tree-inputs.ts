// Inputs of the boosted-trees family, and how its model is stored. Trees read one column per
// source column, not the featurised vector: a numeric column's standardised value (NaN when
// missing, so the split learns where missing values go, as sklearn's HistGradientBoosting does)
// and a categorical column's integer code (its one-hot slot: 0..vocab.length − 1 for the kept
// categories, vocab.length for "other", which also holds rare, unseen and missing values), split
// as a category. Both are read back from the featurised vector that `applyFeaturisation` /
// `applyToRaw` build, so the stored FeaturisationSpec alone rebuilds the trees' inputs at serving
// time: no spec of their own, no training/serving skew. (Standardising is monotone, so splits on
// standardised values are splits on the raw ones.)
//
// A trees run stores its model in its `modelWeights` record: `topology` is a `TreesTopology`
// (the hist-gbdt model JSON, src/learners/hist-gbdt/README.md), `weightSpecs` is empty and
// `weightData` holds no bytes. Plain types and arithmetic only: the worker, the registry export
// and the workspace file import this file.
import type { DenseMatrix } from '../learners/types';
import type { HistGradientBoostingModel } from '../learners/hist-gbdt';
import type { FeaturisationSpec } from './featurize-types';

/** `topology.format` of a boosted-trees `modelWeights` record. */
export const TREES_TOPOLOGY_FORMAT = 'inloop-hist-gbdt';

/** How the trees' input columns come from the featurised vector (this file's header). */
export type TreeInputKind = 'tabular-columns';

export interface TreesTopology {
  format: typeof TREES_TOPOLOGY_FORMAT;
  input: TreeInputKind;
  model: HistGradientBoostingModel;
}

/** Is a stored `topology` a boosted-trees model (rather than a TF.js layers topology)? */
export function isTreesTopology(topology: unknown): topology is TreesTopology {
  return (
    typeof topology === 'object' &&
    topology !== null &&
    (topology as { format?: unknown }).format === TREES_TOPOLOGY_FORMAT
  );
}

/** sklearn's categorical features take at most max_bins (255) categories. */
const MAX_TREE_CATEGORIES = 255;

/** One trees input column and where it sits in the featurised vector. */
export type TreeColumn =
  | { kind: 'numeric'; name: string; offset: number; indicator: number | null }
  | { kind: 'categorical'; name: string; offset: number; width: number };

export interface TreeInputLayout {
  columns: TreeColumn[];
  /** Per column: split as categories (sklearn's `categorical_features`). */
  categorical: boolean[];
  featureDim: number;
}

/** The trees' columns of a tabular spec, in its order: numerics, then categoricals. */
export function treeInputLayout(spec: FeaturisationSpec): TreeInputLayout {
  const t = spec.tabular;
  if (spec.modality !== 'tabular' || !t) {
    throw new Error(`Boosted trees need tabular columns; this model's data is ${spec.modality}`);
  }
  const columns: TreeColumn[] = [];
  const categorical: boolean[] = [];
  let offset = 0;
  for (const f of t.numeric) {
    columns.push({
      kind: 'numeric',
      name: f.name,
      offset,
      indicator: f.missingIndicator ? offset + 1 : null,
    });
    categorical.push(false);
    offset += f.missingIndicator ? 2 : 1;
  }
  for (const f of t.categorical) {
    const width = f.vocab.length + 1;
    columns.push({ kind: 'categorical', name: f.name, offset, width });
    // Past 255 codes the column is split as an ordered code instead (still one column).
    categorical.push(width <= MAX_TREE_CATEGORIES);
    offset += width;
  }
  return { columns, categorical, featureDim: offset };
}

/** The trees' rows (N × columns, NaN = missing) of `rows` featurised vectors. */
export function treeMatrix(layout: TreeInputLayout, x: Float32Array, rows: number): DenseMatrix {
  const dim = layout.featureDim;
  if (x.length < rows * dim) {
    throw new RangeError(`treeMatrix: ${x.length} values for ${rows} rows of ${dim}`);
  }
  const cols = layout.columns.length;
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    for (let c = 0; c < cols; c++) {
      const col = layout.columns[c]!;
      let v: number;
      if (col.kind === 'numeric') {
        v = col.indicator !== null && x[base + col.indicator] === 1 ? NaN : x[base + col.offset]!;
      } else {
        v = NaN;
        for (let s = 0; s < col.width; s++) {
          if (x[base + col.offset + s] === 1) {
            v = s;
            break;
          }
        }
      }
      values[r * cols + c] = v;
    }
  }
  return { kind: 'dense', rows, cols, values };
}
