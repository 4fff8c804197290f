import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';

// Each demo project opens from the Projects page in one click, lands on the Data page with its
// items and a quality finding, and keeps a seed fraction of labels (about a tenth).

async function startDemo(page: Page, name: string): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });
  await expect(page.getByRole('combobox', { name: 'Open project' })).toHaveValue(/.+/);
}

async function expectFinding(page: Page, text: RegExp): Promise<void> {
  await page.getByRole('tab', { name: /Quality/ }).click();
  const findings = page.getByTestId('findings');
  await expect(findings).toContainText(text);
  // "Show items" filters the browser to the finding's items.
  await findings
    .getByRole('listitem')
    .filter({ hasText: text })
    .first()
    .getByRole('button')
    .click();
  await expect(page.getByRole('tab', { name: 'Browse' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('browser-count')).toContainText(' of ');
}

test('Penguins demo: 344 rows, a seed of labels, missing-value findings', async ({ page }) => {
  await startDemo(page, 'Penguins');
  await expect(page.getByTestId('source-rows')).toHaveText('344');
  await expect(page.getByTestId('data-row').first()).toContainText('penguin-001');
  await page.getByRole('combobox', { name: 'Labels', exact: true }).selectOption('labelled');
  // importLabels 0.1: a tenth, give or take the hash's luck.
  await expect(page.getByTestId('browser-count')).toContainText(/^\s*(1[5-9]|[2-5]\d)\s+of 344/);
  await page.getByRole('combobox', { name: 'Labels', exact: true }).selectOption('all');
  await expectFinding(page, /“Sex” is missing/);
  await expect(page.getByTestId('browser-count')).toContainText(/10\s+of 344/);
});

test('Spam demo: e-mails as texts, with duplicate findings', async ({ page }) => {
  test.setTimeout(300_000);
  await startDemo(page, 'Spam');
  await expect(page.getByTestId('source-rows')).toHaveText(/^9\d\d$/);
  await expect(page.getByTestId('text-row').first()).not.toBeEmpty();
  await expectFinding(page, /exact copies/);
});

test('Digits demo: thumbnails of handwritten digits', async ({ page }) => {
  test.setTimeout(300_000);
  await startDemo(page, 'Digits');
  await expect(page.getByTestId('source-rows')).toHaveText('3,000');
  await expect(page.getByTestId('thumb').first().locator('img')).toBeVisible();
  await page.getByTestId('thumb').first().click();
  await expect(page.getByTestId('item-detail')).toContainText('Item id');
  await page.getByRole('tab', { name: /Quality/ }).click();
  await expect(page.getByTestId('findings').getByRole('listitem').first()).toBeVisible();
});
