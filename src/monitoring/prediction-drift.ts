// Prediction and uncertainty drift: has the distribution of predicted classes moved (χ² on the
// 2 × K table of class counts), and has the model's confidence moved (KS on the per-item entropy
// or top probability)? Probabilities are `rows × K` row-major, as everywhere in Inloop.
import {
  chiSquareContingency,
  ksTwoSample,
  type ChiSquareResult,
  type KsResult,
} from './drift-tests';

/** Counts of the arg-max class per row (ties to the lower class index). */
export function predictedClassCounts(probs: ArrayLike<number>, k: number): Float64Array {
  const counts = new Float64Array(k);
  const rows = probs.length / k;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[r * k + c]! > probs[r * k + best]!) best = c;
    counts[best]!++;
  }
  return counts;
}

/**
 * χ² test of the predicted-class distribution, reference vs current (chi2_contingency on the
 * 2 × K table). Classes predicted in neither sample are left out, as the test requires.
 */
export function predictedClassDrift(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
): ChiSquareResult {
  const ref: number[] = [];
  const cur: number[] = [];
  for (let c = 0; c < referenceCounts.length; c++) {
    if (referenceCounts[c]! + currentCounts[c]! > 0) {
      ref.push(referenceCounts[c]!);
      cur.push(currentCounts[c]!);
    }
  }
  return chiSquareContingency(ref, cur);
}

/** Per-row entropy −Σ p ln p (natural log; 0·ln 0 = 0). */
export function predictiveEntropy(probs: ArrayLike<number>, k: number): Float64Array {
  const rows = probs.length / k;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let h = 0;
    for (let c = 0; c < k; c++) {
      const p = probs[r * k + c]!;
      if (p > 0) h -= p * Math.log(p);
    }
    out[r] = h;
  }
  return out;
}

/** Per-row top probability. */
export function maxProbability(probs: ArrayLike<number>, k: number): Float64Array {
  const rows = probs.length / k;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, probs[r * k + c]!);
    out[r] = m;
  }
  return out;
}

export type UncertaintyMeasure = 'entropy' | 'max-prob';

/** KS two-sample test on the per-row entropy or top probability of reference vs current. */
export function uncertaintyDrift(
  referenceProbs: ArrayLike<number>,
  currentProbs: ArrayLike<number>,
  k: number,
  measure: UncertaintyMeasure = 'entropy',
): KsResult {
  const f = measure === 'entropy' ? predictiveEntropy : maxProbability;
  return ksTwoSample(f(referenceProbs, k), f(currentProbs, k));
}
