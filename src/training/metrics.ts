// Classification metrics from true class indices and predicted probabilities, defined as
// scikit-learn defines them so our numbers can be checked against it (tests/fixtures/golden):
// accuracy_score, precision_recall_fscore_support / f1_score(average='macro') over all K classes
// with zero_division=0, confusion_matrix (rows = true, columns = predicted), log_loss, and the
// expected calibration error of Guo et al. 2017 ("On Calibration of Modern Neural Networks").

/** Per-class precision, recall, F1 and support (number of true items of the class). */
export interface ClassMetrics {
  classId: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  /** Rows scored (rows whose true label is −1 are skipped). */
  count: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 over all K classes, absent ones included (sklearn). */
  macroF1: number;
  perClass: ClassMetrics[];
  /** `confusion[true][predicted]` counts. */
  confusion: number[][];
  /** Mean negative log-likelihood of the true class; natural log. */
  logLoss: number;
  /** Expected calibration error with `ECE_BINS` equal-width bins of the top probability. */
  ece: number;
}

/** sklearn's log_loss default (eps = 1e-15 up to 1.2): keeps a confident mistake finite. */
export const LOG_LOSS_EPS = 1e-15;
/** Guo et al. 2017 use 15 bins. */
export const ECE_BINS = 15;

/** Index of the largest value of row `r` (first one on ties, as numpy's argmax). */
export function argmaxRow(probs: ArrayLike<number>, r: number, k: number): number {
  let best = 0;
  let bestP = probs[r * k] as number;
  for (let j = 1; j < k; j++) {
    const p = probs[r * k + j] as number;
    if (p > bestP) {
      bestP = p;
      best = j;
    }
  }
  return best;
}

/** Predicted class (argmax) of every row of a `rows × k` probability matrix. */
export function predictClasses(probs: ArrayLike<number>, k: number): Int32Array {
  const rows = Math.floor(probs.length / k);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = argmaxRow(probs, r, k);
  return out;
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Bin of a confidence among `bins` equal-width bins ((m−1)/M, m/M] (Guo et al.); 0 goes to the
 * first bin. Boundaries are compared as m/M exactly, so a value on a boundary lands below it.
 */
export function eceBin(confidence: number, bins = ECE_BINS): number {
  let b = Math.ceil(confidence * bins) - 1;
  if (b < 0) b = 0;
  if (b > bins - 1) b = bins - 1;
  // Correct the rounding of confidence × bins at the boundaries.
  while (b > 0 && confidence <= b / bins) b--;
  while (b < bins - 1 && confidence > (b + 1) / bins) b++;
  return b;
}

/**
 * ECE = Σ_m |B_m| / n · |acc(B_m) − conf(B_m)|, with B_m the rows whose top probability falls in
 * bin m, acc the fraction of them predicted right, conf their mean top probability.
 */
export function expectedCalibrationError(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  bins = ECE_BINS,
): number {
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  let n = 0;
  for (let r = 0; r < yTrue.length; r++) {
    const y = yTrue[r] as number;
    if (y < 0) continue;
    const pred = argmaxRow(probs, r, k);
    const conf = probs[r * k + pred] as number;
    const b = eceBin(conf, bins);
    count[b]!++;
    confSum[b]! += conf;
    if (pred === y) correct[b]!++;
    n++;
  }
  if (n === 0) return 0;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c === 0) continue;
    ece += (c / n) * Math.abs((correct[b] as number) / c - (confSum[b] as number) / c);
  }
  return ece;
}

/**
 * All metrics at once. `yTrue[i]` is the true class index of row i (−1 = unlabelled, skipped);
 * `probs` is `rows × classIds.length`, row-major. Divisions by zero give 0 (sklearn's
 * zero_division=0): a class never predicted has precision 0, a class never true has recall 0.
 * log-loss clips each probability to [eps, 1 − eps] and renormalises the row, as sklearn 1.2 does.
 */
export function classificationMetrics(
  yTrue: Int32Array | ArrayLike<number>,
  probs: Float32Array | ArrayLike<number>,
  classIds: readonly string[],
): ClassificationMetrics {
  const k = classIds.length;
  if (k === 0) throw new RangeError('classificationMetrics: no classes');
  if (probs.length !== yTrue.length * k) {
    throw new RangeError(
      `classificationMetrics: ${probs.length} probabilities for ${yTrue.length} rows × ${k} classes`,
    );
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let n = 0;
  let correct = 0;
  let nll = 0;
  for (let r = 0; r < yTrue.length; r++) {
    const y = yTrue[r] as number;
    if (y < 0) continue;
    if (y >= k) throw new RangeError(`classificationMetrics: class index ${y} ≥ ${k}`);
    const pred = argmaxRow(probs, r, k);
    confusion[y]![pred]!++;
    if (pred === y) correct++;
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += clip(probs[r * k + j] as number);
    nll -= Math.log(clip(probs[r * k + y] as number) / rowSum);
    n++;
  }

  const perClass: ClassMetrics[] = classIds.map((classId, c) => {
    const tp = confusion[c]![c]!;
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j]![c]!;
      support += confusion[c]![j]!;
    }
    const precision = safeDiv(tp, predicted);
    const recall = safeDiv(tp, support);
    return { classId, precision, recall, f1: safeDiv(2 * tp, predicted + support), support };
  });

  return {
    count: n,
    accuracy: safeDiv(correct, n),
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / k,
    perClass,
    confusion,
    logLoss: n === 0 ? 0 : nll / n,
    ece: expectedCalibrationError(yTrue, probs, k),
  };
}

function clip(p: number): number {
  return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p;
}
