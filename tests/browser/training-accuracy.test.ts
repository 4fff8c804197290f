// Accuracy sanity (issue 4): on the Penguins demo with all its labels, the default tabular model
// must do at least as well on the test split as scikit-learn's LogisticRegression on exactly the
// same split (tests/fixtures/golden/training-golden.json, make-training-golden.py). The CSV goes
// through the real import (IngestBridge → ingest worker) and the model through the real ML worker
// on the CPU backend; the golden's train/validation/test ids are passed as an explicit split.
import { Dexie } from 'dexie';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestBridge } from '../../src/data/ingest-bridge';
import { describeImportError } from '../../src/data/import-errors';
import type { Split } from '../../src/data/types';
import { openDatabase } from '../../src/persistence/db';
import { DEMOS, labelMapOf } from '../../src/projects/demos';
import { DEFAULT_PRESET, presetConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import { buildProject } from '../fixtures/db/builders';
import golden from '../fixtures/golden/training-golden.json';

Dexie.debug = false;

const reference = golden.penguins;

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

describe('accuracy sanity: Penguins against scikit-learn', () => {
  const dbName = `inloop-test-accuracy-${crypto.randomUUID()}`;
  const db = openDatabase(dbName);
  const ingest = new IngestBridge({ dbName });
  const ml = new MlBridge({ prefer: 'cpu' });

  afterAll(async () => {
    ingest.dispose();
    await ml.closeDatabases().catch(() => undefined);
    ml.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('the default tabular model reaches the LogisticRegression test accuracy', async () => {
    const spec = DEMOS.find((d) => d.id === 'penguins')!;
    const project = buildProject({
      id: 'penguins',
      name: 'Penguins',
      modality: 'tabular',
      targetColumn: spec.columns!.target,
      classes: spec.classes.map((c, i) => ({ id: `class-${i}`, color: '#000000', ...c })),
    });
    await db.projects.add(project);

    // public/ is served at the root, as in the app.
    const blob = await (await fetch(spec.file)).blob();
    const file = new File([blob], 'penguins.csv', { type: 'text/csv' });
    const preview = await ingest.previewTabular(file);
    if (!preview.ok) throw new Error(describeImportError(preview.error));
    // As the demo imports it (src/projects/demos.ts), but with every known label.
    const imported = await ingest.importTabular(file, {
      projectId: project.id,
      name: file.name,
      role: 'pool',
      modality: 'tabular',
      columns: preview.value.inferred.map((c) => ({
        name: c.name,
        type: c.name === 'Species' ? 'categorical' : c.type,
        role: c.name === 'id' ? 'id' : c.name === 'Species' ? 'target' : 'feature',
      })),
      idColumn: 'id',
      targetColumn: 'Species',
      skipRaggedRows: false,
      labelMap: labelMapOf(project),
      importLabels: 1,
    });
    if (!imported.ok) throw new Error(describeImportError(imported.error));
    const { source, labelsImported } = imported.value;
    expect(source.rowCount).toBe(reference.rows_total);
    expect(labelsImported).toBe(reference.rows_total);

    const splitAssignment: Record<string, Split> = {};
    const assign = (ids: string[], split: Split) => {
      for (const id of ids) splitAssignment[`${source.id}:${id}`] = split;
    };
    assign(reference.train_ids, 'train');
    assign(reference.validation_ids, 'validation');
    assign(reference.test_ids, 'test');

    const plan = await ml.trainingPlan({ dbName, projectId: project.id, splitAssignment });
    expect(plan.problem).toBeUndefined();
    expect(plan.counts.train).toBe(reference.train_ids.length);
    expect(plan.counts.validation).toBe(reference.validation_ids.length);
    expect(plan.counts.test).toBe(reference.test_ids.length);

    const result = await ml.trainModel({
      dbName,
      projectId: project.id,
      runId: `accuracy-${crypto.randomUUID()}`,
      config: presetConfig('tabular', DEFAULT_PRESET, project.seed),
      appVersion: 'test',
      splitAssignment,
    });
    expect(result.backend).toBe('cpu');
    expect(result.evaluation.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      reference.test_ids.length,
    );
    expect(result.metrics.testAccuracy).toBeGreaterThanOrEqual(reference.test_accuracy);
  });
});
