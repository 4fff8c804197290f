// Screenshots of the built app for review and for the README: `npm run build && node scripts/screenshots.mjs`.
// Writes docs/screenshot.png (light, projects page with two projects) and docs/screenshot-*.png.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from './chromium.js';

const port = 4176;
const server = spawn(
  'npx',
  ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
  {
    stdio: 'ignore',
  },
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
const url = `http://127.0.0.1:${port}/`;
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  for (const scheme of ['light', 'dark']) {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 760 },
      colorScheme: scheme,
    });
    await page.goto(url);
    await page.getByRole('heading', { name: 'Start your first project' }).waitFor();
    await page.screenshot({ path: `docs/screenshot-empty-${scheme}.png` });
    const projects = [
      ['Support ticket triage', 'text', ['billing', 'bug', 'feature request', 'other']],
      ['Penguin species', 'tabular', ['Adelie', 'Chinstrap', 'Gentoo']],
    ];
    for (const [name, modality, classes] of projects) {
      const newButton = page.getByRole('button', { name: 'New project' });
      if (await newButton.isVisible()) await newButton.click();
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByText(modality, { exact: false }).first().click();
      for (const [i, c] of classes.entries()) {
        if (i >= 2) await page.getByRole('button', { name: 'Add class' }).click();
        await page.getByLabel(`Class ${i + 1} name`).fill(c);
      }
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('button', { name, exact: true }).waitFor();
    }
    await page.getByTestId('backend-badge').getByText('WebGPU').waitFor({ timeout: 90_000 });
    await sleep(4500); // let the "created" notices fade
    await page.screenshot({
      path: scheme === 'light' ? 'docs/screenshot.png' : 'docs/screenshot-dark.png',
    });
    await page.getByRole('button', { name: 'New project' }).click();
    await page.screenshot({ path: `docs/screenshot-form-${scheme}.png` });
    await page.keyboard.press('Alt+3');
    await page.screenshot({ path: `docs/screenshot-label-${scheme}.png` });
    await page.getByTestId('backend-badge').click();
    await page.getByRole('dialog', { name: 'Settings' }).waitFor();
    await page.screenshot({ path: `docs/screenshot-settings-${scheme}.png` });
    await page.close();
  }
} finally {
  await browser.close();
  server.kill();
}
