import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The labeling panel on the Penguins demo: label 20 items by keyboard, undo twice, reload, and the
// log replays to exactly the same labels.

async function openPenguins(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 120_000,
  });
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: 'Label', exact: true })).toBeVisible();
}

async function labelledCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('label-count').textContent()) ?? '';
  return Number(/(\d+) labelled/.exec(text)?.[1] ?? NaN);
}

test('label 20 penguins by keyboard, undo twice, reload: state exact', async ({ page }) => {
  test.setTimeout(180_000);
  await openPenguins(page);
  await page.getByLabel('Your name').fill('E2E annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  // Keep the worker free of retrains so the queue order stays the cold-start batch.
  await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();
  await expect(page.getByTestId('current-item')).toHaveText(/penguin-/);
  await expect(page.getByTestId('item-origin')).toContainText(/Queued by/);
  const before = await labelledCount(page);

  const keys = ['1', '2', '3'];
  const labelled: string[] = [];
  for (let i = 0; i < 20; i++) {
    const item = page.getByTestId('current-item');
    const id = (await item.getAttribute('title'))!;
    labelled.push(id);
    await page.locator('body').press(keys[i % 3]!);
    await expect(item).not.toHaveAttribute('title', id);
  }
  await expect(page.getByTestId('label-count')).toContainText(`${before + 20} labelled`);

  await page.locator('body').press('z');
  await expect(page.getByTestId('current-item')).toHaveAttribute('title', labelled[19]!);
  await page.locator('body').press('z');
  await expect(page.getByTestId('current-item')).toHaveAttribute('title', labelled[18]!);
  await expect(page.getByTestId('label-count')).toContainText(`${before + 18} labelled`);
  await expect(page.getByTestId('label-count')).not.toContainText('saving');

  await page.reload();
  await page.keyboard.press('Alt+3');
  await expect(page.getByTestId('label-count')).toContainText(`${before + 18} labelled`);

  // The log replays exactly: the 18 kept labels, the two undone items unlabelled.
  const labels = await page.evaluate(async () => {
    const open = indexedDB.open('inloop');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error(String(open.error)));
    });
    const tx = db.transaction('annotations');
    const all = await new Promise<Record<string, unknown>[]>((resolve) => {
      const req = tx.objectStore('annotations').getAll();
      req.onsuccess = () => resolve(req.result as Record<string, unknown>[]);
    });
    db.close();
    return all.filter((a) => a.annotator === 'E2E annotator');
  });
  const undos = labels.filter((a) => a.kind === 'undo');
  expect(undos).toHaveLength(2);
  const humans = labels.filter((a) => a.kind === 'human');
  expect(humans).toHaveLength(20);
  const undone = new Set(undos.map((u) => u.undoes));
  const kept = humans.filter((h) => !undone.has(h.seq)).map((h) => h.itemId);
  expect(kept).toEqual(labelled.slice(0, 18));
});
