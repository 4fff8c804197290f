// The boosted-trees family end to end, through the real ML worker and real IndexedDB: trained on
// a synthetic tabular project, stored as hist-gbdt JSON in the run's weights record, registered,
// exported as hist-gbdt.json (read back with the learner's own reader), carried through a
// workspace file into another database and served there with the same probabilities; Auto on
// tabular trying linear and trees; and what degenerate input gives.
import { Dexie } from 'dexie';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictProbaHgb, type HistGradientBoostingModel } from '../../src/learners/hist-gbdt';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, SCHEMA_VERSION, type InloopDB } from '../../src/persistence/db';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { createWorkspaceRepo } from '../../src/persistence/workspace-repo';
import { versionExportZip } from '../../src/registry/export';
import { modelCard } from '../../src/registry/model-card';
import { registerRun } from '../../src/registry/register';
import { MlBridge, applyToRaw, presetConfig, type FeaturisationSpec } from '../../src/training';
import type { RawRecord } from '../../src/training/featurize-types';
import type { TrainConfig } from '../../src/training/config';
import type { TrainProgress } from '../../src/training/train-types';
import { isTreesTopology, treeInputLayout, treeMatrix } from '../../src/training/tree-inputs';
import { describeWorkspaceError } from '../../src/workspace/errors';
import { exportWorkspace } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';
import {
  writeTabularProject,
  writeTextProject,
  type SyntheticProject,
  trainRequestFor,
} from '../fixtures/training-data';

Dexie.debug = false;

const request = trainRequestFor;

const treesConfig = (seed = 7): TrainConfig => ({
  ...presetConfig('tabular', 'balanced', seed),
  family: 'boosted-trees',
});

/** Rejection message of a training call that must fail (and not as a cancel). */
async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
}

const RECORDS: RawRecord[] = [
  { x1: 0.1, x2: -0.2, x3: 10, x4: 0.3, colour: 'red' },
  { x1: 2.5, x2: -1.9, x3: 9.1, x4: 1.4, colour: 'blue' },
  { x1: 1.2, x2: -0.7, x3: null, x4: -0.4, colour: 'blue' },
  { x1: -1, x2: 1, x3: 14, x4: 2, colour: 'green' },
];

describe('boosted trees in the ML worker', () => {
  const dbName = `inloop-test-trees-${crypto.randomUUID()}`;
  const otherName = `inloop-test-trees-import-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let other: InloopDB;
  let tabular: SyntheticProject;

  beforeAll(async () => {
    db = openDatabase(dbName);
    other = openDatabase(otherName);
    tabular = await writeTabularProject(db, { projectId: 'trees', rows: 400, chunkRows: 128 });
    await bridge.ready();
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    other.close();
    await Dexie.delete(dbName);
    await Dexie.delete(otherName);
  });

  it('trains, stores hist-gbdt JSON, registers, exports, round-trips a workspace file and serves the same probabilities', async () => {
    const before = await bridge.memory();
    const progress: TrainProgress[] = [];
    const result = await bridge.trainModel(request(dbName, tabular, treesConfig()), {
      onProgress: (p) => progress.push(p),
    });
    expect(result.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(result.curves).toHaveLength(1);
    // Progress while boosting (sent at most every 100 ms, so at least the first iteration's).
    expect(progress.filter((p) => p.kind === 'batch').length).toBeGreaterThanOrEqual(1);
    // No randomness once our validation split is the early-stopping set: same metrics again.
    const again = await bridge.trainModel(request(dbName, tabular, treesConfig(99)));
    expect(again.metrics).toEqual(result.metrics);

    const runs = createRunsRepo(() => db);
    const run = (await runs.get(result.runId))!;
    expect(run.learner).toMatchObject({
      family: 'boosted-trees',
      params: { learningRate: 0.1, maxLeafNodes: 31, earlyStopping: 'validation split' },
    });
    const weights = (await runs.getWeights(run.weightsKey!))!;
    expect(weights.weightSpecs).toEqual([]);
    expect(weights.weightData.byteLength).toBe(0);
    expect(isTreesTopology(weights.topology)).toBe(true);
    if (!isTreesTopology(weights.topology)) return;
    const model = weights.topology.model;
    expect(model.iterations).toBe(run.learner!.iterations);
    // 4 numeric columns then the categorical code; x3 had missing values → its NaNs are routed.
    const spec = run.featurisation as unknown as FeaturisationSpec;
    const layout = treeInputLayout(spec);
    expect(layout.columns.map((c) => c.name)).toEqual(['x1', 'x2', 'x3', 'x4', 'colour']);
    expect(model.categorical.map((c) => c !== null)).toEqual([false, false, false, false, true]);

    // Served after a reload from IndexedDB, the worker's probabilities are the stored model's.
    await bridge.evictModels(result.runId);
    const served = await bridge.predict({
      model: { dbName, runId: result.runId },
      input: { kind: 'raw', records: RECORDS },
    });
    const x = new Float32Array(RECORDS.length * spec.featureDim);
    RECORDS.forEach((r, i) => x.set(applyToRaw(spec, r), i * spec.featureDim));
    const direct = Float32Array.from(predictProbaHgb(model, treeMatrix(layout, x, RECORDS.length)));
    expect(served.probabilities).toEqual(direct);

    // Trees have no dropout: every MC pass is the same, and the embedding is the input vector.
    const mc = await bridge.mcDropout(
      { model: { dbName, runId: result.runId }, input: { kind: 'raw', records: RECORDS } },
      3,
    );
    const perPass = RECORDS.length * 3;
    expect(mc.probabilities.subarray(perPass, 2 * perPass)).toEqual(
      mc.probabilities.subarray(0, perPass),
    );
    const embedded = await bridge.embed({
      model: { dbName, runId: result.runId },
      input: { kind: 'raw', records: RECORDS },
    });
    expect(embedded.dim).toBe(spec.featureDim);
    expect(embedded.embeddings).toEqual(x);

    // Registered and exported: hist-gbdt.json is the documented format, read by its own reader.
    const deps = {
      registry: createRegistryRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
    };
    const version = await registerRun(deps, run);
    const stored = (await deps.registry.getWeights(version.id))!;
    const card = modelCard({ projectName: 'Trees', version, run });
    expect(card).toMatch(/Boosted trees/);
    expect(card).toMatch(/learningRate/);
    const files = unzipSync(versionExportZip({ version, weights: stored, card }));
    expect(Object.keys(files).sort()).toEqual([
      'MODEL_CARD.md',
      'featurisation.json',
      'hist-gbdt.json',
      'labels.json',
      'tree-inputs.json',
    ]);
    const exported = JSON.parse(strFromU8(files['hist-gbdt.json']!)) as HistGradientBoostingModel;
    expect(exported.kind).toBe('hist-gbdt');
    const exportedSpec = JSON.parse(strFromU8(files['featurisation.json']!)) as FeaturisationSpec;
    expect(
      Float32Array.from(
        predictProbaHgb(exported, treeMatrix(treeInputLayout(exportedSpec), x, RECORDS.length)),
      ),
    ).toEqual(direct);

    // A workspace file carries the model into another database, which serves it the same.
    const rows = (await createWorkspaceRepo(() => db).readProject(tabular.projectId))!;
    const out = await exportWorkspace(rows, { appVersion: 'test', schemaVersion: SCHEMA_VERSION });
    expect(out.manifest.entries.some((e) => e.path.endsWith('/hist-gbdt.json'))).toBe(true);
    const read = await readWorkspace(new Uint8Array(await out.blob.arrayBuffer()), {
      schemaVersion: SCHEMA_VERSION,
    });
    if (!read.ok) throw new Error(describeWorkspaceError(read.error));
    await createWorkspaceRepo(() => other).writeProject(read.value.rows);
    const reserved = await bridge.predict({
      model: { dbName: otherName, runId: result.runId },
      input: { kind: 'raw', records: RECORDS },
    });
    expect(reserved.probabilities).toEqual(direct);

    await bridge.evictModels();
    expect((await bridge.memory()).numTensors).toBe(before.numTensors);
  });

  it('Auto on tabular tries linear C values and boosted trees, and keeps the best by validation log-loss', async () => {
    const config = { ...presetConfig('tabular', 'balanced', 7), family: 'auto' as const };
    const result = await bridge.trainModel(request(dbName, tabular, config));
    const run = (await createRunsRepo(() => db).get(result.runId))!;
    const trials = run.learner!.trials!;
    expect(trials.map((t) => t.family)).toEqual(['linear', 'linear', 'linear', 'boosted-trees']);
    const chosen = trials.filter((t) => t.chosen);
    expect(chosen).toHaveLength(1);
    for (const t of trials) expect(chosen[0]!.valLogLoss!).toBeLessThanOrEqual(t.valLogLoss!);
    expect(run.learner!.family).toBe(chosen[0]!.family);
    expect(result.curves[0]!.valLoss).toBeCloseTo(chosen[0]!.valLogLoss!, 5);
  });

  it('says why when it cannot fit: one class, text data; an all-missing column is never split on', async () => {
    const one = await writeTabularProject(db, { projectId: 'one-class', labelledClasses: 1 });
    expect(await failure(bridge.trainModel(request(dbName, one, treesConfig())))).toMatch(
      /at least two classes/,
    );
    const text = await writeTextProject(db, { projectId: 'trees-text', rows: 60 });
    expect(
      await failure(
        bridge.trainModel(
          request(dbName, text, {
            ...presetConfig('text', 'balanced', 3),
            family: 'boosted-trees',
          }),
        ),
      ),
    ).toMatch(/must be one of auto, linear, network/);

    const holes = await writeTabularProject(db, { projectId: 'all-missing', rows: 300 });
    await db.chunks
      .filter((c) => c.sourceId === holes.sourceId)
      .modify((chunk) => {
        const col = chunk.columns.x3;
        if (col?.kind === 'f32') col.missing.fill(1);
      });
    const result = await bridge.trainModel(request(dbName, holes, treesConfig()));
    const run = (await createRunsRepo(() => db).get(result.runId))!;
    const weights = (await createRunsRepo(() => db).getWeights(run.weightsKey!))!;
    if (!isTreesTopology(weights.topology)) throw new Error('not a trees model');
    const x3 = treeInputLayout(run.featurisation as unknown as FeaturisationSpec).columns.findIndex(
      (c) => c.name === 'x3',
    );
    expect(weights.topology.model.trees.every((t) => !t.feature.includes(x3))).toBe(true);
    expect(result.metrics.testAccuracy).toBeGreaterThan(0.5);
  });
});
