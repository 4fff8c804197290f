import { createProject, expect, test } from './fixtures';
import type { Page } from '@playwright/test';

// The Data page end to end: a CSV with a mistake is refused with a sentence that says what is
// wrong, the user fixes it (skip the bad rows, or pick a corrected file), the import succeeds and
// the source survives a reload. Files are built here, not copied in.

/** A penguin-like CSV: `rows` data rows; `ragged` lists 1-based data rows given an extra field. */
function csv(
  rows: number,
  options: { ragged?: number[]; header?: string[] } = {},
): { name: string; mimeType: string; buffer: Buffer } {
  const header = options.header ?? ['id', 'bill', 'flipper', 'island', 'species'];
  const species = ['Adelie', 'Gentoo', 'Chinstrap'];
  const lines = [header.join(',')];
  for (let r = 1; r <= rows; r++) {
    const fields = [
      `p${r}`,
      (35 + (r % 17) * 0.7).toFixed(1),
      String(180 + (r % 40)),
      ['Biscoe', 'Dream', 'Torgersen'][r % 3]!,
      species[r % 3]!,
    ];
    if (options.ragged?.includes(r)) fields.push('oops');
    lines.push(fields.join(','));
  }
  return {
    name: 'penguins.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(lines.join('\n') + '\n'),
  };
}

async function openData(page: Page): Promise<void> {
  await page.getByRole('link', { name: /Data/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible();
}

test('a CSV with ragged rows is refused with row numbers, then imported skipping them', async ({
  page,
}) => {
  await page.goto('/');
  await createProject(page, 'Penguin species', ['Adelie', 'Gentoo', 'Chinstrap']);
  await openData(page);
  await expect(page.getByRole('heading', { name: 'No data yet' })).toBeVisible();
  await page.getByRole('button', { name: 'Import data' }).click();

  // Row 250 lies beyond the preview's sample: the preview cannot see it, the import must.
  await page.getByLabel('Files to import').setInputFiles(csv(300, { ragged: [250] }));
  await expect(page.getByRole('table', { name: 'Preview of the first rows' })).toBeVisible();
  await expect(page.getByLabel('Role of species')).toHaveValue('target');
  await expect(page.getByLabel('Role of id')).toHaveValue('id');
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  const error = page.getByTestId('import-error');
  await expect(error).toContainText('1 row has a different number of fields than the header (5)');
  await expect(error).toContainText('row 250');
  await expect(error).toContainText('Nothing was saved');
  // Nothing half-written is listed.
  await expect(page.getByRole('table', { name: 'Sources' })).toHaveCount(0);

  // The fix the message offers: skip those rows. Every other choice is kept.
  await page.getByLabel(/Skip rows with the wrong number of fields/).check();
  await page.getByRole('button', { name: 'Try again' }).click();
  const result = page.getByTestId('import-result');
  await expect(result).toContainText('Imported 299 rows');
  await expect(result).toContainText('Skipped 1');
  await expect(result).toContainText('250');

  const row = page.getByTestId('source-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('source-rows')).toHaveText('299');

  await page.reload();
  await expect(page.getByTestId('source-row').getByTestId('source-rows')).toHaveText('299');
  await expect(page.getByTestId('browser-count')).toContainText('299');
  // The browser reads rows lazily: the first one is there, with its label column.
  await expect(page.getByTestId('data-row').first()).toContainText('p1');

  // Opening an item shows every field.
  await page.getByRole('button', { name: 'Show row 1', exact: true }).click();
  const detail = page.getByTestId('item-detail');
  await expect(detail).toContainText('flipper');
  await expect(detail).toContainText('Gentoo');

  // The quality report has charts and findings-or-a-sentence, and the labels filter works.
  await page.getByRole('tab', { name: /Quality/ }).click();
  await expect(page.getByRole('img', { name: 'Histogram of bill' })).toBeVisible();
  await page.getByRole('tab', { name: 'Browse' }).click();
  await page.getByRole('combobox', { name: 'Labels', exact: true }).selectOption('labelled');
  await expect(page.getByTestId('browser-count')).toContainText('299 of 299');
});

test('duplicate column names are refused at preview; a corrected file imports', async ({
  page,
}) => {
  await page.goto('/');
  await createProject(page, 'Dup columns', ['Adelie', 'Gentoo', 'Chinstrap']);
  await openData(page);
  await page.getByRole('button', { name: 'Import data' }).click();

  const bad = csv(20, { header: ['id', 'bill', 'bill', 'island', 'species'] });
  await page.getByLabel('Files to import').setInputFiles(bad);
  await expect(page.getByTestId('import-error')).toContainText(
    'Column names must be unique; the header repeats "bill"',
  );

  await page.getByLabel('Files to import').setInputFiles(csv(20));
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  await page.getByLabel('Source name').fill('fixed penguins');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toContainText('Imported 20 rows');
  await page.getByRole('button', { name: 'Done' }).click();

  await page.reload();
  const row = page.getByTestId('source-row');
  await expect(row).toContainText('fixed penguins');
  await expect(row.getByTestId('source-rows')).toHaveText('20');

  // Deleting asks first, then the source is gone for good.
  await page.getByRole('button', { name: 'Delete fixed penguins' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete source' }).click();
  await expect(page.getByRole('heading', { name: 'No data yet' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'No data yet' })).toBeVisible();
});

test('a running import shows progress and can be cancelled, leaving nothing', async ({ page }) => {
  await page.goto('/');
  await createProject(page, 'Big table', ['Adelie', 'Gentoo', 'Chinstrap']);
  await openData(page);
  await page.getByRole('button', { name: 'Import data' }).click();
  await page.getByLabel('Files to import').setInputFiles(csv(400_000));
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  const progress = page.getByTestId('import-progress');
  await expect(progress).toContainText(/rows\/s/);
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('import-error')).toContainText(
    'The import was cancelled; nothing was saved.',
  );
  await page.reload();
  await expect(page.getByRole('heading', { name: 'No data yet' })).toBeVisible();
});

test('a class first seen after row 200 is listed before import and imported, not dropped', async ({
  page,
}) => {
  await page.goto('/');
  await createProject(page, 'Sorted penguins', ['Adelie', 'Gentoo']);
  await openData(page);
  await page.getByRole('button', { name: 'Import data' }).click();

  // Sorted by species: 150 Adelie, 150 Gentoo, then 60 Chinstrap (rows 301-360).
  const lines = ['id,bill,species'];
  for (let r = 0; r < 360; r++) {
    lines.push(
      `p${r},${(35 + (r % 17) * 0.7).toFixed(1)},${r < 150 ? 'Adelie' : r < 300 ? 'Gentoo' : 'Chinstrap'}`,
    );
  }
  await page.getByLabel('Files to import').setInputFiles({
    name: 'sorted.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(lines.join('\n') + '\n'),
  });
  await expect(page.getByTestId('label-problem')).toContainText(
    '1 value of “species” matches no class',
  );
  await expect(page.getByTestId('label-values')).toContainText('“Chinstrap” (60 rows)');
  await expect(page.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();

  await page.getByLabel(/“Chinstrap” \(60 rows\) becomes/).selectOption('new-class');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toContainText('with 360 labels');
});
