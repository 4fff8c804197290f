import { createProject, expect, test } from './fixtures';

test('after the first visit the app works offline', async ({ page, context }) => {
  await page.goto('/');
  await createProject(page, 'Offline project', ['spam', 'ham']);
  // Wait until the service worker controls the page and has precached everything.
  const state = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
      );
    }
    // `ready` resolves while the worker may still be activating; the precache is complete once
    // it is activated.
    const worker = reg.active!;
    if (worker.state !== 'activated') {
      await new Promise((resolve) =>
        worker.addEventListener('statechange', () => worker.state === 'activated' && resolve(null)),
      );
    }
    return worker.state;
  });
  expect(state).toBe('activated');

  await context.setOffline(true);
  await page.reload();
  // Served by the service worker now, and still cross-origin isolated (public/sw-isolation.js).
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect(page.getByRole('table', { name: 'Projects' })).toContainText('Offline project');
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { level: 1, name: 'Data' })).toBeVisible();
  // The ML worker chunk (TF.js) and the wasm backend's binary come from the precache too.
  await expect(page.getByTestId('backend-badge')).toContainText('CPU (wasm', { timeout: 90_000 });
  await context.setOffline(false);
});
