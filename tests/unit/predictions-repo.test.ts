// The prediction log repository against fake-indexeddb (Node). Must come first: Dexie picks up the
// global indexedDB when it loads.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAnnotationsRepo, type NewAnnotation } from '../../src/persistence/annotations-repo';
import { InloopDB } from '../../src/persistence/db';
import { StorageFailure } from '../../src/persistence/errors';
import { createPredictionsRepo, type NewPrediction } from '../../src/persistence/predictions-repo';

let db: InloopDB;
const predictions = createPredictionsRepo(() => db);
const annotations = createAnnotationsRepo(() => db);

beforeEach(() => {
  db = new InloopDB(`inloop-test-${crypto.randomUUID()}`);
});

afterEach(async () => {
  await db.delete();
});

function prediction(i: number, patch: Partial<NewPrediction> = {}): NewPrediction {
  return {
    projectId: 'p',
    modelId: 'm1',
    sourceId: 's',
    itemId: `item-${i}`,
    at: 1000 + i,
    label: i % 2 === 0 ? 'a' : 'b',
    probabilities: i % 2 === 0 ? [0.9, 0.1] : [0.2, 0.8],
    mode: 'batch',
    ...patch,
  };
}

function annotation(itemId: string, label: string | null, patch: Partial<NewAnnotation> = {}) {
  return {
    projectId: 'p',
    itemId,
    label,
    annotator: 'delayed-labels',
    sessionId: 'sess',
    kind: 'import',
    at: 5000,
    ...patch,
  } satisfies NewAnnotation;
}

describe('predictions repository', () => {
  it('appends in order and reads back by seq, paged, filtered and newest first', async () => {
    const seqs = await predictions.appendMany([
      prediction(0),
      prediction(1),
      prediction(2, { modelId: 'm2', mode: 'replay' }),
      prediction(3, { projectId: 'other' }),
      prediction(4),
    ]);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);

    const all = await predictions.list('p');
    expect(all.map((r) => r.itemId)).toEqual(['item-0', 'item-1', 'item-2', 'item-4']);
    expect((await predictions.list('p', { offset: 1, limit: 2 })).map((r) => r.itemId)).toEqual([
      'item-1',
      'item-2',
    ]);
    expect((await predictions.list('p', { modelId: 'm1' })).map((r) => r.itemId)).toEqual([
      'item-0',
      'item-1',
      'item-4',
    ]);
    expect((await predictions.list('p', { mode: 'replay' })).map((r) => r.itemId)).toEqual([
      'item-2',
    ]);
    expect(
      (await predictions.list('p', { order: 'desc', offset: 1, limit: 2 })).map((r) => r.itemId),
    ).toEqual(['item-2', 'item-1']);
    expect((await predictions.latest('p', 2)).map((r) => r.seq)).toEqual([5, 3]);

    expect(await predictions.count('p')).toBe(4);
    expect(await predictions.count('p', { modelId: 'm1' })).toBe(3);
    expect(await predictions.count('p', { mode: 'batch' })).toBe(3);
    expect(await predictions.count('other')).toBe(1);
    expect(await predictions.count('nobody')).toBe(0);
    expect(await predictions.lastSeq('p')).toBe(5);
    expect(await predictions.lastSeq('nobody')).toBe(0);
  });

  it('reads incrementally after a seq, with a limit', async () => {
    await predictions.appendMany([0, 1, 2, 3, 4].map((i) => prediction(i)));
    expect((await predictions.since('p', 0)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await predictions.since('p', 2, { limit: 2 })).map((r) => r.seq)).toEqual([3, 4]);
    expect(await predictions.since('p', 5)).toEqual([]);
    await predictions.appendMany([prediction(5)]);
    expect((await predictions.since('p', 5)).map((r) => r.itemId)).toEqual(['item-5']);
  });

  it("reads a model's tail after a seq with the model's whole count", async () => {
    const seqs = await predictions.appendMany([
      prediction(0),
      prediction(1, { modelId: 'm2' }),
      prediction(2),
      prediction(3, { projectId: 'q', modelId: 'm3' }),
      prediction(4),
    ]);
    const all = await predictions.modelTail('p', 'm1', 0);
    expect(all.entries.map((r) => r.itemId)).toEqual(['item-0', 'item-2', 'item-4']);
    expect(all.count).toBe(3);
    const tail = await predictions.modelTail('p', 'm1', seqs[2]!);
    expect(tail.entries.map((r) => r.seq)).toEqual([seqs[4]]);
    expect(tail.count).toBe(3);
    expect(await predictions.modelTail('p', 'm2', seqs[4]!)).toEqual({ entries: [], count: 1 });
  });

  it('reads a time range [from, to) by project or model, ordered by time', async () => {
    await predictions.appendMany([
      prediction(0, { at: 30 }),
      prediction(1, { at: 10 }),
      prediction(2, { at: 20, modelId: 'm2' }),
      prediction(3, { at: 40 }),
    ]);
    expect((await predictions.inTimeRange('p', 10, 40)).map((r) => r.at)).toEqual([10, 20, 30]);
    expect(
      (await predictions.inTimeRange('p', 0, 100, { modelId: 'm2' })).map((r) => r.itemId),
    ).toEqual(['item-2']);
  });

  it('finds every prediction of given items', async () => {
    await predictions.appendMany([
      prediction(0),
      prediction(1),
      prediction(0, { modelId: 'm2' }),
      prediction(0, { projectId: 'other' }),
    ]);
    const rows = await predictions.byItems('p', ['item-0', 'missing']);
    expect(rows.map((r) => [r.itemId, r.modelId])).toEqual([
      ['item-0', 'm1'],
      ['item-0', 'm2'],
    ]);
    expect(await predictions.byItems('p', [])).toEqual([]);
  });

  it('writes nothing when one record of a batch is refused', async () => {
    await predictions.appendMany([prediction(0)]);
    const bad = [prediction(1), { ...prediction(2), seq: 1 } as unknown as NewPrediction];
    const failure = await predictions.appendMany(bad).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageFailure);
    expect(await predictions.count('p')).toBe(1);
  });

  it('joins the current ground truth with its time, honouring undo and clears', async () => {
    const [first] = await annotations.append([annotation('item-0', 'a', { at: 100 })]);
    await annotations.append([
      annotation('item-0', 'b', { at: 200 }),
      annotation('item-1', 'a', { at: 300 }),
      annotation('item-2', 'a', { at: 400 }),
      annotation('item-2', null, { at: 500, kind: 'human' }),
      annotation('item-3', 'b', { at: 600, projectId: 'other' }),
    ]);
    // Undo the change to 'b': item-0 goes back to its first label and that label's time.
    const log = await annotations.log('p');
    const change = log.find((e) => e.itemId === 'item-0' && e.label === 'b')!;
    await annotations.append([
      annotation('item-0', null, { kind: 'undo', undoes: change.seq, at: 700 }),
    ]);

    const truth = await predictions.delayedLabels('p', ['item-0', 'item-1', 'item-2', 'item-3']);
    expect([...truth.keys()].sort()).toEqual(['item-0', 'item-1']);
    expect(truth.get('item-0')).toEqual({
      label: 'a',
      at: 100,
      seq: first,
      annotator: 'delayed-labels',
      kind: 'import',
    });
    expect(truth.get('item-1')).toMatchObject({ label: 'a', at: 300 });
    expect((await predictions.delayedLabels('p', [])).size).toBe(0);
  });
});
