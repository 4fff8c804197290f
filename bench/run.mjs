// `npm run bench`: builds bench/pages with Vite, serves dist-bench/ on 127.0.0.1, drives it in
// headless Chromium (the same binary and flags as the browser tests, scripts/chromium.js) and
// writes bench/results/worker-startup.json and bench/results/matmul.json. See bench/README.md.
//
// Environment: BENCH_STARTUP_REPS (default 5), BENCH_BACKENDS (default "webgpu,webgl,cpu"),
// BENCH_TARGET_MS (timed work per matmul size, default 2000), CHROME_PATH (see scripts/chromium.js).
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
// `playwright` re-exports playwright-core's launcher and is a declared dependency.
import { chromium } from 'playwright';
import { chromiumArgs, chromiumAvailable, chromiumPath, installHint } from '../scripts/chromium.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.resolve(here, '../dist-bench');
const resultsDir = path.join(here, 'results');

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

const mime = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** A static file server for dist-bench/; Vite's preview would do, but this has no port games. */
function serve(root) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
    const target = url.pathname.endsWith('/') ? path.join(file, 'index.html') : file;
    if (!target.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(target)).isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'Content-Type': mime[path.extname(target)] ?? 'application/octet-stream',
      });
      createReadStream(target).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A fresh browser context per call: no HTTP cache, no compiled code, a cold worker. */
async function inFreshPage(browser, url, fn) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.text().startsWith('[bench]')) console.log(`  ${msg.text()}`);
    });
    page.on('pageerror', (error) => console.error(`  page error: ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => 'inloopBench' in window);
    return await fn(page);
  } finally {
    await context.close();
  }
}

async function main() {
  if (!chromiumAvailable()) {
    console.error(installHint);
    process.exit(1);
  }
  const started = Date.now();
  console.log('Building the bench page…');
  await build({ configFile: path.join(here, 'vite.config.ts'), logLevel: 'warn' });
  const server = await serve(distDir);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const date = new Date().toISOString();
    const startup = [];
    let gpuAdapter = null;

    console.log(`\nWorker start-up, ${startupReps} cold starts per backend:`);
    for (const backend of backends) {
      const samples = [];
      for (let i = 0; i < startupReps; i++) {
        samples.push(
          await inFreshPage(browser, server.url, (page) =>
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
      const { report, bench } = await inFreshPage(browser, server.url, (page) =>
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

    const machine = {
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpus: { model: os.cpus()[0]?.model ?? 'unknown', count: os.cpus().length },
      memoryGB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      chromium: browser.version(),
      chromiumArgs,
      gpuAdapter,
    };
    await mkdir(resultsDir, { recursive: true });
    const write = (name, benchmark, method, results) =>
      writeFile(
        path.join(resultsDir, name),
        `${JSON.stringify({ benchmark, date, machine, method, results }, null, 2)}\n`,
      );
    await write(
      'worker-startup.json',
      'worker-startup',
      'Page-side time from new MlBridge().ready() (new Worker, module load, TF.js import, backend ' +
        'init) to the init report, each run in a fresh browser context (cold caches).',
      startup,
    );
    await write(
      'matmul.json',
      'matmul',
      `Square fp32 tf.matMul, fixed-seed inputs. One warm-up, one calibration run, then as many ` +
        `iterations as fit in ${targetMs} ms (max ${maxIterations}), dispatched back to back and ` +
        'timed until the last result is read back. GFLOP/s = 2n^3 x iterations / time.',
      matmul,
    );

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
    console.log(
      `Wrote bench/results/worker-startup.json and bench/results/matmul.json in ` +
        `${round((Date.now() - started) / 1000)} s.`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
