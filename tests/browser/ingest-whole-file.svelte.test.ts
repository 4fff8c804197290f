// The whole file decides types and labels, not its first 200 rows (issue 18): real ingest worker,
// real IndexedDB, the import panel's own state class. Each test is one file that fooled the
// first-rows guess: sorted by label with a rare class late, time-sorted, `id,x,y,label`, a
// production file carrying its labels.
import { describe, expect, it } from 'vitest';
import { ImportState } from '../../src/data/import-state.svelte';
import { describeImportError } from '../../src/data/import-errors';
import type { PathedFile } from '../../src/data/import-types';
import { createProjectsRepo } from '../../src/persistence/projects-repo';
import type { Project } from '../../src/projects/types';
import { buildProject } from '../fixtures/db/builders';
import {
  FIRST_ROWS,
  coordinatesCsv,
  productionCsv,
  sortedByLabelCsv,
  timeSortedCsv,
} from '../fixtures/data/adversarial';
import { counts, csvFile, setUp, tabularPlan, type IngestFixture } from './ingest-helpers';

const penguins = (): Project =>
  buildProject({
    id: 'p1',
    name: 'Penguins',
    targetColumn: null,
    classes: [
      { id: 'c-adelie', name: 'Adelie', hotkey: '1', color: '#0072b2' },
      { id: 'c-gentoo', name: 'Gentoo', hotkey: '2', color: '#e69f00' },
    ],
  });

/** An import panel state over `project` as stored in the fixture's database (re-read live). */
async function panel(
  fx: IngestFixture,
  project: Project,
): Promise<{ state: ImportState; current: () => Project; reload: () => Promise<void> }> {
  const projects = createProjectsRepo(() => fx.db);
  await projects.create(project);
  let current = project;
  const state = new ImportState(
    () => current,
    () => fx.bridge,
  );
  return {
    state,
    current: () => current,
    reload: async () => {
      current = (await projects.get(project.id))!;
    },
  };
}

const picked = (text: string, name = 'data.csv'): PathedFile[] => [
  { file: csvFile(text, name), path: name },
];

describe('whole-file profile through the ingest worker', () => {
  it('sees a class that first appears after the preview rows, with its count', async () => {
    const { bridge } = setUp('profile-sorted');
    const file = csvFile(sortedByLabelCsv());
    const preview = await bridge.previewTabular(file);
    if (!preview.ok) throw new Error(describeImportError(preview.error));
    const previewSpecies = new Set(preview.value.sampleRows.map((r) => r[3]));
    expect(previewSpecies.has('Chinstrap')).toBe(false);

    const profile = await bridge.profileTabular(file, { format: 'csv', delimiter: ',' });
    if (!profile.ok) throw new Error(describeImportError(profile.error));
    expect(profile.value.rows).toBe(360);
    const species = profile.value.columns.find((c) => c.name === 'species')!;
    expect(species.values).toEqual([
      { value: 'Adelie', count: 150 },
      { value: 'Gentoo', count: 150 },
      { value: 'Chinstrap', count: 60 },
    ]);
    expect(species.valuesCapped).toBe(false);
  });

  it('re-types a time-sorted file: a "boolean" and a "constant" the first rows showed', async () => {
    const { bridge } = setUp('profile-time');
    const file = csvFile(timeSortedCsv());
    const preview = await bridge.previewTabular(file);
    if (!preview.ok) throw new Error(describeImportError(preview.error));
    const early = Object.fromEntries(preview.value.inferred.map((c) => [c.name, c]));
    expect(early.flag!.type).toBe('boolean');
    expect(early.status!.distinct).toBe(1);

    const profile = await bridge.profileTabular(file, {});
    if (!profile.ok) throw new Error(describeImportError(profile.error));
    const whole = Object.fromEntries(profile.value.columns.map((c) => [c.name, c]));
    expect(whole.flag!.type).toBe('categorical');
    expect(whole.status!.distinct).toBe(3);
    expect(whole.at!.type).toBe('datetime');
  });

  it('a target with too many values is reported as capped, not truncated silently', async () => {
    const { bridge } = setUp('profile-capped');
    const rows = Array.from({ length: 1200 }, (_, i) => `${i},v${i}`);
    const profile = await bridge.profileTabular(csvFile(['n,code', ...rows].join('\n')), {});
    if (!profile.ok) throw new Error(describeImportError(profile.error));
    const code = profile.value.columns.find((c) => c.name === 'code')!;
    expect(code.valuesCapped).toBe(true);
    expect(code.values).toHaveLength(1000);
  });
});

describe('label decisions in the import (worker and database)', () => {
  const columns = [
    { name: 'id', type: 'identifier', role: 'id' },
    { name: 'bill', type: 'numeric', role: 'feature' },
    { name: 'flipper', type: 'integer', role: 'feature' },
    { name: 'species', type: 'categorical', role: 'target' },
  ] as const;
  const known = { Adelie: 'c-adelie', Gentoo: 'c-gentoo' };

  it('rows whose value maps to no class are counted by value in the summary', async () => {
    const { bridge } = setUp('unlabelled');
    const result = await bridge.importTabular(
      csvFile(sortedByLabelCsv()),
      tabularPlan([...columns], { idColumn: 'id', targetColumn: 'species', labelMap: known }),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.labelsImported).toBe(300);
    expect(result.value.unlabelled).toEqual([
      { reason: 'not-mapped', count: 60, values: [{ value: 'Chinstrap', count: 60 }] },
    ]);
  });

  it('skipping a value leaves its rows out and lists them', async () => {
    const { bridge } = setUp('skip-label');
    const result = await bridge.importTabular(
      csvFile(sortedByLabelCsv()),
      tabularPlan([...columns], {
        idColumn: 'id',
        targetColumn: 'species',
        labelMap: known,
        skipLabels: ['Chinstrap'],
      }),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(300);
    expect(result.value.unlabelled).toEqual([]);
    const skipped = result.value.skipped.find((s) => s.reason.includes('Chinstrap'))!;
    expect(skipped.count).toBe(60);
    expect(skipped.examples[0]).toBe('301');
  });

  it('a new class is added with the commit, and not at all when the import fails', async () => {
    const fx = setUp('new-class');
    const projects = createProjectsRepo(() => fx.db);
    await projects.create(penguins());
    const chinstrap = { id: 'c-new', name: 'Chinstrap', hotkey: '3', color: '#009e73' };
    const plan = tabularPlan([...columns], {
      idColumn: 'id',
      targetColumn: 'species',
      labelMap: { ...known, Chinstrap: 'c-new' },
      newClasses: [chinstrap],
    });

    // The same file with a repeated id in its last row fails after every chunk was written.
    const broken = sortedByLabelCsv() + 'p0,40.0,190,Chinstrap\n';
    const before = await counts(fx.db);
    const failed = await fx.bridge.importTabular(csvFile(broken), plan);
    expect(failed.ok).toBe(false);
    expect(await counts(fx.db)).toEqual(before);
    expect((await projects.get('p1'))!.classes.map((c) => c.name)).toEqual(['Adelie', 'Gentoo']);

    const result = await fx.bridge.importTabular(csvFile(sortedByLabelCsv()), plan);
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.labelsImported).toBe(360);
    expect((await projects.get('p1'))!.classes.map((c) => c.name)).toEqual([
      'Adelie',
      'Gentoo',
      'Chinstrap',
    ]);
    const labels = await fx.db.annotations.toArray();
    expect(labels.filter((a) => a.label === 'c-new')).toHaveLength(60);
  });
});

describe('the import panel state on adversarial files', () => {
  it('a rare class after row 200 blocks Import until decided, then imports every label', async () => {
    const fx = setUp('panel-sorted');
    const { state, current, reload } = await panel(fx, penguins());
    await state.setFiles(picked(sortedByLabelCsv()));
    expect(state.status).toBe('ready');
    expect(state.targetColumn).toBe('species');
    expect(state.targetValues.map((v) => [v.value, v.count])).toEqual([
      ['Adelie', 150],
      ['Gentoo', 150],
      ['Chinstrap', 60],
    ]);
    expect(state.undecidedValues).toEqual([{ value: 'Chinstrap', count: 60 }]);
    expect(state.labelProblem).toBe(
      '1 value of “species” matches no class: choose what becomes of its rows below.',
    );
    expect(state.canImport).toBe(false);

    state.setLabelChoice('Chinstrap', { kind: 'new-class' });
    expect(state.canImport).toBe(true);
    const summary = await state.run();
    if (!summary) throw new Error(state.error ?? 'no result');
    expect(summary.labelsImported).toBe(360);
    expect(summary.unlabelled).toEqual([]);
    await reload();
    const made = current().classes.find((c) => c.name === 'Chinstrap')!;
    expect(made.hotkey).toBe('3');

    // The imbalance finding names classes, not their ids (the plan carries the class names).
    const finding = summary.source.quality!.findings.find((f) => f.kind === 'class-imbalance');
    expect(finding?.kind === 'class-imbalance' && finding.classCounts.map((c) => c.name)).toEqual([
      'Adelie',
      'Gentoo',
      'Chinstrap',
    ]);
  });

  it('"no label" for a value imports its rows unlabelled and says so in the summary', async () => {
    const fx = setUp('panel-nolabel');
    const { state } = await panel(fx, penguins());
    await state.setFiles(picked(sortedByLabelCsv()));
    state.decideUndecided({ kind: 'no-label' });
    const summary = await state.run();
    if (!summary) throw new Error(state.error ?? 'no result');
    expect(summary.source.rowCount).toBe(360);
    expect(summary.unlabelled).toEqual([
      { reason: 'not-mapped', count: 60, values: [{ value: 'Chinstrap', count: 60 }] },
    ]);
  });

  it('a time-sorted file: types from every row, the datetime column is Time', async () => {
    const fx = setUp('panel-time');
    const { state } = await panel(fx, penguins());
    await state.setFiles(picked(timeSortedCsv()));
    const byName = Object.fromEntries(state.columns.map((c) => [c.name, c]));
    expect(byName.flag!.type).toBe('categorical');
    expect(byName.flag!.reason).toContain(`The first ${FIRST_ROWS} rows looked boolean`);
    expect(byName.status!.reason).toContain(`the first ${FIRST_ROWS} rows had 1 distinct`);
    expect(byName.at!.role).toBe('time');
  });

  it('`id,x,y,label` takes `label`, whose values are the class names, as the target', async () => {
    const fx = setUp('panel-xy');
    const project = penguins();
    project.classes = [
      { id: 'c-left', name: 'left', hotkey: '1', color: '#0072b2' },
      { id: 'c-right', name: 'right', hotkey: '2', color: '#e69f00' },
    ];
    const { state } = await panel(fx, project);
    await state.setFiles(picked(coordinatesCsv()));
    expect(state.columns.find((c) => c.name === 'y')!.role).toBe('feature');
    expect(state.targetColumn).toBe('label');
    const summary = await state.run();
    expect(summary?.labelsImported).toBe(60);
  });

  it('a production file keeps its labels as a column unless asked', async () => {
    const fx = setUp('panel-production');
    const project = penguins();
    project.classes = [
      { id: 'c-left', name: 'left', hotkey: '1', color: '#0072b2' },
      { id: 'c-right', name: 'right', hotkey: '2', color: '#e69f00' },
    ];
    const { state } = await panel(fx, project);
    await state.setFiles(picked(productionCsv()));
    state.role = 'production';
    expect(state.targetColumn).toBe('label');
    expect(state.columns.find((c) => c.name === 'at')!.role).toBe('time');
    expect(state.importLabels).toBe(0);
    const summary = await state.run();
    if (!summary) throw new Error(state.error ?? 'no result');
    expect(summary.labelsImported).toBe(0);
    expect(summary.unlabelled).toEqual([{ reason: 'not-drawn', count: 50 }]);
    expect(summary.source.timeColumn).toBe('at');

    // Asked for: the user picks "all of them".
    await state.setFiles(picked(productionCsv(), 'again.csv'));
    state.role = 'production';
    state.importLabels = 1;
    expect((await state.run())?.labelsImported).toBe(50);
  });
});
