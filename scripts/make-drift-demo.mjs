// Builds the "Drifting stream" demo files in public/demo/ from the seeded SEA generator in
// src/monitoring/synthetic-streams.ts (the same code the tests and benchmarks use). Deterministic:
// re-running gives identical files. No dependency beyond TypeScript (already a dev dependency),
// used only to strip the types of the two source files:
//
//   node scripts/make-drift-demo.mjs
//
// Writes public/demo/drifting-pool.csv and public/demo/drifting-production.csv; the layout is
// documented in public/demo/LICENSES.md and src/projects/demos.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const tmp = mkdtempSync(join(tmpdir(), 'drift-demo-'));
mkdirSync(join(tmp, 'lib'));
mkdirSync(join(tmp, 'monitoring'));
for (const [from, to] of [
  ['src/lib/rng.ts', 'lib/rng.mjs'],
  ['src/monitoring/synthetic-streams.ts', 'monitoring/synthetic-streams.mjs'],
]) {
  const js = ts.transpileModule(readFileSync(from, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(tmp, to), js.replaceAll("from '../lib/rng'", "from '../lib/rng.mjs'"));
}
const { seaStream } = await import(pathToFileURL(join(tmp, 'monitoring/synthetic-streams.mjs')));

export const POOL = { seed: 20260101, n: 2000 };
export const PRODUCTION = {
  seed: 20260102,
  n: 6000,
  driftPoints: [2500, 4500],
  gradualWidth: [0, 800],
  startTime: Date.UTC(2026, 1, 1),
  intervalMs: 60_000,
};

const name = (y) => (y === 1 ? 'low' : 'high');
const num = (x) => x.toFixed(4);

const pool = seaStream(POOL);
const poolLines = ['id,x1,x2,x3,label'];
for (let i = 0; i < POOL.n; i++) {
  poolLines.push(
    [
      `pool-${String(i + 1).padStart(4, '0')}`,
      num(pool.columns.x1[i]),
      num(pool.columns.x2[i]),
      num(pool.columns.x3[i]),
      name(pool.labels[i]),
    ].join(','),
  );
}
writeFileSync('public/demo/drifting-pool.csv', poolLines.join('\n') + '\n');

const prod = seaStream(PRODUCTION);
const prodLines = ['id,time,x1,x2,x3,label'];
for (let i = 0; i < PRODUCTION.n; i++) {
  prodLines.push(
    [
      `prod-${String(i + 1).padStart(5, '0')}`,
      new Date(prod.times[i]).toISOString().replace('.000Z', 'Z'),
      num(prod.columns.x1[i]),
      num(prod.columns.x2[i]),
      num(prod.columns.x3[i]),
      name(prod.labels[i]),
    ].join(','),
  );
}
writeFileSync('public/demo/drifting-production.csv', prodLines.join('\n') + '\n');
console.log(`pool ${POOL.n} rows, production ${PRODUCTION.n} rows written to public/demo/`);
