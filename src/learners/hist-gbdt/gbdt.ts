// The booster: scikit-learn's HistGradientBoostingClassifier (sklearn/ensemble/
// _hist_gradient_boosting/gradient_boosting.py) in TypeScript. Each iteration computes the
// gradients and hessians of the log-loss at the current raw predictions, grows one tree per raw
// output (1 for K = 2, K for K ≥ 3) and adds its shrunk leaf values to the raw predictions.
// Early stopping, baseline, class weights and missing-value handling follow sklearn 1.2; the
// early-stopping validation split uses our seeded RNG (stratified), so it is not numpy's split.

import { createRng } from '../../lib/rng';
import { FitCancelledError, LearnerInputError, type DenseMatrix, type FitHooks } from '../types';
import { binRows, fitBinMapper } from './binning';
import { addLeafValues, growTree, type GrowerData } from './grower';
import { HistogramPool } from './histogram';
import { baselinePrediction, gradientHessian, meanLoss, softmaxRow } from './loss';
import {
  compileTree,
  leafOf,
  toSerializedTree,
  type CompiledTree,
  type SerializedTree,
} from './predictor';
import type { SplitterContext } from './splitter';

export interface HistGradientBoostingParams {
  /** Shrinkage applied to every leaf value. */
  learningRate: number;
  /** Boosting iterations (each adds `treesPerIteration` trees). */
  maxIter: number;
  /** Leaves per tree; null for no limit. */
  maxLeafNodes: number | null;
  /** Edges from the root to the deepest leaf; null for no limit. */
  maxDepth: number | null;
  minSamplesLeaf: number;
  /** λ in the leaf value −G/(H + λ). */
  l2Regularization: number;
  /** Bins for non-missing values, 2..255 (one more bin always holds missing values). */
  maxBins: number;
  /** 'auto': on when there are more than 10 000 rows, as sklearn. */
  earlyStopping: 'auto' | boolean;
  /** Share of rows held out (stratified) to score early stopping; null scores the training loss. */
  validationFraction: number | null;
  nIterNoChange: number;
  tol: number;
  /** Early stopping scores the log-loss (sklearn's scoring='loss'); no other scorer here. */
  scoring: 'loss';
  /** Per feature: true when its values are integer category codes. */
  categoricalFeatures: boolean[] | null;
  /** Seeds the early-stopping split. */
  seed: number;
  /** 'balanced': weight w_c = n / (classes present × n_c), multiplied into sample weights. */
  classWeight: 'balanced' | null;
}

/** sklearn's HistGradientBoostingClassifier defaults. */
export const DEFAULT_HGB_PARAMS: HistGradientBoostingParams = {
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  earlyStopping: 'auto',
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  scoring: 'loss',
  categoricalFeatures: null,
  seed: 0,
  classWeight: null,
};

/** A fitted booster; plain JSON (see README.md in this folder for the format). */
export interface HistGradientBoostingModel {
  kind: 'hist-gbdt';
  format: 1;
  numClasses: number;
  numFeatures: number;
  /** Raw prediction before any tree, one per tree of an iteration. */
  baseline: number[];
  /** 1 for two classes (log-odds of class 1), else numClasses. */
  treesPerIteration: number;
  /** `iterations × treesPerIteration` trees; tree `it * treesPerIteration + k` adds to output k. */
  trees: SerializedTree[];
  iterations: number;
  /** With early stopping: the iteration count with the lowest validation loss. */
  bestIteration?: number;
  /** Mean training log-loss after 0, 1, …, iterations iterations (index 0 = baseline only). */
  trainLoss: number[];
  /** The same on the early-stopping validation rows, when there were any. */
  validationLoss?: number[];
  /** Per feature: the sorted known categories of a categorical feature, else null. */
  categorical: (number[] | null)[];
}

/** sklearn's TreeGrower default: nodes with less hessian are not split. */
const MIN_HESSIAN_TO_SPLIT = 1e-3;

function checkParams(p: HistGradientBoostingParams, cols: number): void {
  const fail = (msg: string): never => {
    throw new LearnerInputError(msg);
  };
  if (!(p.learningRate > 0)) fail('learningRate must be greater than 0.');
  if (!Number.isInteger(p.maxIter) || p.maxIter < 1) fail('maxIter must be an integer >= 1.');
  if (p.maxLeafNodes !== null && !(Number.isInteger(p.maxLeafNodes) && p.maxLeafNodes >= 2))
    fail('maxLeafNodes must be an integer >= 2, or null.');
  if (p.maxDepth !== null && !(Number.isInteger(p.maxDepth) && p.maxDepth >= 1))
    fail('maxDepth must be an integer >= 1, or null.');
  if (!Number.isInteger(p.minSamplesLeaf) || p.minSamplesLeaf < 1)
    fail('minSamplesLeaf must be an integer >= 1.');
  if (!(p.l2Regularization >= 0)) fail('l2Regularization must be >= 0.');
  if (!Number.isInteger(p.maxBins) || p.maxBins < 2 || p.maxBins > 255)
    fail('maxBins must be an integer from 2 to 255.');
  if (p.validationFraction !== null && !(p.validationFraction > 0 && p.validationFraction < 1))
    fail('validationFraction must be in (0, 1), or null.');
  if (!Number.isInteger(p.nIterNoChange) || p.nIterNoChange < 1)
    fail('nIterNoChange must be an integer >= 1.');
  if (p.categoricalFeatures && p.categoricalFeatures.length !== cols)
    fail(`categoricalFeatures has ${p.categoricalFeatures.length} entries for ${cols} features.`);
}

/** Sorted distinct categories of column f over every row (sklearn's `_check_categories`). */
function knownCategories(X: DenseMatrix, f: number, maxBins: number): number[] {
  const seen = new Set<number>();
  for (let r = 0; r < X.rows; r++) {
    const v = X.values[r * X.cols + f]!;
    if (v !== v) continue;
    if (!Number.isInteger(v)) {
      throw new LearnerInputError(
        `Categorical feature ${f} holds ${v} at row ${r}: categories must be integer codes.`,
      );
    }
    seen.add(v);
  }
  if (seen.size > maxBins) {
    throw new LearnerInputError(
      `Categorical feature ${f} has ${seen.size} categories; at most maxBins = ${maxBins} are supported.`,
    );
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * The early-stopping split: within each class, a seeded shuffle puts round(fraction × n_c) rows
 * (keeping at least one training row per class) into validation. Both parts in row order.
 */
function stratifiedSplit(
  y: Int32Array,
  numClasses: number,
  fraction: number,
  seed: number,
): { train: Int32Array; val: Int32Array } {
  const rng = createRng(seed);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < y.length; i++) byClass[y[i]!]!.push(i);
  const isVal = new Uint8Array(y.length);
  for (const rows of byClass) {
    const nVal = Math.min(Math.round(fraction * rows.length), Math.max(0, rows.length - 1));
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = rows[i]!;
      rows[i] = rows[j]!;
      rows[j] = t;
    }
    for (let i = 0; i < nVal; i++) isVal[rows[i]!] = 1;
  }
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < y.length; i++) (isVal[i] ? val : train).push(i);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

/** sklearn's `_should_stop`: none of the last n scores beats the one before them by tol. */
function shouldStopEarly(losses: number[], nIterNoChange: number, tol: number): boolean {
  if (losses.length < nIterNoChange + 1) return false;
  const reference = -losses[losses.length - nIterNoChange - 1]! + tol;
  for (let i = losses.length - nIterNoChange; i < losses.length; i++) {
    if (-losses[i]! > reference) return false;
  }
  return true;
}

function validateInput(
  X: DenseMatrix,
  y: Int32Array,
  numClasses: number,
  sampleWeight: Float64Array | undefined,
): void {
  if (X.rows === 0) throw new LearnerInputError('There are no rows to fit.');
  if (X.cols === 0) throw new LearnerInputError('There are no features to fit.');
  if (y.length !== X.rows)
    throw new LearnerInputError(`There are ${y.length} labels for ${X.rows} rows.`);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new LearnerInputError('Gradient boosting needs at least two classes.');
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (c < 0 || c >= numClasses)
      throw new LearnerInputError(`Row ${i} has label ${c}, outside 0..${numClasses - 1}.`);
    counts[c]!++;
  }
  let present = 0;
  for (const c of counts) if (c > 0) present++;
  if (present < 2) {
    throw new LearnerInputError(
      'Gradient boosting needs rows of at least two classes; every row has the same label.',
    );
  }
  const v = X.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x === Infinity || x === -Infinity) {
      const row = Math.floor(i / X.cols);
      throw new LearnerInputError(
        `Row ${row}, column ${i - row * X.cols} is ${x}: values must be finite (NaN marks a missing value).`,
      );
    }
  }
  if (sampleWeight) {
    if (sampleWeight.length !== X.rows)
      throw new LearnerInputError(
        `There are ${sampleWeight.length} sample weights for ${X.rows} rows.`,
      );
    let total = 0;
    for (let i = 0; i < sampleWeight.length; i++) {
      const w = sampleWeight[i]!;
      total += w;
      if (!(w >= 0) || w === Infinity)
        throw new LearnerInputError(`Sample weight ${i} is ${w}: weights must be finite and >= 0.`);
    }
    if (!(total > 0)) throw new LearnerInputError('The sample weights sum to 0: nothing to fit.');
  }
}

/**
 * Rows the caller holds out for early stopping (sklearn 1.6's `X_val`, `y_val`,
 * `sample_weight_val`). With `earlyStopping` on they replace the `validationFraction` split: every
 * row of X trains. Categories unseen in X are routed as missing values, as at prediction.
 */
export interface HgbValidationSet {
  X: DenseMatrix;
  y: Int32Array;
  sampleWeight?: Float64Array;
}

function validateValidation(v: HgbValidationSet, cols: number, numClasses: number): void {
  if (v.X.cols !== cols)
    throw new LearnerInputError(`The validation rows have ${v.X.cols} features, not ${cols}.`);
  if (v.y.length !== v.X.rows)
    throw new LearnerInputError(`There are ${v.y.length} validation labels for ${v.X.rows} rows.`);
  if (v.X.rows === 0) throw new LearnerInputError('The validation set has no rows.');
  for (let i = 0; i < v.y.length; i++) {
    const c = v.y[i]!;
    if (c < 0 || c >= numClasses)
      throw new LearnerInputError(
        `Validation row ${i} has label ${c}, outside 0..${numClasses - 1}.`,
      );
  }
  for (const x of v.X.values) {
    if (x === Infinity || x === -Infinity)
      throw new LearnerInputError('The validation rows hold an infinite value.');
  }
  if (v.sampleWeight && v.sampleWeight.length !== v.X.rows)
    throw new LearnerInputError('The validation sample weights do not match its rows.');
}

/** Gather `rows` of the weights (or null). */
function take(w: Float64Array | null, rows: Int32Array): Float64Array | null {
  if (!w) return null;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = w[rows[i]!]!;
  return out;
}

/** Fit a histogram gradient-boosted classifier on labels 0..numClasses-1. */
export function fitHistGradientBoosting(
  X: DenseMatrix,
  y: Int32Array,
  numClasses: number,
  params: Partial<HistGradientBoostingParams> = {},
  hooks: FitHooks & { sampleWeight?: Float64Array; validation?: HgbValidationSet } = {},
): HistGradientBoostingModel {
  const p: HistGradientBoostingParams = { ...DEFAULT_HGB_PARAMS, ...params };
  validateInput(X, y, numClasses, hooks.sampleWeight);
  checkParams(p, X.cols);
  const external = hooks.validation;
  if (external) validateValidation(external, X.cols, numClasses);
  const cols = X.cols;
  const K = numClasses;
  const T = K === 2 ? 1 : K;

  // Sample weights × class weights (sklearn's _finalize_sample_weight), before the split.
  let weight: Float64Array | null = hooks.sampleWeight
    ? Float64Array.from(hooks.sampleWeight)
    : null;
  if (p.classWeight === 'balanced') {
    const counts = new Float64Array(K);
    for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
    let present = 0;
    for (const c of counts) if (c > 0) present++;
    weight ??= new Float64Array(y.length).fill(1);
    // sklearn.utils.class_weight.compute_class_weight('balanced'): n / (n_classes × bincount).
    for (let i = 0; i < y.length; i++) weight[i]! *= y.length / (present * counts[y[i]!]!);
  }

  const categorical: (number[] | null)[] = [];
  for (let f = 0; f < cols; f++) {
    categorical.push(p.categoricalFeatures?.[f] ? knownCategories(X, f, p.maxBins) : null);
  }

  const early = p.earlyStopping === 'auto' ? X.rows > 10000 : p.earlyStopping;
  let trainRows: Int32Array;
  let valRows: Int32Array = new Int32Array(0);
  // Rows of `valValues` the validation loss is scored on: held-out rows of X, or the caller's set.
  let valValues = X.values;
  if (early && external) {
    trainRows = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) trainRows[i] = i;
    valRows = new Int32Array(external.X.rows);
    for (let i = 0; i < external.X.rows; i++) valRows[i] = i;
    valValues = external.X.values;
  } else if (early && p.validationFraction !== null) {
    const split = stratifiedSplit(y, K, p.validationFraction, p.seed);
    trainRows = split.train;
    valRows = split.val;
  } else {
    trainRows = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) trainRows[i] = i;
  }
  const n = trainRows.length;
  const nVal = valRows.length;
  const yTrain = new Int32Array(n);
  for (let i = 0; i < n; i++) yTrain[i] = y[trainRows[i]!]!;
  const yVal = new Int32Array(nVal);
  const wTrain = take(weight, trainRows);
  let wVal: Float64Array | null;
  if (early && external) {
    yVal.set(external.y);
    wVal = external.sampleWeight ? Float64Array.from(external.sampleWeight) : null;
    if (p.classWeight === 'balanced') {
      // sklearn 1.6 finalises the validation weights on y_val's own class counts.
      const counts = new Float64Array(K);
      for (let i = 0; i < nVal; i++) counts[yVal[i]!]!++;
      let present = 0;
      for (const c of counts) if (c > 0) present++;
      wVal ??= new Float64Array(nVal).fill(1);
      for (let i = 0; i < nVal; i++) wVal[i]! *= nVal / (present * counts[yVal[i]!]!);
    }
  } else {
    for (let i = 0; i < nVal; i++) yVal[i] = y[valRows[i]!]!;
    wVal = take(weight, valRows);
  }

  const mapper = fitBinMapper(X.values, cols, trainRows, p.maxBins, categorical);
  const binned = binRows(mapper, X.values, cols, trainRows);
  const hasMissing = new Uint8Array(cols);
  for (let f = 0; f < cols; f++) {
    const off = f * n;
    for (let i = 0; i < n; i++) {
      if (binned[off + i] === mapper.missingBin) {
        hasMissing[f] = 1;
        break;
      }
    }
  }
  const nBins = p.maxBins + 1;
  const ctx: SplitterContext = {
    nFeatures: cols,
    nBins,
    missingBin: mapper.missingBin,
    nBinsNonMissing: mapper.nBinsNonMissing,
    hasMissing,
    isCategorical: mapper.isCategorical,
    minSamplesLeaf: p.minSamplesLeaf,
    minHessianToSplit: MIN_HESSIAN_TO_SPLIT,
    minGainToSplit: 0,
    l2Regularization: p.l2Regularization,
  };
  const data: GrowerData = {
    binned,
    n,
    ctx,
    partition: new Int32Array(n),
    scratch: new Int32Array(n),
    orderedGrad: new Float64Array(n),
    orderedHess: new Float64Array(n),
    pool: new HistogramPool(cols, nBins),
  };
  const growerParams = {
    maxLeafNodes: p.maxLeafNodes,
    maxDepth: p.maxDepth,
    minSamplesLeaf: p.minSamplesLeaf,
    shrinkage: p.learningRate,
  };

  const baseline = baselinePrediction(yTrain, wTrain, K);
  const raw = new Float64Array(n * T);
  for (let i = 0; i < n; i++) for (let k = 0; k < T; k++) raw[i * T + k] = baseline[k]!;
  const rawVal = new Float64Array(nVal * T);
  for (let i = 0; i < nVal; i++) for (let k = 0; k < T; k++) rawVal[i * T + k] = baseline[k]!;
  const grad = new Float32Array(n * T);
  const hess = new Float32Array(n * T);
  const probaScratch = new Float64Array(K);
  const known = categorical.map((c) => (c ? new Set(c) : null));

  const trees: SerializedTree[] = [];
  const trainLoss = [meanLoss(yTrain, raw, wTrain, K)];
  const useVal = early && nVal > 0;
  const validationLoss = useVal ? [meanLoss(yVal, rawVal, wVal, K)] : undefined;
  let iterations = 0;
  for (let it = 0; it < p.maxIter; it++) {
    if (hooks.shouldStop?.()) throw new FitCancelledError();
    gradientHessian(yTrain, raw, wTrain, K, grad, hess, probaScratch);
    const compiled: CompiledTree[] = [];
    for (let k = 0; k < T; k++) {
      const tree = growTree(
        data,
        grad.subarray(k * n, (k + 1) * n),
        hess.subarray(k * n, (k + 1) * n),
        growerParams,
      );
      addLeafValues(tree, data.partition, raw, T, k);
      const stored = toSerializedTree(tree.root, mapper);
      trees.push(stored);
      if (useVal) compiled.push(compileTree(stored));
    }
    iterations++;
    trainLoss.push(meanLoss(yTrain, raw, wTrain, K));
    if (validationLoss) {
      for (let k = 0; k < T; k++) {
        const tree = compiled[k]!;
        for (let i = 0; i < nVal; i++) {
          rawVal[i * T + k]! += tree.value[leafOf(tree, valValues, cols, valRows[i]!, known)]!;
        }
      }
      validationLoss.push(meanLoss(yVal, rawVal, wVal, K));
    }
    hooks.onProgress?.({
      iteration: iterations,
      maxIterations: p.maxIter,
      loss: trainLoss[trainLoss.length - 1]!,
      ...(validationLoss ? { validationLoss: validationLoss[validationLoss.length - 1]! } : {}),
    });
    if (early && shouldStopEarly(validationLoss ?? trainLoss, p.nIterNoChange, p.tol)) break;
  }

  const model: HistGradientBoostingModel = {
    kind: 'hist-gbdt',
    format: 1,
    numClasses: K,
    numFeatures: cols,
    baseline,
    treesPerIteration: T,
    trees,
    iterations,
    trainLoss,
    categorical,
  };
  if (validationLoss) {
    model.validationLoss = validationLoss;
    let best = 0;
    for (let i = 1; i < validationLoss.length; i++)
      if (validationLoss[i]! < validationLoss[best]!) best = i;
    model.bestIteration = best;
  }
  return model;
}

interface CompiledModel {
  trees: CompiledTree[];
  known: (Set<number> | null)[];
}

// Compiling is O(nodes); caching it per model object keeps repeated scoring calls cheap.
const compiledCache = new WeakMap<HistGradientBoostingModel, CompiledModel>();

function compiled(model: HistGradientBoostingModel): CompiledModel {
  let c = compiledCache.get(model);
  if (!c) {
    c = {
      trees: model.trees.map(compileTree),
      known: model.categorical.map((cats) => (cats ? new Set(cats) : null)),
    };
    compiledCache.set(model, c);
  }
  return c;
}

function checkColumns(model: HistGradientBoostingModel, X: DenseMatrix): void {
  if (X.cols !== model.numFeatures) {
    throw new LearnerInputError(
      `The model was fitted on ${model.numFeatures} features but got ${X.cols}.`,
    );
  }
}

/** Raw predictions (log-odds / multinomial logits), row-major N × treesPerIteration. */
export function rawPredictHgb(model: HistGradientBoostingModel, X: DenseMatrix): Float64Array {
  checkColumns(model, X);
  const { trees, known } = compiled(model);
  const T = model.treesPerIteration;
  const out = new Float64Array(X.rows * T);
  for (let i = 0; i < X.rows; i++) for (let k = 0; k < T; k++) out[i * T + k] = model.baseline[k]!;
  for (let t = 0; t < trees.length; t++) {
    const tree = trees[t]!;
    const k = t % T;
    for (let i = 0; i < X.rows; i++) {
      out[i * T + k]! += tree.value[leafOf(tree, X.values, X.cols, i, known)]!;
    }
  }
  return out;
}

/** Class probabilities, row-major N × numClasses (expit for two classes, else softmax). */
export function predictProbaHgb(model: HistGradientBoostingModel, X: DenseMatrix): Float64Array {
  const raw = rawPredictHgb(model, X);
  const K = model.numClasses;
  const out = new Float64Array(X.rows * K);
  if (K === 2) {
    for (let i = 0; i < X.rows; i++) {
      const p1 = 1 / (1 + Math.exp(-raw[i]!));
      out[2 * i] = 1 - p1;
      out[2 * i + 1] = p1;
    }
    return out;
  }
  const row = new Float64Array(K);
  for (let i = 0; i < X.rows; i++) {
    softmaxRow(raw, i * K, K, row);
    out.set(row, i * K);
  }
  return out;
}

/** The leaf (node index) each row reaches in each tree: row-major N × trees.length. */
export function leafIndices(model: HistGradientBoostingModel, X: DenseMatrix): Int32Array {
  checkColumns(model, X);
  const { trees, known } = compiled(model);
  const m = trees.length;
  const out = new Int32Array(X.rows * m);
  for (let t = 0; t < m; t++) {
    const tree = trees[t]!;
    for (let i = 0; i < X.rows; i++) out[i * m + t] = leafOf(tree, X.values, X.cols, i, known);
  }
  return out;
}
