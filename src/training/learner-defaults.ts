// The exact learners' settings and Auto's candidate rule, in one place for every caller: the ML
// worker (workers/ml-train.ts, ml-linear.ts, ml-trees.ts) and the command line (src/cli). Plain
// data, no imports beyond types: the worker, the page and Node all read it.
import type { Modality } from '../projects/types';

/** One fit Auto (or a chosen family) makes. */
export type Candidate = { family: 'linear'; C: number } | { family: 'boosted-trees' };

/**
 * The candidates Auto tries on a modality. Linear models on standardised tabular features are
 * sensitive to C (sklearn's default 1 under-fits some sets and over-fits others), and each fit is
 * milliseconds, so tabular tries three; TF-IDF rows are l2-normalised, where C = 1 is often too
 * strong a penalty, so text tries 1 and 10 (warm-started from 1); raw pixels are many correlated
 * features that over-fit a small set, so images try 0.1 first (it also converges fastest: a
 * 2,100-image fit takes seconds to tens of seconds on a CPU) and then 1 within the budget.
 * Tabular then tries boosted trees last: they fit interactions and thresholds a linear model
 * cannot, at a cost of seconds rather than milliseconds, so a time budget may skip them.
 */
export function autoCandidates(modality: Modality): Candidate[] {
  const cs = modality === 'tabular' ? [1, 0.1, 10] : modality === 'text' ? [1, 10] : [0.1, 1];
  const linear = cs.map((C): Candidate => ({ family: 'linear', C }));
  return modality === 'tabular' ? [...linear, { family: 'boosted-trees' }] : linear;
}

/**
 * Logistic regression: sklearn's lbfgs stopping rule (tol on max |gradient|); its default of 100
 * iterations warns of non-convergence on sparse text and pixels, so 1,000, as the references use
 * (tests/fixtures/golden/make-training-golden.py).
 */
export const LINEAR_FIT_PARAMS = { maxIter: 1000, tol: 1e-4 } as const;

/**
 * Boosted trees: sklearn's defaults (learning rate 0.1, 100 iterations, 31 leaves, 20 rows per
 * leaf, 255 bins), with early stopping always on: n_iter_no_change 10 on the validation log-loss.
 * sklearn turns it on only past 10,000 rows because it must hold rows out of training; we already
 * hold out a validation split, so stopping on it costs no training rows.
 */
export const TREES_PARAMS = {
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
} as const;
