// The boosted-trees family in the ML worker: histogram gradient boosting
// (src/learners/hist-gbdt, sklearn's HistGradientBoostingClassifier) on the tabular columns the
// featurised rows carry (src/training/tree-inputs.ts: standardised numerics with NaN for missing,
// categorical codes split as categories). Our validation split is the early-stopping set; with no
// validation items the learner holds out its own stratified 10 %. No TF.js: the model is plain
// JSON, stored in the run's `modelWeights` topology and scored in typed arrays.
import { fitHistGradientBoosting, predictProbaHgb } from '../src/learners/hist-gbdt';
import type { HistGradientBoostingParams } from '../src/learners/hist-gbdt';
import type { TrainConfig } from '../src/training/config';
import type { FeaturisationSpec } from '../src/training/featurize-types';
import {
  TREES_TOPOLOGY_FORMAT,
  treeInputLayout,
  treeMatrix,
  type TreeInputLayout,
  type TreesTopology,
} from '../src/training/tree-inputs';
import type { SplitData } from './ml-data';
import { TREES_PARAMS } from '../src/training/learner-defaults';

/** All rows of a split, featurised. */
function splitRows(data: SplitData): Float32Array {
  const x = new Float32Array(data.rows * data.dim);
  if (data.rows > 0) {
    data.fill(
      Int32Array.from({ length: data.rows }, (_, i) => i),
      0,
      data.rows,
      x,
    );
  }
  return x;
}

export interface TreesFit {
  topology: TreesTopology;
  params: Record<string, number | string>;
  ms: number;
}

/** Fits boosted trees on the training split, early-stopped on `validation` when it has rows. */
export function fitTrees(
  train: SplitData,
  validation: SplitData,
  spec: FeaturisationSpec,
  config: TrainConfig,
  hooks: {
    shouldStop: () => boolean;
    onIteration?: (iteration: number, maxIterations: number) => void;
  },
): TreesFit {
  const t0 = performance.now();
  const layout = treeInputLayout(spec);
  const X = treeMatrix(layout, splitRows(train), train.rows);
  const ours = validation.rows > 0;
  const params: Partial<HistGradientBoostingParams> = {
    ...TREES_PARAMS,
    earlyStopping: true,
    validationFraction: 0.1,
    categoricalFeatures: layout.categorical,
    seed: config.seed,
    classWeight: config.classWeighting === 'balanced' ? 'balanced' : null,
  };
  const model = fitHistGradientBoosting(X, train.labels, spec.labels.classIds.length, params, {
    shouldStop: hooks.shouldStop,
    ...(hooks.onIteration
      ? { onProgress: (p) => hooks.onIteration!(p.iteration, p.maxIterations) }
      : {}),
    ...(ours
      ? {
          validation: {
            X: treeMatrix(layout, splitRows(validation), validation.rows),
            y: validation.labels,
          },
        }
      : {}),
  });
  return {
    topology: { format: TREES_TOPOLOGY_FORMAT, input: 'tabular-columns', model },
    params: {
      ...TREES_PARAMS,
      earlyStopping: ours ? 'validation split' : 'held-out 10 % of training',
    },
    ms: performance.now() - t0,
  };
}

/** Class probabilities (N × K, float32 as the TF.js models give) of `rows` featurised vectors. */
export function treesProbabilities(
  topology: TreesTopology,
  layout: TreeInputLayout,
  x: Float32Array,
  rows: number,
): Float32Array {
  return Float32Array.from(predictProbaHgb(topology.model, treeMatrix(layout, x, rows)));
}
