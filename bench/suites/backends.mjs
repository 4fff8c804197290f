// Benchmark suite: ML worker start-up per backend, and matmul throughput per backend.
// Writes bench/results/worker-startup.json and bench/results/matmul.json.
//
// Environment: BENCH_STARTUP_REPS (default 5), BENCH_BACKENDS (default "webgpu,webgl,cpu"),
// BENCH_TARGET_MS (timed work per matmul size, default 2000).
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

const startupReps = Number(process.env.BENCH_STARTUP_REPS ?? 5);
const targetMs = Number(process.env.BENCH_TARGET_MS ?? 2000);
const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,webgl,cpu').split(',').map((b) => b.trim());

/**
 * Sizes per backend. SwiftShader (software WebGPU, used when there is no GPU) manages well under
 * 1 GFLOP/s, so n = 1024 costs it about 6 s per matmul; with `targetMs` that is still one warm-up,
 * one calibration and one timed run. Override per backend, e.g. BENCH_WEBGPU_SIZES=256,512.
 */
const defaultSizes = { webgpu: [256, 512, 1024], webgl: [256, 512, 1024], cpu: [256, 512, 1024] };
function sizesFor(backend) {
  const override = process.env[`BENCH_${backend.toUpperCase()}_SIZES`];
  return override ? override.split(',').map(Number) : defaultSizes[backend];
}
/** Upper bound on timed iterations per size; `targetMs` usually stops earlier. */
const maxIterations = 50;

export const name = 'backends';

export async function run({ browser, url }) {
  const startup = [];
  let gpuAdapter = null;

  console.log(`\nWorker start-up, ${startupReps} cold starts per backend:`);
  for (const backend of backends) {
    const samples = [];
    for (let i = 0; i < startupReps; i++) {
      samples.push(
        await inFreshPage(browser, url, (page) =>
          page.evaluate((prefer) => window.inloopBench.startup(prefer), backend),
        ),
      );
    }
    const report = samples[0].report;
    if (report.backend === 'webgpu') gpuAdapter = report.adapter ?? null;
    const totals = samples.map((s) => s.totalMs);
    const inits = samples.map((s) => s.initMs);
    startup.push({
      requested: backend,
      backend: report.backend,
      tried: report.tried,
      repetitions: samples.length,
      medianMs: round(median(totals)),
      minMs: round(Math.min(...totals)),
      maxMs: round(Math.max(...totals)),
      medianInitMs: round(median(inits)),
      runsMs: totals.map((t) => round(t)),
      initRunsMs: inits.map((t) => round(t)),
    });
  }

  console.log('\nMatmul throughput:');
  const matmul = [];
  for (const backend of backends) {
    const sizes = sizesFor(backend);
    const { report, bench } = await inFreshPage(browser, url, (page) =>
      page.evaluate(
        ([prefer, options]) => window.inloopBench.matmul(prefer, options),
        [backend, { sizes, iterations: maxIterations, targetMs }],
      ),
    );
    for (const r of bench.results) {
      matmul.push({
        requested: backend,
        backend: report.backend,
        size: r.size,
        iterations: r.iterations,
        warmupMs: round(r.warmupMs),
        msPerIteration: round(r.msPerIteration, 2),
        gflops: round(r.gflops, 2),
      });
    }
  }

  const machine = machineInfo(browser, gpuAdapter);
  await writeResult('worker-startup', {
    machine,
    method:
      'Page-side time from new MlBridge().ready() (new Worker, module load, TF.js import, backend ' +
      'init) to the init report, each run in a fresh browser context (cold caches).',
    results: startup,
  });
  await writeResult('matmul', {
    machine,
    method:
      `Square fp32 tf.matMul, fixed-seed inputs. One warm-up, one calibration run, then as many ` +
      `iterations as fit in ${targetMs} ms (max ${maxIterations}), dispatched back to back and ` +
      'timed until the last result is read back. GFLOP/s = 2n^3 x iterations / time.',
    results: matmul,
  });

  console.log('\nWorker start-up (ms, median of cold starts)');
  console.table(
    startup.map((s) => ({
      requested: s.requested,
      backend: s.backend,
      median: s.medianMs,
      min: s.minMs,
      max: s.maxMs,
      'init (in worker)': s.medianInitMs,
    })),
  );
  console.log('Matmul throughput');
  console.table(
    matmul.map((m) => ({
      backend: m.backend,
      n: m.size,
      iterations: m.iterations,
      'ms/iter': m.msPerIteration,
      'GFLOP/s': m.gflops,
    })),
  );
  console.log('Wrote bench/results/worker-startup.json and bench/results/matmul.json.');
}
