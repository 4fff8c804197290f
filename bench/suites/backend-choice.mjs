// Benchmark suite for the measured backend choice (issue 15): does `auto` pick the fastest backend
// per job kind, what does that gain over the old default (WebGPU whenever an adapter exists, even
// SwiftShader's software one), and what does measuring add to a cold start. Everything runs in one
// process, back to back, so the ratios compare figures taken under the same load.
// Writes bench/results/backend-choice.json.
//
// Environment: BENCH_STARTUP_REPS (default 5), BENCH_CHOICE_ROWS (default 2000 training rows),
// BENCH_CHOICE_POOL (default 20000 rows scored).
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

const reps = Number(process.env.BENCH_STARTUP_REPS ?? 5);
const rows = Number(process.env.BENCH_CHOICE_ROWS ?? 2000);
const pool = Number(process.env.BENCH_CHOICE_POOL ?? 20000);

export const name = 'backend-choice';

const startup = (browser, url, prefer) =>
  inFreshPage(browser, url, (page) => page.evaluate((p) => window.inloopBench.startup(p), prefer));

export async function run({ browser, url }) {
  // 1. Cold starts: auto measuring (no cache), auto with a cached measurement, and each backend.
  const starts = {};
  let choice = null;
  for (const prefer of ['auto', 'auto-cached', 'wasm', 'cpu', 'webgpu']) {
    const samples = [];
    for (let i = 0; i < reps; i++) {
      if (prefer === 'auto-cached') {
        samples.push(
          await inFreshPage(browser, url, (page) =>
            page.evaluate((c) => window.inloopBench.startupCached(c), choice),
          ),
        );
      } else {
        const s = await startup(browser, url, prefer);
        if (prefer === 'auto' && !choice) choice = s.report.choice;
        samples.push(s);
      }
    }
    starts[prefer] = {
      backend: samples[0].report.backend,
      measured: samples.map((s) => s.report.measured ?? false),
      medianMs: round(median(samples.map((s) => s.totalMs))),
      runsMs: samples.map((s) => round(s.totalMs)),
      measureMs: samples
        .map((s) => s.report.choice?.measureMs)
        .filter((m) => m !== undefined)
        .map((m) => round(m)),
    };
    console.log(`[bench] start-up ${prefer}: median ${starts[prefer].medianMs} ms`);
  }

  // 2. Real jobs on each backend: a network's training (samples/s) and scoring a pool (rows/s).
  const jobs = {};
  for (const prefer of ['auto', 'wasm', 'cpu', 'webgpu']) {
    const software = prefer === 'webgpu' && !process.env.BENCH_REAL_GPU;
    const f = await inFreshPage(browser, url, (page) =>
      page.evaluate(
        ([p, o]) => window.inloopBench.training(p, o),
        [
          prefer,
          {
            dataset: 'tabular',
            rows: software ? Math.min(rows, 600) : rows,
            epochs: software ? 1 : 2,
            poolRows: software ? Math.min(pool, 2000) : pool,
          },
        ],
      ),
    );
    jobs[prefer] = {
      backend: f.report.backend,
      trainSamplesPerSecond: round(f.trainSamplesPerSecond),
      inferenceSamplesPerSecond: round(f.inferenceSamplesPerSecond),
    };
    console.log(
      `[bench] ${prefer} (${f.report.backend}): train ${jobs[prefer].trainSamplesPerSecond}/s, infer ${jobs[prefer].inferenceSamplesPerSecond}/s`,
    );
  }
  const explicit = ['wasm', 'cpu', 'webgpu'].filter((b) => jobs[b]?.backend === b);
  const perKind = {};
  for (const [kind, key] of [
    ['train', 'trainSamplesPerSecond'],
    ['infer', 'inferenceSamplesPerSecond'],
  ]) {
    const fastest = explicit.reduce((a, b) => (jobs[b][key] > jobs[a][key] ? b : a));
    perKind[kind] = {
      chosen: choice?.chosen?.[kind === 'infer' ? 'infer' : 'train'] ?? jobs.auto.backend,
      fastestMeasured: fastest,
      // Time ratio: chosen's time ÷ fastest's time (1.0 = the choice was the fastest).
      chosenTimeOverFastest: round(jobs[fastest][key] / jobs.auto[key], 3),
      speedupOverOldDefaultWebgpu: jobs.webgpu ? round(jobs.auto[key] / jobs.webgpu[key], 1) : null,
    };
  }
  const result = {
    machine: machineInfo(browser, null),
    method:
      'One process, back to back. Start-up: page-side time from new MlBridge().ready() to the ' +
      `init report, ${reps} cold starts each in a fresh browser context; "auto" measures every ` +
      'backend (no cached figures), "auto-cached" is handed the first auto start\'s figures. ' +
      'Jobs: the tabular MLP (network family, balanced preset) trained on synthetic blobs through ' +
      `the real worker (${rows} rows, 2 epochs; SwiftShader WebGPU 600 rows, 1 epoch) and ` +
      `${pool} feature rows scored (SwiftShader 2,000). Ratios: chosenTimeOverFastest = the ` +
      "fastest explicit backend's rate ÷ auto's rate (goal 1.0); speedupOverOldDefaultWebgpu = " +
      "auto's rate ÷ WebGPU's rate (the old default).",
    choice,
    startup: starts,
    measuringAddsMs: round(starts.auto.medianMs - starts['auto-cached'].medianMs),
    jobs,
    perKind,
  };
  await writeResult('backend-choice', result);
  console.table(perKind);
  console.log(`Measuring adds ${result.measuringAddsMs} ms to a cold start (median).`);
}
