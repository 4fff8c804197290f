// Label-error detection by confident learning (Northcutt, Jiang & Chuang 2021, "Confident
// Learning: Estimating Uncertainty in Dataset Labels", JAIR 70), step by step as cleanlab 2.x does
// it in `filter.find_label_issues(labels, pred_probs, filter_by='prune_by_noise_rate',
// return_indices_ranked_by='self_confidence')` with its defaults (frac_noise = 1,
// min_examples_per_class = 1):
//
// 1. thresholds t_j = mean of p_j over the rows labelled j (count.get_confident_thresholds); a
//    class nobody labelled gets 2 (never reached); clipped below at 2e-6.
// 2. confident joint C[given i][true j] (count.compute_confident_joint): row x counts towards the
//    classes with p_j ≥ t_j − 1e-6; with one such class, that class; with several, argmax_j p_j
//    over *all* classes (cleanlab's tie handling, first maximum); with none, the row is not
//    counted. The diagonal is raised to at least 1.
// 3. calibration (count.calibrate_confident_joint): each row rescaled to the number of rows with
//    that given label, the whole to N, then rounded per row preserving the row total
//    (internal.util.round_preserving_sum, numpy's round-half-to-even).
// 4. prune counts (filter._keep_at_least_n_per_class): the transposed calibrated joint with each
//    diagonal raised to ≥ 1 (the raise taken evenly off the column's non-zero off-diagonals),
//    truncated to integers.
// 5. prune by noise rate (filter._prune_by_count): for every given label i with more than one row
//    and every j ≠ i, the n_ij = prune count rows labelled i with the largest margin p_j − p_i are
//    flagged (n_ij = n·Q[i][j], the calibrated joint's estimate of the rows labelled i that are
//    truly j).
// 6. rows whose prediction is the given label (argmax with p_given + 1e-6, filter._reduce_issues)
//    are unflagged, and the rest ranked by self-confidence p_given, lowest first.
//
// Where numpy's unstable sorts leave ties to chance (argsort of equal margins or equal
// self-confidences), ties here go to the lower row index: the same choice as numpy's
// kind='stable', which the golden generator uses. With continuous probabilities ties do not occur.
import { topK } from './top-k';
import type { ConfidentLearningResult, LabelIssue } from './types';

/** cleanlab's FLOATING_POINT_COMPARISON. */
const FLOAT_EPS = 1e-6;
/** cleanlab's CONFIDENT_THRESHOLDS_LOWER_BOUND (2 × FLOATING_POINT_COMPARISON). */
const THRESHOLD_LOWER_BOUND = 2e-6;
/** Threshold of a class with no labelled rows: above any probability. */
const ABSENT_CLASS_THRESHOLD = 2;
const TINY = 1e-100;

export interface ConfidentLearningOptions {
  /** A class with this many labelled rows or fewer is never pruned (cleanlab default 1). */
  minExamplesPerClass?: number;
}

/** numpy's np.round: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back to the even neighbour on exact halves.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * cleanlab's round_preserving_sum: round each value (half to even), then move the values whose
 * rounding lost (or gained) most by ±1 until the total equals the rounded original total.
 */
export function roundPreservingSum(values: ArrayLike<number>): Int32Array {
  const n = values.length;
  const ints = new Float64Array(n);
  let origSum = 0;
  let intSum = 0;
  for (let i = 0; i < n; i++) {
    origSum += values[i] as number;
    ints[i] = roundHalfEven(values[i] as number);
    intSum += ints[i]!;
  }
  origSum = roundHalfEven(origSum);
  const order = new Int32Array(n);
  while (Math.abs(intSum - origSum) > FLOAT_EPS) {
    const diff = roundHalfEven(origSum - intSum);
    const increment = diff < 0 ? -1 : 1;
    const changes = Math.min(Math.abs(diff), n);
    // np.argsort(floats − ints) (stable for the K ≤ 16 values a row holds), reversed when adding.
    for (let i = 0; i < n; i++) order[i] = i;
    const frac = (i: number): number => (values[i] as number) - ints[i]!;
    order.sort((a, b) => frac(a) - frac(b) || a - b);
    if (increment > 0) order.reverse();
    for (let c = 0; c < changes; c++) ints[order[c]!]! += increment;
    intSum = 0;
    for (let i = 0; i < n; i++) intSum += ints[i]!;
  }
  return Int32Array.from(ints);
}

function check(probs: Float32Array, labels: Int32Array, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`classes must be ≥ 1, got ${k}`);
  const n = labels.length;
  if (probs.length !== n * k) {
    throw new RangeError(`${probs.length} probabilities for ${n} labels × ${k} classes`);
  }
  for (let r = 0; r < n; r++) {
    const y = labels[r]!;
    if (y < 0 || y >= k) throw new RangeError(`label ${y} of row ${r} is outside 0…${k - 1}`);
  }
  return n;
}

function argmax(probs: Float32Array, o: number, k: number, bonusAt = -1): number {
  let best = 0;
  let bestP = probs[o]! + (bonusAt === 0 ? FLOAT_EPS : 0);
  for (let j = 1; j < k; j++) {
    const p = probs[o + j]! + (bonusAt === j ? FLOAT_EPS : 0);
    if (p > bestP) {
      bestP = p;
      best = j;
    }
  }
  return best;
}

/** Step 1: per-class thresholds (mean self-confidence of each class). */
export function confidentThresholds(
  probs: Float32Array,
  labels: Int32Array,
  classes: number,
): Float64Array {
  const n = check(probs, labels, classes);
  const sum = new Float64Array(classes);
  const count = new Float64Array(classes);
  for (let r = 0; r < n; r++) {
    const y = labels[r]!;
    sum[y]! += probs[r * classes + y]!;
    count[y]!++;
  }
  const t = new Float64Array(classes);
  for (let j = 0; j < classes; j++) {
    const v = count[j]! > 0 ? sum[j]! / count[j]! : ABSENT_CLASS_THRESHOLD;
    t[j] = Math.max(v, THRESHOLD_LOWER_BOUND);
  }
  return t;
}

/** Step 2: the confident joint C[given][true] (K × K, row-major), diagonal ≥ 1. */
export function confidentJoint(
  probs: Float32Array,
  labels: Int32Array,
  classes: number,
  thresholds: Float64Array = confidentThresholds(probs, labels, classes),
): Int32Array {
  const n = check(probs, labels, classes);
  const cj = new Int32Array(classes * classes);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let confident = 0;
    let first = -1;
    for (let j = 0; j < classes; j++) {
      if (probs[o + j]! >= thresholds[j]! - FLOAT_EPS) {
        if (confident === 0) first = j;
        confident++;
      }
    }
    if (confident === 0) continue;
    const guess = confident > 1 ? argmax(probs, o, classes) : first;
    cj[labels[r]! * classes + guess]!++;
  }
  for (let j = 0; j < classes; j++) {
    if (cj[j * classes + j]! < 1) cj[j * classes + j] = 1;
  }
  return cj;
}

/** Step 3: calibrate C so row i sums to the count of label i and the whole to N. */
export function calibrateConfidentJoint(
  cj: Int32Array,
  labels: Int32Array,
  classes: number,
): Int32Array {
  const labelCounts = new Float64Array(classes);
  for (const y of labels) labelCounts[y]!++;
  const cal = new Float64Array(classes * classes);
  let total = 0;
  for (let i = 0; i < classes; i++) {
    let rowSum = 0;
    for (let j = 0; j < classes; j++) rowSum += cj[i * classes + j]!;
    // Same operation order as cleanlab ((c / rowSum) · count, then (v / total) · N), so the
    // values that reach the rounding are the same doubles.
    const denom = Math.max(rowSum, TINY);
    for (let j = 0; j < classes; j++) {
      cal[i * classes + j] = (cj[i * classes + j]! / denom) * labelCounts[i]!;
      total += cal[i * classes + j]!;
    }
  }
  const denom = Math.max(total, TINY);
  const out = new Int32Array(classes * classes);
  for (let i = 0; i < classes; i++) {
    const row = cal
      .subarray(i * classes, (i + 1) * classes)
      .map((v) => (v / denom) * labels.length);
    out.set(roundPreservingSum(row), i * classes);
  }
  return out;
}

/** Step 4: prune counts P[true j][given i] = calibrated C transposed, diagonal ≥ `minPerClass`. */
export function pruneCounts(calibrated: Int32Array, classes: number, minPerClass = 1): Int32Array {
  const k = classes;
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m[j * k + i] = calibrated[i * k + j]!;
  const out = new Int32Array(k * k);
  for (let c = 0; c < k; c++) {
    const diag = m[c * k + c]!;
    const newDiag = Math.max(diag, minPerClass);
    let nonZero = 0;
    for (let r = 0; r < k; r++) if (m[r * k + c] !== 0) nonZero++;
    const take = (newDiag - diag) / Math.max(nonZero - 1, 1);
    for (let r = 0; r < k; r++) {
      const v = r === c ? newDiag : Math.max(m[r * k + c]! - take, 0);
      // astype(int): truncation toward zero.
      out[r * k + c] = Math.trunc(v);
    }
  }
  return out;
}

/**
 * Confident learning end to end: out-of-fold `probs` (`N × K`, each row from a model that did not
 * see that row) and the given `labels`; returns the intermediate matrices and the suspected label
 * errors, lowest self-confidence first, each with the suggested label argmax p.
 */
export function findLabelIssues(
  probs: Float32Array,
  labels: Int32Array,
  classes: number,
  options: ConfidentLearningOptions = {},
): ConfidentLearningResult {
  const n = check(probs, labels, classes);
  const k = classes;
  const minPerClass = options.minExamplesPerClass ?? 1;
  const thresholds = confidentThresholds(probs, labels, k);
  const cj = confidentJoint(probs, labels, k, thresholds);
  const calibrated = calibrateConfidentJoint(cj, labels, k);
  const prune = pruneCounts(calibrated, k, minPerClass);

  // Rows of each given label, ascending.
  const counts = new Int32Array(k);
  for (const y of labels) counts[y]!++;
  const start = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) start[j + 1] = start[j]! + counts[j]!;
  const members = new Int32Array(n);
  const fill = start.slice(0, k);
  for (let r = 0; r < n; r++) members[fill[labels[r]!]!++] = r;

  const flagged = new Uint8Array(n);
  const marginBuf = new Float64Array(n);
  for (let given = 0; given < k; given++) {
    if (counts[given]! <= minPerClass) continue;
    const rows = members.subarray(start[given], start[given + 1]);
    for (let truth = 0; truth < k; truth++) {
      const count = prune[truth * k + given]!;
      if (truth === given || count <= 0) continue;
      for (const r of rows) marginBuf[r] = probs[r * k + truth]! - probs[r * k + given]!;
      const top = topK(marginBuf, count, undefined, rows);
      for (const r of top.indices) flagged[r] = 1;
    }
  }

  const issues: LabelIssue[] = [];
  for (let r = 0; r < n; r++) {
    if (flagged[r] === 0) continue;
    const o = r * k;
    const given = labels[r]!;
    if (argmax(probs, o, k, given) === given) continue;
    const suggested = argmax(probs, o, k);
    issues.push({
      index: r,
      givenLabel: given,
      suggestedLabel: suggested,
      selfConfidence: probs[o + given]!,
      suggestedConfidence: probs[o + suggested]!,
    });
  }
  issues.sort((a, b) => a.selfConfidence - b.selfConfidence || a.index - b.index);
  return {
    thresholds,
    confidentJoint: cj,
    calibratedJoint: calibrated,
    pruneCounts: prune,
    issues,
  };
}
