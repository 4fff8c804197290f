// Screenshots of the Label page for review: `npm run build && node scripts/screenshots-labeling.mjs`.
// Writes docs/screenshot-labeling-{label,review,progress,digits}-{light,dark}.png.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.js';

const port = 4177;
const server = spawn(
  'npx',
  ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  { stdio: 'ignore' },
);
for (let i = 0; i < 60; i++) {
  if (
    await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await sleep(250);
}
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  for (const scheme of ['light', 'dark']) {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 860 },
      colorScheme: scheme,
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByRole('button', { name: /^Penguins/ }).click();
    await page.getByRole('heading', { name: 'Data', exact: true }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Alt+3');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Start labeling' }).click();
    await page.getByTestId('current-item').waitFor();
    for (let i = 0; i < 6; i++) await page.keyboard.press(String(1 + (i % 3)));
    await sleep(4500);
    await page.screenshot({ path: `docs/screenshot-labeling-label-${scheme}.png` });
    await page.getByRole('tab', { name: 'Progress' }).click();
    await sleep(800);
    await page.screenshot({ path: `docs/screenshot-labeling-progress-${scheme}.png` });
    await page.getByRole('tab', { name: 'Label' }).click();
    await page.keyboard.press('?');
    await sleep(300);
    await page.screenshot({ path: `docs/screenshot-labeling-keys-${scheme}.png` });
    await page.close();
  }
} finally {
  await browser.close();
  server.kill();
}
