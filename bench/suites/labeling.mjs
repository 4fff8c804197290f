// Benchmark suite: the labeling panel (issue 5), through the headless API (src/api) and the Label
// page's modules in the bench page, on the CPU backend by default (BENCH_LABELING_BACKEND). Writes
// bench/results/labeling.json (method and knobs: bench/README.md):
//   - review: label-error detection, Penguins, every label imported, 10% flipped at random
//     (seeded); the review queue's 5-fold confident learning; precision and recall;
//   - efficiency: simulated oracle on Penguins and Digits on a fixed test set, identical initial
//     sets: labels to first reach 90% of the full-data test accuracy, per strategy, vs random;
//   - latency: one queue refill (pool inference in the worker + selection) per strategy on a
//     synthetic 100k-row tabular pool with a trained model;
//   - keys: key press → next item painted on that 100k-item project (the real Label page).
//
// Environment: BENCH_LABELING_PARTS (review,efficiency,latency,keys), BENCH_LABELING_BACKEND (cpu),
// BENCH_LABELING_SEEDS (review seeds, 1,2,3), BENCH_LABELING_POOL (100000), BENCH_LABELING_KEYS
// (200 presses per run), BENCH_LABELING_KEY_RUNS (3), BENCH_EFF_* (see EFFICIENCY below).
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.js';
import { efficiencySummary } from '../efficiency-summary.mjs';
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

export const name = 'labeling';

const prefer = process.env.BENCH_LABELING_BACKEND ?? 'cpu';
const seeds = (process.env.BENCH_LABELING_SEEDS ?? '1,2,3').split(',').map(Number);
const poolRows = Number(process.env.BENCH_LABELING_POOL ?? 100_000);
const keyPresses = Number(process.env.BENCH_LABELING_KEYS ?? 200);
export const EFFICIENCY_STRATEGIES = ['random', 'margin', 'entropy', 'badge', 'core-set'];
const LATENCY_STRATEGIES = [
  'random',
  'least-confidence',
  'margin',
  'entropy',
  'bald',
  'core-set',
  'badge',
];

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

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

export const EFFICIENCY = {
  penguins: {
    initial: Number(process.env.BENCH_EFF_PENGUINS_INITIAL ?? 3),
    batch: Number(process.env.BENCH_EFF_PENGUINS_BATCH ?? 3),
    maxLabels: Number(process.env.BENCH_EFF_PENGUINS_MAX ?? 60),
    preset: process.env.BENCH_EFF_PRESET ?? 'balanced',
  },
  digits: {
    initial: Number(process.env.BENCH_EFF_DIGITS_INITIAL ?? 20),
    batch: Number(process.env.BENCH_EFF_DIGITS_BATCH ?? 20),
    maxLabels: Number(process.env.BENCH_EFF_DIGITS_MAX ?? 300),
    // The CNN on the CPU backend of a shared 2-core machine: 'balanced' (15 epochs) took over
    // ten minutes for the full-data reference alone; 'fast' (5 epochs) for the reference and
    // every round alike.
    preset: process.env.BENCH_EFF_PRESET ?? 'fast',
    // One test set (and so one full-data reference) for every seed: seeds vary the initial set
    // and the training and strategy draws.
    testSeed: 0,
  },
};
const effDatasets = (process.env.BENCH_EFF_DATASETS ?? 'penguins,digits').split(',');
const effSeeds = (process.env.BENCH_EFF_SEEDS ?? seeds.join(',')).split(',').map(Number);
const effStrategies = (process.env.BENCH_EFF_STRATEGIES ?? EFFICIENCY_STRATEGIES.join(','))
  .split(',')
  .map((x) => x.trim());
export const TEST_FRACTION = 0.3;

async function labelEfficiency(browser, url, dataset) {
  return inFreshPage(browser, url, async (page) => {
    const cfg = EFFICIENCY[dataset];
    const setup = await page.evaluate((d) => window.inloopBench.efficiencySetup(d), dataset);
    const common = {
      prefer,
      preset: cfg.preset,
      testFraction: TEST_FRACTION,
      ...(cfg.testSeed !== undefined ? { testSeed: cfg.testSeed } : {}),
    };
    const full = {};
    for (const seed of effSeeds) {
      full[seed] =
        cfg.testSeed !== undefined && seed !== effSeeds[0]
          ? full[effSeeds[0]]
          : await page.evaluate(
              ([d, s, o]) => window.inloopBench.efficiencyFull(d, s, o),
              [dataset, seed, common],
            );
    }
    const runs = [];
    for (const seed of effSeeds) {
      for (const strategy of effStrategies) {
        const target = 0.9 * full[seed].accuracy;
        const options = { ...common, ...cfg, target, stopAt: target };
        runs.push(
          await page.evaluate(
            ([d, st, s, o]) => window.inloopBench.efficiencyRun(d, st, s, o),
            [dataset, strategy, seed, options],
          ),
        );
      }
    }
    const curves = runs.map((r) => ({
      ...r,
      curve: r.curve.map((p) => [p.labels, p.accuracy]),
    }));
    const summary = efficiencySummary(curves, effStrategies, cfg.maxLabels);
    return {
      dataset,
      ...setup,
      ...cfg,
      testFraction: TEST_FRACTION,
      testSet: cfg.testSeed !== undefined ? 'one for all seeds' : 'one per seed',
      seeds: effSeeds,
      fullData: Object.fromEntries(
        Object.entries(full).map(([k, v]) => [
          k,
          { accuracy: round(v.accuracy, 3), test: v.test, trainable: v.trainable },
        ]),
      ),
      ...summary,
      runs: runs.map((r) => ({
        strategy: r.strategy,
        seed: r.seed,
        target: round(r.target, 3),
        labelsToTarget: r.labelsToTarget,
        seconds: round(r.seconds, 1),
        querySeconds: round(r.querySeconds ?? 0, 1),
        curve: r.curve.map((p) => [p.labels, round(p.accuracy, 3)]),
      })),
    };
  });
}

const keyRuns = Number(process.env.BENCH_LABELING_KEY_RUNS ?? 3);
/** >0: background retrain every this many labels during the key presses (0: retrain off). */
const retrainEvery = Number(process.env.BENCH_LABELING_KEYS_RETRAIN ?? 0);

function keyStats(samples, eventTimingsMs) {
  const shown = samples.filter((s) => s.changed);
  const frame = shown.map((s) => s.frameMs);
  const work = shown.filter((s) => s.workMs !== null).map((s) => s.workMs);
  const delay = samples.map((s) => s.inputDelayMs);
  return {
    measured: samples.length,
    notShownByNextFrame: samples.length - shown.length,
    toPaintP50Ms: round(median(frame)),
    toPaintP95Ms: round(quantile(frame, 0.95)),
    toPaintMaxMs: round(Math.max(...frame)),
    frameWaitP50Ms: round(median(shown.map((x) => x.frameStartMs))),
    frameWaitP95Ms: round(
      quantile(
        shown.map((x) => x.frameStartMs),
        0.95,
      ),
    ),
    renderP50Ms: round(median(shown.map((x) => x.frameMs - x.frameStartMs))),
    renderP95Ms: round(
      quantile(
        shown.map((x) => x.frameMs - x.frameStartMs),
        0.95,
      ),
    ),
    workP50Ms: round(median(work)),
    workP95Ms: round(quantile(work, 0.95)),
    workMaxMs: round(Math.max(...work)),
    inputDelayP50Ms: round(median(delay)),
    inputDelayP95Ms: round(quantile(delay, 0.95)),
    eventTimingOver16Ms: eventTimingsMs.length,
    // Quantiles of the recorded durations (only those ≥ 16 ms are reported by the browser): the
    // whole distribution when every press was recorded.
    eventTimingP50Ms: eventTimingsMs.length ? round(median(eventTimingsMs)) : null,
    eventTimingP95Ms: eventTimingsMs.length ? round(quantile(eventTimingsMs, 0.95)) : null,
    eventTimingOver24Ms: eventTimingsMs.filter((d) => d > 24).length,
  };
}

async function bigPool(browser, url, { latency: doLatency, keys: doKeys }) {
  return inFreshPage(browser, url, async (page) => {
    const setup = await page.evaluate(
      ([n, p]) => window.inloopBench.bigProject(n, p),
      [poolRows, prefer],
    );
    const out = {
      setup: {
        rows: poolRows,
        classes: 10,
        features: 16,
        labels: setup.labels,
        importSeconds: round(setup.importSeconds, 1),
        trainSeconds: round(setup.trainSeconds, 1),
      },
    };
    if (doLatency) {
      // Warm-up: the first pool inference compiles and uploads the model.
      await page.evaluate(() => window.inloopBench.queryLatency('margin', 100));
      const latency = [];
      for (const strategy of LATENCY_STRATEGIES) {
        const { cold, warm } = await page.evaluate(
          (s) => window.inloopBench.queryLatency(s, 100),
          strategy,
        );
        latency.push({ strategy, k: 100, ms: round(cold), sameModelMs: round(warm) });
      }
      out.queryLatency = latency;
    }
    if (doKeys) out.keyPress = await measureKeys(page);
    return out;
  });
}

/** Mounts the Label page on the big project and times `keyRuns` runs of key presses. */
async function measureKeys(page) {
  await page.evaluate(() => window.inloopBench.mountLabelPage());
  await page.getByLabel('Your name').fill('bench');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  if (retrainEvery > 0) {
    // Background retrains during the presses (issue 15/16: key press p95 while retrains run).
    await page.getByRole('checkbox', { name: /Retrain every/ }).check();
    const every = page.getByLabel('Labels between retrains');
    await every.fill(String(retrainEvery));
    await every.press('Enter');
    await every.blur();
  } else {
    await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();
  }
  const item = page.getByTestId('current-item');
  const status = page.getByTestId('queue-status');
  await item.waitFor({ timeout: 120_000 });
  const settle = async () => {
    for (let i = 0; i < 600 && /Choosing|Retraining/.test((await status.textContent()) ?? ''); i++)
      await page.waitForTimeout(100);
  };
  const os = await import('node:os');
  const runs = [];
  for (let run = 0; run < keyRuns; run++) {
    if (retrainEvery === 0) await settle();
    await page.evaluate(() => window.inloopBench.keyLatencies()); // drop earlier samples
    const loadBefore = os.loadavg()[0];
    let stalls = 0;
    let stallMs = 0;
    let pressesDuringRetrain = 0;
    for (let i = 0; i < keyPresses; i++) {
      // The queue ran dry (a refill still running): a stall, counted apart; no press then.
      if (!(await item.isVisible())) {
        stalls++;
        const t = Date.now();
        await item.waitFor({ timeout: 120_000 });
        stallMs += Date.now() - t;
      }
      if (retrainEvery > 0 && /Retraining/.test((await status.textContent()) ?? '')) {
        pressesDuringRetrain++;
      }
      await page.locator('body').press(String(i % 10));
      await page.waitForTimeout(50);
    }
    await page.waitForTimeout(300);
    const { samples, eventTimingsMs } = await page.evaluate(() =>
      window.inloopBench.keyLatencies(),
    );
    const stats = {
      run: run + 1,
      presses: keyPresses,
      loadAverage1m: [round(loadBefore, 2), round(os.loadavg()[0], 2)],
      ...keyStats(samples, eventTimingsMs),
      queueRanDry: stalls,
      queueRanDryMsTotal: stallMs,
      ...(retrainEvery > 0 ? { retrainEvery, pressesDuringRetrain } : {}),
    };
    console.log('  key run', JSON.stringify(stats));
    runs.push(stats);
  }
  const best = [...runs].sort((a, b) => a.toPaintP95Ms - b.toPaintP95Ms)[0];
  const span = (key) => [
    Math.min(...runs.map((r) => r[key])),
    Math.max(...runs.map((r) => r[key])),
  ];
  return {
    runs,
    best: best.run,
    spread: {
      toPaintP50Ms: span('toPaintP50Ms'),
      toPaintP95Ms: span('toPaintP95Ms'),
      workP50Ms: span('workP50Ms'),
      workP95Ms: span('workP95Ms'),
      queueRanDry: span('queueRanDry'),
    },
  };
}

const KEY_METHOD =
  'The real LabelPage mounted on the 100k-row project (default queue: margin, batch 20, ' +
  `auto-retrain off), ${keyRuns} runs of ${keyPresses} digit presses through Playwright, one every ` +
  '~50 ms plus the round trip (a superhuman pace: it stresses the refills). In the page, a capture ' +
  "keydown listener on window (before the page's own) takes t0 = performance.now(). work = t0 → " +
  "the new item id in the DOM (MutationObserver: the synchronous work of the press plus Svelte's " +
  'update, before layout and paint). toPaint = t0 → the end of the first frame after the press: a ' +
  'requestAnimationFrame callback posts to a MessageChannel, and that message is handled only ' +
  "after the frame's rendering step (style, layout, paint) — it is the main thread's share of " +
  'getting the frame out; compositing and raster happen off the main thread after it. `changed` ' +
  "checks the frame showed the new item. inputDelay = the event's timeStamp → t0 (time the key " +
  'waited for a busy main thread; not in toPaint). Event Timing (PerformanceObserver type event, ' +
  'keydown, durationThreshold 16: timestamp → next paint, 8 ms granularity) is a cross-check: ' +
  "how many presses took ≥ 16 / > 24 ms by the browser's own account. queueRanDry = presses " +
  'that found no item (the refill had not come back); no key is pressed then. Each run records ' +
  'the 1-minute load average before and after: the machine is shared.';

const PARTS = (process.env.BENCH_LABELING_PARTS ?? 'review,efficiency,latency,keys').split(',');

const METHOD = {
  review:
    'penguins.csv with each labelled row flipped with probability 0.1 to one of the other two ' +
    'species (mulberry32 seed), all labels imported, ReviewState.run() (5 stratified folds, ' +
    'out-of-fold probabilities, cleanlab prune_by_noise_rate); precision = flagged ∩ flipped / ' +
    'flagged, recall = flagged ∩ flipped / flipped non-holdout items (the review skips the frozen ' +
    'holdout).',
  efficiency:
    'Per dataset one project with every true label imported once (the oracle). Per seed a fixed ' +
    `test set: the labelled rows whose row key hashes (MurmurHash3, seed, salt bench-test) below ` +
    `${TEST_FRACTION} — it does not move with a re-import, and it is the same for every strategy. ` +
    'Full-data accuracy: one training on every other labelled row (80/20 train/validation by ' +
    "hash, stratified), accuracy on the test set. A run: the seed's initial set (one random row " +
    'per class, then random rows up to `initial`; identical across strategies), then rounds of ' +
    'train (the same preset, splitAssignment = revealed rows 80/20 + the test set) → test accuracy ' +
    "→ scorePool(strategy, batch) over the unrevealed non-test rows (the Label page's pool " +
    "scoring: worker inference + selection) until the accuracy first reaches 90% of the seed's " +
    'full-data accuracy (first crossing, the same measure for every strategy) or maxLabels. A run ' +
    'that never reaches it counts as maxLabels (a lower bound). savingVsRandom = 1 − mean labels / ' +
    "random's mean labels; perSeedSavingVsRandom pairs runs of the same seed.",
  latency:
    'One selectQueries(strategy, 100) on a synthetic pool (10 Gaussian classes, 16 features, 0.5% ' +
    'labels imported, one model trained), page-side wall time: pool inference in the worker ' +
    '(predict; BALD MC-dropout passes over its candidate subsample; embeddings for core-set and ' +
    'BADGE, ≤ 10,000-row candidate subsample) + selection + suggestions for the batch, after one ' +
    'warm-up refill; `ms` right after a new model (the cached pool outputs forgotten), ' +
    '`sameModelMs` the next refill with the same model (its probabilities/embeddings reused: ' +
    'selection only; BALD draws fresh MC-dropout passes every time).',
};

export async function run({ browser, url }) {
  const t0 = Date.now();
  const { readFile } = await import('node:fs/promises');
  const os = await import('node:os');
  // This run's parts; the others keep their figures (with the machine they were taken on), read
  // again just before writing, so that runs of different parts may overlap.
  const results = {};
  const machines = {};
  const machine = () => ({
    ...machineInfo(browser),
    backend: prefer,
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    date: new Date().toISOString(),
  });
  if (PARTS.includes('review')) {
    console.log(`Label-error detection (Penguins, 10% flipped, seeds ${seeds.join(',')})…`);
    results.review = await labelErrors(browser, url);
    machines.review = machine();
  }
  if (PARTS.includes('efficiency')) {
    results.efficiency = {};
    for (const dataset of effDatasets) {
      console.log(`Label efficiency (${dataset}, seeds ${effSeeds.join(',')})…`);
      const before = os.loadavg();
      results.efficiency[dataset] = await labelEfficiency(browser, url, dataset);
      machines[`efficiency.${dataset}`] = { ...machine(), loadAverageAtStart: before };
      console.table(results.efficiency[dataset].summary);
    }
  }
  if (PARTS.includes('latency') || PARTS.includes('keys')) {
    console.log(`Query latency and key press on a ${poolRows}-row pool…`);
    const before = os.loadavg();
    const big = await bigPool(browser, url, {
      latency: PARTS.includes('latency'),
      keys: PARTS.includes('keys'),
    });
    results.setup = big.setup;
    if (big.queryLatency) {
      results.queryLatency = big.queryLatency;
      machines.latency = { ...machine(), loadAverageAtStart: before };
      console.table(big.queryLatency);
    }
    if (big.keyPress) {
      // The same presses in a Chromium whose frames are not paced by a 60 Hz display clock
      // (--disable-gpu-vsync --disable-frame-rate-limit): a frame starts as soon as there is
      // something to draw, so toPaint is the page's own latency without the wait for the display's
      // next vsync (0–16.7 ms at 60 Hz, which no page can shorten).
      const unthrottled = await chromium.launch({
        executablePath: chromiumPath,
        args: [...chromiumArgs, '--disable-gpu-vsync', '--disable-frame-rate-limit'],
      });
      try {
        const again = await bigPool(unthrottled, url, { latency: false, keys: true });
        big.keyPress = { vsync60Hz: big.keyPress, unthrottled: again.keyPress };
      } finally {
        await unthrottled.close();
      }
      const key = retrainEvery > 0 ? 'keyPressDuringRetrain' : 'keyPress';
      results[key] = big.keyPress;
      machines[retrainEvery > 0 ? 'keysDuringRetrain' : 'keys'] = {
        ...machine(),
        loadAverageAtStart: before,
      };
      console.log('Key press', JSON.stringify(big.keyPress, null, 1));
    }
  }
  const seconds = round((Date.now() - t0) / 1000);
  let previous = null;
  try {
    previous = JSON.parse(
      await readFile(new URL('../results/labeling.json', import.meta.url), 'utf8'),
    );
  } catch {
    /* first run */
  }
  const merged = {
    ...(previous?.results ?? {}),
    ...results,
    ...(results.efficiency
      ? { efficiency: { ...(previous?.results?.efficiency ?? {}), ...results.efficiency } }
      : {}),
  };
  await writeResult('labeling', {
    machine: machine(),
    method: {
      common:
        `All through the headless API (src/api) and the Label page's modules in the bench page, ML ` +
        `worker on the ${prefer} backend, the page database fresh per browser context. ` +
        '`machines` records the machine and load average of each part when it was last run.',
      ...METHOD,
      keys: KEY_METHOD,
    },
    results: { ...merged, seconds, parts: PARTS },
  });
  // writeResult has no room for per-part machines: add them.
  const file = new URL('../results/labeling.json', import.meta.url);
  const written = JSON.parse(await readFile(file, 'utf8'));
  written.machines = { ...(previous?.machines ?? {}), ...machines };
  await (await import('node:fs/promises')).writeFile(file, `${JSON.stringify(written, null, 2)}\n`);
  if (results.review) console.log('\nLabel-error detection', JSON.stringify(results.review.pooled));
  console.log(`Wrote bench/results/labeling.json (${seconds} s).`);
}
