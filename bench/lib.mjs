// Shared plumbing of `npm run bench`: build the bench page, serve it, drive headless Chromium,
// describe the machine and write one JSON file per benchmark in bench/results/.
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
// `playwright` re-exports playwright-core's launcher and is a declared dependency.
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
// BENCH_OUT: another build folder, so parallel bench runs do not overwrite each other's build.
const distDir = path.resolve(here, '..', process.env.BENCH_OUT ?? 'dist-bench');
export const resultsDir = path.join(here, 'results');

const mime = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** A static file server for dist-bench/; Vite's preview would do, but this has no port games. */
export function serve(root) {
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

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
export const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A fresh browser context per call: no HTTP cache, no compiled code, a cold worker. */
export async function inFreshPage(browser, url, fn) {
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

/** Builds the bench page, serves it and launches Chromium; `fn` gets what a suite needs. */
export async function withBenchPage(fn) {
  await build({ configFile: path.join(here, 'vite.config.ts'), logLevel: 'warn' });
  const server = await serve(distDir);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    return await fn({ browser, url: server.url });
  } finally {
    await browser.close();
    server.close();
  }
}

/** The machine a figure was measured on; `gpuAdapter` as the WebGPU backend reported it. */
export function machineInfo(browser, gpuAdapter = null) {
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: { model: os.cpus()[0]?.model ?? 'unknown', count: os.cpus().length },
    memoryGB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    chromium: browser.version(),
    chromiumArgs,
    gpuAdapter,
  };
}

/** Writes bench/results/<name>.json: { benchmark, date, machine, method, results }. */
export async function writeResult(name, { machine, method, results }) {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  const date = new Date().toISOString();
  await writeFile(
    file,
    `${JSON.stringify({ benchmark: name, date, machine, method, results }, null, 2)}\n`,
  );
  return file;
}
