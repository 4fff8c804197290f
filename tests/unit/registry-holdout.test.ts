// The gate's holdout glue (src/registry/holdout.ts): which items are the frozen holdout, how scores
// become paired predictions, and the verdicts for no champion, too few labels and different class
// sets. The worker is replaced by a table of constructed probabilities here (this tests the
// pairing, not a model); tests/browser/registry-export.test.ts runs it against the real worker.
import { describe, expect, it } from 'vitest';
import { isHoldout } from '../../src/data/splits';
import type { ChunkRecord, SourceRecord } from '../../src/persistence/schema';
import { evaluateGate } from '../../src/registry/gate';
import {
  argmaxRows,
  collectHoldout,
  evaluateOnHoldout,
  toHoldoutPredictions,
  type HoldoutDeps,
  type HoldoutSet,
} from '../../src/registry/holdout';
import type { PredictRequest, PredictResult } from '../../src/training/train-types';

const SEED = 7;
const classes = ['a', 'b', 'c'].map((id) => ({
  id,
  name: id.toUpperCase(),
  hotkey: id,
  color: '#000',
}));
const project = { id: 'p', seed: SEED, classes };

function source(id: string, createdAt: number, role: SourceRecord['role'] = 'pool'): SourceRecord {
  return {
    id,
    projectId: 'p',
    name: id,
    modality: 'tabular',
    role,
    status: 'ready',
    rowCount: 0,
    columns: [],
    createdAt,
  };
}

/** Sources whose item ids are `${sourceId}#i`, in chunks of 50, every item labelled by i mod 3. */
function world(
  rowsPerSource: Record<string, number>,
  roles: Record<string, SourceRecord['role']> = {},
) {
  const sources = Object.keys(rowsPerSource).map((id, i) => source(id, 100 - i, roles[id]));
  const chunks = new Map<string, ChunkRecord[]>();
  const labels = new Map<string, string>();
  for (const [id, rows] of Object.entries(rowsPerSource)) {
    const list: ChunkRecord[] = [];
    for (let start = 0, index = 0; start < rows; start += 50, index++) {
      const itemIds = Array.from(
        { length: Math.min(50, rows - start) },
        (_, i) => `${id}#${start + i}`,
      );
      list.push({
        sourceId: id,
        index,
        rowStart: start,
        rowCount: itemIds.length,
        columns: {},
        itemIds,
      });
      itemIds.forEach((itemId, i) => labels.set(itemId, classes[(start + i) % 3]!.id));
    }
    chunks.set(id, list);
  }
  labels.set('unknown-class-item', 'zzz');
  return {
    sources: {
      listSources: (_projectId: string) => Promise.resolve(sources),
      chunkCount: (sourceId: string) => Promise.resolve(chunks.get(sourceId)?.length ?? 0),
      getChunk: (sourceId: string, index: number) => Promise.resolve(chunks.get(sourceId)?.[index]),
    },
    annotations: { currentLabels: () => Promise.resolve(labels) },
    labels,
  };
}

/** A stand-in worker: each model (by run id) predicts from a function of the item id. */
function fakeBridge(
  models: Record<string, { classIds: string[]; predict: (itemId: string) => number }>,
) {
  const calls: PredictRequest[] = [];
  const bridge: HoldoutDeps['bridge'] = {
    predict: (request: PredictRequest): Promise<PredictResult> => {
      calls.push(request);
      const model = models[request.model.runId]!;
      if (request.input.kind !== 'items') throw new Error('items only');
      const ids = request.input.itemIds ?? [];
      const k = model.classIds.length;
      const probabilities = new Float32Array(ids.length * k);
      ids.forEach((id, r) => {
        probabilities.fill(0.1 / k, r * k, (r + 1) * k);
        probabilities[r * k + model.predict(id)] = 0.9;
      });
      return Promise.resolve({
        classIds: model.classIds,
        rows: ids.length,
        itemIds: ids,
        probabilities,
        ms: 0,
      });
    },
  };
  return { bridge, calls };
}

const version = (runId: string, version: number, classIds = ['a', 'b', 'c']) => ({
  runId,
  version,
  labels: { classIds, classes: classIds.map((id) => ({ id, name: id })) },
});

describe('collectHoldout', () => {
  it('takes labelled pool items in the frozen holdout, oldest source first, in row order', async () => {
    const w = world({ newer: 120, older: 300, prod: 200 }, { prod: 'production' });
    const holdout = await collectHoldout(project, w);
    const expected = [
      ...Array.from({ length: 300 }, (_, i) => `older#${i}`),
      ...Array.from({ length: 120 }, (_, i) => `newer#${i}`),
    ].filter((id) => isHoldout(id, SEED));
    expect(holdout.items.map((i) => i.itemId)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
    expect(holdout.items.every((i) => i.label === w.labels.get(i.itemId))).toBe(true);
  });
});

describe('toHoldoutPredictions', () => {
  const holdout: HoldoutSet = {
    projectId: 'p',
    items: [
      { sourceId: 's', itemId: 'x1', label: 'a' },
      { sourceId: 's', itemId: 'x2', label: 'b' },
      { sourceId: 's', itemId: 'x3', label: 'z' },
    ],
  };

  it('argmax takes the first maximum', () => {
    expect([...argmaxRows([0.2, 0.5, 0.3, 0.4, 0.4, 0.2], 2, 3)]).toEqual([1, 0]);
  });

  it('re-maps a model whose outputs come in another order, and leaves out unknown classes', () => {
    // Scores in order [b, a], item order shuffled: x2 → b, x1 → b.
    const { predictions, skipped } = toHoldoutPredictions(holdout, ['a', 'b'], {
      classIds: ['b', 'a'],
      itemIds: ['x2', 'x1', 'x3'],
      probabilities: Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.5, 0.5]),
    });
    expect(skipped).toBe(1);
    expect(predictions.itemIds).toEqual(['x1', 'x2']);
    expect(Array.from(predictions.yTrue)).toEqual([0, 1]);
    expect(Array.from(predictions.yPred)).toEqual([1, 1]);
  });
});

describe('evaluateOnHoldout', () => {
  const w = world({ pool: 600 });
  const truth = (id: string) => ['a', 'b', 'c'].indexOf(w.labels.get(id)!);
  const hash = (id: string) => Number(id.split('#')[1]);

  it('first champion: passes without a test, still scored on the holdout', async () => {
    const { bridge, calls } = fakeBridge({ r1: { classIds: ['a', 'b', 'c'], predict: truth } });
    const result = await evaluateOnHoldout(
      { bridge, dbName: 'db', ...w },
      project,
      version('r1', 1),
      null,
    );
    expect(result.verdict.passed).toBe(true);
    expect(result.verdict.reasons[0]).toMatch(/no champion yet/);
    expect(result.verdict.numbers.challenger).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toEqual({ dbName: 'db', runId: 'r1' });
  });

  it('pairs champion and challenger item by item and gives evaluateGate’s verdict', async () => {
    // Champion wrong on every 4th item, challenger right everywhere: a clear improvement.
    const { bridge } = fakeBridge({
      champ: {
        classIds: ['a', 'b', 'c'],
        predict: (id) => (hash(id) % 4 === 0 ? (truth(id) + 1) % 3 : truth(id)),
      },
      chall: { classIds: ['a', 'b', 'c'], predict: truth },
    });
    const progress: string[] = [];
    const result = await evaluateOnHoldout(
      { bridge, dbName: 'db', ...w },
      project,
      version('chall', 2),
      version('champ', 1),
      { onProgress: (p) => progress.push(p.stage) },
    );
    expect(result.champion!.itemIds).toEqual(result.challenger!.itemIds);
    const expected = evaluateGate({}, result.champion, result.challenger!);
    expect(result.verdict).toEqual(expected);
    expect(result.verdict.passed).toBe(true);
    expect(result.verdict.numbers.mcnemar!.b).toBe(0);
    expect(result.verdict.numbers.mcnemar!.c).toBeGreaterThan(5);
    expect(progress).toContain('champion');
    expect(progress.at(-1)).toBe('challenger');
  });

  it('refuses with a clear reason when the holdout has too few labels', async () => {
    const small = world({ pool: 40 });
    const { bridge, calls } = fakeBridge({});
    const result = await evaluateOnHoldout(
      { bridge, dbName: 'db', ...small },
      project,
      version('r2', 2),
      version('r1', 1),
    );
    expect(result.verdict.passed).toBe(false);
    expect(result.verdict.reasons[0]).toMatch(
      /Only \d+ labelled items? (is|are) in the frozen holdout/,
    );
    // It says how many more labels it needs: the gap to 10 holdout items, and ~10× that overall.
    const [, have] = /Only (\d+) labelled/.exec(result.verdict.reasons[0]!)!;
    const more = 10 - Number(have);
    expect(result.verdict.reasons[0]).toContain(
      `needs ${more} more holdout label${more === 1 ? '' : 's'} (about ${more * 10} more labels`,
    );
    expect(calls).toHaveLength(0);
  });

  it('refuses when the two versions predict different classes', async () => {
    const { bridge, calls } = fakeBridge({});
    const result = await evaluateOnHoldout(
      { bridge, dbName: 'db', ...w },
      project,
      version('r2', 2, ['a', 'b', 'c']),
      version('r1', 1, ['a', 'b']),
    );
    expect(result.verdict.passed).toBe(false);
    expect(result.verdict.reasons[0]).toMatch(/cannot be paired/);
    expect(calls).toHaveLength(0);
  });

  it('stops with an AbortError when cancelled', async () => {
    const { bridge } = fakeBridge({ r1: { classIds: ['a', 'b', 'c'], predict: truth } });
    const controller = new AbortController();
    controller.abort();
    await expect(
      evaluateOnHoldout({ bridge, dbName: 'db', ...w }, project, version('r1', 1), null, {
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
