import { readFileSync } from 'node:fs';
import { expect, test, promoteFirstChampion } from './fixtures';

// The Serve page on the built app: open the Penguins demo, train the fast preset, make the run the
// champion, import production traffic on the Data page, then try one penguin, batch-score the
// production source, see the rows in the prediction log, and have a bad labels file refused.

/** Production traffic: the demo's own rows under new ids (`prod-001`…), species kept as target. */
function productionCsv(rows: number): { name: string; mimeType: string; buffer: Buffer } {
  const lines = readFileSync('public/demo/penguins.csv', 'utf8').trim().split('\n');
  const out = [lines[0]!];
  for (let r = 1; r <= rows; r++) {
    out.push(lines[r]!.replace(/^penguin-/, 'prod-'));
  }
  return { name: 'traffic.csv', mimeType: 'text/csv', buffer: Buffer.from(out.join('\n') + '\n') };
}

test('Penguins demo: try it, batch-score production traffic, read the prediction log', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });

  // Without a champion, Serve says so and points to the Models page.
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'No champion to serve' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to Models' })).toHaveAttribute(
    'href',
    '#/models',
  );

  // Train the fast preset.
  await page.keyboard.press('Alt+4');
  await page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' }).click();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
    'completed',
    { timeout: 240_000 },
  );
  await promoteFirstChampion(page);

  // Production traffic through the Data page's import, role "production".
  await page.keyboard.press('Alt+2');
  await page.getByRole('button', { name: 'Import data' }).click();
  await page.getByLabel('Files to import').setInputFiles(productionCsv(60));
  await expect(page.getByRole('table', { name: 'Preview of the first rows' })).toBeVisible();
  await page.getByRole('radio', { name: /Production/ }).check();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 60_000 });

  await page.keyboard.press('Alt+6');
  await expect(page.getByTestId('serve-champion')).toContainText('version 1');

  // Try it: a typical Gentoo (long flipper, heavy), the island and sex left missing.
  const tryIt = page.getByTestId('try-it');
  await tryIt.getByLabel('Beak Length (mm)').fill('47.5');
  await tryIt.getByLabel('Beak Depth (mm)').fill('15');
  await tryIt.getByLabel('Flipper Length (mm)').fill('217');
  await tryIt.getByLabel('Body Mass (g)').fill('5200');
  await tryIt.getByTestId('try-predict').click();
  // A missing feature is named and nothing is predicted or logged until the user asks.
  await expect(tryIt.getByTestId('try-missing')).toContainText(
    'Not predicted: 2 features are empty (Island, Sex)',
  );
  await tryIt.getByTestId('try-anyway').click();
  await expect(page.getByTestId('try-result')).toContainText(/Predicted (Adelie|Chinstrap|Gentoo)/);
  await expect(tryIt.locator('canvas[aria-label^="Class probabilities"]')).toBeVisible();
  await expect(page.getByTestId('log-total')).toHaveText('1 prediction');

  // Batch-score the production source.
  await page.getByTestId('batch-start').click();
  await expect(page.getByTestId('batch-summary')).toContainText('60 predictions logged', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('log-total')).toHaveText('61 predictions');
  const rows = page.getByTestId('log-row');
  await expect(rows).toHaveCount(25);
  await expect(rows.first()).toContainText('prod-060');
  await expect(rows.first()).toContainText('v1');
  await expect(rows.first()).toContainText(/Adelie|Chinstrap|Gentoo/);

  // Filter by mode; page through.
  await page.getByTestId('log-mode').selectOption('try');
  await expect(page.getByTestId('log-total')).toHaveText('1 prediction');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('log-mode').selectOption('batch');
  await expect(page.getByTestId('log-total')).toHaveText('60 predictions');
  await page.getByRole('button', { name: 'Older' }).click();
  await expect(page.getByText('Page 2 of 3')).toBeVisible();

  // A labels file with an unknown id and an unknown class is refused as a whole.
  await page.getByTestId('labels-file').setInputFiles({
    name: 'late.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('id,label\nprod-001,Adelie\nprod-999,Adelie\nprod-002,Emperor\n'),
  });
  const problems = page.getByTestId('labels-problems');
  await expect(problems).toContainText('No label was written');
  await expect(problems).toContainText('prod-999');
  await expect(problems).toContainText('Emperor');
  // The corrected file goes in.
  await page.getByTestId('labels-file').setInputFiles({
    name: 'late.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('id,label,time\nprod-001,Adelie,2026-03-01\nprod-002,Adelie,\n'),
  });
  await expect(page.getByTestId('labels-summary')).toContainText('2 labels from late.csv written');

  // Replay the same traffic as a stream, revealing the species ten items after each prediction.
  await page.getByTestId('replay-speed').selectOption({ label: 'As fast as possible' });
  await page.getByTestId('replay-reveal').check();
  await page.getByTestId('replay-lag').fill('10');
  await page.getByTestId('replay-start').click();
  await expect(page.getByTestId('replay-status')).toHaveText(
    'Finished · 60 / 60 items · 50 labels revealed',
    { timeout: 60_000 },
  );
  await page.getByTestId('log-mode').selectOption('replay');
  await expect(page.getByTestId('log-total')).toHaveText('60 predictions');
  // The oldest replayed rows have their ground truth: each is marked right or wrong.
  await page.getByRole('button', { name: 'Older' }).click();
  await page.getByRole('button', { name: 'Older' }).click();
  await expect(page.getByText('Page 3 of 3')).toBeVisible();
  await expect(rows.first().getByTitle(/Correct|Wrong/)).toBeVisible();
});
