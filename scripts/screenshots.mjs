// Screenshots of every section on the built app, light and dark, for a look at the UI:
// `npx vite build && node scripts/screenshots.mjs [outDir]` (serves dist/ itself on port 4199).
// Opens the Drifting stream demo, trains the fast preset, registers and promotes version 1,
// replays some production traffic, then photographs each section in both themes, at a phone's
// 390 px and a desktop's 1440 px (`SHOT_WIDTHS=390,1440`, the default), as <name>-<theme>-<w>.png.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.js';

const out = process.argv[2] ?? 'screenshots';
const dist = process.env.E2E_OUT ?? 'dist';
const port = 4199;
mkdirSync(out, { recursive: true });
const server = spawn(
  'npx',
  ['vite', 'preview', '--outDir', dist, '--port', String(port), '--strictPort'],
  { stdio: 'ignore', detached: true },
);
await new Promise((r) => setTimeout(r, 8000));
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const base = `http://127.0.0.1:${port}`;
  await page.goto(base);
  await page.getByRole('heading', { name: 'Start from a demo' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: /^Drifting stream/ }).click();
  await page.getByRole('heading', { name: 'Data', exact: true }).waitFor({ timeout: 240_000 });
  await page.keyboard.press('Alt+4');
  await page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' }).click();
  await page.getByTestId('train-start').click();
  await page
    .getByTestId('run-list')
    .locator('tbody tr')
    .first()
    .getByText('completed')
    .waitFor({ timeout: 300_000 });
  await page.keyboard.press('Alt+5');
  await page.getByTestId('register-submit').click();
  await page.getByRole('button', { name: 'Open version 1', exact: true }).click();
  await page.getByTestId('promote').click();
  await page.getByTestId('gate-promote').click();
  await page.keyboard.press('Alt+6');
  const replay = page.getByTestId('replay-panel');
  const value = await replay
    .getByTestId('replay-source')
    .locator('option', { hasText: 'drifting-production' })
    .getAttribute('value');
  await replay.getByTestId('replay-source').selectOption(value);
  await replay.getByTestId('replay-speed').selectOption('Infinity');
  await replay.getByTestId('replay-reveal').check();
  await replay.getByRole('button', { name: /Start/ }).click();
  await page.waitForTimeout(60_000);
  const widths = (process.env.SHOT_WIDTHS ?? '390,1440').split(',').map(Number);
  for (const width of widths)
    for (const theme of ['light', 'dark']) {
      await page.setViewportSize({ width, height: width < 720 ? 844 : 1000 });
      await page.evaluate((t) => localStorage.setItem('inloop.theme', t), theme);
      for (const name of [
        'projects',
        'data',
        'label',
        'train',
        'models',
        'serve',
        'monitor',
        'automate',
        'share',
      ]) {
        await page.goto(`${base}/#/${name}`);
        await page.reload();
        await page.waitForTimeout(name === 'monitor' ? 8000 : 2500);
        await page.screenshot({ path: `${out}/${name}-${theme}-${width}.png`, fullPage: true });
      }
    }
} finally {
  await browser.close();
  process.kill(-server.pid); // the whole group: npx and the vite it started
}
