// A registered version's TF.js export, end to end: a tiny tabular model is trained by the real ML
// worker (CPU backend) on a synthetic project in real IndexedDB, registered through `registerRun`,
// exported with the same function the Models page's "Download" uses, and loaded in Node by a
// separate TF.js (a Vitest browser command, tests/browser/commands/tfjs-export.ts). Its
// probabilities must match the worker's for the same records. The promotion gate's holdout glue
// runs against the same real worker and models.
import { Dexie } from 'dexie';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import { evaluateGate } from '../../src/registry/gate';
import { versionExportZip } from '../../src/registry/export';
import { collectHoldout, evaluateOnHoldout } from '../../src/registry/holdout';
import { modelCard } from '../../src/registry/model-card';
import { registerRun } from '../../src/registry/register';
import type { ModelVersion } from '../../src/registry/types';
import { MlBridge, applyToRaw, presetConfig, type FeaturisationSpec } from '../../src/training';
import type { RawRecord } from '../../src/training/featurize-types';
import { writeTabularProject, type SyntheticProject } from '../fixtures/training-data';
import './commands/tfjs-export';
import { deleteDatabase } from './idb';

Dexie.debug = false;

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

describe('registered version export and holdout gate', () => {
  const dbName = `inloop-test-registry-export-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let project: SyntheticProject;
  const versions: ModelVersion[] = [];

  beforeAll(async () => {
    db = openDatabase(dbName);
    project = await writeTabularProject(db, { projectId: 'export', rows: 400, chunkRows: 128 });
    const runs = createRunsRepo(() => db);
    const deps = {
      registry: createRegistryRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
    };
    for (const [seed, epochs] of [
      [42, 2],
      [43, 8],
    ] as const) {
      const result = await bridge.trainModel({
        dbName,
        projectId: project.projectId,
        runId: `run-${seed}-${crypto.randomUUID().slice(0, 8)}`,
        config: {
          ...presetConfig('tabular', 'fast', seed),
          family: 'network' as const,
          epochs,
          batchSize: 32,
          hiddenUnits: [12],
          earlyStopping: { metric: 'val_loss', patience: 20, minDelta: 0 },
        },
        appVersion: 'test',
      });
      const run = (await runs.get(result.runId))!;
      versions.push(await registerRun(deps, run, { tags: [`seed-${seed}`] }));
    }
  });

  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('registers with lineage that names the annotators', () => {
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]!.lineage.labelSnapshot.annotators).toEqual(['test']);
    expect(versions[0]!.tags).toEqual(['seed-42']);
  });

  it('edits tags and notes, logged in the audit trail', async () => {
    const registry = createRegistryRepo(() => db);
    const edited = await registry.updateDetails(versions[0]!.id, {
      tags: [' baseline ', 'baseline', '', 'cpu'],
      notes: 'First try',
    });
    expect(edited).toMatchObject({ tags: ['baseline', 'cpu'], notes: 'First try' });
    expect(await registry.getVersion(versions[0]!.id)).toMatchObject({
      tags: ['baseline', 'cpu'],
      notes: 'First try',
    });
    const log = await registry.auditLog(project.projectId);
    expect(log.at(-1)).toMatchObject({ kind: 'registry.edit', detail: { version: 1 } });
  });

  it('exports standard TF.js layers files that TF.js in Node loads to the same predictions', async () => {
    const version = versions[1]!;
    const registry = createRegistryRepo(() => db);
    const weights = (await registry.getWeights(version.id))!;
    const run = (await createRunsRepo(() => db).get(version.runId))!;
    const card = modelCard({ projectName: 'Export test', version, run });
    const zip = versionExportZip({ version, weights, card });

    const files = unzipSync(zip);
    const spec = JSON.parse(strFromU8(files['featurisation.json']!)) as FeaturisationSpec;
    expect(JSON.parse(strFromU8(files['labels.json']!))).toMatchObject({
      classIds: project.classIds,
    });
    const records: RawRecord[] = [
      { x1: 0.1, x2: -0.2, x3: 10, x4: 0.3, colour: 'red' },
      { x1: 2.5, x2: -1.9, x3: 9.1, x4: 1.4, colour: 'blue' },
      { x1: 1.2, x2: -0.7, x3: null, x4: -0.4, colour: 'blue' },
      { x1: -1, x2: 1, x3: 14, x4: 2, colour: 'green' },
    ];
    const features = records.map((r) => Array.from(applyToRaw(spec, r)));

    const inWorker = await bridge.predict({
      model: { dbName, runId: version.runId },
      input: { kind: 'raw', records },
    });
    const k = inWorker.classIds.length;
    expect(inWorker.classIds).toEqual(version.labels.classIds);
    const loaded = await commands.loadTfjsExport(base64(zip), features);

    expect(loaded.inputShape).toEqual([null, spec.featureDim]);
    expect(loaded.probabilities).toHaveLength(records.length);
    for (let r = 0; r < records.length; r++) {
      const row = loaded.probabilities[r]!;
      expect(row).toHaveLength(k);
      for (let j = 0; j < k; j++) {
        expect(row[j]).toBeCloseTo(inWorker.probabilities[r * k + j]!, 5);
      }
    }
  });

  it('scores champion and challenger on the frozen holdout through the worker and judges them', async () => {
    const deps = {
      bridge,
      dbName,
      sources: createSourcesRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
    };
    const [champion, challenger] = versions as [ModelVersion, ModelVersion];
    const holdout = await collectHoldout(
      {
        id: project.projectId,
        seed: 7,
        classes: project.classIds.map((id) => ({ id, name: id, hotkey: '', color: '' })),
      },
      deps,
    );
    expect(holdout.items.length).toBeGreaterThanOrEqual(20);

    const first = await evaluateOnHoldout(
      deps,
      (await db.projects.get(project.projectId))!,
      champion,
      null,
    );
    expect(first.verdict.passed).toBe(true);
    expect(first.challenger!.itemIds).toEqual(holdout.items.map((i) => i.itemId));

    const stages = new Set<string>();
    const result = await evaluateOnHoldout(
      deps,
      (await db.projects.get(project.projectId))!,
      challenger,
      champion,
      { onProgress: (p) => stages.add(p.stage) },
    );
    expect([...stages]).toEqual(['collecting', 'champion', 'challenger']);
    expect(result.verdict.numbers.items).toBe(holdout.items.length);
    // The champion's holdout predictions are the same as when it was scored alone.
    expect(Array.from(result.champion!.yPred)).toEqual(Array.from(first.challenger!.yPred));
    expect(result.verdict).toEqual(evaluateGate({}, result.champion, result.challenger!));
    expect(result.verdict.numbers.mcnemar).toBeDefined();
    // Well above chance (1/3) on separable blobs.
    expect(result.verdict.numbers.challenger).toBeGreaterThan(0.5);
  });
});
