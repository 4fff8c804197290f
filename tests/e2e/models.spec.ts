import { expect, test } from './fixtures';
import type { Locator, Page } from '@playwright/test';

// The registry on the built app: train on the Penguins demo (an identical second run is caught
// and repeated only when confirmed), compare two runs (fast vs balanced), register two runs,
// promote version 1 (first champion, no test), promote version 2 through the gate (its verdict
// shown; passed, or promoted with a written override reason), roll back to version 1, and find it
// all again after a reload.

async function openDemo(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });
}

async function train(page: Page, preset: string, runsAfter: number): Promise<void> {
  const button = page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: preset });
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await page.getByTestId('train-start').click();
  const rows = page.getByTestId('run-list').locator('tbody tr');
  await expect(rows).toHaveCount(runsAfter, { timeout: 120_000 });
  await expect(rows.first()).toContainText('completed', { timeout: 240_000 });
}

function versionRow(page: Page, version: number): Locator {
  return page
    .getByTestId('version-row')
    .filter({ has: page.getByText(`v${version}`, { exact: true }) });
}

async function openVersion(page: Page, version: number): Promise<void> {
  await page.getByRole('button', { name: `Open version ${version}`, exact: true }).click();
  await expect(
    page.getByRole('heading', { name: `Version ${version}`, exact: true }),
  ).toBeVisible();
}

test('train twice, compare, register, promote through the gate, roll back, reload', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await openDemo(page);

  // Train: one fast run; asking for the same run again shows the earlier result and asks first.
  await page.keyboard.press('Alt+4');
  await expect(page.getByTestId('train-page')).toBeVisible();
  await train(page, 'fast', 1);
  await page.getByTestId('train-start').click();
  const again = page.getByRole('dialog', { name: 'This run was done already' });
  await expect(again).toBeVisible();
  await expect(again).toContainText(/test macro-F1 [01]\.\d{3}/);
  await again.getByRole('button', { name: 'Cancel' }).click();
  await expect(again).toBeHidden();
  await expect(page.getByTestId('run-list').locator('tbody tr')).toHaveCount(1);
  // Asked again and confirmed: the run is repeated.
  await page.getByTestId('train-start').click();
  await again.getByRole('button', { name: 'Train again' }).click();
  await expect(page.getByTestId('run-list').locator('tbody tr')).toHaveCount(2, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
    'completed',
    { timeout: 240_000 },
  );
  await train(page, 'balanced', 3);

  // Compare the two runs: metrics, the settings that differ, overlaid curves.
  const rows = page.getByTestId('run-list').locator('tbody tr');
  for (const i of [0, 1]) await rows.nth(i).getByRole('checkbox').check();
  const compare = page.getByTestId('run-compare-panel');
  await expect(compare).toContainText('Comparison of 2 runs');
  await expect(compare).toContainText('Same data, same labels');
  const diff = page.getByTestId('config-diff');
  await expect(diff.locator('tr[data-differs="true"]').filter({ hasText: 'preset' })).toHaveCount(
    1,
  );
  await compare.getByRole('checkbox', { name: 'Only settings that differ' }).check();
  await expect(diff.locator('tbody tr[data-differs="false"]')).toHaveCount(0);
  await expect(
    page.locator('canvas[aria-label="Validation macro-F1 per epoch of the compared runs"]'),
  ).toBeVisible();

  // Register two of the three runs.
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('models-page')).toBeVisible();
  await expect(page).toHaveURL(/#\/models/);
  for (const n of [1, 2]) {
    await page.getByTestId('register-submit').click();
    await expect(page.getByTestId('version-row')).toHaveCount(n);
  }
  // The third run is still offered; registered runs are not.
  await expect(page.getByTestId('register-run').locator('option')).toHaveCount(1);

  // Version 1 becomes the first champion without a test.
  await openVersion(page, 1);
  await page.getByTestId('promote').click();
  await expect(page.getByTestId('gate-verdict')).toContainText('First champion', {
    timeout: 120_000,
  });
  await page.getByTestId('gate-promote').click();
  await expect(versionRow(page, 1)).toContainText('champion');

  // Version 2 goes through the gate against version 1: the verdict and its numbers are shown.
  await openVersion(page, 2);
  await page.getByTestId('promote').click();
  const verdict = page.getByTestId('gate-verdict');
  await expect(verdict).toContainText(/compared with the champion, version 1/, {
    timeout: 120_000,
  });
  const gate = page.getByTestId('gate');
  await expect(gate.getByRole('listitem').first()).not.toBeEmpty();
  if (await page.getByTestId('gate-promote').isVisible()) {
    await page.getByTestId('gate-promote').click();
  } else {
    await expect(page.getByTestId('override-promote')).toBeDisabled();
    await page.getByTestId('override-reason').fill('Demo: the holdout is too small to decide.');
    await page.getByTestId('override-promote').click();
  }
  await expect(versionRow(page, 2)).toContainText('champion');
  await expect(versionRow(page, 1)).not.toContainText('champion');

  // The lineage and the model card of a version read as pages.
  await page.getByRole('tab', { name: 'Lineage' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('Data snapshot');
  await expect(page.getByRole('tabpanel')).toContainText('penguins');
  await page.getByRole('tab', { name: 'Model card' }).click();
  await expect(page.getByRole('article', { name: 'Model card of version 2' })).toContainText(
    'Known limits',
  );

  // Roll back to version 1, with a reason; export it.
  await openVersion(page, 1);
  await page.getByTestId('rollback').click();
  await page.getByTestId('rollback-reason').fill('Version 2 misbehaves in production');
  await page.getByTestId('rollback-confirm').click();
  await expect(versionRow(page, 1)).toContainText('champion');
  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect((await download).suggestedFilename()).toMatch(/-v1-tfjs\.zip$/);

  // Deleting the champion is refused in the UI.
  await expect(page.getByRole('button', { name: 'Delete', exact: true })).toBeDisabled();

  // After a reload: version 1 is champion, and the audit log tells the story.
  await page.reload();
  await expect(page.getByTestId('models-page')).toBeVisible();
  await expect(versionRow(page, 1)).toContainText('champion');
  await expect(versionRow(page, 2)).not.toContainText('champion');
  const audit = page.getByTestId('audit-log');
  await expect(audit).toContainText('Registered version 1');
  await expect(audit).toContainText('Registered version 2');
  await expect(audit).toContainText('Promoted version 1 to champion (first champion).');
  await expect(audit).toContainText(/Promoted version 2 to champion/);
  await expect(audit).toContainText(
    'Rolled the champion back from version 2 to version 1. Reason: Version 2 misbehaves in production',
  );
});
