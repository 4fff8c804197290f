// Benchmark suite: training and inference through the real ML bridge and worker, per synthetic
// dataset (tabular blobs, keyword texts, 8×8 quadrant images; tests/fixtures/training-data.ts) and
// per backend: training samples/s, time to reach 95% of the final validation accuracy, and
// inference samples/s over a pool of synthetic feature vectors. Writes bench/results/training.json.
//
// Environment: BENCH_BACKENDS (default "webgpu,webgl,cpu"), BENCH_TRAINING_POOL (default 100000).
// Software WebGPU (SwiftShader, no GPU) is slow: it gets fewer epochs and a 5k-row pool.
import { inFreshPage, machineInfo, round, writeResult } from '../lib.mjs';

const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,webgl,cpu').split(',').map((b) => b.trim());
const pool = Number(process.env.BENCH_TRAINING_POOL ?? 100_000);

/**
 * Rows and epochs per dataset; `slow` is for software WebGPU (SwiftShader), which needs minutes
 * for a 100k-row pool even through a small MLP: it scores 5k rows there.
 */
const slowPool = Math.min(pool, 5000);
const datasets = [
  { dataset: 'tabular', rows: 3000, epochs: 10, slow: { epochs: 3, poolRows: slowPool } },
  { dataset: 'text', rows: 1500, epochs: 6, slow: { epochs: 2, poolRows: slowPool } },
  { dataset: 'image', rows: 1200, epochs: 4, slow: { epochs: 1, poolRows: slowPool } },
];

export const name = 'training';

export async function run({ browser, url }) {
  const results = [];
  let gpuAdapter = null;
  for (const backend of backends) {
    for (const d of datasets) {
      const software = backend === 'webgpu' && !process.env.BENCH_REAL_GPU;
      const options = {
        dataset: d.dataset,
        rows: d.rows,
        epochs: software ? d.slow.epochs : d.epochs,
        poolRows: software ? d.slow.poolRows : pool,
      };
      console.log(`\n${backend} · ${d.dataset}: ${options.rows} rows, ${options.epochs} epochs`);
      const f = await inFreshPage(browser, url, (page) =>
        page.evaluate(
          ([prefer, opts]) => window.inloopBench.training(prefer, opts),
          [backend, options],
        ),
      );
      if (f.report.backend !== backend) {
        console.log(`  ${backend} unavailable (ran on ${f.report.backend}); skipped`);
        continue;
      }
      if (f.report.adapter) gpuAdapter = f.report.adapter;
      results.push({
        backend: f.report.backend,
        dataset: f.dataset,
        rows: f.rows,
        trainRows: f.trainRows,
        featureDim: f.featureDim,
        epochs: f.epochs,
        trainSamplesPerSecond: round(f.trainSamplesPerSecond),
        secondsTo95PercentOfFinalValAccuracy: round(f.secondsTo95, 2),
        totalTrainSeconds: round(f.totalSeconds, 2),
        finalValAccuracy: round(f.finalValAccuracy, 3),
        testAccuracy: round(f.testAccuracy, 3),
        poolRows: f.poolRows,
        inferenceSamplesPerSecond: round(f.inferenceSamplesPerSecond),
        inferenceMs: round(f.inferenceMs),
      });
    }
  }
  await writeResult('training', {
    machine: machineInfo(browser, gpuAdapter),
    method:
      'Each dataset × backend in a fresh browser context: a synthetic project written to a fresh ' +
      'IndexedDB database, trained by MlBridge.trainModel (the worker reads the chunks itself; ' +
      'balanced preset, no early stopping, seed 42). trainSamplesPerSecond = training rows × ' +
      'epochs / time inside fitDataset (validation passes excluded). secondsTo95 = run time until ' +
      'the first epoch whose validation accuracy reached 95% of the final one (includes data ' +
      'loading and featurisation). Inference: MlBridge.predict over poolRows uniform random ' +
      'feature vectors (transferred, batch 4096, read back every 8192 rows), page-side wall time.',
    results,
  });
  console.log('\nTraining and inference');
  console.table(
    results.map((r) => ({
      backend: r.backend,
      dataset: r.dataset,
      epochs: r.epochs,
      'train samples/s': r.trainSamplesPerSecond,
      's to 95%': r.secondsTo95PercentOfFinalValAccuracy,
      'val acc': r.finalValAccuracy,
      'infer samples/s': r.inferenceSamplesPerSecond,
    })),
  );
  console.log('Wrote bench/results/training.json.');
}
