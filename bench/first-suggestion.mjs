// Seconds from the first label to the first model suggestion on the Digits demo, in the built app
// (issue 15/16): open the demo, start labeling with the default queue and the default "Retrain
// every 20 labels", press digit keys (the oracle is not the point: any labels of several classes
// do), and time from the first press to the first item that shows "Model suggests". Also records
// what the queue said it was running meanwhile. Run after `npm run build`:
//   node bench/first-suggestion.mjs [--backend auto|cpu|webgpu] [--runs 3]
// Writes bench/results/first-suggestion.json. No pass/fail: figures only.
import { spawn } from 'node:child_process';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.js';
import { machineInfo, median, round, writeResult } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const backends = arg('backend', 'auto,webgpu').split(',');
const runs = Number(arg('runs', '3'));
const port = 4191;

const server = spawn(
  'npx',
  ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  { stdio: 'ignore' },
);
const url = `http://127.0.0.1:${port}/`;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 300));
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
const machine = machineInfo(browser, null);
const results = [];
try {
  for (const backend of backends) {
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url);
      if (backend !== 'auto') {
        await page.getByRole('button', { name: 'Settings' }).click();
        await page.getByLabel('Compute backend').selectOption(backend);
        await page.keyboard.press('Escape');
      }
      await page.getByRole('button', { name: /^Digits/ }).click();
      await page.getByRole('heading', { name: 'Data', exact: true }).waitFor({ timeout: 180_000 });
      await page.keyboard.press('Alt+3');
      await page.getByLabel('Your name').fill('bench');
      await page.getByRole('button', { name: 'Start labeling' }).click();
      const item = page.getByTestId('current-item');
      const status = page.getByTestId('queue-status');
      await item.waitFor({ timeout: 120_000 });
      const seen = new Set();
      let t0 = 0;
      let presses = 0;
      let seconds = null;
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline) {
        const text = (await status.textContent()) ?? '';
        seen.add(
          text
            .replace(/\d+ queued/, 'N queued')
            .replace(/\s+/g, ' ')
            .trim(),
        );
        if (await page.getByTestId('suggestion').isVisible()) {
          seconds = (Date.now() - t0) / 1000;
          break;
        }
        const id = await item.getAttribute('title');
        await page.locator('body').press(String(presses % 10));
        if (presses === 0) t0 = Date.now();
        presses++;
        await page
          .waitForFunction(
            (prev) =>
              document.querySelector('[data-testid="current-item"]')?.getAttribute('title') !==
              prev,
            id,
            { timeout: 10_000 },
          )
          .catch(() => undefined);
        // A person labels about one digit a second.
        await page.waitForTimeout(1000);
      }
      const badge = (await page.getByTestId('backend-badge').textContent())?.trim();
      console.log(
        `[bench] ${backend} run ${run + 1}: ${seconds} s after ${presses} labels (${badge})`,
      );
      results.push({ backend, badge, run: run + 1, seconds, labels: presses, statuses: [...seen] });
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.kill();
}
const summary = Object.fromEntries(
  backends.map((b) => {
    const s = results.filter((r) => r.backend === b && r.seconds !== null).map((r) => r.seconds);
    return [b, { medianSeconds: s.length ? round(median(s), 1) : null, runs: s.length }];
  }),
);
await writeResult('first-suggestion', {
  machine,
  method:
    'Built app (vite preview), Digits demo, Label page with the defaults (margin queue, retrain ' +
    'every 20 labels), one digit key a second (~ a person), timed from the first press to the ' +
    'first item showing "Model suggests". Fresh browser context per run. backend "auto" = the ' +
    'measured choice; "webgpu" = forced WebGPU (the old default on this machine).',
  summary,
  results,
});
console.table(summary);
