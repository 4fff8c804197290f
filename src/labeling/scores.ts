// Uncertainty scores for pool-based active learning, one per row of a `rows × K` probability
// matrix; higher = more worth labeling. Definitions as in Settles, "Active Learning Literature
// Survey" (2009, §3.1) and small-text's query strategies:
//   least confidence  1 − max_j p_j
//   margin            1 − (p₁ − p₂), p₁ ≥ p₂ the two largest probabilities
//   entropy           −Σ_j p_j ln p_j (natural log; 0 · ln 0 = 0)
//   BALD              H(mean_t p_t) − mean_t H(p_t) over T Monte-Carlo dropout passes: the mutual
//                     information between the prediction and the weights (Houlsby et al. 2011,
//                     "Bayesian Active Learning for Classification and Preference Learning";
//                     Gal, Islam & Ghahramani 2017, "Deep Bayesian Active Learning with Image Data").
// Each function takes an optional `out` buffer so a worker scoring the pool every round can reuse
// one allocation. Scores are float64: two rows whose float32 scores would tie keep their order.

function rowsOf(probs: ArrayLike<number>, k: number, fn: string): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${fn}: classes must be ≥ 1, got ${k}`);
  if (probs.length % k !== 0) {
    throw new RangeError(`${fn}: ${probs.length} values is not a multiple of ${k} classes`);
  }
  return probs.length / k;
}

function output(out: Float64Array | undefined, rows: number, fn: string): Float64Array {
  if (out === undefined) return new Float64Array(rows);
  if (out.length < rows)
    throw new RangeError(`${fn}: out has ${out.length} slots for ${rows} rows`);
  return out;
}

/** 1 − max_j p_j per row. */
export function leastConfidence(
  probs: Float32Array,
  classes: number,
  out?: Float64Array,
): Float64Array {
  const rows = rowsOf(probs, classes, 'leastConfidence');
  const res = output(out, rows, 'leastConfidence');
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    let max = probs[o]!;
    for (let j = 1; j < classes; j++) {
      const p = probs[o + j]!;
      if (p > max) max = p;
    }
    res[r] = 1 - max;
  }
  return res;
}

/** 1 − (p₁ − p₂) per row (p₂ = 0 with a single class). */
export function margin(probs: Float32Array, classes: number, out?: Float64Array): Float64Array {
  const rows = rowsOf(probs, classes, 'margin');
  const res = output(out, rows, 'margin');
  for (let r = 0, o = 0; r < rows; r++, o += classes) {
    let p1 = -Infinity;
    let p2 = -Infinity;
    for (let j = 0; j < classes; j++) {
      const p = probs[o + j]!;
      if (p > p1) {
        p2 = p1;
        p1 = p;
      } else if (p > p2) {
        p2 = p;
      }
    }
    res[r] = 1 - (p1 - (classes > 1 ? p2 : 0));
  }
  return res;
}

/** Shannon entropy of one distribution stored at `probs[o … o + classes)`, natural log. */
function rowEntropy(probs: ArrayLike<number>, o: number, classes: number): number {
  let h = 0;
  for (let j = 0; j < classes; j++) {
    const p = probs[o + j] as number;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** −Σ p ln p per row. */
export function entropy(probs: Float32Array, classes: number, out?: Float64Array): Float64Array {
  const rows = rowsOf(probs, classes, 'entropy');
  const res = output(out, rows, 'entropy');
  for (let r = 0; r < rows; r++) res[r] = rowEntropy(probs, r * classes, classes);
  return res;
}

/**
 * BALD mutual information per row from `passes × rows × classes` Monte-Carlo probabilities
 * (pass-major: pass t, row i, class j at `(t · rows + i) · classes + j`). Mathematically ≥ 0
 * (Jensen); rounding can leave values of about −1e-16 for rows where all passes agree, which are
 * kept as they are (they rank last either way).
 */
export function bald(
  mcProbs: Float32Array,
  passes: number,
  classes: number,
  out?: Float64Array,
): Float64Array {
  if (!Number.isInteger(passes) || passes < 1) {
    throw new RangeError(`bald: passes must be ≥ 1, got ${passes}`);
  }
  const total = rowsOf(mcProbs, classes, 'bald');
  if (total % passes !== 0) {
    throw new RangeError(`bald: ${total} rows is not a multiple of ${passes} passes`);
  }
  const rows = total / passes;
  const res = output(out, rows, 'bald');
  const mean = new Float64Array(classes);
  const stride = rows * classes;
  for (let i = 0; i < rows; i++) {
    mean.fill(0);
    let meanH = 0;
    for (let t = 0; t < passes; t++) {
      const o = t * stride + i * classes;
      for (let j = 0; j < classes; j++) mean[j]! += mcProbs[o + j]!;
      meanH += rowEntropy(mcProbs, o, classes);
    }
    for (let j = 0; j < classes; j++) mean[j]! /= passes;
    res[i] = rowEntropy(mean, 0, classes) - meanH / passes;
  }
  return res;
}
