// The linear family in the ML worker: multinomial logistic regression solved exactly on the
// featurised training split (L-BFGS in typed arrays, src/learners/logistic-regression.ts — no
// per-op TF.js dispatch), then written into a one-layer TF.js softmax model. Everything after
// training — evaluation, the registry's layers-format weights, export, serving, monitoring,
// workspace files — then treats it as the TF.js model it is (a dense softmax layer is exactly a
// logistic regression), so the family needs no format of its own.
import * as tf from '@tensorflow/tfjs';
import type { FeaturisationSpec } from '../src/training/featurize-types';
import type { TrainConfig } from '../src/training/config';
import {
  ABSENT_CLASS_INTERCEPT,
  fitLogisticRegression,
  logisticFisherDiagonal,
  type LogisticPrior,
  type LogisticRegressionModel,
} from '../src/learners/logistic-regression';
import type { CsrMatrix, DenseMatrix, FeatureMatrix } from '../src/learners/types';
import type { SplitData } from './ml-data';
import { OUTPUT_LAYER } from './ml-models';
import { LINEAR_FIT_PARAMS } from '../src/training/learner-defaults';

/** Rows featurised at a time when a split is compressed to sparse rows. */
const BLOCK_ROWS = 256;

/**
 * Text features are hashed TF-IDF: a few hundred non-zeros in 2^14+ columns. Those splits are kept
 * as CSR (a 5,000-document split is ~3 MB instead of 330 MB dense); the others stay dense.
 */
export function splitMatrix(data: SplitData, spec: FeaturisationSpec): FeatureMatrix {
  const order = Int32Array.from({ length: data.rows }, (_, i) => i);
  if (spec.modality !== 'text') {
    const values = new Float32Array(data.rows * data.dim);
    if (data.rows > 0) data.fill(order, 0, data.rows, values);
    const dense: DenseMatrix = { kind: 'dense', rows: data.rows, cols: data.dim, values };
    return sparseIfWorthIt(dense);
  }
  const block = new Float32Array(BLOCK_ROWS * data.dim);
  const indptr = new Int32Array(data.rows + 1);
  let indices = new Int32Array(Math.max(1024, data.rows * 64));
  let values = new Float32Array(indices.length);
  let nnz = 0;
  for (let start = 0; start < data.rows; start += BLOCK_ROWS) {
    const count = Math.min(BLOCK_ROWS, data.rows - start);
    block.fill(0, 0, count * data.dim);
    data.fill(order, start, count, block);
    for (let r = 0; r < count; r++) {
      const offset = r * data.dim;
      for (let j = 0; j < data.dim; j++) {
        const v = block[offset + j]!;
        if (v === 0) continue;
        if (nnz === indices.length) {
          const grownIdx = new Int32Array(indices.length * 2);
          grownIdx.set(indices);
          indices = grownIdx;
          const grownVal = new Float32Array(values.length * 2);
          grownVal.set(values);
          values = grownVal;
        }
        indices[nnz] = j;
        values[nnz] = v;
        nnz++;
      }
      indptr[start + r + 1] = nnz;
    }
  }
  const csr: CsrMatrix = {
    kind: 'csr',
    rows: data.rows,
    cols: data.dim,
    indptr,
    indices: indices.slice(0, nnz),
    values: values.slice(0, nnz),
  };
  return csr;
}

/**
 * Below this share of non-zeros a dense split is fitted as CSR: one-hot categorical blocks and
 * handwritten-digit pixels are mostly zeros, and the solver's cost is proportional to the values
 * it visits (10k birdstrikes rows: 5.45 s dense vs 1.04 s sparse, bench/results/learners.json).
 */
const SPARSE_BELOW_DENSITY = 0.3;

function sparseIfWorthIt(m: DenseMatrix): FeatureMatrix {
  const { rows, cols, values } = m;
  let nnz = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nnz++;
  if (values.length === 0 || nnz / values.length >= SPARSE_BELOW_DENSITY) return m;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const out = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = values[base + j]!;
      if (v === 0) continue;
      indices[k] = j;
      out[k++] = v;
    }
    indptr[r + 1] = k;
  }
  return { kind: 'csr', rows, cols, indptr, indices, values: out };
}

/** A one-layer softmax model for `spec`'s input (images are flattened first), uncompiled. */
export function softmaxModel(inputShape: number[], numClasses: number): tf.Sequential {
  const model = tf.sequential();
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape }));
  model.add(
    tf.layers.dense({
      ...(inputShape.length > 1 ? {} : { inputShape }),
      units: numClasses,
      activation: 'softmax',
      name: OUTPUT_LAYER,
    }),
  );
  return model;
}

/** Writes a fitted logistic regression into the softmax layer: kernel[d][k] = coef[k·D + d]. */
export function setLinearWeights(model: tf.LayersModel, lr: LogisticRegressionModel): void {
  const { numClasses: k, numFeatures: d } = lr;
  const kernel = new Float32Array(d * k);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) kernel[j * k + c] = lr.coef[c * d + j]!;
  }
  const tensors = [tf.tensor2d(kernel, [d, k]), tf.tensor1d(Float32Array.from(lr.intercept))];
  try {
    model.getLayer(OUTPUT_LAYER).setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * The logistic regression a stored model is, if it is one (a single dense softmax layer, after an
 * optional flatten): the warm start and the EWC anchor of a linear fine-tune.
 */
export async function linearOf(model: tf.LayersModel): Promise<LogisticRegressionModel | null> {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  const others = model.layers.filter((l) => !['Dense', 'Flatten'].includes(l.getClassName()));
  if (dense.length !== 1 || others.length > 0) return null;
  const [kernel, bias] = dense[0]!.getWeights();
  if (!kernel || !bias) return null;
  const [d, k] = kernel.shape as [number, number];
  const kv = await kernel.data();
  const bv = await bias.data();
  const coef = new Array<number>(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) coef[c * d + j] = kv[j * k + c]!;
  return {
    kind: 'logistic',
    numClasses: k,
    numFeatures: d,
    coef,
    intercept: Array.from(bv),
    iterations: 0,
    converged: true,
    loss: Number.NaN,
  };
}

export interface LinearFit {
  lr: LogisticRegressionModel;
  C: number;
  ms: number;
}

/**
 * Fits the linear family on `x`. A fine-tune (`base`) starts from the base weights and, with a
 * penalty, pulls toward them with the closed-form Fisher information of the base model on the old
 * concept's items — EWC for a softmax model needs no sampling (both EWC and MAS requests use it:
 * for a linear model the Fisher diagonal is the natural importance).
 */
export function fitLinear(
  x: FeatureMatrix,
  labels: Int32Array,
  numClasses: number,
  config: TrainConfig,
  options: {
    C: number;
    shouldStop: () => boolean;
    onIteration?: (iteration: number, maxIterations: number) => void;
    base?: LogisticRegressionModel;
    penalty?: { lambda: number; oldItems: FeatureMatrix };
  },
): LinearFit {
  const t0 = performance.now();
  const warm = options.base
    ? {
        ...options.base,
        // The placeholder of a class absent from the base fit is not a weight to start from.
        intercept: options.base.intercept.map((b) => (b <= ABSENT_CLASS_INTERCEPT ? 0 : b)),
      }
    : undefined;
  let prior: LogisticPrior | undefined;
  if (options.base && options.penalty && options.penalty.lambda > 0) {
    prior = {
      coef: warm!.coef,
      intercept: warm!.intercept,
      precision: logisticFisherDiagonal(options.base, options.penalty.oldItems),
      strength: options.penalty.lambda,
    };
  }
  const lr = fitLogisticRegression(
    x,
    labels,
    numClasses,
    {
      C: options.C,
      classWeight: config.classWeighting === 'balanced' ? 'balanced' : null,
      ...LINEAR_FIT_PARAMS,
    },
    {
      shouldStop: options.shouldStop,
      ...(options.onIteration
        ? { onProgress: (p) => options.onIteration!(p.iteration, p.maxIterations) }
        : {}),
      ...(warm ? { warmStart: warm } : {}),
      ...(prior ? { prior } : {}),
    },
  );
  return { lr, C: options.C, ms: performance.now() - t0 };
}
