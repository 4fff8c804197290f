import type { Page } from '@playwright/test';
import { expect, test, promoteFirstChampion } from './fixtures';

// The Monitor section on the built app: open the Drifting stream demo (a labelled SEA pool and a
// production stream with a sudden drift at item 2,500), train, register and promote through the
// Models page, replay the production stream with delayed labels on the Serve page while the
// dashboard fills in, and see the ensemble call drift after the planted change — and not before.

const WINDOW = 500;
const DRIFT_AT = 2500;

/** Window numbers (1-based) of the alerts in the given state. */
async function alertWindows(page: Page, state: 'Drift' | 'Warning'): Promise<number[]> {
  const texts = await page.getByTestId('monitor-alerts').locator(':scope > li').allInnerTexts();
  return texts
    .filter((t) => t.trimStart().startsWith(state))
    .map((t) => Number(/Window (\d+)/.exec(t)?.[1]))
    .sort((a, b) => a - b);
}

test('Drifting stream demo: replay production traffic and watch the monitor call drift', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/');
  // CPU backend: WebGPU on SwiftShader trains far slower (shared/BROWSER.md).
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Compute backend').selectOption('cpu');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: /^Drifting stream/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });

  // Without a champion the Monitor says so and points to the Models page.
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: 'No champion to monitor' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to Models' })).toHaveAttribute(
    'href',
    '#/models',
  );

  // Train the fast preset on the labelled pool.
  await page.keyboard.press('Alt+4');
  await page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' }).click();
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
    'completed',
    { timeout: 300_000 },
  );

  // Register version 1 and promote it to champion through the gate (first champion).
  await promoteFirstChampion(page);

  // A champion without traffic: the Monitor points to Serve.
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: 'No predictions yet' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to Serve' })).toHaveAttribute('href', '#/serve');

  // Replay the production stream as fast as possible, revealing labels 200 items later.
  await page.keyboard.press('Alt+6');
  const replay = page.getByTestId('replay-panel');
  const source = replay.getByTestId('replay-source');
  const value = await source
    .locator('option', { hasText: 'drifting-production' })
    .getAttribute('value');
  await source.selectOption(value);
  await replay.getByTestId('replay-speed').selectOption('Infinity');
  await replay.getByTestId('replay-reveal').check();
  await replay.getByTestId('replay-lag').fill('200');
  await replay.getByTestId('replay-start').click();

  // The dashboard fills in while the replay runs (the replay outlives the Serve view).
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: /Monitoring version 1/ })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.locator('canvas[aria-label="Data drift per window"]')).toBeVisible({
    timeout: 120_000,
  });

  // Wait for every window of the stream (6,000 items / 500) to be computed.
  const picker = page.getByLabel('Selected window', { exact: true });
  await expect(picker.locator('option')).toHaveCount(6000 / WINDOW, { timeout: 300_000 });

  // Drift is called after the planted change (window 6 starts at item 2,500) and not before.
  const drift = await alertWindows(page, 'Drift');
  expect(drift.length).toBeGreaterThan(0);
  expect(drift[0]).toBeGreaterThan(DRIFT_AT / WINDOW);
  expect(drift[0]).toBeLessThanOrEqual(DRIFT_AT / WINDOW + 2);

  // The evidence of the first drift window: features x1 and x3 drift; the table and the
  // drill-down histogram show them.
  await page
    .getByTestId('monitor-alerts')
    .getByRole('button', { name: new RegExp(`Window ${drift[0]} `) })
    .click();
  await expect(picker).toHaveValue(String(drift[0]! - 1));
  const table = page.getByRole('table', { name: 'Per-feature drift in the selected window' });
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.locator('tbody tr').filter({ hasText: 'x1' })).toContainText('yes');
  await expect(table.locator('tbody tr').filter({ hasText: 'x3' })).toContainText('yes');
  await table.getByRole('button', { name: 'Histogram of x3' }).click();
  await expect(
    page.locator('canvas[aria-label="Histogram of x3, reference vs the selected window"]'),
  ).toBeVisible();
  // Sorting by feature name puts x1 first.
  await table.getByRole('button', { name: /^Feature/ }).click();
  await expect(table.locator('tbody tr').first()).toContainText('x1');

  // The flagged production items go to labeling, each with what the champion predicted for it.
  await page.keyboard.press('Alt+3');
  await page.getByLabel('Your name').fill('E2E annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();
  await page.getByLabel('Strategy').selectOption('monitoring');
  await expect(page.getByTestId('queue-status')).toContainText(
    /Monitoring: outliers and drifted regions · \d+ queued/,
  );
  // The item on screen when the strategy changed stays first; the next is a candidate.
  await page.locator('body').press('s');
  await expect(page.getByTestId('item-origin')).toContainText(/outlier|drifted region/);
  await expect(page.getByTestId('suggestion')).toContainText(
    /Served version 1 predicted (low|high) \(\d+%\)/,
  );
});
