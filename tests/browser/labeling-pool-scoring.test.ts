// Pool scoring through the real ML worker (CPU backend) against real IndexedDB: a pool of two
// sources, where whole sources are scored without their item ids (rows in the pool's own order)
// and a few items with theirs — both must give every item the same probabilities — and the
// margin strategy's batch must be the rows a hand-written margin ranking picks.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { presetConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import { poolOf, type LabelingPool } from '../../src/labeling/pool';
import { poolProbabilities, scorePool } from '../../src/labeling/pool-scoring';
import type { Project } from '../../src/projects/types';
import { writeTabularProject } from '../fixtures/training-data';

Dexie.debug = false;

describe('pool scoring in the ML worker', () => {
  const dbName = `inloop-test-pool-scoring-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let pool: LabelingPool;
  let project: Project;
  const runId = `run-${crypto.randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = openDatabase(dbName);
    // Two projects with the same columns; the pool holds both sources (the second one after the
    // first, several chunks each), the model is trained on the first.
    const a = await writeTabularProject(db, { projectId: 'a', rows: 150, chunkRows: 64 });
    const b = await writeTabularProject(db, { projectId: 'b', rows: 90, chunkRows: 40, seed: 5 });
    await bridge.ready();
    await bridge.trainModel({
      dbName,
      projectId: a.projectId,
      runId,
      config: { ...presetConfig('tabular', 'fast', 3), family: 'network' as const, epochs: 5 },
      appVersion: 'test',
    });
    const sources = [(await db.sources.get(a.sourceId))!, (await db.sources.get(b.sourceId))!];
    const chunks = [
      ...(await db.chunks.where('sourceId').equals(a.sourceId).sortBy('index')),
      ...(await db.chunks.where('sourceId').equals(b.sourceId).sortBy('index')),
    ];
    pool = poolOf(sources, chunks, 7);
    project = (await db.projects.get(a.projectId))!;
  }, 120_000);

  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await Dexie.delete(dbName).catch(() => undefined);
  });

  it('scores whole sources in pool order, the same as item by item', async () => {
    const whole = await poolProbabilities(bridge, dbName, pool, runId);
    expect(whole.rows).toEqual(Int32Array.from({ length: 240 }, (_, i) => i));
    const k = whole.classIds.length;
    expect(k).toBe(3);
    // A few items from both sources, asked for by id (in a shuffled order).
    const picks = [200, 3, 151, 77, 239, 0, 149, 150];
    const some = await poolProbabilities(
      bridge,
      dbName,
      pool,
      runId,
      undefined,
      picks.map((r) => pool.itemIds[r]!),
    );
    expect([...some.rows].sort((x, y) => x - y)).toEqual([...picks].sort((x, y) => x - y));
    some.rows.forEach((r, i) => {
      const a = Array.from(some.data.subarray(i * k, (i + 1) * k));
      const b = Array.from(whole.data.subarray(r * k, (r + 1) * k));
      a.forEach((p, j) => expect(p).toBeCloseTo(b[j]!, 6));
    });
  });

  it("picks margin's batch from the worker's probabilities", async () => {
    const n = pool.itemIds.length;
    const eligible = new Uint8Array(n).fill(1);
    for (let r = 0; r < n; r += 3) eligible[r] = 0;
    const batch = await scorePool({
      bridge,
      dbName,
      project,
      pool,
      runId,
      strategy: 'margin',
      k: 12,
      seed: 1,
      eligible,
      labelledRows: new Int32Array(0),
    });
    const { data, classIds } = await poolProbabilities(bridge, dbName, pool, runId);
    const k = classIds.length;
    const margins: { r: number; m: number }[] = [];
    for (let r = 0; r < n; r++) {
      if (!eligible[r]) continue;
      const p = Array.from(data.subarray(r * k, (r + 1) * k)).sort((x, y) => y - x);
      margins.push({ r, m: p[0]! - p[1]! });
    }
    margins.sort((x, y) => x.m - y.m || x.r - y.r);
    expect([...batch.rows].sort((x, y) => x - y)).toEqual(
      margins
        .slice(0, 12)
        .map((x) => x.r)
        .sort((x, y) => x - y),
    );
    expect(batch.probs?.data).toHaveLength(n * k);
  });

  it('reuses a run’s pool outputs across refills and asks the worker again for a new run', async () => {
    let predicts = 0;
    const counting = {
      predict: (...args: Parameters<MlBridge['predict']>) => {
        predicts++;
        return bridge.predict(...args);
      },
      embed: bridge.embed.bind(bridge),
      mcDropout: bridge.mcDropout.bind(bridge),
    };
    // A pool object of its own: the earlier tests' refills cached their outputs on `pool`.
    const fresh = poolOf(pool.sources, pool.chunks, 7);
    const n = fresh.itemIds.length;
    const refill = (eligible: Uint8Array, run: string) =>
      scorePool({
        bridge: counting,
        dbName,
        project,
        pool: fresh,
        runId: run,
        strategy: 'entropy',
        k: 5,
        seed: 1,
        eligible,
        labelledRows: new Int32Array(0),
      });
    const all = new Uint8Array(n).fill(1);
    const first = await refill(all, runId);
    // One inference per source of the pool.
    expect(predicts).toBe(2);
    // The first batch labelled: the next refill picks the next five, without a new inference.
    const rest = all.slice();
    for (const r of first.rows) rest[r] = 0;
    const second = await refill(rest, runId);
    expect(predicts).toBe(2);
    expect(second.rows.some((r) => first.rows.includes(r))).toBe(false);
    const both = await refill(all, runId);
    expect(new Set(both.rows)).toEqual(new Set(first.rows));
    // Another run of the same project: its own outputs.
    const other = `run-${crypto.randomUUID().slice(0, 8)}`;
    await bridge.trainModel({
      dbName,
      projectId: project.id,
      runId: other,
      config: { ...presetConfig('tabular', 'fast', 9), family: 'network' as const, epochs: 2 },
      appVersion: 'test',
    });
    await refill(all, other);
    expect(predicts).toBe(4);
  }, 60_000);
});
