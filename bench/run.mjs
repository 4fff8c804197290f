// `npm run bench`: builds bench/pages with Vite, serves dist-bench/ on 127.0.0.1, drives it in
// headless Chromium (the same binary and flags as the browser tests, scripts/chromium.js) and runs
// every suite in bench/suites/ in turn; each writes its JSON into bench/results/. See bench/README.md.
//
// BENCH_ONLY=backends,ingest runs only the named suites.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumAvailable, installHint } from '../scripts/chromium.js';
import { here, round, withBenchPage } from './lib.mjs';

if (!chromiumAvailable()) {
  console.error(installHint);
  process.exit(1);
}

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const files = (await readdir(path.join(here, 'suites'))).filter((f) => f.endsWith('.mjs')).sort();
const suites = [];
for (const f of files) suites.push(await import(pathToFileURL(path.join(here, 'suites', f)).href));

const started = Date.now();
console.log('Building the bench page…');
await withBenchPage(async (ctx) => {
  for (const suite of suites) {
    if (only && !only.includes(suite.name)) continue;
    console.log(`\n=== ${suite.name} ===`);
    await suite.run(ctx);
  }
});
console.log(`\nBenchmarks done in ${round((Date.now() - started) / 1000)} s.`);
