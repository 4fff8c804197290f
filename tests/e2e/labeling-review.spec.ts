import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// The review queue on the Penguins demo, built app. A mistake is planted through the Label page
// (a Gentoo labelled Adelie by keyboard), every other penguin gets its true label (the demo imports
// only 10%, too few for 5 folds to say much), and "Find mistakes" — five fold models trained in
// the ML worker, confident learning over their out-of-fold probabilities — must list the planted
// item with Gentoo as the suggestion. Keep (k) and relabel (Enter) are logged as adjudications.
//
// The backend is set to CPU in Settings: on a machine without a GPU, WebGPU runs on SwiftShader
// and five fold trainings there take minutes; Penguins is tiny, so CPU is the fast one.

interface Truth {
  projectId: string;
  classes: Record<string, string>;
  species: Record<string, string>;
}

/** The demo's true species per item id, read from the imported chunks (the target column). */
async function readTruth(page: Page): Promise<Truth> {
  return page.evaluate(async () => {
    const open = indexedDB.open('inloop');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error(String(open.error)));
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(new Error(String(req.error)));
      });
    type Column = { kind: string; codes?: Int32Array; vocab?: string[]; values?: string[] };
    const projects = await all<{
      id: string;
      name: string;
      classes: { id: string; name: string }[];
    }>('projects');
    const project = projects.find((p) => p.name.startsWith('Penguins'))!;
    const sources = await all<{
      id: string;
      projectId: string;
      columns: { name: string; vocab?: string[] }[];
    }>('sources');
    const source = sources.find((s) => s.projectId === project.id)!;
    const vocab = source.columns.find((c) => c.name === 'Species')?.vocab;
    const chunks = await all<{
      sourceId: string;
      itemIds: string[];
      columns: Record<string, Column>;
      rowCount: number;
    }>('chunks');
    const species: Record<string, string> = {};
    for (const c of chunks.filter((ch) => ch.sourceId === source.id)) {
      const col = c.columns['Species']!;
      for (let i = 0; i < c.rowCount; i++) {
        species[c.itemIds[i]!] =
          col.kind === 'str' ? col.values![i]! : (col.vocab ?? vocab)![col.codes![i]!]!;
      }
    }
    db.close();
    return {
      projectId: project.id,
      classes: Object.fromEntries(project.classes.map((k) => [k.name, k.id])),
      species,
    };
  });
}

/** Appends an 'import' annotation with the true label for every item that has no label yet. */
async function labelTheRest(page: Page, truth: Truth): Promise<number> {
  return page.evaluate(async ({ projectId, classes, species }) => {
    const open = indexedDB.open('inloop');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error(String(open.error)));
    });
    const tx = db.transaction('annotations', 'readwrite');
    const store = tx.objectStore('annotations');
    type Entry = { projectId: string; itemId: string; label: string | null };
    const existing = await new Promise<Entry[]>((resolve) => {
      const req = store.getAll();
      req.onsuccess = () => resolve(req.result as Entry[]);
    });
    // Skipped items (label null) get their true label too; labelled ones keep theirs.
    const seen = new Set(
      existing.filter((a) => a.projectId === projectId && a.label).map((a) => a.itemId),
    );
    let n = 0;
    const at = Date.now();
    for (const [itemId, name] of Object.entries(species)) {
      if (seen.has(itemId) || !classes[name]) continue;
      store.add({
        projectId,
        itemId,
        label: classes[name],
        annotator: 'e2e import',
        sessionId: 'e2e-import',
        kind: 'import',
        at,
      });
      n++;
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new Error(String(tx.error)));
    });
    db.close();
    return n;
  }, truth);
}

async function adjudications(page: Page): Promise<{ itemId: string; label: string }[]> {
  return page.evaluate(async () => {
    const open = indexedDB.open('inloop');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(new Error(String(open.error)));
    });
    const all = await new Promise<Record<string, string>[]>((resolve) => {
      const req = db.transaction('annotations').objectStore('annotations').getAll();
      req.onsuccess = () => resolve(req.result as Record<string, string>[]);
    });
    db.close();
    return all
      .filter((a) => a.kind === 'adjudication')
      .map((a) => ({ itemId: a.itemId!, label: a.label! }));
  });
}

test('review queue: a planted Gentoo-as-Adelie is flagged, relabel and keep are logged', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Compute backend').selectOption('cpu');
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 120_000,
  });
  const truth = await readTruth(page);
  expect(Object.keys(truth.species).length).toBe(344);

  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: 'Label', exact: true })).toBeVisible();
  await page.getByLabel('Your name').fill('E2E reviewer');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  await page.getByRole('checkbox', { name: /Retrain every/ }).uncheck();

  // Plant the mistake by keyboard: skip to the first Gentoo in the queue, label it Adelie (1).
  const item = page.getByTestId('current-item');
  await expect(item).toHaveText(/penguin-/);
  let planted: string | null = null;
  for (let i = 0; i < 40 && !planted; i++) {
    const id = (await item.getAttribute('title'))!;
    if (truth.species[id] === 'Gentoo') {
      await page.locator('body').press('1');
      planted = id;
    } else {
      await page.locator('body').press('s');
    }
    await expect(item).not.toHaveAttribute('title', id);
  }
  expect(planted, 'a Gentoo in the first 40 queued items').not.toBeNull();
  await expect(page.getByTestId('label-count')).not.toContainText('saving');

  // Every other penguin gets its true label; reload so the page reads the log afresh.
  expect(await labelTheRest(page, truth)).toBeGreaterThan(250);
  await page.reload();
  await page.keyboard.press('Alt+3');
  await expect(page.getByTestId('label-count')).toContainText('344 labelled');

  await page.getByRole('tab', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Find mistakes' }).click();
  await expect(page.getByTestId('review-summary')).toBeVisible({ timeout: 360_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  const gentoo = truth.classes['Gentoo']!;
  const row = page.locator('table.list tbody tr', { hasText: planted! });
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').nth(1)).toHaveText('Adelie');
  await expect(row.locator('td').nth(2)).toHaveText('Gentoo');

  // Keep (k) every issue ranked before the planted one, then relabel it with the suggestion.
  const issue = page.getByTestId('review-issue');
  const kept: string[] = [];
  for (let i = 0; i < 50; i++) {
    const id = (await issue.getAttribute('data-item-id'))!;
    if (id === planted) break;
    await page.locator('body').press('k');
    kept.push(id);
    await expect(issue).not.toHaveAttribute('data-item-id', id);
  }
  await expect(issue).toHaveAttribute('data-item-id', planted!);
  await page.locator('body').press('Enter');
  await expect(row.locator('td').nth(4)).toHaveText('relabelled');

  // If other issues are left, keep the next one too, so both keys are exercised whatever the rank.
  let keptAfter: string | null = null;
  if (kept.length === 0 && (await issue.isVisible())) {
    keptAfter = (await issue.getAttribute('data-item-id'))!;
    await page.locator('body').press('k');
    await expect(page.locator('table.list tbody tr', { hasText: keptAfter })).toContainText('kept');
  }

  const expected = [
    ...kept.map((id) => ({ itemId: id, label: truth.classes[truth.species[id]!] })),
    { itemId: planted, label: gentoo },
    ...(keptAfter ? [{ itemId: keptAfter, label: truth.classes[truth.species[keptAfter]!] }] : []),
  ];
  await expect.poll(() => adjudications(page), { timeout: 10_000 }).toEqual(expected);
});
