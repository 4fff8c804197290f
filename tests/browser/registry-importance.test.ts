// Permutation feature importance in the real ML worker (workers/ml-importance.ts): a linear model
// trained on the synthetic tabular project, whose class is carried mostly by x1 (mean 1.2·y),
// less by x2 (−0.8·y), and not at all by x3 (noise); scored on the frozen holdout, with the test
// split as the fallback, cancellable, and leaving no tensors behind.
import Dexie from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { presetConfig } from '../../src/training/config';
import { MlBridge, isAbortError } from '../../src/training';
import { writeTabularProject, type SyntheticProject } from '../fixtures/training-data';
import { deleteDatabase } from './idb';

Dexie.debug = false;

describe('permutation importance in the ML worker', () => {
  const dbName = `inloop-test-importance-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'auto' });
  let db: InloopDB;
  let project: SyntheticProject;
  let runId: string;

  beforeAll(async () => {
    db = openDatabase(dbName);
    // 600 rows: about 60 in the frozen holdout (HOLDOUT_FRACTION 0.1), above the 30 it needs.
    project = await writeTabularProject(db, { projectId: 'imp', rows: 600, chunkRows: 128 });
    await bridge.ready();
    const config = { ...presetConfig('tabular', 'balanced', 7), family: 'linear' as const };
    runId = `run-imp-${crypto.randomUUID().slice(0, 8)}`;
    await bridge.trainModel({
      dbName,
      projectId: project.projectId,
      runId,
      config,
      appVersion: 'test',
    });
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('ranks the informative column first on the holdout, reproducibly, without leaking tensors', async () => {
    await bridge.evictModels();
    const before = (await bridge.memory()).numTensors;
    const progress: number[] = [];
    const request = { model: { dbName, runId }, projectId: project.projectId, nRepeats: 5 };
    const result = await bridge.permutationImportance(request, {
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.evaluatedOn).toBe('holdout');
    expect(result.note).toBeUndefined();
    expect(result.rows).toBe(result.holdoutItems);
    expect(result.rows).toBeGreaterThanOrEqual(30);
    // One source column per entry: four numerics and the categorical as a whole (2 kept + other).
    expect(result.features.map((f) => f.name).sort()).toEqual(['colour', 'x1', 'x2', 'x3', 'x4']);
    expect(result.features.find((f) => f.name === 'colour')).toMatchObject({
      kind: 'categorical',
      slots: 3,
    });
    expect(result.features.find((f) => f.name === 'x3')!.slots).toBe(2); // value + missing flag
    const names = result.features.map((f) => f.name);
    expect(names[0]).toBe('x1');
    expect(names.indexOf('x2')).toBeLessThan(names.indexOf('x3'));
    expect(result.features[0]!.accuracyDrop.mean).toBeGreaterThan(0.1);
    expect(result.features[0]!.logLossIncrease.mean).toBeGreaterThan(0);
    expect(result.baseline.accuracy).toBeGreaterThan(0.6);
    // Progress counts passes of 26 (the baseline, then 5 columns × 5 repeats), in order. Reports
    // travel on their own port, so the last few may land after the result: no exact final count.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((d, i) => d === i + 1 && d <= 26)).toBe(true);

    const again = await bridge.permutationImportance(request);
    expect(again.features).toEqual(result.features);
    await bridge.evictModels();
    expect((await bridge.memory()).numTensors).toBe(before);
  });

  it('falls back to the test split when the holdout has too few labels, and says so', async () => {
    const result = await bridge.permutationImportance({
      model: { dbName, runId },
      projectId: project.projectId,
      nRepeats: 2,
      // More than the holdout holds: the fallback path on the same data.
      minHoldoutItems: 10_000,
    });
    expect(result.evaluatedOn).toBe('test');
    expect(result.note).toMatch(/fewer than 10000.*test split/);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.features[0]!.name).toBe('x1');
  });

  it('stops on abort with an AbortError, cooperatively (the worker is not replaced)', async () => {
    const starts = bridge.workerStarts;
    const controller = new AbortController();
    const pending = bridge.permutationImportance(
      { model: { dbName, runId }, projectId: project.projectId, nRepeats: 50 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done === 3) controller.abort();
        },
      },
    );
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    await bridge.memory();
    expect(bridge.workerStarts).toBe(starts);
  });
});
