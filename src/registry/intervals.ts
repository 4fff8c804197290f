// Honest small numbers: a metric on 5 items is a guess, and the page should say so. Wilson's score
// interval (Wilson 1927) for proportions such as accuracy: unlike the normal "p ± z·se" interval
// it stays inside [0, 1] and does not collapse to a point at 5/5 (5 of 5 right gives [0.57, 1]).
// Golden values: tests/fixtures/golden/make-wilson-golden.py (scipy.stats.norm.ppf + the formula).
import { erfc } from './erfc';

/** Below this many items a split's metrics are flagged as resting on too few items. */
export const SMALL_SPLIT_ITEMS = 30;
/** Below this many items of one class its per-class numbers are flagged. */
export const SMALL_CLASS_ITEMS = 5;

/**
 * Intervals are shown below this many items: from 300 on the 95 % interval is at most ±0.057
 * wide (at p = 0.5), narrower than the third decimal people read differences into.
 */
export const INTERVAL_BELOW_ITEMS = 300;

export interface Interval {
  lower: number;
  upper: number;
  confidence: number;
}

/**
 * The standard normal quantile: Acklam's rational approximation (relative error 1.15e-9), then one
 * Halley step on erfc, which brings it to ~1e-15 of scipy.stats.norm.ppf.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return Number.NaN;
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // Halley refinement: e = Φ(x) − p with Φ(x) = erfc(−x/√2)/2.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Wilson's score interval for `successes` out of `n` (e.g. items right out of items scored). */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  if (!Number.isInteger(n) || n <= 0 || successes < 0 || successes > n) {
    throw new RangeError(
      `Wilson interval: need 0 ≤ successes ≤ n and n ≥ 1, got ${successes}/${n}`,
    );
  }
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Clamp the rounding of the endpoints at 0/n (the exact values are 0 and 1 there).
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
    confidence,
  };
}

/** "0.800 (n = 5; 95 % interval 0.376–0.964)" when n is small, "0.812 (n = 1,204)" otherwise. */
export function describeProportion(value: number, n: number, confidence = 0.95): string {
  const shown = `${value.toFixed(3)} (n = ${n.toLocaleString('en-US')}`;
  if (n <= 0) return `${shown})`;
  if (n >= INTERVAL_BELOW_ITEMS) return `${shown})`;
  const { lower, upper } = wilsonInterval(Math.round(value * n), n, confidence);
  return `${shown}; ${Math.round(confidence * 100)} % Wilson interval ${lower.toFixed(3)}–${upper.toFixed(3)})`;
}

/** "0.376–0.964": the 95 % Wilson interval of `value` on `n` items, or null when n is 0 or ≥ 300. */
export function intervalText(value: number, n: number, confidence = 0.95): string | null {
  if (n <= 0 || n >= INTERVAL_BELOW_ITEMS) return null;
  const { lower, upper } = wilsonInterval(Math.round(value * n), n, confidence);
  return `${lower.toFixed(3)}–${upper.toFixed(3)}`;
}

/** The warning a split of `n` items earns, or null: fewer than 30 items tell little. */
export function smallSplitWarning(split: string, n: number): string | null {
  return n < SMALL_SPLIT_ITEMS
    ? `The ${split} split has only ${n} item${n === 1 ? '' : 's'} (fewer than ${SMALL_SPLIT_ITEMS}): its metrics can move a lot with one more label; read the interval, not the point.`
    : null;
}

/** Class names with fewer than 5 items in a split, as a warning, or null. */
export function smallClassWarning(
  split: string,
  perClass: readonly { name: string; n: number }[],
): string | null {
  const few = perClass.filter((c) => c.n < SMALL_CLASS_ITEMS);
  if (few.length === 0) return null;
  const list = few.map((c) => `${c.name} (${c.n})`).join(', ');
  return `In the ${split} split, ${few.length === 1 ? 'a class has' : 'classes have'} fewer than ${SMALL_CLASS_ITEMS} items: ${list}; per-class scores there are anecdotes.`;
}

/** What a split's evaluation needs to be told honestly (a `ClassificationMetrics` fits). */
export interface SplitMetricsInput {
  count: number;
  accuracy: number;
  macroF1: number;
  perClass: readonly { classId: string; recall: number; support: number }[];
}

/** A split's headline numbers in words, each with its n, and the warnings it earns. */
export interface SplitMetricsSummary {
  /** Accuracy with n and, when n is small, its Wilson interval. */
  accuracy: string;
  /**
   * Macro-F1 with n. No interval: it is a mean of per-class ratios, not a proportion of items, so
   * Wilson does not apply; the per-class recall intervals carry the uncertainty instead.
   */
  macroF1: string;
  /**
   * Per class id, the 95 % Wilson interval of its recall ("0.376–0.964"; recall is the share right
   * among the class's `support` items, so a proportion), or null where the class has ≥ 300 items
   * or none. A column of the per-class table, which already shows support as the n.
   */
  recallInterval: Record<string, string | null>;
  warnings: string[];
}

export function summariseSplitMetrics(
  split: string,
  m: SplitMetricsInput,
  nameOf: (classId: string) => string,
): SplitMetricsSummary {
  const n = m.count;
  const recallInterval: Record<string, string | null> = {};
  for (const c of m.perClass) {
    recallInterval[c.classId] = intervalText(c.recall, c.support);
  }
  const warnings = [
    smallSplitWarning(split, n),
    smallClassWarning(
      split,
      m.perClass.map((c) => ({ name: nameOf(c.classId), n: c.support })),
    ),
  ].filter((w): w is string => w !== null);
  return {
    accuracy: n > 0 ? describeProportion(m.accuracy, n) : '— (n = 0)',
    macroF1: `${m.macroF1.toFixed(3)} (n = ${n.toLocaleString('en-US')})`,
    recallInterval,
    warnings,
  };
}
