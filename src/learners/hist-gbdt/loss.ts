// The classification losses, as scikit-learn's HalfBinomialLoss (K = 2, one tree per iteration)
// and HalfMultinomialLoss (K ≥ 3, K trees per iteration) in sklearn/_loss/loss.py and _loss.pyx.
// Raw predictions are row-major `n × T` (T = trees per iteration); gradients and hessians are
// tree-major float32 (`grad[k * n + i]`), as sklearn's G_H_DTYPE, so each tree reads a subarray.

/** log(1 + exp(x)) without overflow. */
function log1pExp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * The intercept-only raw prediction (sklearn's `fit_intercept_only`): the log-odds of the
 * weighted positive rate for K = 2; for K ≥ 3 the symmetric multinomial logit of the weighted
 * class priors, log p_k − mean_j log p_j (sklearn's MultinomialLogit link). Priors are clipped to
 * [eps, 1 − eps] so that an absent class gives a finite baseline.
 */
export function baselinePrediction(
  y: Int32Array,
  weight: Float64Array | null,
  numClasses: number,
): number[] {
  const eps = 2.220446049250313e-16;
  const sums = new Float64Array(numClasses);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weight ? weight[i]! : 1;
    sums[y[i]!]! += w;
    total += w;
  }
  const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
  if (numClasses === 2) {
    const p = clip(sums[1]! / total);
    return [Math.log(p / (1 - p))];
  }
  const logs = Array.from(sums, (s) => Math.log(clip(s / total)));
  const mean = logs.reduce((a, b) => a + b, 0) / numClasses;
  return logs.map((l) => l - mean);
}

/** Fill gradients and hessians (sample weights applied) from the raw predictions. */
export function gradientHessian(
  y: Int32Array,
  raw: Float64Array,
  weight: Float64Array | null,
  numClasses: number,
  grad: Float32Array,
  hess: Float32Array,
  probaScratch: Float64Array,
): void {
  const n = y.length;
  if (numClasses === 2) {
    for (let i = 0; i < n; i++) {
      const r = raw[i]!;
      const t = y[i]!;
      let g: number;
      let h: number;
      // sklearn's CyHalfBinomialLoss.cy_grad_hess: the two branches avoid overflow of exp.
      if (r > -37) {
        const e = Math.exp(-r);
        g = (1 - t - t * e) / (1 + e);
        h = e / ((1 + e) * (1 + e));
      } else {
        const e = Math.exp(r);
        g = e - t;
        h = e;
      }
      const w = weight ? weight[i]! : 1;
      grad[i] = g * w;
      hess[i] = h * w;
    }
    return;
  }
  const K = numClasses;
  for (let i = 0; i < n; i++) {
    softmaxRow(raw, i * K, K, probaScratch);
    const w = weight ? weight[i]! : 1;
    const t = y[i]!;
    for (let k = 0; k < K; k++) {
      const p = probaScratch[k]!;
      grad[k * n + i] = (p - (k === t ? 1 : 0)) * w;
      hess[k * n + i] = p * (1 - p) * w;
    }
  }
}

/** Softmax of raw[off..off+K) into out[0..K). */
export function softmaxRow(raw: Float64Array, off: number, K: number, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (raw[off + k]! > max) max = raw[off + k]!;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(raw[off + k]! - max);
    out[k] = e;
    sum += e;
  }
  for (let k = 0; k < K; k++) out[k] = out[k]! / sum;
}

/**
 * The weighted mean log-loss (cross-entropy), as sklearn's loss __call__ with sample weights:
 * log(1 + e^r) − y·r for K = 2, logsumexp(r) − r_y for K ≥ 3.
 */
export function meanLoss(
  y: Int32Array,
  raw: Float64Array,
  weight: Float64Array | null,
  numClasses: number,
): number {
  const n = y.length;
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i]! : 1;
    let l: number;
    if (numClasses === 2) {
      const r = raw[i]!;
      l = log1pExp(r) - y[i]! * r;
    } else {
      const off = i * numClasses;
      let max = -Infinity;
      for (let k = 0; k < numClasses; k++) if (raw[off + k]! > max) max = raw[off + k]!;
      let s = 0;
      for (let k = 0; k < numClasses; k++) s += Math.exp(raw[off + k]! - max);
      l = max + Math.log(s) - raw[off + y[i]!]!;
    }
    total += w * l;
    wsum += w;
  }
  return wsum > 0 ? total / wsum : 0;
}
