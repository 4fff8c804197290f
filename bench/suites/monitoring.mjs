// Benchmark suite: drift monitoring (issue 7). bench/pages/monitoring.ts runs the pure engine
// (src/monitoring/engine.ts) in the page's main thread. Two parts, written to
// bench/results/monitoring.json:
//   - driftReport: one window's full report — 20 features (14 numeric, 6 categorical), reference
//     100k rows (all of them in the reference sample), window 10k rows (all of them in the
//     tests) — median / p95 over BENCH_MONITORING_REPEATS runs after a warm-up; target ≤ 200 ms.
//     Also the app's default caps (reference sample 5,000 rows, ≤ 5,000 test rows per window).
//   - detection: seeded SEA streams (sudden, gradual, sudden concept-only), 5 seeds each, windows
//     of 500, labels revealed 200 items later: detection delay in windows and false alarms per
//     100 windows, per signal and for the ensemble.
//
// Environment: BENCH_MONITORING_SEEDS ("1,2,3,4,5"), BENCH_MONITORING_REPEATS (20),
// BENCH_MONITORING_ROWS (stream length, 30000).
import os from 'node:os';
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

export const name = 'monitoring';

const seeds = (process.env.BENCH_MONITORING_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const repeats = Number(process.env.BENCH_MONITORING_REPEATS ?? 20);
const rows = Number(process.env.BENCH_MONITORING_ROWS ?? 30_000);
const WINDOW = 500;
const LAG = 200;

const SCENARIOS = [
  { scenario: 'sudden', driftAt: rows / 2, width: 0, covariateShift: true },
  { scenario: 'gradual', driftAt: rows / 2, width: 4000, covariateShift: true },
  { scenario: 'sudden-concept-only', driftAt: rows / 2, width: 0, covariateShift: false },
];

export async function run({ browser, url }) {
  // The machine is shared: the load average says how much of it the figures had.
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const report = await inFreshPage(browser, url, async (page) => {
    const full = await page.evaluate((o) => window.inloopBench.monitoringDriftReport(o), {
      referenceRows: 100_000,
      windowRows: 10_000,
      repeats,
      sampleRows: 100_000,
      maxTestRows: 10_000,
    });
    const capped = await page.evaluate((o) => window.inloopBench.monitoringDriftReport(o), {
      referenceRows: 100_000,
      windowRows: 10_000,
      repeats,
      sampleRows: 5_000,
      maxTestRows: 5_000,
    });
    const small = await page.evaluate((o) => window.inloopBench.monitoringDriftReport(o), {
      referenceRows: 100_000,
      windowRows: 500,
      repeats,
      sampleRows: 5_000,
      maxTestRows: 5_000,
    });
    return { full, capped, defaultWindow: small };
  });
  const fmt = (r) => ({
    ...r,
    medianMs: round(r.medianMs, 1),
    p95Ms: round(r.p95Ms, 1),
    minMs: round(r.minMs, 1),
    fitMs: round(r.fitMs, 0),
    profileMs: round(r.profileMs, 0),
    split: Object.fromEntries(Object.entries(r.split).map(([k, v]) => [k, round(v, 1)])),
  });
  console.log(
    `drift report 20 features, ref 100k, window 10k: median ${round(report.full.medianMs)} ms, p95 ${round(report.full.p95Ms)} ms`,
  );

  const runs = [];
  for (const sc of SCENARIOS) {
    for (const seed of seeds) {
      const r = await inFreshPage(browser, url, (page) =>
        page.evaluate((o) => window.inloopBench.monitoringDetection(o), {
          ...sc,
          seed,
          n: rows,
          window: WINDOW,
          lag: LAG,
        }),
      );
      console.log(
        `${sc.scenario} seed ${seed}: ensemble delay ${r.delay.ensemble}, false alarms ${r.falseAlarms.ensemble}/${r.preWindows}`,
      );
      runs.push(r);
    }
  }
  const signals = Object.keys(runs[0].delay);
  const summary = {};
  for (const sc of SCENARIOS) {
    const own = runs.filter((r) => r.scenario === sc.scenario);
    const pre = own.reduce((a, r) => a + r.preWindows, 0);
    summary[sc.scenario] = Object.fromEntries(
      signals.map((s) => {
        const delays = own.map((r) => r.delay[s]);
        const found = delays.filter((d) => d !== null);
        return [
          s,
          {
            medianDelayWindows: found.length ? median(found) : null,
            maxDelayWindows: found.length ? Math.max(...found) : null,
            detected: `${found.length}/${own.length}`,
            falseAlarmsPer100Windows: round(
              (100 * own.reduce((a, r) => a + r.falseAlarms[s], 0)) / pre,
              2,
            ),
          },
        ];
      }),
    );
  }
  const file = await writeResult(name, {
    machine: {
      ...machineInfo(browser),
      loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x, 2)) },
    },
    method: {
      driftReport:
        'windowReport() of src/monitoring/engine.ts in the page main thread (the app runs it in workers/monitor.worker.ts): 20 features (14 numeric → normalised Wasserstein, 6 categorical → Jensen–Shannon, as Evidently picks for references > 1,000 rows), predicted-class χ², KS on entropy, isolation-forest outlier scores of every window row, ensemble; timed after one warm-up. `full`: the reference sample holds all 100k rows and the tests see all 10k window rows (the issue figure). `capped`: the app defaults (reference sample 5,000 rows, tests on ≤ 5,000 window rows, counts and histograms over all). `defaultWindow`: a default 500-row window. `fitMs`: sorting the samples and fitting the isolation forest once per profile (cached by the monitor worker). `split`: median ms per part of the report (per-feature tests and histograms, outlier scoring, embedding MMD, prediction + uncertainty drift, other = ensemble and candidates), from a second set of runs with the `timings` option of windowReport on (the timed runs read no clock inside).',
      detection: `SEA streams of ${rows} rows (src/monitoring/synthetic-streams.ts), seeds ${seeds.join(',')}; drift at row ${rows / 2} (gradual: width 4,000, MOA sigmoid; the change counts from ${rows / 2 - 2000}); windows of ${WINDOW}; a fixed concept-0 logistic model p(low) = σ(1.5(8 − x1 − x2)); reference: 5,000 rows of concept 0 from another seed; labels revealed ${LAG} items after their prediction (arrival = the revealing item's time). Delay = windows from the change window to the first window in state drift (0 = the change window itself); false alarms = drift windows before the change, per 100 such windows. Signals: data = dataset drift (≥ 50% of features), prediction = χ² on predicted classes, uncertainty = KS on entropy, outliers = rate ≥ 3%, ddm/adwin/pageHinkley = any drift among the window's label arrivals once the detector is past its warm-up (river's minimum instances since its last reset, counted when the window opens), accuracy = one-sided z-test p < 0.01 against the reference accuracy, performance = the ensemble's performance group (≥ 50% of those four, or the accuracy test alone: it is decisive), ensemble = the default rule (2 of 3 groups, or performance alone).`,
    },
    results: {
      driftReport: {
        full: fmt(report.full),
        capped: fmt(report.capped),
        defaultWindow: fmt(report.defaultWindow),
      },
      detection: { summary, runs: runs.map((r) => ({ ...r, seconds: round(r.seconds, 1) })) },
    },
  });
  console.log(`wrote ${file}`);
}
