// The label-efficiency summary of a set of simulated-oracle runs (bench/suites/labeling.mjs, and
// bench/efficiency-from-logs.mjs for runs spread over several bench processes): per strategy, the
// labels each seed needed to reach the target, their mean and the saving against random, and two
// whole-curve figures that still say something when runs hit the label cap.

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Normalised area under a learning curve [[labels, accuracy], …] from its first point to
 * `maxLabels` (trapezoids; the last accuracy held to the cap): the mean accuracy over that range.
 */
export function curveArea(curve, maxLabels) {
  if (curve.length === 0) return null;
  const pts = [...curve];
  const [lastLabels, lastAcc] = pts[pts.length - 1];
  if (lastLabels < maxLabels) pts.push([maxLabels, lastAcc]);
  const span = pts[pts.length - 1][0] - pts[0][0];
  if (span <= 0) return pts[0][1];
  let area = 0;
  for (let i = 1; i < pts.length; i++) {
    area += ((pts[i][1] + pts[i - 1][1]) / 2) * (pts[i][0] - pts[i - 1][0]);
  }
  return area / span;
}

/**
 * runs: [{ strategy, seed, labelsToTarget (null = not reached), curve: [[labels, accuracy]…],
 * querySeconds? }]. A run that never reached the target counts as `maxLabels` (a lower bound on
 * its true cost, so a saving against a random run that hit the cap is a lower bound too).
 */
export function efficiencySummary(runs, strategies, maxLabels) {
  const cost = (r) => r.labelsToTarget ?? maxLabels;
  const randomOf = (seed) => runs.find((r) => r.strategy === 'random' && r.seed === seed);
  const summary = strategies
    .filter((strategy) => runs.some((r) => r.strategy === strategy))
    .map((strategy) => {
      const mine = runs.filter((r) => r.strategy === strategy).sort((a, b) => a.seed - b.seed);
      const paired = mine.filter((r) => randomOf(r.seed));
      return {
        strategy,
        seeds: mine.map((r) => r.seed),
        labelsToTarget: mine.map((r) => r.labelsToTarget),
        meanLabels: round(mean(mine.map(cost)), 1),
        reachedAll: mine.every((r) => r.labelsToTarget !== null),
        perSeedSavingVsRandom: paired.map((r) => round(1 - cost(r) / cost(randomOf(r.seed)))),
        curveArea: mine.map((r) => round(curveArea(r.curve, maxLabels))),
        // Labels this strategy needed to match what random had at the cap (same seed); null when
        // it never did — or stopped first, on reaching the target.
        labelsToMatchRandomAtMax: paired.map((r) => {
          const random = randomOf(r.seed).curve;
          const goal = random[random.length - 1][1];
          return r.curve.find(([, acc]) => acc >= goal)?.[0] ?? null;
        }),
        // Not in a log line: only runs recorded by the suite itself carry it.
        ...(mine.every((r) => r.querySeconds !== undefined)
          ? { meanQuerySeconds: round(mean(mine.map((r) => r.querySeconds)), 2) }
          : {}),
      };
    });
  const random = summary.find((s) => s.strategy === 'random');
  for (const s of summary) {
    s.savingVsRandom = random ? round(1 - s.meanLabels / random.meanLabels) : null;
  }
  const ranked = summary
    .filter((s) => s.strategy !== 'random')
    .sort((a, b) => a.meanLabels - b.meanLabels || mean(b.curveArea) - mean(a.curveArea));
  return {
    summary,
    best: ranked[0]?.strategy ?? null,
    bestSavingVsRandom: ranked[0]?.savingVsRandom ?? null,
    meetsTarget40Percent: (ranked[0]?.savingVsRandom ?? 0) >= 0.4,
  };
}
