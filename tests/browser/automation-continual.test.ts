// Continual learning through the real ML worker and IndexedDB (CPU backend): a challenger
// fine-tuned from a stored run with EWC or MAS, its training split restricted to chosen items, and
// the clear failures (architecture mismatch) that leave no weights behind.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createRunsRepo, runWeightsKey } from '../../src/persistence/runs-repo';
import { presetConfig, type TrainConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import type { TrainRequest } from '../../src/training/train-types';
import { writeTabularProject, type SyntheticProject } from '../fixtures/training-data';

Dexie.debug = false;

function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...presetConfig('tabular', 'fast', 7),
    family: 'network' as const,
    epochs: 4,
    batchSize: 32,
    dropout: 0,
    hiddenUnits: [16],
    earlyStopping: null,
    ...overrides,
  };
}

describe('fine-tuning a challenger from a stored model', () => {
  const dbName = `inloop-test-continual-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let p: SyntheticProject;
  let baseRunId = '';
  const req = (runId: string, c: TrainConfig, extra: Partial<TrainRequest> = {}): TrainRequest => ({
    dbName,
    projectId: p.projectId,
    runId,
    config: c,
    appVersion: 'test',
    ...extra,
  });

  beforeAll(async () => {
    db = openDatabase(dbName);
    p = await writeTabularProject(db, { projectId: 'cl', rows: 300, chunkRows: 128 });
    await bridge.ready();
    baseRunId = `base-${crypto.randomUUID().slice(0, 8)}`;
    await bridge.trainModel(req(baseRunId, config()));
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await new Promise((r) => {
      const d = indexedDB.deleteDatabase(dbName);
      d.onsuccess = d.onerror = d.onblocked = r;
    });
  });

  for (const kind of ['ewc', 'mas'] as const) {
    it(`fine-tunes with ${kind.toUpperCase()} on the selected items, keeping the base featurisation`, async () => {
      const runs = createRunsRepo(() => db);
      const selected = p.itemIds.slice(150);
      const old = p.itemIds.slice(0, 60);
      const runId = `ft-${kind}-${crypto.randomUUID().slice(0, 8)}`;
      const result = await bridge.trainModel(
        req(runId, config({ epochs: 2, learningRate: 0.003 }), {
          trainItemIds: selected,
          continual: { baseRunId, penalty: { kind, lambda: 50, itemIds: old } },
        }),
      );
      const base = await runs.get(baseRunId);
      const run = await runs.get(runId);
      expect(run?.status).toBe('completed');
      expect(run?.continual).toEqual({
        baseRunId,
        penalty: kind,
        lambda: 50,
        importanceSamples: 60,
      });
      // Only selected items trained (those of them in the training split).
      expect(result.counts.train).toBeGreaterThan(0);
      expect(result.counts.train).toBeLessThanOrEqual(selected.length);
      expect(result.counts.train).toBeLessThan(base!.splitCounts!.train!);
      // The same featurisation as the base: the base weights keep their meaning.
      expect(run?.featurisation).toEqual(base?.featurisation);
      expect(result.metrics.valAccuracy).toBeGreaterThan(0.5);
      expect(await runs.getWeights(runWeightsKey(runId))).toBeDefined();
    });
  }

  it('refuses a fine-tune whose architecture differs, and stores no weights', async () => {
    const runs = createRunsRepo(() => db);
    const runId = `ft-bad-${crypto.randomUUID().slice(0, 8)}`;
    await expect(
      bridge.trainModel(req(runId, config({ hiddenUnits: [8] }), { continual: { baseRunId } })),
    ).rejects.toThrow(/architecture differs/);
    expect((await runs.get(runId))?.status).toBe('failed');
    expect(await runs.getWeights(runWeightsKey(runId))).toBeUndefined();
  });
});
