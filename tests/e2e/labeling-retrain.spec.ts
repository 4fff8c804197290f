import { expect, test } from './fixtures';

// Background retraining on the Penguins demo, built app: with "Retrain every 10 labels" on, label
// by keyboard; the retrain starts in the background and labeling goes on while it runs; when it
// lands, the queue refills from the new model (the item says which strategy queued it, with a
// numeric score) and the learning curve on the Progress tab has a point for it.
//
// The backend is set to CPU in Settings (the retrain's linear fit runs in plain typed arrays, and
// the CPU backend scores the pool). No timing is
// asserted: only what the page shows, with generous waits for the worker on a loaded machine.

test('background retrain every 10 labels refills the queue from the new model', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Compute backend').selectOption('cpu');
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 120_000,
  });
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: 'Label', exact: true })).toBeVisible();
  await page.getByLabel('Your name').fill('Retrain annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();

  const status = page.getByTestId('queue-status');
  const item = page.getByTestId('current-item');
  const origin = page.getByTestId('item-origin');
  // The demo starts without a model: the queue is the cold start.
  await expect(status).toContainText('model: none yet');
  await expect(origin).toContainText('Queued by Diversity');

  await expect(page.getByRole('checkbox', { name: /Retrain every/ })).toBeChecked();
  const every = page.getByLabel('Labels between retrains');
  await every.fill('10');
  await every.press('Enter');
  await every.blur();

  const keys = ['1', '2', '3'];
  for (let i = 0; i < 10; i++) {
    const id = (await item.getAttribute('title'))!;
    await page.locator('body').press(keys[i % 3]!);
    await expect(item).not.toHaveAttribute('title', id);
  }
  // With no model yet, the fifth label started the first retrain (FIRST_MODEL_AFTER) in the
  // background; the exact linear learner may already have finished it: then the model is named…
  await expect(status).toContainText(/Retraining in the background|model: \w{8}/);
  // …and labeling goes on meanwhile: the key still moves to the next item at once.
  for (let i = 0; i < 3; i++) {
    const id = (await item.getAttribute('title'))!;
    await page.locator('body').press(keys[i % 3]!);
    await expect(item).not.toHaveAttribute('title', id);
  }

  // The retrained model lands and the queue refills from it: the default strategy (margin)
  // with a numeric score.
  await expect(status).toContainText(/model: \w{8} \(val\. F1 \d\.\d\d\)/, { timeout: 180_000 });
  await expect(status).not.toContainText(/Retraining|Choosing/, { timeout: 120_000 });
  await expect(status).toContainText('Margin');
  // The item shown before the refill stays; the next one comes from the new batch.
  const id = (await item.getAttribute('title'))!;
  await page.locator('body').press('1');
  await expect(item).not.toHaveAttribute('title', id);
  await expect(origin).toContainText(/Queued by Margin · rank \d+ · score\s+\d\.\d{3}/);

  // One learning-curve point per retrain.
  await page.getByRole('tab', { name: 'Progress' }).click();
  const rows = page.getByTestId('curve-points').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('td').first()).toHaveText(/^\d+$/);
});
