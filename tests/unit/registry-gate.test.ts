// The promotion gate: McNemar's exact and χ² forms and the paired bootstrap against golden values
// from scipy (tests/fixtures/golden/make-registry-golden.py), then gate decisions on constructed
// prediction pairs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MCNEMAR_EXACT_BELOW,
  chi2SurvivalDf1,
  discordantPairs,
  evaluateGate,
  holdoutMetric,
  mcnemar,
  mcnemarChi2,
  mcnemarExact,
  pairedBootstrap,
  percentileLinear,
  type HoldoutPredictions,
} from '../../src/registry/gate';
import { erfc } from '../../src/registry/erfc';

interface RegistryGolden {
  scipy_version: string;
  mcnemar: {
    b: number;
    c: number;
    exact_statistic: number;
    exact_p: number;
    chi2_statistic: number;
    chi2_p: number;
  }[];
  bootstrap: {
    k: number;
    y_true: number[];
    champion: number[];
    challenger: number[];
    seed: number;
    resamples: number;
    alpha: number;
    b: number;
    c: number;
    accuracy: BootstrapGolden;
    macroF1: BootstrapGolden;
  };
}

interface BootstrapGolden {
  champion: number;
  challenger: number;
  first_diffs: number[];
  mean: number;
  lower: number;
  upper: number;
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/registry-golden.json', import.meta.url), 'utf8'),
) as RegistryGolden;

const close = (actual: number, expected: number, rel = 1e-12) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    rel * Math.max(1e-300, Math.abs(expected)),
  );

describe("McNemar's test (golden: scipy)", () => {
  it.each(golden.mcnemar)('b=$b, c=$c: exact form', ({ b, c, exact_statistic, exact_p }) => {
    const result = mcnemarExact(b, c);
    expect(result.statistic).toBe(exact_statistic);
    close(result.pValue, exact_p);
  });

  it.each(golden.mcnemar)('b=$b, c=$c: χ² form', ({ b, c, chi2_statistic, chi2_p }) => {
    const result = mcnemarChi2(b, c);
    close(result.statistic, chi2_statistic, 1e-14);
    close(result.pValue, chi2_p, 1e-12);
  });

  it(`switches from exact to χ² at ${MCNEMAR_EXACT_BELOW} discordant pairs`, () => {
    expect(mcnemar(11, 13).method).toBe('exact');
    expect(mcnemar(12, 13).method).toBe('chi2');
    const at24 = golden.mcnemar.find((m) => m.b === 11 && m.c === 13);
    close(mcnemar(11, 13).pValue, at24?.exact_p ?? NaN);
  });

  it('gives p = 1 without discordant pairs and refuses negative counts', () => {
    expect(mcnemar(0, 0).pValue).toBe(1);
    expect(() => mcnemar(-1, 3)).toThrow(RangeError);
    expect(() => mcnemar(1.5, 3)).toThrow(RangeError);
  });

  it('computes erfc on both sides of the series/continued-fraction switch', () => {
    // erfc(1) and erfc(3) to 16 digits (Abramowitz & Stegun table 7.1 / mpmath).
    close(erfc(1), 0.15729920705028513, 1e-14);
    close(erfc(3), 2.209049699858544e-5, 1e-13);
    close(erfc(-1), 2 - 0.15729920705028513, 1e-15);
    expect(chi2SurvivalDf1(0)).toBe(1);
  });

  it('counts discordant pairs', () => {
    expect(discordantPairs([0, 1, 1, 0, 2], [0, 1, 0, 1, 2], [0, 0, 1, 0, 1])).toEqual({
      b: 2,
      c: 2,
    });
  });
});

describe('paired bootstrap (golden: numpy percentile over the ported rng)', () => {
  const g = golden.bootstrap;

  it.each(['accuracy', 'macroF1'] as const)('%s: point estimates match sklearn', (metric) => {
    close(holdoutMetric(metric, g.y_true, g.champion, g.k), g[metric].champion);
    close(holdoutMetric(metric, g.y_true, g.challenger, g.k), g[metric].challenger);
  });

  it.each(['accuracy', 'macroF1'] as const)('%s: interval matches', (metric) => {
    const result = pairedBootstrap(metric, g.y_true, g.champion, g.challenger, g.k, {
      resamples: g.resamples,
      seed: g.seed,
      alpha: g.alpha,
    });
    close(result.mean, g[metric].mean, 1e-10);
    close(result.lower, g[metric].lower, 1e-10);
    close(result.upper, g[metric].upper, 1e-10);
    expect(result.confidence).toBeCloseTo(0.95, 12);
  });

  it('is reproducible from its seed and changes with it', () => {
    const run = (seed: number) =>
      pairedBootstrap('accuracy', g.y_true, g.champion, g.challenger, g.k, {
        resamples: 50,
        seed,
        alpha: 0.05,
      });
    expect(run(1)).toEqual(run(1));
    expect(run(1).mean).not.toBe(run(2).mean);
  });

  it('interpolates percentiles as numpy does', () => {
    expect(percentileLinear([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentileLinear([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(percentileLinear([5], 0.975)).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------
// Gate decisions on constructed pairs

const CLASSES = ['a', 'b'];

/** A holdout of `n` items (alternating classes); each model is right where its predicate says. */
function pair(
  n: number,
  champion: (i: number) => boolean,
  challenger: (i: number) => boolean,
): [HoldoutPredictions, HoldoutPredictions] {
  const yTrue = Array.from({ length: n }, (_, i) => i % 2);
  const predict = (right: (i: number) => boolean) => yTrue.map((y, i) => (right(i) ? y : 1 - y));
  const itemIds = yTrue.map((_, i) => `item-${i}`);
  return [
    { classIds: CLASSES, itemIds, yTrue, yPred: predict(champion) },
    { classIds: CLASSES, itemIds, yTrue, yPred: predict(challenger) },
  ];
}

describe('evaluateGate', () => {
  it('passes the first model with a stated reason', () => {
    const [, challenger] = pair(
      10,
      () => true,
      (i) => i < 8,
    );
    const verdict = evaluateGate({}, null, challenger);
    expect(verdict.passed).toBe(true);
    expect(verdict.reasons[0]).toMatch(/no champion yet/);
    // 10 holdout items are fewer than 30: the verdict says the score is a guess, with its interval.
    expect(verdict.reasons[1]).toMatch(/accuracy is 8\/10, 95 % Wilson interval 0\.4902–0\.9433/);
    expect(verdict.numbers.champion).toBeNull();
    expect(verdict.config).toMatchObject({ metric: 'macroF1', margin: 0.01, test: 'mcnemar' });
  });

  it('passes a clear, significant improvement (default rule)', () => {
    // 200 items: both right on 0–139; challenger alone right on 140–169 (c = 30), champion alone
    // never (b = 0): χ² = 29²/30, p ≈ 1.3e-7.
    const [champion, challenger] = pair(
      200,
      (i) => i < 140,
      (i) => i < 170,
    );
    const verdict = evaluateGate({}, champion, challenger);
    expect(verdict.passed).toBe(true);
    expect(verdict.numbers.mcnemar).toMatchObject({ b: 0, c: 30, method: 'chi2' });
    close(verdict.numbers.mcnemar?.pValue ?? NaN, chi2SurvivalDf1(29 ** 2 / 30));
    expect(verdict.numbers.difference ?? 0).toBeGreaterThan(0.1);
    expect(verdict.reasons).toHaveLength(2);
  });

  it('fails a large but not significant improvement (few discordant pairs, exact test)', () => {
    // 20 items: challenger alone right on 4, champion alone on 1: exact p = 0.375.
    const [champion, challenger] = pair(
      20,
      (i) => i < 10 || i === 19,
      (i) => i < 14,
    );
    const verdict = evaluateGate({}, champion, challenger);
    expect(verdict.numbers.mcnemar).toMatchObject({ b: 1, c: 4, method: 'exact' });
    close(verdict.numbers.mcnemar?.pValue ?? NaN, mcnemarExact(1, 4).pValue);
    expect(verdict.numbers.difference ?? 0).toBeGreaterThan(0.01);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[1]).toMatch(/not below 0\.05/);
  });

  it('fails a significant improvement smaller than the margin', () => {
    // Challenger right on 25 more items than the champion out of 1000, margin 0.05 on accuracy.
    const [champion, challenger] = pair(
      1000,
      (i) => i < 700,
      (i) => i < 725,
    );
    const verdict = evaluateGate({ metric: 'accuracy', margin: 0.05 }, champion, challenger);
    expect(verdict.numbers.mcnemar?.pValue ?? 1).toBeLessThan(0.05);
    close(verdict.numbers.difference ?? NaN, 0.025);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toMatch(/short of the required improvement of \+0\.0500/);
  });

  it('treats an improvement equal to the margin as meeting it despite rounding', () => {
    // 0.71 − 0.70 = 0.00999999999999990 in floating point.
    const [champion, challenger] = pair(
      100,
      (i) => i < 70,
      (i) => i < 71,
    );
    const verdict = evaluateGate({ metric: 'accuracy' }, champion, challenger);
    expect(verdict.reasons[0]).toMatch(/meeting the required improvement/);
  });

  it('fails when the significant difference favours the champion', () => {
    const [champion, challenger] = pair(
      200,
      (i) => i < 170,
      (i) => i < 140,
    );
    const verdict = evaluateGate({ margin: -1 }, champion, challenger);
    expect(verdict.numbers.mcnemar?.pValue ?? 1).toBeLessThan(0.05);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[1]).toMatch(/favours the champion/);
  });

  it('uses the bootstrap interval when configured', () => {
    const [champion, challenger] = pair(
      200,
      (i) => i < 140,
      (i) => i < 170,
    );
    const verdict = evaluateGate(
      { test: 'bootstrap', resamples: 300, seed: 3 },
      champion,
      challenger,
    );
    expect(verdict.passed).toBe(true);
    expect(verdict.numbers.mcnemar).toBeUndefined();
    expect(verdict.numbers.bootstrap?.lower ?? 0).toBeGreaterThan(0);
    expect(verdict.reasons[1]).toMatch(/95 % interval .* lies above zero/);

    const [sameChampion, noBetter] = pair(
      200,
      (i) => i < 140,
      (i) => i < 141 && i !== 3,
    );
    const tie = evaluateGate({ test: 'bootstrap', resamples: 300 }, sameChampion, noBetter);
    expect(tie.passed).toBe(false);
    expect(tie.reasons[1]).toMatch(/includes zero/);
  });

  it('refuses to compare evaluations of different holdouts', () => {
    const [champion, challenger] = pair(
      10,
      () => true,
      () => true,
    );
    const shorter = { ...champion, yTrue: Array.from(champion.yTrue).slice(0, 9) };
    expect(evaluateGate({}, shorter, challenger).reasons[0]).toMatch(/same frozen holdout/);
    const otherItems = { ...champion, itemIds: champion.itemIds?.map((id) => `${id}x`) };
    const verdict = evaluateGate({}, otherItems, challenger);
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons[0]).toMatch(/different holdout items/);
  });

  it('rejects an alpha outside (0, 1)', () => {
    const [champion, challenger] = pair(
      10,
      () => true,
      () => true,
    );
    expect(() => evaluateGate({ alpha: 0 }, champion, challenger)).toThrow(RangeError);
  });
});
