import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, test } from './fixtures';

// A new build is simulated by changing the served service worker's bytes: the browser then
// installs it as an update, which must wait for the user instead of taking over mid-work.
const swPath = resolve(process.env.E2E_OUT ?? 'dist', 'sw.js');

test('a new version waits for the user, then updates on request', async ({ page }) => {
  const original = await readFile(swPath);
  try {
    await page.goto('/');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) =>
          navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }),
        );
      }
    });
    await expect(page.getByTestId('update-banner')).toHaveCount(0);

    await appendFile(swPath, `\n// e2e: a newer build ${Date.now()}\n`);
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      await reg.update();
    });
    const banner = page.getByTestId('update-banner');
    await expect(banner).toContainText('A new version of Inloop is ready');
    // The old worker still controls the page: nothing was taken over behind the user's back.
    const waiting = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.waiting !== null;
    });
    expect(waiting).toBe(true);

    await Promise.all([
      page.waitForEvent('load'),
      banner.getByRole('button', { name: 'Update' }).click(),
    ]);
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
    const stillWaiting = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.waiting !== null;
    });
    expect(stillWaiting).toBe(false);
  } finally {
    await writeFile(swPath, original);
  }
});
