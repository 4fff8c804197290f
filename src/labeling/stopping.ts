// When to stop labeling, and how many labels a strategy needed.
//
// Stopping hint: "stabilising predictions" (Bloodgood & Vijay-Shanker 2009, "A Method for Stopping
// Active Learning Based on Stabilizing Predictions and the Need for User-Adjustable Stopping"),
// as small-text's KappaAverage (≥ 1.3.3): after each retrain the model predicts a fixed stop set;
// κ is computed between the predictions of consecutive rounds (1 when they are identical, which
// sklearn's formula leaves at 0/0); once `window` such κ values exist, stop when their mean is at
// least `threshold`. Defaults 3 and 0.99, the paper's and small-text's.
import { cohensKappa } from './agreement';
import type { CurvePoint, StoppingHint } from './types';

export const STOPPING_WINDOW = 3;
export const STOPPING_KAPPA = 0.99;

export interface StoppingOptions {
  window?: number;
  threshold?: number;
}

/** κ between two rounds' predictions, 1 for identical vectors (small-text's adapted κ). */
export function roundKappa(a: Int32Array, b: Int32Array, classes: number): number {
  if (a.length === b.length && a.every((v, i) => v === b[i])) return 1;
  return cohensKappa(a, b, classes);
}

/**
 * Stopping hint from the stop-set predictions of every round so far, oldest first (each an
 * Int32Array of class indices over the same stop-set rows).
 */
export function stoppingHint(
  history: readonly Int32Array[],
  classes: number,
  options: StoppingOptions = {},
): StoppingHint {
  const window = options.window ?? STOPPING_WINDOW;
  const threshold = options.threshold ?? STOPPING_KAPPA;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`stoppingHint: window must be ≥ 1, got ${window}`);
  }
  const kappas: number[] = [];
  for (let r = 1; r < history.length; r++) {
    const prev = history[r - 1]!;
    const cur = history[r]!;
    if (prev.length !== cur.length) {
      throw new RangeError(
        `stoppingHint: round ${r} predicts ${cur.length} rows, not ${prev.length}`,
      );
    }
    kappas.push(roundKappa(cur, prev, classes));
  }
  if (kappas.length < window) return { stop: false, kappas, meanKappa: null, window, threshold };
  let sum = 0;
  for (let i = kappas.length - window; i < kappas.length; i++) sum += kappas[i]!;
  const meanKappa = sum / window;
  return { stop: meanKappa >= threshold, kappas, meanKappa, window, threshold };
}

/**
 * Label efficiency: the fewest labels at which the learning curve reaches `target` (the first
 * point, in order of label count, whose metric is ≥ target), or null if it never does. No
 * interpolation between points: the answer is a label count that was actually trained on.
 */
export function labelsToReach(curve: readonly CurvePoint[], target: number): number | null {
  let best: number | null = null;
  for (const p of curve) {
    if (p.metric >= target && (best === null || p.labels < best)) best = p.labels;
  }
  return best;
}

/**
 * Share of labels saved against a baseline (e.g. random): 1 − strategy / baseline, so 0.4 means
 * "40% fewer labels". Null when either never reached the target.
 */
export function labelSavings(strategy: number | null, baseline: number | null): number | null {
  if (strategy === null || baseline === null || baseline <= 0) return null;
  return 1 - strategy / baseline;
}
