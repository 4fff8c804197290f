// Benchmark suite: workspace export and import (issue 9). A 100,000-item tabular project (20
// columns) with 30,000 labels, two runs and two model versions (MLP 20→128→64→3) is generated in
// the page, exported from IndexedDB to a `.inloop` file and imported into a fresh database.
// Writes bench/results/workspace.json.
//
// Environment: BENCH_WORKSPACE_ITEMS (default 100000), BENCH_WORKSPACE_REPS (default 3).
import { inFreshPage, machineInfo, median, round, writeResult } from '../lib.mjs';

const items = Number(process.env.BENCH_WORKSPACE_ITEMS ?? 100_000);
const reps = Number(process.env.BENCH_WORKSPACE_REPS ?? 3);

export const name = 'workspace';

const MiB = 1024 * 1024;

export async function run({ browser, url }) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const f = await inFreshPage(browser, url, (page) =>
      page.evaluate((n) => window.inloopBench.workspaceRoundTrip(n), items),
    );
    runs.push(f);
    console.log(
      `  run ${i + 1}: export ${round(f.seconds.export, 2)} s, import ${round(f.seconds.import, 2)} s, file ${round(f.fileBytes / MiB, 1)} MiB`,
    );
  }
  const med = (key) => median(runs.map((r) => r.seconds[key]));
  const first = runs[0];
  const results = {
    items,
    fileMiB: round(first.fileBytes / MiB, 2),
    uncompressedMiB: round(first.uncompressedBytes / MiB, 2),
    entries: first.entries,
    export: {
      seconds: round(med('export'), 2),
      uncompressedMiBPerSecond: round(first.uncompressedBytes / MiB / med('export'), 1),
      fileMiBPerSecond: round(first.fileBytes / MiB / med('export'), 1),
      phasesSeconds: {
        readIndexedDb: round(med('exportRead'), 2),
        zip: round(med('exportZip'), 2),
      },
    },
    import: {
      seconds: round(med('import'), 2),
      uncompressedMiBPerSecond: round(first.uncompressedBytes / MiB / med('import'), 1),
      fileMiBPerSecond: round(first.fileBytes / MiB / med('import'), 1),
      phasesSeconds: {
        readFile: round(med('fileToBytes'), 2),
        checkInflateDigestValidate: round(med('importCheck'), 2),
        writeIndexedDb: round(med('importWrite'), 2),
      },
    },
    runsSeconds: runs.map((r) =>
      Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, round(v, 2)])),
    ),
  };
  const file = await writeResult('workspace', {
    machine: machineInfo(browser),
    method:
      `${items} items × 20 columns (16 float, 4 categorical; 2% missing) in chunks of 4,096 rows, ` +
      `${Math.floor(items * 0.3)} labels, 2 runs and 2 model versions (MLP 20→128→64→3, weights ` +
      'stored twice each: version and run), generated in the page and written to a fresh IndexedDB. ' +
      'Export = readProject (one read transaction) + exportWorkspace (JSON Lines and chunk columns ' +
      'deflated, weights stored, SHA-256 per entry, fflate streaming Zip on the main thread). Import = ' +
      'File → bytes + readWorkspace (central directory, inflate under limits, SHA-256 check, parse, ' +
      'validate every row) + writeProject (one transaction) into a second fresh database. MiB/s over ' +
      `the uncompressed entry bytes and over the file size; medians of ${reps} runs, each in a fresh page.`,
    results,
  });
  console.log(`\nWrote ${file}`);
}
