// Inter-annotator agreement, defined as the references that the tests check against:
// - Cohen's κ (Cohen 1960) for two raters, as scikit-learn's cohen_kappa_score: κ = 1 − Σ w·O /
//   Σ w·E with O the confusion matrix of the two label vectors, E = outer(row totals, column
//   totals) / n and w = 1 − I (unweighted), |i − j| (linear) or (i − j)² (quadratic).
//   0/0 (both raters always give the same single class) is NaN, as in sklearn 1.2.
// - Fleiss' κ (Fleiss 1971) for a fixed number of raters per item, from an `items × K` matrix of
//   how many raters put item i in class j, as statsmodels' fleiss_kappa(method='fleiss').

export type KappaWeights = 'none' | 'linear' | 'quadratic';

/**
 * Cohen's κ between two label vectors over classes 0 … K − 1. Rows where either label is
 * negative (not labelled by that rater) are skipped.
 */
export function cohensKappa(
  a: Int32Array,
  b: Int32Array,
  classes: number,
  weights: KappaWeights = 'none',
): number {
  if (a.length !== b.length) {
    throw new RangeError(`cohensKappa: ${a.length} labels against ${b.length}`);
  }
  const k = classes;
  const cm = new Float64Array(k * k);
  let n = 0;
  for (let r = 0; r < a.length; r++) {
    const x = a[r]!;
    const y = b[r]!;
    if (x < 0 || y < 0) continue;
    if (x >= k || y >= k) throw new RangeError(`cohensKappa: label ≥ ${k} in row ${r}`);
    cm[x * k + y]!++;
    n++;
  }
  if (n === 0) return NaN;
  const rowSum = new Float64Array(k);
  const colSum = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      rowSum[i]! += cm[i * k + j]!;
      colSum[j]! += cm[i * k + j]!;
    }
  }
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const d = Math.abs(i - j);
      const w = weights === 'none' ? (d === 0 ? 0 : 1) : weights === 'linear' ? d : d * d;
      observed += w * cm[i * k + j]!;
      expected += (w * rowSum[i]! * colSum[j]!) / n;
    }
  }
  return 1 - observed / expected;
}

/**
 * Fleiss' κ from `counts[i · K + j]` = raters who put item i in class j. Every item must have the
 * same number of raters (≥ 2). P̄ = mean over items of (Σ_j n_ij² − m) / (m(m − 1)), P̄e = Σ_j p_j²
 * with p_j the share of all ratings in class j; κ = (P̄ − P̄e) / (1 − P̄e).
 */
export function fleissKappa(counts: ArrayLike<number>, classes: number): number {
  const k = classes;
  if (counts.length % k !== 0 || counts.length === 0) {
    throw new RangeError(`fleissKappa: ${counts.length} counts is not items × ${k}`);
  }
  const items = counts.length / k;
  let raters = -1;
  const classTotal = new Float64Array(k);
  let pSum = 0;
  for (let i = 0; i < items; i++) {
    let m = 0;
    let sq = 0;
    for (let j = 0; j < k; j++) {
      const c = counts[i * k + j] as number;
      m += c;
      sq += c * c;
      classTotal[j]! += c;
    }
    if (raters < 0) raters = m;
    if (m !== raters) {
      throw new RangeError(`fleissKappa: item ${i} has ${m} ratings, item 0 has ${raters}`);
    }
    pSum += sq;
  }
  if (raters < 2) throw new RangeError('fleissKappa: needs at least 2 raters per item');
  const pBar = (pSum / items - raters) / (raters * (raters - 1));
  const total = items * raters;
  let pe = 0;
  for (let j = 0; j < k; j++) pe += (classTotal[j]! / total) ** 2;
  return (pBar - pe) / (1 - pe);
}
