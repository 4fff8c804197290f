// The promotion gate: does the challenger beat the champion on the project's frozen holdout, by a
// margin that is both large enough to matter and statistically meaningful? Both models' predicted
// classes for the same holdout items go in; a verdict with human sentences and every number comes
// out. Pure and state-free; the registry stores the verdict with the promotion.
//
// Tests as statsmodels defines them (checked against golden values in
// tests/fixtures/golden/registry-golden.json, made with Debian's scipy):
// - McNemar's test on the discordant pairs b (champion right, challenger wrong) and c (the
//   reverse): statsmodels.stats.contingency_tables.mcnemar(exact=True) — p = min(1, 2 · P[X ≤
//   min(b, c)]), X ~ Binomial(b + c, ½) — while b + c < MCNEMAR_EXACT_BELOW, else exact=False,
//   correction=True — χ² = (|b − c| − 1)² / (b + c) on 1 degree of freedom (Edwards' continuity
//   correction; like statsmodels, not clamped at 0 when b = c).
// - A paired percentile bootstrap of challenger − champion: each resample draws n holdout items
//   with replacement (the same items for both models, which keeps the pairing), seeded through
//   src/lib/rng.ts; the interval is numpy.percentile's default (linear interpolation).
import { createRng, randInt } from '../lib/rng';
import { erfc } from './erfc';
import { SMALL_SPLIT_ITEMS, wilsonInterval } from './intervals';

export type GateMetric = 'macroF1' | 'accuracy';
export type GateTest = 'mcnemar' | 'bootstrap';

/**
 * Below this many discordant pairs McNemar's p comes from the exact binomial distribution; from it
 * on, from the continuity-corrected χ² approximation. 25 is the usual rule of thumb (e.g. the
 * Wikipedia article "McNemar's test", after Rosner's Fundamentals of Biostatistics): with fewer
 * pairs the χ² approximation to the binomial is poor, with more the two agree to about 10 %.
 */
export const MCNEMAR_EXACT_BELOW = 25;

/**
 * Slack when comparing an improvement with the margin: 0.81 − 0.80 is 0.010000000000000009 in
 * floating point but 0.71 − 0.70 is 0.009999999999999898, and both mean "one point".
 */
const MARGIN_TOLERANCE = 1e-9;

export interface GateConfig {
  /** Metric compared on the holdout. */
  metric: GateMetric;
  /** Absolute improvement the challenger needs (0.01 = one point of macro-F1). */
  margin: number;
  /** How significance is judged: McNemar's test, or the paired bootstrap interval. */
  test: GateTest;
  /** Significance level: McNemar's p must be below it; the bootstrap interval is 1 − alpha. */
  alpha: number;
  /** Bootstrap resamples (test 'bootstrap' only). */
  resamples: number;
  /** Seed of the bootstrap resampling, so a verdict can be reproduced exactly. */
  seed: number;
}

/**
 * The default rule: macro-F1 improves by at least 0.01 absolute and McNemar's test gives p < 0.05.
 * 2000 resamples: Efron & Tibshirani's advice for percentile intervals (≥ 1000), with some room.
 */
export const DEFAULT_GATE_CONFIG: Readonly<GateConfig> = {
  metric: 'macroF1',
  margin: 0.01,
  test: 'mcnemar',
  alpha: 0.05,
  resamples: 2000,
  seed: 0x5eed,
};

/** A model's predicted classes on the frozen holdout. */
export interface HoldoutPredictions {
  /** Class ids in index order; both models must use the same. */
  classIds: readonly string[];
  /** Holdout item ids in row order, when known: pairs are matched by position and checked by id. */
  itemIds?: readonly string[];
  /** True class index per row. */
  yTrue: ArrayLike<number>;
  /** Predicted class index per row. */
  yPred: ArrayLike<number>;
}

export interface McNemarResult {
  /** Champion right, challenger wrong. */
  b: number;
  /** Champion wrong, challenger right. */
  c: number;
  method: 'exact' | 'chi2';
  /** min(b, c) for the exact form, the corrected χ² for the other (as statsmodels reports). */
  statistic: number;
  pValue: number;
}

export interface BootstrapResult {
  resamples: number;
  seed: number;
  /** Central interval level, 1 − alpha. */
  confidence: number;
  /** Mean of the resampled differences (challenger − champion). */
  mean: number;
  lower: number;
  upper: number;
}

export interface GateNumbers {
  metric: GateMetric;
  test: GateTest;
  margin: number;
  alpha: number;
  /** Holdout items compared. */
  items: number;
  /** `null` when there is no champion. */
  champion: number | null;
  challenger: number;
  /** challenger − champion; `null` when there is no champion. */
  difference: number | null;
  mcnemar?: McNemarResult;
  bootstrap?: BootstrapResult;
}

export interface GateVerdict {
  passed: boolean;
  /** One sentence per criterion, in the order they were checked. */
  reasons: string[];
  numbers: GateNumbers;
  config: GateConfig;
}

function countCorrect(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return right;
}

// ---------------------------------------------------------------------------------------------
// McNemar

/** The discordant counts of two models' predictions on the same items. */
export function discordantPairs(
  yTrue: ArrayLike<number>,
  championPred: ArrayLike<number>,
  challengerPred: ArrayLike<number>,
): { b: number; c: number } {
  let b = 0;
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i];
    const champ = championPred[i] === y;
    const chall = challengerPred[i] === y;
    if (champ && !chall) b++;
    else if (!champ && chall) c++;
  }
  return { b, c };
}

/** Exact form: p = min(1, 2 · P[X ≤ min(b, c)]) with X ~ Binomial(b + c, ½). */
export function mcnemarExact(b: number, c: number): McNemarResult {
  checkCounts(b, c);
  const n = b + c;
  const k = Math.min(b, c);
  // Terms C(n, i) / 2^n built in log space so large n cannot underflow 2^−n.
  let logTerm = -n * Math.LN2;
  let cdf = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    cdf += Math.exp(logTerm);
  }
  return { b, c, method: 'exact', statistic: k, pValue: Math.min(1, 2 * cdf) };
}

/** χ² form with continuity correction: (|b − c| − 1)² / (b + c), 1 degree of freedom. */
export function mcnemarChi2(b: number, c: number): McNemarResult {
  checkCounts(b, c);
  const n = b + c;
  if (n === 0) return { b, c, method: 'chi2', statistic: 0, pValue: 1 };
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, method: 'chi2', statistic, pValue: chi2SurvivalDf1(statistic) };
}

/** McNemar's test in the form its pair count calls for (see {@link MCNEMAR_EXACT_BELOW}). */
export function mcnemar(b: number, c: number): McNemarResult {
  return b + c < MCNEMAR_EXACT_BELOW ? mcnemarExact(b, c) : mcnemarChi2(b, c);
}

function checkCounts(b: number, c: number): void {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) {
    throw new RangeError(`McNemar: counts must be non-negative integers, got b=${b}, c=${c}`);
  }
}

/** P[χ²₁ > x] = erfc(√(x/2)). */
export function chi2SurvivalDf1(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

// ---------------------------------------------------------------------------------------------
// Metrics on predicted classes (sklearn's definitions, as src/training/metrics.ts)

/**
 * Accuracy or macro-F1 (unweighted mean of per-class F1 over all K classes, zero_division=0) of
 * the rows listed in `rows` (all rows when omitted; repeats count, as a bootstrap resample needs).
 */
export function holdoutMetric(
  metric: GateMetric,
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  k: number,
  rows?: ArrayLike<number>,
): number {
  const n = rows ? rows.length : yTrue.length;
  if (n === 0) return 0;
  if (metric === 'accuracy') {
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const r = rows ? (rows[i] as number) : i;
      if (yPred[r] === yTrue[r]) correct++;
    }
    return correct / n;
  }
  const tp = new Float64Array(k);
  const truth = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const r = rows ? (rows[i] as number) : i;
    const y = yTrue[r] as number;
    const p = yPred[r] as number;
    truth[y]!++;
    predicted[p]!++;
    if (y === p) tp[y]!++;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const denominator = (predicted[j] as number) + (truth[j] as number);
    sum += denominator === 0 ? 0 : (2 * (tp[j] as number)) / denominator;
  }
  return sum / k;
}

/** numpy.percentile's default ('linear'): q in [0, 1] of an ascending array. */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Paired percentile bootstrap of challenger − champion. Each of `resamples` resamples draws n row
 * indices with `randInt(rng, n)` from `createRng(seed)`, in order, and scores both models on them.
 */
export function pairedBootstrap(
  metric: GateMetric,
  yTrue: ArrayLike<number>,
  championPred: ArrayLike<number>,
  challengerPred: ArrayLike<number>,
  k: number,
  options: { resamples: number; seed: number; alpha: number },
): BootstrapResult {
  const n = yTrue.length;
  const { resamples, seed, alpha } = options;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`Bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  const rng = createRng(seed);
  const rows = new Int32Array(n);
  const diffs = new Float64Array(resamples);
  let total = 0;
  for (let s = 0; s < resamples; s++) {
    for (let i = 0; i < n; i++) rows[i] = n === 0 ? 0 : randInt(rng, n);
    const d =
      holdoutMetric(metric, yTrue, challengerPred, k, rows) -
      holdoutMetric(metric, yTrue, championPred, k, rows);
    diffs[s] = d;
    total += d;
  }
  diffs.sort();
  return {
    resamples,
    seed,
    confidence: 1 - alpha,
    mean: total / resamples,
    lower: percentileLinear(diffs, alpha / 2),
    upper: percentileLinear(diffs, 1 - alpha / 2),
  };
}

// ---------------------------------------------------------------------------------------------
// The verdict

const METRIC_NAMES: Record<GateMetric, string> = { macroF1: 'Macro-F1', accuracy: 'Accuracy' };

const fmt = (x: number): string => x.toFixed(4);
const fmtP = (p: number): string => (p < 1e-4 ? p.toExponential(2) : p.toFixed(4));
const signed = (x: number): string => (x >= 0 ? `+${fmt(x)}` : fmt(x));

/** Fills a partial configuration with the defaults and checks its ranges. */
export function resolveGateConfig(config: Partial<GateConfig> = {}): GateConfig {
  const resolved: GateConfig = { ...DEFAULT_GATE_CONFIG, ...config };
  if (!(resolved.alpha > 0 && resolved.alpha < 1)) {
    throw new RangeError(`Gate: alpha must lie in (0, 1), got ${resolved.alpha}`);
  }
  if (!Number.isFinite(resolved.margin)) {
    throw new RangeError(`Gate: margin must be a number, got ${resolved.margin}`);
  }
  return resolved;
}

/**
 * Why two holdout evaluations cannot be compared pair by pair, or null when they can: the gate
 * only means something when both models scored the same items with the same truth.
 */
export function pairingProblem(
  champion: HoldoutPredictions,
  challenger: HoldoutPredictions,
): string | null {
  const n = challenger.yTrue.length;
  if (champion.yTrue.length !== n || champion.yPred.length !== n || challenger.yPred.length !== n) {
    return (
      `The champion was evaluated on ${champion.yTrue.length} holdout items and the challenger ` +
      `on ${n}; both must be evaluated on the same frozen holdout.`
    );
  }
  if (champion.classIds.join('\u0000') !== challenger.classIds.join('\u0000')) {
    return 'The champion and the challenger predict different classes, so their predictions cannot be paired.';
  }
  if (champion.itemIds && challenger.itemIds) {
    for (let i = 0; i < n; i++) {
      if (champion.itemIds[i] !== challenger.itemIds[i]) {
        return 'The champion and the challenger were evaluated on different holdout items; re-evaluate both on the frozen holdout.';
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (champion.yTrue[i] !== challenger.yTrue[i]) {
      return 'The holdout labels differ between the two evaluations (were labels changed since?); re-evaluate both models.';
    }
  }
  return null;
}

/**
 * Judges a challenger against the champion (or, with `champion` null, a first model, which passes).
 * Passing needs both: the metric improves by at least `margin` (challenger − champion), and the
 * improvement is significant — McNemar's p < alpha with the challenger winning more discordant
 * pairs (c > b), or, for 'bootstrap', the 1 − alpha interval of the difference lying above 0.
 */
export function evaluateGate(
  config: Partial<GateConfig>,
  champion: HoldoutPredictions | null,
  challenger: HoldoutPredictions,
): GateVerdict {
  const cfg = resolveGateConfig(config);
  const name = METRIC_NAMES[cfg.metric];
  const k = challenger.classIds.length;
  const items = challenger.yTrue.length;
  const challengerScore = holdoutMetric(cfg.metric, challenger.yTrue, challenger.yPred, k);
  const numbers: GateNumbers = {
    metric: cfg.metric,
    test: cfg.test,
    margin: cfg.margin,
    alpha: cfg.alpha,
    items,
    champion: null,
    challenger: challengerScore,
    difference: null,
  };

  if (champion === null) {
    const reasons = [
      `There is no champion yet, so this version becomes the first champion without a comparison ` +
        `(${name} ${fmt(challengerScore)} on ${items} holdout items).`,
    ];
    if (items < SMALL_SPLIT_ITEMS) {
      // A first champion is not blocked (something must serve), but its score is not news.
      const right = countCorrect(challenger.yTrue, challenger.yPred);
      const range =
        items > 0
          ? ` its holdout accuracy is ${right}/${items}, 95 % Wilson interval ${fmt(wilsonInterval(right, items).lower)}–${fmt(wilsonInterval(right, items).upper)}, so`
          : '';
      reasons.push(
        `The holdout has only ${items} labelled item${items === 1 ? '' : 's'}:${range} the score tells little; ` +
          `label ${SMALL_SPLIT_ITEMS - items} more holdout items before relying on it.`,
      );
    }
    return {
      passed: true,
      reasons,
      numbers,
      config: cfg,
    };
  }

  const problem = pairingProblem(champion, challenger);
  if (problem !== null) return { passed: false, reasons: [problem], numbers, config: cfg };
  if (items === 0) {
    return {
      passed: false,
      reasons: ['The holdout is empty, so the two models cannot be compared; label more items.'],
      numbers,
      config: cfg,
    };
  }

  const championScore = holdoutMetric(cfg.metric, champion.yTrue, champion.yPred, k);
  const difference = challengerScore - championScore;
  numbers.champion = championScore;
  numbers.difference = difference;
  const reasons: string[] = [];

  const marginMet = difference >= cfg.margin - MARGIN_TOLERANCE;
  const change = `${name} goes from ${fmt(championScore)} to ${fmt(challengerScore)} (${signed(difference)})`;
  reasons.push(
    marginMet
      ? `${change}, meeting the required improvement of ${signed(cfg.margin)}.`
      : `${change}, short of the required improvement of ${signed(cfg.margin)}.`,
  );

  let significant: boolean;
  if (cfg.test === 'mcnemar') {
    const { b, c } = discordantPairs(challenger.yTrue, champion.yPred, challenger.yPred);
    const result = mcnemar(b, c);
    numbers.mcnemar = result;
    const form =
      result.method === 'exact'
        ? `McNemar's exact binomial test (${b + c} discordant pairs, fewer than ${MCNEMAR_EXACT_BELOW})`
        : `McNemar's χ² test with continuity correction (${b + c} discordant pairs)`;
    const pairs = `the challenger alone is right on ${c} items, the champion alone on ${b}`;
    const below = result.pValue < cfg.alpha;
    significant = below && c > b;
    reasons.push(
      significant
        ? `${form}: ${pairs}; p = ${fmtP(result.pValue)}, below ${cfg.alpha}.`
        : below
          ? `${form}: ${pairs}; p = ${fmtP(result.pValue)} is below ${cfg.alpha}, but the difference favours the champion.`
          : `${form}: ${pairs}; p = ${fmtP(result.pValue)}, not below ${cfg.alpha}, so the difference may be chance.`,
    );
  } else {
    const result = pairedBootstrap(
      cfg.metric,
      challenger.yTrue,
      champion.yPred,
      challenger.yPred,
      k,
      cfg,
    );
    numbers.bootstrap = result;
    const level = `${Math.round(result.confidence * 1000) / 10} %`;
    const interval = `[${signed(result.lower)}, ${signed(result.upper)}]`;
    significant = result.lower > 0;
    reasons.push(
      significant
        ? `The paired bootstrap ${level} interval of the ${name} difference, ${interval} over ${result.resamples} resamples, lies above zero.`
        : `The paired bootstrap ${level} interval of the ${name} difference, ${interval} over ${result.resamples} resamples, includes zero or lies below it, so the difference may be chance.`,
    );
  }

  return { passed: marginMet && significant, reasons, numbers, config: cfg };
}
