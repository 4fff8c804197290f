// Benchmark suite: the labeling panel (issue 5), through the headless API (src/api) in the bench
// page, on the CPU backend by default (BENCH_LABELING_BACKEND). Writes bench/results/labeling.json:
//   - label-error detection: Penguins, every label imported, 10% flipped at random (seeded); the
//     review queue's 5-fold confident learning; precision and recall of the flagged set;
//   - label efficiency: Penguins with a simulated oracle, 3 seeds, batch 10, retrain per round:
//     labels needed to reach 90% of the full-data holdout accuracy, per strategy;
//   - query latency: one queue refill (pool inference in the worker + selection) per strategy on a
//     synthetic 100k-row tabular pool with a trained model;
//   - key press → next item painted on that 100k-item project (the real Label page).
//
// Environment: BENCH_LABELING_BACKEND (cpu), BENCH_LABELING_SEEDS (1,2,3), BENCH_LABELING_ROUNDS
// (max rounds per efficiency run, 8), BENCH_LABELING_POOL (100000), BENCH_LABELING_KEYS (200).
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

export const name = 'labeling';

const prefer = process.env.BENCH_LABELING_BACKEND ?? 'cpu';
const seeds = (process.env.BENCH_LABELING_SEEDS ?? '1,2,3').split(',').map(Number);
const maxRounds = Number(process.env.BENCH_LABELING_ROUNDS ?? 8);
const poolRows = Number(process.env.BENCH_LABELING_POOL ?? 100_000);
const keyPresses = Number(process.env.BENCH_LABELING_KEYS ?? 200);
const EFFICIENCY_STRATEGIES = ['random', 'margin', 'entropy', 'badge', 'core-set'];
const LATENCY_STRATEGIES = [
  'random',
  'least-confidence',
  'margin',
  'entropy',
  'bald',
  'core-set',
  'badge',
];
const BATCH = 10;

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function labelErrors(browser, url) {
  return inFreshPage(browser, url, async (page) => {
    const out = [];
    for (const seed of seeds) {
      out.push(
        await page.evaluate(([s, p]) => window.inloopBench.labelErrors(s, 0.1, p), [seed, prefer]),
      );
    }
    const tp = out.reduce((a, r) => a + r.truePositives, 0);
    const flagged = out.reduce((a, r) => a + r.flagged, 0);
    const flips = out.reduce((a, r) => a + r.flippedReviewed, 0);
    return {
      flipRate: 0.1,
      folds: 5,
      perSeed: out.map((r) => ({
        ...r,
        precision: round(r.precision, 3),
        recall: round(r.recall, 3),
        seconds: round(r.seconds, 1),
      })),
      pooled: { precision: round(tp / flagged, 3), recall: round(tp / flips, 3) },
    };
  });
}

async function labelEfficiency(browser, url) {
  return inFreshPage(browser, url, async (page) => {
    const full = {};
    for (const seed of seeds) {
      full[seed] = await page.evaluate(
        ([s, p]) => window.inloopBench.fullAccuracy(s, p),
        [seed, prefer],
      );
    }
    const runs = [];
    for (const strategy of EFFICIENCY_STRATEGIES) {
      for (const seed of seeds) {
        const options = {
          batch: BATCH,
          maxRounds,
          target: 0.9 * full[seed],
          stopAt: 0.98 * full[seed],
          prefer,
        };
        runs.push(
          await page.evaluate(
            ([st, s, o]) => window.inloopBench.labelEfficiency(st, s, o),
            [strategy, seed, options],
          ),
        );
      }
    }
    const cap = BATCH * maxRounds;
    const summary = EFFICIENCY_STRATEGIES.map((strategy) => {
      const mine = runs.filter((r) => r.strategy === strategy);
      // A run that never reached the target counts as the cap (a lower bound on its cost).
      const labels = mine.map((r) => r.labelsToTarget ?? cap);
      return {
        strategy,
        labelsToTarget: mine.map((r) => r.labelsToTarget),
        meanLabels: round(mean(labels), 1),
        labelsTo98Percent: mine.map((r) => r.labelsToStop),
        meanLabelsTo98Percent: round(mean(mine.map((r) => r.labelsToStop ?? cap)), 1),
        reachedAll: mine.every((r) => r.labelsToTarget !== null),
      };
    });
    const random = summary.find((s) => s.strategy === 'random');
    for (const s of summary) {
      s.savingVsRandom = round(1 - s.meanLabels / random.meanLabels, 3);
      s.savingVsRandomAt98Percent = round(
        1 - s.meanLabelsTo98Percent / random.meanLabelsTo98Percent,
        3,
      );
    }
    const best = summary
      .filter((s) => s.strategy !== 'random')
      .sort((a, b) => a.meanLabels - b.meanLabels)[0];
    return {
      dataset: 'penguins',
      batch: BATCH,
      maxRounds,
      fullDataHoldoutAccuracy: Object.fromEntries(
        Object.entries(full).map(([k, v]) => [k, round(v, 3)]),
      ),
      summary,
      best: best.strategy,
      bestSavingVsRandom: best.savingVsRandom,
      meetsTarget40Percent: best.savingVsRandom >= 0.4,
      runs: runs.map((r) => ({
        ...r,
        target: round(r.target, 3),
        seconds: round(r.seconds, 1),
        curve: r.curve.map((p) => ({ labels: p.labels, accuracy: round(p.accuracy, 3) })),
      })),
    };
  });
}

async function bigPool(browser, url) {
  return inFreshPage(browser, url, async (page) => {
    const setup = await page.evaluate(
      ([n, p]) => window.inloopBench.bigProject(n, p),
      [poolRows, prefer],
    );
    // Warm-up: the first pool inference compiles and uploads the model.
    await page.evaluate(() => window.inloopBench.queryLatency('margin', 100));
    const latency = [];
    for (const strategy of LATENCY_STRATEGIES) {
      const ms = await page.evaluate((s) => window.inloopBench.queryLatency(s, 100), strategy);
      latency.push({ strategy, k: 100, ms: round(ms) });
    }

    await page.evaluate(() => window.inloopBench.mountLabelPage());
    await page.getByLabel('Your name').fill('bench');
    await page.getByRole('button', { name: 'Start labeling' }).click();
    await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();
    const item = page.getByTestId('current-item');
    const status = page.getByTestId('queue-status');
    await item.waitFor({ timeout: 120_000 });
    const settle = async () => {
      for (
        let i = 0;
        i < 600 && /Choosing|Retraining/.test((await status.textContent()) ?? '');
        i++
      )
        await page.waitForTimeout(100);
    };
    await settle();
    let stalls = 0;
    let stallMs = 0;
    for (let i = 0; i < keyPresses; i++) {
      // When the batch runs out the queue refills (pool inference): a stall, counted apart.
      if (!(await item.isVisible())) {
        stalls++;
        const t = Date.now();
        await item.waitFor({ timeout: 120_000 });
        stallMs += Date.now() - t;
      }
      await page.locator('body').press(String(i % 10));
      await page.waitForTimeout(50);
    }
    await page.waitForTimeout(200);
    const samples = await page.evaluate(() => window.inloopBench.keyLatencies());
    const ms = samples.filter((s) => s.changed).map((s) => s.ms);
    const dom = samples.filter((s) => s.changed && s.domMs !== null).map((s) => s.domMs);
    return {
      setup: {
        rows: poolRows,
        classes: 10,
        features: 16,
        labels: setup.labels,
        importSeconds: round(setup.importSeconds, 1),
        trainSeconds: round(setup.trainSeconds, 1),
      },
      queryLatency: latency,
      keyPress: {
        presses: keyPresses,
        measured: ms.length,
        notChangedByNextFrame: samples.length - ms.length,
        p50Ms: round(median(ms)),
        p95Ms: round(quantile(ms, 0.95)),
        maxMs: round(Math.max(...ms)),
        domUpdateP50Ms: round(median(dom)),
        domUpdateP95Ms: round(quantile(dom, 0.95)),
        queueRunOutStalls: stalls,
        queueRunOutStallMsTotal: stallMs,
      },
    };
  });
}

export async function run({ browser, url }) {
  const t0 = Date.now();
  console.log(`Label-error detection (Penguins, 10% flipped, seeds ${seeds.join(',')})…`);
  const review = await labelErrors(browser, url);
  console.log(`Label efficiency (Penguins, batch ${BATCH}, ≤ ${maxRounds} rounds)…`);
  const efficiency = await labelEfficiency(browser, url);
  console.log(`Query latency and key press on a ${poolRows}-row pool…`);
  const big = await bigPool(browser, url);
  const seconds = round((Date.now() - t0) / 1000);

  await writeResult('labeling', {
    machine: {
      ...machineInfo(browser),
      backend: prefer,
      loadAverage: (await import('node:os')).loadavg(),
    },
    method:
      `All through the headless API (src/api) in the bench page, ML worker on the ${prefer} ` +
      'backend, default training preset (balanced), the page database fresh per browser context. ' +
      'labelErrors: penguins.csv with each labelled row flipped with probability 0.1 to one of the ' +
      'other two species (mulberry32 seed), all labels imported, ReviewState.run() (5 stratified ' +
      'folds, out-of-fold probabilities, cleanlab prune_by_noise_rate); precision = flagged ∩ ' +
      'flipped / flagged, recall = flagged ∩ flipped / flipped non-holdout items (the review skips ' +
      'the frozen holdout). labelEfficiency: per seed, a reference project with every label gives ' +
      'the full-data accuracy on its frozen holdout; then per strategy × seed a project with no ' +
      `labels, rounds until 98% or ${maxRounds} rounds: selectQueries(strategy, ${BATCH}) (model-based strategies cold-start with diversity ` +
      'sampling), the oracle labels with the true species, train(), accuracy on the holdout; ' +
      'labels to reach 90% (and, as a harder figure, 98%) of the full-data accuracy of the same seed (holdouts differ between ' +
      'projects: item ids carry the source id). Runs that never reach it count as the cap in ' +
      'meanLabels. queryLatency: one selectQueries(strategy, 100) on a synthetic pool (10 Gaussian ' +
      'classes, 16 features, 0.5% labels imported, one model trained), page-side wall time: pool ' +
      'inference in the worker (predict; BALD 10 MC-dropout passes; embeddings for core-set and ' +
      'BADGE, ≤ 10,000-row candidate subsample) + selection + suggestions for the batch, after ' +
      'one warm-up refill. keyPress: the real LabelPage mounted on that project, auto-retrain off, ' +
      'a digit key every ~50 ms through Playwright; in the page a capture keydown listener marks ' +
      't0, the next requestAnimationFrame callback posts to a MessageChannel whose handler (after ' +
      'that frame is painted) marks t1 and checks the current item changed; domUpdate* is keydown → ' +
      'the new item id in the DOM (MutationObserver), the work without the wait for the frame. ' +
      'No key is pressed while the batch has run out (the queue refills only then): those waits ' +
      'are reported as queueRunOutStalls.',
    results: { seconds, review, efficiency, ...big },
  });
  console.log('\nLabel-error detection', JSON.stringify(review.pooled));
  console.table(efficiency.summary);
  console.table(big.queryLatency);
  console.log('Key press', JSON.stringify(big.keyPress));
  console.log(`Wrote bench/results/labeling.json (${seconds} s).`);
}
