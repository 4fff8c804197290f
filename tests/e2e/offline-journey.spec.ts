import { readFile, writeFile } from 'node:fs/promises';
import { expect, test } from './fixtures';

// The whole loop with the network off after the first visit: reload offline, open a demo, label
// by keyboard, train, export the workspace and import it back (replacing the project). Nothing
// may reach the network: the fixtures fail the test on any request to another origin, and the
// context is offline from the reload on, so the app's own files come from the precache.

test('offline after the first visit: demo, label, train, export, import', async ({
  page,
  context,
}, testInfo) => {
  test.setTimeout(420_000);
  await page.goto('/');
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) =>
        navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }),
      );
    }
    const worker = reg.active!;
    if (worker.state !== 'activated') {
      await new Promise((r) =>
        worker.addEventListener('statechange', () => worker.state === 'activated' && r(null)),
      );
    }
  });

  await context.setOffline(true);
  try {
    await page.reload();
    await page.getByRole('button', { name: /^Penguins/ }).click();
    await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
      timeout: 240_000,
    });

    // Label a few items by keyboard.
    await page.keyboard.press('Alt+3');
    await page.getByLabel('Your name').fill('Offline annotator');
    await page.getByRole('button', { name: 'Start labeling' }).click();
    await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();
    const item = page.getByTestId('current-item');
    await expect(item).toHaveText(/penguin-/);
    const before = Number(
      /(\d+) labelled/.exec((await page.getByTestId('label-count').textContent()) ?? '')?.[1],
    );
    for (let i = 0; i < 5; i++) {
      const id = (await item.getAttribute('title'))!;
      await page.locator('body').press(String((i % 3) + 1));
      await expect(item).not.toHaveAttribute('title', id);
    }
    await expect(page.getByTestId('label-count')).toContainText(`${before + 5} labelled`);
    await expect(page.getByTestId('label-count')).not.toContainText('saving');

    // Train the fast preset to completion.
    await page.keyboard.press('Alt+4');
    await page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' }).click();
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
      'completed',
      { timeout: 300_000 },
    );

    // Export the workspace, then import the file back: it replaces the project after asking.
    await page.keyboard.press('Alt+9');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export workspace' }).click();
    const file = await download;
    const path = testInfo.outputPath('offline.inloop');
    await writeFile(path, await readFile(await file.path()));
    await page.getByLabel('Workspace file to import').setInputFiles(path);
    const dialog = page.getByRole('dialog', { name: 'Replace project?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Replace' }).click();
    await expect(page.getByTestId('import-report')).toContainText('Imported “Penguins demo”');

    // The imported project carries the labels and the run.
    await page.keyboard.press('Alt+4');
    await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
      'completed',
    );
    await page.keyboard.press('Alt+3');
    await expect(page.getByTestId('label-count')).toContainText(`${before + 5} labelled`);
  } finally {
    await context.setOffline(false);
  }
});
