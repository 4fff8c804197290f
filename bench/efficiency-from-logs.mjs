// Rebuilds the label-efficiency figures of one dataset from the `[bench]` lines of one or more
// `npm run bench` logs, into bench/results/labeling.json — for runs spread over several bench
// processes (the Digits runs take minutes each on a 2-core CPU, so seeds and strategies were run
// side by side) or cut short. The summary is the suite's own (bench/efficiency-summary.mjs).
//
//   node bench/efficiency-from-logs.mjs digits /tmp/a.log /tmp/b.log
//
// The run settings are the suite's EFFICIENCY config (the same BENCH_EFF_* variables apply); a
// run's curve is rebuilt from its logged accuracies, one per round of `batch` labels after the
// `initial` ones. A (strategy, seed) pair logged twice keeps its last run.
import { readFile, writeFile } from 'node:fs/promises';
import { efficiencySummary } from './efficiency-summary.mjs';
import { EFFICIENCY, EFFICIENCY_STRATEGIES, TEST_FRACTION } from './suites/labeling.mjs';

const [dataset, ...logs] = process.argv.slice(2);
const cfg = EFFICIENCY[dataset];
if (!cfg || logs.length === 0) {
  console.error('usage: node bench/efficiency-from-logs.mjs <penguins|digits> <log> [<log>…]');
  process.exit(2);
}
const full = {};
const runs = new Map();
const runLine = new RegExp(
  `\\[bench\\] ${dataset} (\\S+) seed (\\d+): (>?)(\\d+) labels to ([\\d.]+) \\(([\\d. ]+)\\), (\\d+) s`,
);
const fullLine = new RegExp(
  `\\[bench\\] ${dataset} full data, seed (\\d+): test accuracy ([\\d.]+) on (\\d+)`,
);
for (const log of logs) {
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const f = fullLine.exec(line);
    if (f) full[f[1]] = { accuracy: Number(f[2]), test: Number(f[3]) };
    const m = runLine.exec(line);
    if (!m) continue;
    const [, strategy, seed, notReached, labels, target, accs, seconds] = m;
    const curve = accs
      .trim()
      .split(/\s+/)
      .map((a, i) => [Math.min(cfg.initial + i * cfg.batch, cfg.maxLabels), Number(a)]);
    runs.set(`${strategy}/${seed}`, {
      strategy,
      seed: Number(seed),
      target: Number(target),
      labelsToTarget: notReached ? null : Number(labels),
      seconds: Number(seconds),
      curve,
      source: log,
    });
  }
}
const all = [...runs.values()];
const file = new URL('./results/labeling.json', import.meta.url);
const written = JSON.parse(await readFile(file, 'utf8'));
written.results.efficiency ??= {};
written.results.efficiency[dataset] = {
  dataset,
  ...cfg,
  testFraction: TEST_FRACTION,
  testSet: cfg.testSeed !== undefined ? 'one for all seeds' : 'one per seed',
  fullData: full,
  source: `rebuilt by bench/efficiency-from-logs.mjs from ${logs.length} bench log(s)`,
  ...efficiencySummary(all, EFFICIENCY_STRATEGIES, cfg.maxLabels),
  runs: all.map(({ source: _source, ...r }) => r),
};
await writeFile(file, `${JSON.stringify(written, null, 2)}\n`);
console.table(written.results.efficiency[dataset].summary);
