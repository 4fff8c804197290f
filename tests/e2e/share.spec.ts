import { readFile, writeFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { cohensKappa } from '../../src/labeling/agreement';
import type { AnnotationRecord } from '../../src/persistence/schema';
import { readWorkspace } from '../../src/workspace/import';
import { buildSession, itemDigests } from '../../src/workspace/session';

// The Share page on the built app: a project exported on one machine opens identically on another
// (and asks before replacing), and two annotators' sessions with conflicts merge, show Cohen's κ,
// and are settled by adjudication, which becomes the exported labels.

async function startDemo(page: Page, name: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });
  await expect(page.getByRole('combobox', { name: 'Open project' })).toHaveValue(/.+/);
}

async function exportWorkspaceFile(page: Page): Promise<Uint8Array> {
  await page.goto('/#/share');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export workspace' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^penguins-.*\.inloop$/);
  await expect(page.getByTestId('last-export')).toContainText('Saved');
  return new Uint8Array(await readFile(await file.path()));
}

function entriesOf(file: Uint8Array): unknown {
  return (JSON.parse(strFromU8(unzipSync(file)['manifest.json']!)) as { entries: unknown }).entries;
}

test('export → import on another machine → identical project; importing again asks to replace', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  await startDemo(page, 'Penguins');
  const exported = await exportWorkspaceFile(page);
  const path = testInfo.outputPath('penguins.inloop');
  await writeFile(path, exported);

  const other = await browser.newContext();
  try {
    const machine2 = await other.newPage();
    await machine2.goto('/#/share');
    // Share works without a project.
    await expect(machine2.getByRole('combobox', { name: 'Open project' })).toHaveValue('');
    await machine2.getByLabel('Workspace file to import').setInputFiles(path);
    const report = machine2.getByTestId('import-report');
    await expect(report).toContainText('Imported “Penguins demo”');
    await expect(machine2.getByRole('table', { name: 'Rows in the file' })).toContainText('chunks');
    await expect(machine2.getByRole('combobox', { name: 'Open project' })).toHaveValue(/.+/);

    // The copy exports to the very same entries (SHA-256 of every table part, blob and model).
    const download = machine2.waitForEvent('download');
    await machine2.getByRole('button', { name: 'Export workspace' }).click();
    const again = new Uint8Array(await readFile(await (await download).path()));
    expect(entriesOf(again)).toEqual(entriesOf(exported));

    // Importing the same project again: a confirmation, then one-step replacement.
    await machine2.getByLabel('Workspace file to import').setInputFiles(path);
    const dialog = machine2.getByRole('dialog', { name: 'Replace project?' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Replace' }).click();
    await expect(report).toContainText('Imported “Penguins demo”');

    // A damaged file is refused with a sentence, and nothing changes.
    const damaged = exported.slice(0, Math.floor(exported.length / 2));
    await writeFile(testInfo.outputPath('damaged.inloop'), damaged);
    await machine2
      .getByLabel('Workspace file to import')
      .setInputFiles(testInfo.outputPath('damaged.inloop'));
    await expect(report.getByRole('alert')).toContainText(/not an Inloop workspace|damaged/);

    // The storage meter and the persistence request show their results.
    await expect(machine2.getByTestId('storage-usage')).toContainText('used of');
    await machine2.getByRole('button', { name: 'Ask to keep data persistent' }).click();
    await expect(machine2.getByTestId('persist-result')).toContainText(/Granted|Not granted/);
  } finally {
    await other.close();
  }
});

test('two annotator sessions with conflicts: merged, κ shown, adjudicated, exported as labels', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  await startDemo(page, 'Penguins');
  const workspace = await readWorkspace(await exportWorkspaceFile(page), { schemaVersion: 1 });
  if (!workspace.ok) throw new Error(workspace.error.kind);
  const { rows } = workspace.value;
  const project = rows.projects[0]!;
  const digests = await itemDigests(rows);
  const items = rows.chunks[0]!.itemIds.slice(0, 8);
  const [c0, c1, c2] = project.classes.map((c) => c.id);
  // ada and bob label the same 8 items on their own machines; they disagree on items 5, 6, 7.
  const ada = [c0, c0, c1, c1, c2, c0, c1, c2];
  const bob = [c0, c0, c1, c1, c2, c1, c2, c0];
  const log = (annotator: string, labels: (string | undefined)[]): AnnotationRecord[] =>
    labels.map((label, i) => ({
      seq: i + 1,
      projectId: project.id,
      itemId: items[i]!,
      label: label!,
      annotator,
      sessionId: `${annotator}-session`,
      kind: 'human',
      at: 1_763_856_000_000 + i,
    }));
  const adaSession = buildSession(project, log('ada', ada), 'ada', digests, {
    appVersion: 'e2e',
    now: 0,
  });
  const bobLog = log('bob', [...bob, c0]);
  bobLog[8]!.itemId = rows.chunks[0]!.itemIds[9]!;
  const bobSession = buildSession(project, bobLog, 'bob', digests, { appVersion: 'e2e', now: 0 });
  // bob's copy of one extra item differs from ours: it must be listed and left out.
  bobSession.items.find((i) => i.id === rows.chunks[0]!.itemIds[9])!.digest = '0'.repeat(64);
  const adaPath = testInfo.outputPath('ada.inloop-session.json');
  const bobPath = testInfo.outputPath('bob.inloop-session.json');
  await writeFile(adaPath, JSON.stringify(adaSession));
  await writeFile(bobPath, JSON.stringify(bobSession));

  await page.getByLabel('Session files to merge').setInputFiles([adaPath, bobPath]);
  const sessions = page.getByRole('table', { name: 'Loaded sessions' });
  await expect(sessions).toContainText('ada');
  await expect(sessions).toContainText('8 / 9');
  await expect(page.getByText('1 item(s) of bob do not match')).toBeVisible();
  await page.getByRole('button', { name: 'Merge 16 entries' }).click();

  const classIndex = new Map(project.classes.map((c, i) => [c.id, i]));
  const kappa = cohensKappa(
    Int32Array.from(ada, (l) => classIndex.get(l!)!),
    Int32Array.from(bob, (l) => classIndex.get(l!)!),
    project.classes.length,
  );
  const agreement = page.getByRole('table', { name: 'Agreement between annotators' });
  await expect(agreement).toContainText('ada · bob');
  await expect(agreement.getByTestId('kappa')).toHaveText(kappa.toFixed(3));
  await expect(page.getByRole('heading', { name: 'Conflicts (3 open)' })).toBeVisible();

  // The lead settles each conflict with ada's label on item 5 and bob's on items 6 and 7.
  const decisions = new Map([
    [items[5]!, c0!],
    [items[6]!, c2!],
    [items[7]!, c0!],
  ]);
  for (const [itemId, label] of decisions) {
    const row = page.getByTestId('conflict').filter({ hasText: itemId });
    const name = project.classes.find((c) => c.id === label)!.name;
    await row.getByRole('button', { name, exact: true }).click();
    await expect(row.getByRole('button', { name, exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  }
  await expect(page.getByRole('heading', { name: 'Conflicts (0 open)' })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Labels as CSV' }).click();
  const csv = await readFile(await (await download).path(), 'utf8');
  const labelOf = new Map(
    csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',') as [string, string, string, string, string])
      .map(([id, label, , annotator, kind]) => [id, { label, annotator, kind }] as const),
  );
  for (const [itemId, label] of decisions) {
    expect(labelOf.get(itemId)).toMatchObject({ label, kind: 'adjudication' });
  }
  for (let i = 0; i < 5; i++) expect(labelOf.get(items[i]!)?.label).toBe(ada[i]);
});
