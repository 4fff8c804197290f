// Benchmark suite: streaming import through the ingest worker. A generated CSV (rows × 20 mixed
// columns, built in the page as a Blob) and small generated PNGs (28×28, like MNIST digits).
// Writes bench/results/ingest.json.
//
// Environment: BENCH_INGEST_ROWS (default 1000000), BENCH_INGEST_IMAGES (default 5000).
import { inFreshPage, machineInfo, round, writeResult } from '../lib.mjs';

const rows = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const images = Number(process.env.BENCH_INGEST_IMAGES ?? 5000);

export const name = 'ingest';

const tidy = (f) => ({
  rows: f.rows,
  bytes: f.bytes,
  seconds: round(f.seconds, 2),
  rowsPerSecond: Math.round(f.rowsPerSecond),
  mibPerSecond: round(f.mibPerSecond, 2),
  longestMainThreadTaskMs: round(f.longestTaskMs),
  longTasks: f.longTasks,
  peakPageHeapMiB: f.peakPageHeapMiB === null ? null : round(f.peakPageHeapMiB),
  phasesSeconds: Object.fromEntries(Object.entries(f.phases).map(([k, v]) => [k, round(v, 2)])),
});

export async function run({ browser, url }) {
  console.log(`\nCSV: ${rows} rows × 20 columns`);
  const csv = await inFreshPage(browser, url, (page) =>
    page.evaluate((n) => window.inloopBench.ingestCsv(n), rows),
  );
  console.log(
    `  ${Math.round(csv.rowsPerSecond)} rows/s, ${round(csv.mibPerSecond, 1)} MiB/s, longest main-thread task ${round(csv.longestTaskMs)} ms`,
  );

  console.log(`\nImages: ${images} PNGs 28×28`);
  const img = await inFreshPage(browser, url, (page) =>
    page.evaluate((n) => window.inloopBench.ingestImages(n), images),
  );
  console.log(`  ${Math.round(img.rowsPerSecond)} images/s`);

  const file = await writeResult('ingest', {
    machine: machineInfo(browser),
    method:
      'Data generated in the page (CSV Blob: 12 float, 4 integer, 4 categorical columns; PNGs via ' +
      'OffscreenCanvas), imported through IngestBridge → ingest worker → a fresh IndexedDB, including ' +
      'quality report, digest and commit. Long tasks: PerformanceObserver "longtask" in the page. Heap: ' +
      'performance.memory of the page (the worker heap is not included), sampled every 50 ms.',
    results: {
      csv: tidy(csv),
      images: { ...tidy(img), imagesPerSecond: Math.round(img.rowsPerSecond) },
    },
  });
  console.log(`\nWrote ${file}`);
}
