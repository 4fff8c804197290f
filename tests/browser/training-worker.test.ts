// Training and inference in the real ML worker, against real IndexedDB in Chromium: small
// synthetic projects written through the persistence layer, trained on the CPU backend (exact
// reproducibility) and, tiny, on WebGPU (SwiftShader: correctness within a tolerance, not speed).
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createRunsRepo, INTERRUPTED_REASON, runWeightsKey } from '../../src/persistence/runs-repo';
import { presetConfig, type TrainConfig } from '../../src/training/config';
import { MlBridge, isAbortError } from '../../src/training';
import type { TrainProgress } from '../../src/training/train-types';
import {
  writeImageProject,
  writeTabularProject,
  writeTextProject,
  type SyntheticProject,
  trainRequestFor,
} from '../fixtures/training-data';
import { deleteDatabase } from './idb';

Dexie.debug = false;

/** A small, fast tabular config: few epochs, dropout on (so seeded masks are exercised). */
function tabularConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...presetConfig('tabular', 'fast', 42),
    family: 'network' as const,
    epochs: 6,
    batchSize: 32,
    dropout: 0.2,
    hiddenUnits: [16],
    earlyStopping: { metric: 'val_loss', patience: 3, minDelta: 1e-4 },
    ...overrides,
  };
}

const request = trainRequestFor;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

describe('training on the CPU backend', () => {
  const dbName = `inloop-test-training-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let tabular: SyntheticProject;
  let oneClass: SyntheticProject;

  beforeAll(async () => {
    db = openDatabase(dbName);
    tabular = await writeTabularProject(db, { projectId: 'tab', rows: 300, chunkRows: 128 });
    oneClass = await writeTabularProject(db, { projectId: 'one', rows: 60, labelledClasses: 1 });
    await bridge.ready();
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('plans: classes and counts per split, holdout kept apart', async () => {
    const plan = await bridge.trainingPlan({ dbName, projectId: tabular.projectId });
    expect(plan.problem).toBeUndefined();
    expect(plan.classIds).toEqual(['c0', 'c1', 'c2']);
    const { train, validation, test, holdout, unlabelled } = plan.counts;
    expect(train + validation + test + holdout).toBe(300);
    expect(unlabelled).toBe(0);
    expect(holdout).toBeGreaterThan(10);
    expect(validation).toBeGreaterThan(20);
    expect(Object.keys(plan.counts.perClass)).toEqual(['c0', 'c1', 'c2']);
  });

  it('trains twice with the same seed to identical metrics and curves, leaking no tensors', async () => {
    const before = await bridge.memory();
    const progress: TrainProgress[] = [];
    const first = await bridge.trainModel(request(dbName, tabular, tabularConfig()), {
      onProgress: (p) => progress.push(p),
    });
    const second = await bridge.trainModel(request(dbName, tabular, tabularConfig()));

    expect(first.backend).toBe('cpu');
    expect(first.metrics).toEqual(second.metrics);
    expect(first.curves.map(({ seconds: _s, ...rest }) => rest)).toEqual(
      second.curves.map(({ seconds: _s, ...rest }) => rest),
    );
    expect(first.evaluation).toEqual(second.evaluation);
    // Blobs with shifted means: an MLP separates them well above chance (1/3).
    expect(first.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(first.evaluation.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      first.counts.test,
    );

    expect(progress[0]?.kind).toBe('prepared');
    expect(progress.filter((p) => p.kind === 'epoch')).toHaveLength(first.epochsRun);
    expect(progress.some((p) => p.kind === 'batch')).toBe(true);
    expect(progress.at(-1)?.kind).toBe('evaluating');

    // The record is complete and carries its weights; a different seed gives another model.
    const runs = createRunsRepo(() => db);
    const run = await runs.get(first.runId);
    expect(run).toMatchObject({
      status: 'completed',
      backend: 'cpu',
      seed: 42,
      appVersion: 'test',
      weightsKey: runWeightsKey(first.runId),
      metrics: first.metrics,
    });
    expect(run?.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run?.dataDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(run?.labelDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(run?.curves.valLoss).toHaveLength(first.epochsRun);
    expect(run?.finishedAt).toBeGreaterThanOrEqual(run!.startedAt);
    expect(await runs.getWeights(runWeightsKey(first.runId))).toBeDefined();
    const other = await bridge.trainModel(request(dbName, tabular, tabularConfig({ seed: 43 })));
    expect(other.curves[0]?.loss).not.toBe(first.curves[0]?.loss);

    // Cached models hold their weights; once evicted, the worker is back where it started.
    await bridge.evictModels();
    expect((await bridge.memory()).numTensors).toBe(before.numTensors);
  });

  it('scores stored items and raw records, embeds, runs MC dropout; reloading from IndexedDB predicts the same', async () => {
    await bridge.evictModels();
    const baseline = await bridge.memory();
    const trained = await bridge.trainModel(
      request(dbName, tabular, tabularConfig({ classWeighting: 'balanced' })),
    );
    const model = { dbName, runId: trained.runId };
    const before = await bridge.memory();
    const partials: number[] = [];
    const cached = await bridge.predict(
      { model, input: { kind: 'items', sourceId: tabular.sourceId }, batchSize: 64 },
      { onProgress: (p) => partials.push(p.done) },
    );
    expect(cached.rows).toBe(300);
    expect(cached.itemIds).toEqual(tabular.itemIds);
    expect(cached.probabilities).toHaveLength(300 * 3);
    expect(partials.at(-1)).toBe(300);
    for (let r = 0; r < 300; r++) {
      const sum =
        cached.probabilities[r * 3]! +
        cached.probabilities[r * 3 + 1]! +
        cached.probabilities[r * 3 + 2]!;
      expect(sum).toBeCloseTo(1, 5);
    }
    expect((await bridge.memory()).numTensors).toBe(before.numTensors);

    // Evict: the next call loads topology + weights through the IOHandler from `modelWeights`.
    await bridge.evictModels(trained.runId);
    const reloaded = await bridge.predict({
      model,
      input: { kind: 'items', sourceId: tabular.sourceId },
    });
    expect(Array.from(reloaded.probabilities)).toEqual(Array.from(cached.probabilities));

    const raw = await bridge.predict({
      model,
      input: { kind: 'raw', records: [{ x1: 2.4, x2: -1.6, x3: 10, x4: 0, colour: 'red' }, {}] },
    });
    expect(raw.rows).toBe(2);
    expect(raw.probabilities).toHaveLength(6);

    const info = await bridge.modelInfo(model);
    expect(info.classIds).toEqual(['c0', 'c1', 'c2']);
    const subset = tabular.itemIds.slice(10, 15);
    const embedded = await bridge.embed({
      model,
      input: { kind: 'items', sourceId: tabular.sourceId, itemIds: subset },
    });
    expect(embedded).toMatchObject({ rows: 5, dim: 16, itemIds: subset });

    const mc = await bridge.mcDropout(
      { model, input: { kind: 'items', sourceId: tabular.sourceId, itemIds: subset } },
      4,
      { seed: 1 },
    );
    const mcAgain = await bridge.mcDropout(
      { model, input: { kind: 'items', sourceId: tabular.sourceId, itemIds: subset } },
      4,
      { seed: 1 },
    );
    expect(mc.probabilities).toHaveLength(4 * 5 * 3);
    expect(Array.from(mc.probabilities)).toEqual(Array.from(mcAgain.probabilities));
    // Dropout is on: passes differ from one another.
    expect(Array.from(mc.probabilities.subarray(0, 15))).not.toEqual(
      Array.from(mc.probabilities.subarray(15, 30)),
    );

    // Scoring passes leave nothing behind: once the model is evicted, the worker is as it was.
    await bridge.evictModels();
    expect((await bridge.memory()).numTensors).toBe(baseline.numTensors);
  });

  it('records a cancelled run as cancelled, with no weights and no leaked tensors', async () => {
    await bridge.evictModels();
    const before = await bridge.memory();
    const controller = new AbortController();
    const req = request(dbName, tabular, tabularConfig({ epochs: 500, earlyStopping: null }));
    const running = bridge.trainModel(req, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.kind === 'epoch' && p.point.epoch === 1) controller.abort();
      },
    });
    expect(isAbortError(await rejectionOf(running))).toBe(true);
    // The worker finishes its cancel before the queue moves on: the next call sees the record.
    const after = await bridge.memory();
    expect(after.numTensors).toBe(before.numTensors);
    const runs = createRunsRepo(() => db);
    const run = await runs.get(req.runId);
    expect(run?.status).toBe('cancelled');
    expect(run?.error).toMatch(/cancel/);
    expect(run?.finishedAt).not.toBeNull();
    expect(await runs.getWeights(runWeightsKey(req.runId))).toBeUndefined();
    expect(bridge.workerStarts).toBe(1);
  });

  it('records a run that cannot train as failed, with the reason', async () => {
    const req = request(dbName, oneClass, tabularConfig());
    const error = await rejectionOf(bridge.trainModel(req));
    expect(String(error)).toMatch(/at least two classes/);
    const run = await createRunsRepo(() => db).get(req.runId);
    expect(run).toMatchObject({ status: 'failed', projectId: oneClass.projectId });
    expect(run?.error).toMatch(/at least two classes/);
  });

  it('marks runs left running by a dead tab as interrupted', async () => {
    const runs = createRunsRepo(() => db);
    await runs.create({
      id: 'crashed',
      projectId: tabular.projectId,
      config: {},
      seed: 1,
      backend: 'cpu',
      dataDigest: 'd',
      labelDigest: 'l',
      startedAt: 1,
    });
    expect(await runs.markInterrupted(tabular.projectId)).toBe(1);
    expect(await runs.get('crashed')).toMatchObject({
      status: 'failed',
      error: INTERRUPTED_REASON,
    });
  });

  it('trains the text and image families', async () => {
    const text = await writeTextProject(db, { projectId: 'txt', rows: 150, classes: 2 });
    const textRun = await bridge.trainModel(
      request(dbName, text, {
        ...presetConfig('text', 'fast', 3),
        family: 'network' as const,
        epochs: 4,
        textDim: 256,
      }),
    );
    expect(textRun.metrics.valAccuracy).toBeGreaterThan(0.7);

    const image = await writeImageProject(db, { projectId: 'img', rows: 120, classes: 4 });
    const imageRun = await bridge.trainModel(
      request(dbName, image, {
        ...presetConfig('image', 'fast', 5),
        family: 'network' as const,
        epochs: 4,
        convFilters: [4, 8],
        hiddenUnits: [16],
        augment: { flip: true, shift: 0.1 },
      }),
    );
    expect(imageRun.epochsRun).toBeGreaterThan(0);
    expect(imageRun.evaluation.validation.confusion).toHaveLength(4);
    const scored = await bridge.predict({
      model: { dbName, runId: imageRun.runId },
      input: { kind: 'items', sourceId: image.sourceId, itemIds: image.itemIds.slice(0, 3) },
    });
    expect(scored.probabilities).toHaveLength(12);
    await bridge.evictModels();
  });
});

describe('training on WebGPU (SwiftShader: tiny)', () => {
  const dbName = `inloop-test-training-gpu-${crypto.randomUUID()}`;
  const gpu = new MlBridge({ prefer: 'webgpu' });
  const cpu = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let tabular: SyntheticProject;

  beforeAll(async () => {
    db = openDatabase(dbName);
    tabular = await writeTabularProject(db, { projectId: 'tab', rows: 120 });
  });
  afterAll(async () => {
    for (const b of [gpu, cpu]) {
      await b.closeDatabases().catch(() => undefined);
      b.dispose();
    }
    db.close();
    await deleteDatabase(dbName);
  });

  it('completes, leaks nothing, and matches the CPU within tolerance', async () => {
    const report = await gpu.ready();
    expect(report.backend).toBe('webgpu');
    const config = tabularConfig({ epochs: 2, batchSize: 64, earlyStopping: null });
    const before = await gpu.memory();
    const onGpu = await gpu.trainModel(request(dbName, tabular, config));
    const onCpu = await cpu.trainModel(request(dbName, tabular, config));
    expect(onGpu.backend).toBe('webgpu');
    // Same data, order, initial weights and dropout masks: only float rounding differs (GPU
    // reductions sum in another order). Tolerance: 1e-3 on losses, 1 item on accuracies.
    for (const [g, c] of onGpu.curves.map((p, i) => [p, onCpu.curves[i]!] as const)) {
      expect(Math.abs(g.loss - c.loss)).toBeLessThan(1e-3);
      expect(Math.abs(g.valLoss - c.valLoss)).toBeLessThan(1e-3);
    }
    const oneItem = 1 / onGpu.counts.test + 1e-9;
    expect(Math.abs(onGpu.metrics.testAccuracy! - onCpu.metrics.testAccuracy!)).toBeLessThanOrEqual(
      oneItem,
    );
    await gpu.evictModels();
    expect((await gpu.memory()).numTensors).toBe(before.numTensors);
  });
});
