import { expect, test } from './fixtures';

// The Train page on the built app: open the Penguins demo, go to Train with the keyboard, run the
// fast preset to completion, read its metrics and confusion matrix, and find the run again after
// a reload (runs are records in IndexedDB, not page state).

test('Penguins demo: a fast run completes with metrics and survives a reload', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });

  await page.keyboard.press('Alt+4');
  const trainPage = page.getByTestId('train-page');
  await expect(trainPage).toBeVisible();
  await expect(page).toHaveURL(/#\/train/);

  const fast = page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' });
  await fast.click();
  await expect(fast).toHaveAttribute('aria-pressed', 'true');
  const start = page.getByTestId('train-start');
  await expect(start).toBeEnabled();
  await start.click();

  const runs = page.getByTestId('run-list');
  const firstRun = runs.locator('tbody tr').first();
  await expect(firstRun).toContainText('completed', { timeout: 240_000 });
  await expect(firstRun).toContainText('fast');
  await expect(runs.locator('tbody tr')).toHaveCount(1);
  // Validation and test accuracy, then test macro-F1: numbers, not placeholders.
  await expect(firstRun.locator('td').nth(6)).toHaveText(/^\s*[01]\.\d{3}\s*$/);
  await expect(firstRun.locator('td').nth(7)).toHaveText(/^\s*[01]\.\d{3}\s*$/);
  await expect(firstRun.locator('td').nth(8)).toHaveText(/^\s*[01]\.\d{3}\s*$/);

  // The finished run's evaluation: a confusion matrix over the three species, and the learner.
  if (!(await page.getByRole('table', { name: /Confusion matrix/ }).isVisible())) {
    await firstRun.getByRole('button', { name: 'Details' }).click();
  }
  const matrix = page.getByRole('table', { name: /Confusion matrix/ });
  await expect(matrix).toBeVisible();
  for (const species of ['Adelie', 'Chinstrap', 'Gentoo'])
    await expect(matrix).toContainText(species);
  // The default family is Auto: what it fitted and every candidate it tried, instead of curves.
  const summary = page.getByTestId('learner-summary');
  await expect(summary).toContainText(/Linear \(logistic regression\)|Boosted trees/);
  await expect(summary).toContainText('Auto tried, best validation log-loss kept');

  await page.reload();
  await expect(trainPage).toBeVisible();
  const afterReload = page.getByTestId('run-list').locator('tbody tr');
  await expect(afterReload).toHaveCount(1);
  await expect(afterReload.first()).toContainText('completed');
  await expect(afterReload.first()).toContainText('fast');
  await afterReload.first().getByRole('button', { name: 'Details' }).click();
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toBeVisible();
});
