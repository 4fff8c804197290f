// Exact L2-regularised logistic regression, as scikit-learn's
// LogisticRegression(solver='lbfgs', penalty='l2') (sklearn 1.2, linear_model/_logistic.py
// _logistic_regression_path with _linear_loss.LinearModelLoss). The objective is the same sum:
//
//   sum_i s_i * logloss_i  +  ||W||^2 / (2C)   [+ EWC prior]
//
// with s_i = sample weight × class weight, the intercept not penalised. With three or more classes
// present it is the multinomial (softmax) loss over a K × D matrix; with two it is sklearn's binary
// formulation (one vector w, `multi_class='auto'` picks 'ovr' for two classes), returned as rows
// [0, w] and intercepts [0, b] so a softmax over the rows gives sigmoid(w·x + b), as a TF.js dense
// softmax layer will. Minimised with L-BFGS (./lbfgs.ts), stopping as scipy's L-BFGS-B does.
//
// Classes with no rows (numClasses larger than the classes in y) are left out of the fit, as
// sklearn never sees them, and get coefficients 0 and intercept ABSENT_CLASS_INTERCEPT so their
// probability is 0 to float precision.

import { minimizeLbfgs } from './lbfgs';
import { FitCancelledError, LearnerInputError, type FeatureMatrix, type FitHooks } from './types';

export interface LogisticRegressionParams {
  /** Inverse regularisation strength (sklearn's C); the penalty is ||W||^2 / (2C). */
  C: number;
  fitIntercept: boolean;
  /** L-BFGS iterations (sklearn's max_iter, default 100). */
  maxIter: number;
  /** Stop when max |gradient| <= tol (sklearn's tol, scipy L-BFGS-B's pgtol). */
  tol: number;
  /** 'balanced' = n / (K · n_k) over the K classes present, as sklearn; an array is indexed by class. */
  classWeight: 'balanced' | null | number[];
}

export const DEFAULT_LOGISTIC_PARAMS: LogisticRegressionParams = {
  C: 1,
  fitIntercept: true,
  maxIter: 100,
  tol: 1e-4,
  classWeight: null,
};

export interface LogisticRegressionModel {
  kind: 'logistic';
  numClasses: number;
  numFeatures: number;
  /** K × D, row-major: row k holds class k's weights. */
  coef: number[];
  intercept: number[];
  /** L-BFGS iterations run. */
  iterations: number;
  /** True when the gradient or relative-decrease test stopped the fit (not maxIter). */
  converged: boolean;
  /** The objective at the returned weights (penalty and prior included). */
  loss: number;
}

/**
 * A Gaussian prior on the weights (elastic weight consolidation, Kirkpatrick et al. 2017): adds
 * 0.5 · strength · Σ_j precision_j (θ_j − prior_j)^2. θ is laid out as `coef` (K·D) then
 * `intercept` (K), like `logisticFisherDiagonal`'s result; intercept terms count only when the
 * intercept is fitted. Terms of classes with no rows in this fit are ignored. With two classes
 * present the binary vector w stands for row1 − row0, so its prior mean is the difference of the
 * prior's rows and its precision the second row's (the Fisher of w equals that of either row).
 */
export interface LogisticPrior {
  coef: number[];
  intercept: number[];
  precision: number[];
  strength: number;
}

export interface LogisticFitOptions extends FitHooks {
  /** Per-row weights (sklearn's sample_weight), multiplied by the class weight. */
  sampleWeight?: Float64Array;
  /** Start L-BFGS from these weights instead of zeros. */
  warmStart?: LogisticRegressionModel;
  prior?: LogisticPrior;
}

/** Intercept given to a class with no training rows: exp(-1e4) is 0, so its probability is 0. */
export const ABSENT_CLASS_INTERCEPT = -1e4;

/** Float64 copy of the features (the gradient loop is monomorphic and exact in float64). */
type Rows =
  | { kind: 'dense'; rows: number; cols: number; values: Float64Array }
  | {
      kind: 'csr';
      rows: number;
      cols: number;
      indptr: Int32Array;
      indices: Int32Array;
      values: Float64Array;
    };

function toFloat64(v: Float32Array | Float64Array): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

/** Checks shape, structure and finiteness; throws LearnerInputError naming the first bad entry. */
function checkFeatures(X: FeatureMatrix): void {
  const { rows, cols } = X;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new LearnerInputError(`The feature matrix has an invalid shape ${rows} × ${cols}.`);
  }
  if (X.kind === 'dense') {
    if (X.values.length !== rows * cols) {
      throw new LearnerInputError(
        `The feature matrix holds ${X.values.length} values; ${rows} × ${cols} needs ${rows * cols}.`,
      );
    }
    const v = X.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) {
        const r = Math.floor(i / cols);
        throw new LearnerInputError(
          `The features hold ${v[i]!} at row ${r}, column ${i - r * cols}; logistic regression needs finite numbers.`,
        );
      }
    }
    return;
  }
  const { indptr, indices, values } = X;
  if (indptr.length !== rows + 1 || indptr[0]! !== 0 || indptr[rows]! !== indices.length) {
    throw new LearnerInputError('The sparse feature matrix has an inconsistent indptr.');
  }
  if (values.length !== indices.length) {
    throw new LearnerInputError('The sparse feature matrix has as many values as indices.');
  }
  for (let r = 0; r < rows; r++) {
    const end = indptr[r + 1]!;
    if (end < indptr[r]!) throw new LearnerInputError(`The sparse indptr decreases at row ${r}.`);
    for (let p = indptr[r]!; p < end; p++) {
      const c = indices[p]!;
      if (!(c >= 0 && c < cols)) {
        throw new LearnerInputError(
          `The sparse features have column ${c} at row ${r}; there are ${cols} columns.`,
        );
      }
      if (!Number.isFinite(values[p]!)) {
        throw new LearnerInputError(
          `The features hold ${values[p]!} at row ${r}, column ${c}; logistic regression needs finite numbers.`,
        );
      }
    }
  }
}

function toRows(X: FeatureMatrix): Rows {
  return X.kind === 'dense'
    ? { kind: 'dense', rows: X.rows, cols: X.cols, values: toFloat64(X.values) }
    : {
        kind: 'csr',
        rows: X.rows,
        cols: X.cols,
        indptr: X.indptr,
        indices: X.indices,
        values: toFloat64(X.values),
      };
}

function checkParams(p: LogisticRegressionParams, numClasses: number): void {
  if (!(p.C > 0) || !Number.isFinite(p.C))
    throw new LearnerInputError(`C must be a positive number, not ${p.C}.`);
  if (!Number.isInteger(p.maxIter) || p.maxIter < 0) {
    throw new LearnerInputError(`maxIter must be a whole number ≥ 0, not ${p.maxIter}.`);
  }
  if (!(p.tol >= 0)) throw new LearnerInputError(`tol must be ≥ 0, not ${p.tol}.`);
  if (Array.isArray(p.classWeight)) {
    if (p.classWeight.length !== numClasses) {
      throw new LearnerInputError(
        `classWeight has ${p.classWeight.length} entries; there are ${numClasses} classes.`,
      );
    }
    if (p.classWeight.some((w) => !(w >= 0) || !Number.isFinite(w))) {
      throw new LearnerInputError('classWeight entries must be finite numbers ≥ 0.');
    }
  }
}

/** A warm-start or prior intercept of an absent class is a placeholder, not a weight: read it as 0. */
function realIntercept(v: number): number {
  return v <= ABSENT_CLASS_INTERCEPT / 2 ? 0 : v;
}

/**
 * Fit sklearn's LogisticRegression(solver='lbfgs', penalty='l2') objective. `y` holds class ids in
 * [0, numClasses); at least two classes need rows.
 */
export function fitLogisticRegression(
  X: FeatureMatrix,
  y: Int32Array,
  numClasses: number,
  params?: Partial<LogisticRegressionParams>,
  hooks?: LogisticFitOptions,
): LogisticRegressionModel {
  const p: LogisticRegressionParams = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LearnerInputError(`Logistic regression needs at least 2 classes, not ${numClasses}.`);
  }
  checkParams(p, numClasses);
  checkFeatures(X);
  const n = X.rows;
  const D = X.cols;
  if (n === 0) throw new LearnerInputError('There are no rows to fit.');
  if (y.length !== n) throw new LearnerInputError(`There are ${n} rows but ${y.length} labels.`);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (!(c >= 0 && c < numClasses)) {
      throw new LearnerInputError(
        `Label ${c} at row ${i} is not a class id in 0..${numClasses - 1}.`,
      );
    }
    counts[c]!++;
  }
  const present: number[] = [];
  for (let c = 0; c < numClasses; c++) if (counts[c]! > 0) present.push(c);
  if (present.length < 2) {
    throw new LearnerInputError(
      `Logistic regression needs rows of at least two classes; only class ${present[0]!} has rows.`,
    );
  }
  const sw = hooks?.sampleWeight;
  if (sw !== undefined) {
    if (sw.length !== n)
      throw new LearnerInputError(`There are ${n} rows but ${sw.length} sample weights.`);
    for (let i = 0; i < n; i++) {
      if (!(sw[i]! >= 0) || !Number.isFinite(sw[i]!)) {
        throw new LearnerInputError(
          `Sample weight ${sw[i]!} at row ${i} is not a finite number ≥ 0.`,
        );
      }
    }
  }
  const warm = hooks?.warmStart;
  if (warm !== undefined && (warm.numClasses !== numClasses || warm.numFeatures !== D)) {
    throw new LearnerInputError(
      `The warm-start model has ${warm.numClasses} classes × ${warm.numFeatures} features; this fit has ${numClasses} × ${D}.`,
    );
  }
  const prior = hooks?.prior;
  if (prior !== undefined) {
    const size = numClasses * D + numClasses;
    if (
      prior.coef.length !== numClasses * D ||
      prior.intercept.length !== numClasses ||
      prior.precision.length !== size
    ) {
      throw new LearnerInputError(
        `The prior needs ${numClasses * D} coefficients, ${numClasses} intercepts and ${size} precisions.`,
      );
    }
    if (!(prior.strength >= 0))
      throw new LearnerInputError(`Prior strength must be ≥ 0, not ${prior.strength}.`);
  }

  // s_i = sample weight × class weight (sklearn: sample_weight *= class_weight_[le.fit_transform(y)]).
  const classWeight = new Float64Array(numClasses).fill(1);
  if (p.classWeight === 'balanced') {
    // compute_class_weight('balanced'): n_samples / (n_classes · bincount), over the classes in y.
    for (const c of present) classWeight[c] = n / (present.length * counts[c]!);
  } else if (Array.isArray(p.classWeight)) {
    for (let c = 0; c < numClasses; c++) classWeight[c] = p.classWeight[c]!;
  }
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = (sw === undefined ? 1 : sw[i]!) * classWeight[y[i]!]!;

  const rows = toRows(X);
  const K = present.length;
  const binary = K === 2;
  const fi = p.fitIntercept;
  const l2 = 1 / p.C;

  // θ layout. Binary: [w_0..w_{D-1}, b]. Multinomial: feature-major θ[j·K + k] (the K classes of
  // one feature contiguous, as sklearn's order='F'), then the K intercepts.
  const width = binary ? 1 : K;
  const nTheta = D * width + (fi ? width : 0);
  const classSlot = new Int32Array(numClasses).fill(-1);
  present.forEach((c, k) => (classSlot[c] = k));
  const target = new Int32Array(n);
  for (let i = 0; i < n; i++)
    target[i] = binary ? (y[i]! === present[1]! ? 1 : 0) : classSlot[y[i]!]!;

  const theta0 = new Float64Array(nTheta);
  if (warm !== undefined) {
    if (binary) {
      const c0 = present[0]!;
      const c1 = present[1]!;
      for (let j = 0; j < D; j++) theta0[j] = warm.coef[c1 * D + j]! - warm.coef[c0 * D + j]!;
      if (fi) theta0[D] = realIntercept(warm.intercept[c1]!) - realIntercept(warm.intercept[c0]!);
    } else {
      for (let k = 0; k < K; k++) {
        const c = present[k]!;
        for (let j = 0; j < D; j++) theta0[j * K + k] = warm.coef[c * D + j]!;
        if (fi) theta0[D * K + k] = realIntercept(warm.intercept[c]!);
      }
    }
  }

  // The prior mapped onto θ: centre and weight (= strength × precision) per entry.
  let priorCentre: Float64Array | null = null;
  let priorWeight: Float64Array | null = null;
  if (prior !== undefined && prior.strength > 0) {
    priorCentre = new Float64Array(nTheta);
    priorWeight = new Float64Array(nTheta);
    const a = prior.strength;
    if (binary) {
      const c0 = present[0]!;
      const c1 = present[1]!;
      for (let j = 0; j < D; j++) {
        priorCentre[j] = prior.coef[c1 * D + j]! - prior.coef[c0 * D + j]!;
        priorWeight[j] = a * prior.precision[c1 * D + j]!;
      }
      if (fi) {
        priorCentre[D] = realIntercept(prior.intercept[c1]!) - realIntercept(prior.intercept[c0]!);
        priorWeight[D] = a * prior.precision[numClasses * D + c1]!;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const c = present[k]!;
        for (let j = 0; j < D; j++) {
          priorCentre[j * K + k] = prior.coef[c * D + j]!;
          priorWeight[j * K + k] = a * prior.precision[c * D + j]!;
        }
        if (fi) {
          priorCentre[D * K + k] = realIntercept(prior.intercept[c]!);
          priorWeight[D * K + k] = a * prior.precision[numClasses * D + c]!;
        }
      }
    }
  }

  const dataTerm = binary
    ? binaryLoss(rows, target, s, fi)
    : multinomialLoss(rows, target, s, K, fi);
  const nPenalised = D * width;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    let f = dataTerm(theta, grad);
    // LinearModelLoss.l2_penalty: 0.5 · l2_reg_strength · ||w||^2, intercept excluded.
    let sq = 0;
    for (let t = 0; t < nPenalised; t++) {
      const w = theta[t]!;
      sq += w * w;
      grad[t]! += l2 * w;
    }
    f += 0.5 * l2 * sq;
    if (priorCentre !== null && priorWeight !== null) {
      let q = 0;
      for (let t = 0; t < nTheta; t++) {
        const diff = theta[t]! - priorCentre[t]!;
        const pw = priorWeight[t]!;
        q += pw * diff * diff;
        grad[t]! += pw * diff;
      }
      f += 0.5 * q;
    }
    return f;
  };

  if (hooks?.shouldStop?.() === true) throw new FitCancelledError();
  const result = minimizeLbfgs(objective, theta0, {
    maxIterations: p.maxIter,
    gradientTolerance: p.tol,
    onIteration: (iteration, f) => {
      if (hooks?.shouldStop?.() === true) throw new FitCancelledError();
      hooks?.onProgress?.({ iteration, maxIterations: p.maxIter, loss: f });
    },
  });

  const coef = new Array<number>(numClasses * D).fill(0);
  const intercept = new Array<number>(numClasses).fill(ABSENT_CLASS_INTERCEPT);
  const th = result.x;
  if (binary) {
    const c0 = present[0]!;
    const c1 = present[1]!;
    intercept[c0] = 0;
    for (let j = 0; j < D; j++) coef[c1 * D + j] = th[j]!;
    intercept[c1] = fi ? th[D]! : 0;
  } else {
    for (let k = 0; k < K; k++) {
      const c = present[k]!;
      for (let j = 0; j < D; j++) coef[c * D + j] = th[j * K + k]!;
      intercept[c] = fi ? th[D * K + k]! : 0;
    }
  }
  return {
    kind: 'logistic',
    numClasses,
    numFeatures: D,
    coef,
    intercept,
    iterations: result.iterations,
    converged: result.converged,
    loss: result.f,
  };
}

/** log(1 + e^z) without overflow. */
function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Z = X Θ for a feature-major Θ (row j holds the `width` weights of feature j): Z is N × width,
 * row-major, overwritten. One kernel per storage kind so each loop stays monomorphic.
 */
function linearPredictor(X: Rows, theta: Float64Array, width: number, Z: Float64Array): void {
  Z.fill(0);
  const v = X.values;
  if (X.kind === 'dense') {
    const D = X.cols;
    for (let i = 0, base = 0, o = 0; i < X.rows; i++, base += D, o += width) {
      for (let j = 0; j < D; j++) {
        const xv = v[base + j]!;
        if (xv === 0) continue;
        const off = j * width;
        for (let k = 0; k < width; k++) Z[o + k]! += theta[off + k]! * xv;
      }
    }
    return;
  }
  const { indptr, indices } = X;
  for (let i = 0, o = 0; i < X.rows; i++, o += width) {
    for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
      const xv = v[q]!;
      const off = indices[q]! * width;
      for (let k = 0; k < width; k++) Z[o + k]! += theta[off + k]! * xv;
    }
  }
}

/** grad[j·width + k] += Σ_i R[i·width + k] x_ij (Xᵀ R), for the same layouts. */
function addTransposeProduct(X: Rows, R: Float64Array, width: number, grad: Float64Array): void {
  const v = X.values;
  if (X.kind === 'dense') {
    const D = X.cols;
    for (let i = 0, base = 0, o = 0; i < X.rows; i++, base += D, o += width) {
      for (let j = 0; j < D; j++) {
        const xv = v[base + j]!;
        if (xv === 0) continue;
        const off = j * width;
        for (let k = 0; k < width; k++) grad[off + k]! += R[o + k]! * xv;
      }
    }
    return;
  }
  const { indptr, indices } = X;
  for (let i = 0, o = 0; i < X.rows; i++, o += width) {
    for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
      const xv = v[q]!;
      const off = indices[q]! * width;
      for (let k = 0; k < width; k++) grad[off + k]! += R[o + k]! * xv;
    }
  }
}

/**
 * sklearn's HalfBinomialLoss summed with weights: Σ s_i (log(1 + e^{z_i}) − y_i z_i), z = w·x + b
 * (θ = [w, b]); writes its gradient (overwriting `grad`) and returns the sum.
 */
function binaryLoss(
  X: Rows,
  target: Int32Array,
  s: Float64Array,
  fitIntercept: boolean,
): (theta: Float64Array, grad: Float64Array) => number {
  const n = X.rows;
  const D = X.cols;
  const z = new Float64Array(n);
  return (theta, grad) => {
    linearPredictor(X, theta, 1, z);
    const b = fitIntercept ? theta[D]! : 0;
    let loss = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const si = s[i]!;
      const zi = z[i]! + b;
      const yi = target[i]!;
      // σ(z) computed on the side that cannot overflow.
      const prob = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      loss += si === 0 ? 0 : si * (log1pExp(zi) - yi * zi);
      const r = si * (prob - yi);
      z[i] = r;
      gb += r;
    }
    grad.fill(0);
    addTransposeProduct(X, z, 1, grad);
    if (fitIntercept) grad[D] = gb;
    return loss;
  };
}

/**
 * sklearn's HalfMultinomialLoss summed with weights: Σ s_i (logsumexp(z_i) − z_{i,y_i}), with
 * z_ik = Σ_j θ[j·K + k] x_ij + b_k; writes its gradient (overwriting `grad`) and returns the sum.
 */
function multinomialLoss(
  X: Rows,
  target: Int32Array,
  s: Float64Array,
  K: number,
  fitIntercept: boolean,
): (theta: Float64Array, grad: Float64Array) => number {
  const n = X.rows;
  const bOff = X.cols * K;
  const Z = new Float64Array(n * K);
  return (theta, grad) => {
    linearPredictor(X, theta, K, Z);
    let loss = 0;
    for (let i = 0, o = 0; i < n; i++, o += K) {
      const si = s[i]!;
      if (fitIntercept) for (let k = 0; k < K; k++) Z[o + k]! += theta[bOff + k]!;
      const yi = target[i]!;
      let mx = Z[o]!;
      for (let k = 1; k < K; k++) if (Z[o + k]! > mx) mx = Z[o + k]!;
      const zy = Z[o + yi]!;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(Z[o + k]! - mx);
        Z[o + k] = e;
        sum += e;
      }
      if (si !== 0) loss += si * (mx + Math.log(sum) - zy);
      // Row i of Z becomes s_i (p_ik − [k = y_i]), the pointwise gradient.
      const inv = si / sum;
      for (let k = 0; k < K; k++) Z[o + k]! *= inv;
      Z[o + yi]! -= si;
    }
    grad.fill(0);
    addTransposeProduct(X, Z, K, grad);
    if (fitIntercept) {
      for (let i = 0, o = 0; i < n; i++, o += K) {
        for (let k = 0; k < K; k++) grad[bOff + k]! += Z[o + k]!;
      }
    }
    return loss;
  };
}

function checkModelInput(model: LogisticRegressionModel, X: FeatureMatrix): void {
  if (X.cols !== model.numFeatures) {
    throw new LearnerInputError(
      `The model takes ${model.numFeatures} features; the matrix has ${X.cols}.`,
    );
  }
  checkFeatures(X);
}

/** Raw scores z_ik = coef_k · x_i + intercept_k, N × K row-major (sklearn's decision_function for K ≥ 3). */
export function decisionFunction(model: LogisticRegressionModel, X: FeatureMatrix): Float64Array {
  checkModelInput(model, X);
  const K = model.numClasses;
  const D = model.numFeatures;
  const coef = Float64Array.from(model.coef);
  const out = new Float64Array(X.rows * K);
  const v = X.values;
  for (let i = 0; i < X.rows; i++) {
    const o = i * K;
    for (let k = 0; k < K; k++) out[o + k] = model.intercept[k]!;
    if (X.kind === 'dense') {
      const base = i * D;
      for (let k = 0; k < K; k++) {
        const w = k * D;
        let acc = 0;
        for (let j = 0; j < D; j++) acc += coef[w + j]! * v[base + j]!;
        out[o + k]! += acc;
      }
    } else {
      for (let q = X.indptr[i]!, end = X.indptr[i + 1]!; q < end; q++) {
        const j = X.indices[q]!;
        const xv = v[q]!;
        for (let k = 0; k < K; k++) out[o + k]! += coef[k * D + j]! * xv;
      }
    }
  }
  return out;
}

/** Softmax of each row in place, max subtracted first so no exp overflows. */
function softmaxRows(z: Float64Array, K: number): void {
  for (let o = 0; o < z.length; o += K) {
    let mx = z[o]!;
    for (let k = 1; k < K; k++) if (z[o + k]! > mx) mx = z[o + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(z[o + k]! - mx);
      z[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) z[o + k]! /= sum;
  }
}

/** Class probabilities, N × K row-major (sklearn's predict_proba). */
export function predictProbaLogistic(
  model: LogisticRegressionModel,
  X: FeatureMatrix,
): Float64Array {
  const z = decisionFunction(model, X);
  softmaxRows(z, model.numClasses);
  return z;
}

/**
 * Diagonal of the Fisher information of the softmax model at its weights, per row:
 *
 *   F[k·D + j] = (1/N) Σ_i p_ik (1 − p_ik) x_ij^2      (coefficient of class k, feature j)
 *   F[K·D + k] = (1/N) Σ_i p_ik (1 − p_ik)             (intercept of class k)
 *
 * with p_i = softmax(W x_i + b). For the softmax (a canonical-link exponential family) the Fisher
 * equals the Hessian of the mean cross-entropy and does not depend on the labels; these are its
 * diagonal entries ∂²/∂W_kj². Used as the per-parameter precision of an EWC prior.
 */
export function logisticFisherDiagonal(model: LogisticRegressionModel, X: FeatureMatrix): number[] {
  const K = model.numClasses;
  const D = model.numFeatures;
  const n = X.rows;
  const out = new Float64Array(K * D + K);
  if (n === 0) return Array.from(out);
  const prob = predictProbaLogistic(model, X);
  const v = X.values;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const pk = prob[i * K + k]!;
      const h = pk * (1 - pk);
      if (h === 0) continue;
      out[K * D + k]! += h;
      const w = k * D;
      if (X.kind === 'dense') {
        const base = i * D;
        for (let j = 0; j < D; j++) {
          const xv = v[base + j]!;
          out[w + j]! += h * xv * xv;
        }
      } else {
        for (let q = X.indptr[i]!, end = X.indptr[i + 1]!; q < end; q++) {
          const xv = v[q]!;
          out[w + X.indices[q]!]! += h * xv * xv;
        }
      }
    }
  }
  for (let t = 0; t < out.length; t++) out[t]! /= n;
  return Array.from(out);
}
