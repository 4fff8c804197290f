// The exact learners through the real ML worker and real IndexedDB: the linear family (logistic
// regression solved by L-BFGS, served as a one-layer TF.js softmax model) and Auto, on tabular and
// hashed-text projects; fine-tuning a linear model with its closed-form EWC anchor.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { presetConfig } from '../../src/training/config';
import { MlBridge, isAbortError } from '../../src/training';
import type { TrainProgress } from '../../src/training/train-types';
import {
  writeTabularProject,
  writeTextProject,
  type SyntheticProject,
  trainRequestFor,
} from '../fixtures/training-data';
import { deleteDatabase } from './idb';

Dexie.debug = false;

const request = trainRequestFor;

describe('exact learners in the ML worker', () => {
  const dbName = `inloop-test-learners-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'auto' });
  let db: InloopDB;
  let tabular: SyntheticProject;
  let text: SyntheticProject;

  beforeAll(async () => {
    db = openDatabase(dbName);
    tabular = await writeTabularProject(db, { projectId: 'tab', rows: 400, chunkRows: 128 });
    text = await writeTextProject(db, { projectId: 'txt', rows: 240 });
    await bridge.ready();
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('fits the linear family exactly: deterministic, one curve point, its weights serve the same probabilities', async () => {
    const before = await bridge.memory();
    const config = { ...presetConfig('tabular', 'balanced', 7), family: 'linear' as const };
    const progress: TrainProgress[] = [];
    const first = await bridge.trainModel(request(dbName, tabular, config), {
      onProgress: (p) => progress.push(p),
    });
    const again = await bridge.trainModel(request(dbName, tabular, { ...config, seed: 99 }));
    // An exact solver has no randomness: another seed gives the same model.
    expect(again.metrics).toEqual(first.metrics);
    expect(first.curves).toHaveLength(1);
    expect(first.epochsRun).toBe(1);
    expect(first.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(progress.some((p) => p.kind === 'batch')).toBe(true);

    const runs = createRunsRepo(() => db);
    const run = await runs.get(first.runId);
    expect(run?.status).toBe('completed');
    expect(run?.learner).toMatchObject({ family: 'linear', params: { C: 1 }, converged: true });
    expect(run?.learner?.trials).toBeUndefined();
    const weights = await runs.getWeights(run!.weightsKey!);
    // One dense softmax layer: kernel D×K and bias K, in the standard layers format.
    expect(weights?.weightSpecs.map((w) => w.shape)).toEqual([
      [run!.featurisation!.featureDim as number, 3],
      [3],
    ]);

    // Scoring through the registry's path (reloaded from IndexedDB) gives the test split's metrics.
    await bridge.evictModels(first.runId);
    const scored = await bridge.predict({
      model: { dbName, runId: first.runId },
      input: { kind: 'items', sourceId: tabular.sourceId },
    });
    for (let i = 0; i < scored.rows; i++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) {
        const p = scored.probabilities[i * 3 + k]!;
        expect(Number.isFinite(p)).toBe(true);
        sum += p;
      }
      expect(sum).toBeCloseTo(1, 5);
    }
    await bridge.evictModels();
    expect((await bridge.memory()).numTensors).toBe(before.numTensors);
  });

  it('Auto tries the candidates, keeps the best by validation log-loss, and records every trial', async () => {
    const config = { ...presetConfig('tabular', 'balanced', 7), family: 'auto' as const };
    const result = await bridge.trainModel(request(dbName, tabular, config));
    const run = await createRunsRepo(() => db).get(result.runId);
    const trials = run!.learner!.trials!;
    expect(trials.filter((t) => t.family === 'linear').map((t) => t.params.C)).toEqual([
      1, 0.1, 10,
    ]);
    const chosen = trials.filter((t) => t.chosen);
    expect(chosen).toHaveLength(1);
    for (const t of trials) expect(chosen[0]!.valLogLoss!).toBeLessThanOrEqual(t.valLogLoss!);
    expect(run!.learner!.params.C).toBe(chosen[0]!.params.C);
    expect(result.curves[0]!.valLoss).toBeCloseTo(chosen[0]!.valLogLoss!, 5);
  });

  it('fits TF-IDF text (the learned vocabulary) sparsely and beats chance', async () => {
    const config = { ...presetConfig('text', 'balanced', 3), family: 'auto' as const };
    const result = await bridge.trainModel(request(dbName, text, config));
    expect(result.metrics.testAccuracy).toBeGreaterThan(0.6);
    const run = await createRunsRepo(() => db).get(result.runId);
    expect(run!.learner!.trials!.map((t) => t.params.C)).toEqual([1, 10]);
  });

  it('fine-tunes a linear model from its base with the EWC pull, and refuses a network base', async () => {
    const config = { ...presetConfig('tabular', 'balanced', 7), family: 'linear' as const };
    const base = await bridge.trainModel(request(dbName, tabular, config));
    const penalty = { kind: 'ewc' as const, lambda: 50, itemIds: tabular.itemIds.slice(0, 100) };
    const tuned = await bridge.trainModel(
      request(dbName, tabular, config, { continual: { baseRunId: base.runId, penalty } }),
    );
    expect(tuned.metrics.testAccuracy).toBeGreaterThan(0.6);
    const network = await bridge.trainModel(
      request(dbName, tabular, {
        ...presetConfig('tabular', 'fast', 7),
        family: 'network' as const,
        epochs: 2,
      }),
    );
    const error = await bridge
      .trainModel(request(dbName, tabular, config, { continual: { baseRunId: network.runId } }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isAbortError(error)).toBe(false);
    expect(String(error)).toMatch(/linear fine-tune needs a linear base model/);
  });
});
