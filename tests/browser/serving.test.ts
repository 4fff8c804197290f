// Serving against the real ML worker and real IndexedDB: a tiny tabular model is trained (CPU
// backend), registered and made champion; a production source (with a time column in reverse row
// order and a target column) is scored in batch, cancelled midway, replayed with delayed labels,
// and joined with a labels file that is written all or nothing.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createPredictionsRepo } from '../../src/persistence/predictions-repo';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import type { ChunkRecord, SourceRecord } from '../../src/persistence/schema';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import type { Project } from '../../src/projects/types';
import type { ModelVersion } from '../../src/registry/types';
import { argMax, toProjectOrder } from '../../src/serving/records';
import {
  createSourceReplay,
  importLabelsFile,
  scoreSource,
  tryIt,
  type ServingDeps,
} from '../../src/serving/serving';
import { presetConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import { createRng, randNormal } from '../../src/lib/rng';
import { writeTabularProject, type SyntheticProject } from '../fixtures/training-data';
import { deleteDatabase } from './idb';

Dexie.debug = false;

const PROD_ROWS = 600;
const T_START = Date.UTC(2026, 0, 1);

/**
 * A production source like the pool's data: row r has event time T_START + (PROD_ROWS - r) minutes
 * (time order is the reverse of row order) and its class (`Class k`) in a target column.
 */
async function writeProductionSource(db: InloopDB, projectId: string): Promise<SourceRecord> {
  const sourceId = `${projectId}-prod`;
  const rng = createRng(99);
  const chunkRows = 256;
  const vocab = ['Class 0', 'Class 1', 'Class 2'];
  const chunks: ChunkRecord[] = [];
  for (let start = 0, index = 0; start < PROD_ROWS; start += chunkRows, index++) {
    const n = Math.min(chunkRows, PROD_ROWS - start);
    const num = () => ({
      kind: 'f32' as const,
      values: new Float32Array(n),
      missing: new Uint8Array(n),
    });
    const cols = { x1: num(), x2: num(), x3: num(), x4: num() };
    const colour = new Int32Array(n);
    const y = new Int32Array(n);
    const ts = { kind: 'f64' as const, values: new Float64Array(n), missing: new Uint8Array(n) };
    for (let i = 0; i < n; i++) {
      const r = start + i;
      const k = r % 3;
      cols.x1.values[i] = 1.2 * k + randNormal(rng);
      cols.x2.values[i] = -0.8 * k + randNormal(rng);
      cols.x3.values[i] = randNormal(rng) * 3 + 10;
      cols.x4.values[i] = (k % 2) * 1.5 + randNormal(rng);
      colour[i] = k % 2;
      y[i] = r % 50 === 7 ? -1 : k; // a few rows with an unknown target
      ts.values[i] = T_START + (PROD_ROWS - r) * 60_000;
    }
    chunks.push({
      sourceId,
      index,
      rowStart: start,
      rowCount: n,
      columns: {
        ...cols,
        colour: { kind: 'i32', codes: colour, vocab: ['red', 'blue'] },
        y: { kind: 'i32', codes: y, vocab },
        ts,
      },
      itemIds: Array.from({ length: n }, (_, i) => `${sourceId}:r${start + i}`),
    });
  }
  const source: SourceRecord = {
    id: sourceId,
    projectId,
    name: 'production.csv',
    modality: 'tabular',
    role: 'production',
    status: 'ready',
    rowCount: PROD_ROWS,
    columns: [
      ...['x1', 'x2', 'x3', 'x4'].map((name) => ({
        name,
        type: 'numeric' as const,
        storage: 'f32' as const,
        role: 'feature' as const,
      })),
      {
        name: 'colour',
        type: 'categorical',
        storage: 'i32',
        role: 'feature',
        vocab: ['red', 'blue'],
      },
      { name: 'y', type: 'categorical', storage: 'i32', role: 'target', vocab },
      { name: 'ts', type: 'datetime', storage: 'f64', role: 'time' },
    ],
    timeColumn: 'ts',
    createdAt: T_START,
  };
  await db.transaction('rw', db.sources, db.chunks, async () => {
    await db.sources.add(source);
    await db.chunks.bulkAdd(chunks);
  });
  return source;
}

describe('serving with the champion', () => {
  const dbName = `inloop-test-serving-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let pool: SyntheticProject;
  let project: Project;
  let source: SourceRecord;
  let champion: ModelVersion;
  let deps: ServingDeps;

  beforeAll(async () => {
    db = openDatabase(dbName);
    pool = await writeTabularProject(db, { projectId: 'serve', rows: 240 });
    source = await writeProductionSource(db, pool.projectId);
    project = (await db.projects.get(pool.projectId))!;
    deps = {
      dbName,
      bridge,
      predictions: createPredictionsRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
      sources: createSourcesRepo(() => db),
      registry: createRegistryRepo(() => db),
    };
    const trained = await bridge.trainModel({
      dbName,
      projectId: pool.projectId,
      runId: 'serve-run-1',
      config: {
        ...presetConfig('tabular', 'fast', 42),
        family: 'network' as const,
        epochs: 4,
        hiddenUnits: [16],
      },
      appVersion: 'test',
    });
    const run = await createRunsRepo(() => db).get(trained.runId);
    const version = await deps.registry.registerVersion(run!);
    champion = await deps.registry.setAlias(version.id, 'champion');
  });

  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  /** The champion's probabilities for every production row, straight from the worker. */
  async function direct(): Promise<Map<string, number[]>> {
    const result = await bridge.predict({
      model: { dbName, runId: champion.runId },
      input: { kind: 'items', sourceId: source.id },
    });
    const k = result.classIds.length;
    const projectIds = project.classes.map((c) => c.id);
    return new Map(
      result.itemIds.map((id, i) => [
        id,
        toProjectOrder(
          result.classIds,
          projectIds,
          result.probabilities.subarray(i * k, (i + 1) * k),
        ),
      ]),
    );
  }

  it('batch-scores a production source: the log holds exactly the direct predictions', async () => {
    const progress: number[] = [];
    const summary = await scoreSource(deps, project, champion, source, {
      batchRows: 128,
      onProgress: (p) => progress.push(p.logged),
    });
    expect(summary).toMatchObject({ logged: PROD_ROWS, total: PROD_ROWS, cancelled: false });
    expect(progress).toEqual([0, 128, 256, 384, 512, 600]);

    const rows = await deps.predictions.list(project.id, { jobId: summary.jobId });
    expect(rows).toHaveLength(PROD_ROWS);
    expect(await deps.predictions.count(project.id, { mode: 'batch' })).toBe(PROD_ROWS);
    const expected = await direct();
    const projectIds = project.classes.map((c) => c.id);
    const counts: Record<string, number> = {};
    rows.forEach((r, i) => {
      expect(r.itemId).toBe(`${source.id}:r${i}`);
      const want = expected.get(r.itemId)!;
      r.probabilities.forEach((p, k) => expect(p).toBeCloseTo(want[k]!, 5));
      expect(r.label).toBe(projectIds[argMax(want)]);
      expect(r).toMatchObject({ modelId: champion.id, version: champion.version, mode: 'batch' });
      // `at` is the row's event time (the source has a time column).
      expect(r.at).toBe(T_START + (PROD_ROWS - i) * 60_000);
      counts[r.label] = (counts[r.label] ?? 0) + 1;
    });
    expect(summary.distribution).toEqual(counts);
  });

  it('cancelling midway leaves whole batches only, and says how many', async () => {
    const abort = new AbortController();
    const summary = await scoreSource(deps, project, champion, source, {
      batchRows: 64,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.logged >= 128) abort.abort();
      },
    });
    expect(summary).toMatchObject({ cancelled: true, logged: 128, total: PROD_ROWS });
    const rows = await deps.predictions.list(project.id, { jobId: summary.jobId });
    expect(rows.map((r) => r.itemId)).toEqual(
      Array.from({ length: 128 }, (_, i) => `${source.id}:r${i}`),
    );

    // A cancel at an arbitrary moment: whatever was logged is whole batches and what was said.
    const early = new AbortController();
    const running = scoreSource(deps, project, champion, source, {
      batchRows: 100,
      signal: early.signal,
    });
    setTimeout(() => early.abort(), 0);
    const partial = await running;
    expect(partial.cancelled).toBe(true);
    expect(partial.logged % 100).toBe(0);
    expect(await deps.predictions.count(project.id, { jobId: partial.jobId })).toBe(partial.logged);
  });

  it('replays in time order through the worker and reveals labels after the lag', async () => {
    const replay = await createSourceReplay(deps, project, champion, source, {
      speed: Infinity,
      batchSize: 50,
      labelLag: 20,
    });
    const positions: number[] = [];
    replay.on((e) => {
      if (e.kind === 'batch') positions.push(e.position);
    });
    const summary = await replay.start();
    expect(summary).toMatchObject({ state: 'finished', logged: PROD_ROWS });
    expect(positions).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 50));

    const rows = await deps.predictions.list(project.id, { jobId: summary.jobId });
    // Time order is the reverse of row order.
    expect(rows.map((r) => r.itemId)).toEqual(
      Array.from({ length: PROD_ROWS }, (_, i) => `${source.id}:r${PROD_ROWS - 1 - i}`),
    );
    const expected = await direct();
    for (const r of rows.slice(0, 50)) {
      r.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected.get(r.itemId)![k]!, 5));
    }

    // Items in stream positions 0 … 579 are revealed, minus the rows with an unknown target.
    const revealed = rows.slice(0, PROD_ROWS - 20).map((r) => r.itemId);
    const unknown = revealed.filter((id) => Number(id.split(':r')[1]) % 50 === 7).length;
    expect(summary.labelsRevealed).toBe(revealed.length - unknown);
    const truth = await deps.predictions.delayedLabels(
      project.id,
      rows.map((r) => r.itemId),
    );
    expect(truth.size).toBe(summary.labelsRevealed);
    const first = rows[0]!;
    expect(truth.get(first.itemId)).toMatchObject({
      label: `c${Number(first.itemId.split(':r')[1]) % 3}`,
      annotator: 'delayed-labels',
      kind: 'import',
      at: rows[20]!.at,
    });
    expect(truth.has(rows.at(-1)!.itemId)).toBe(false);
  });

  it('imports a labels file all or nothing', async () => {
    const before = (await deps.annotations.log(project.id)).length;
    const bad = await importLabelsFile(deps, project, {
      name: 'labels.csv',
      text: 'id,label,time\nr1,Class 1,2026-02-01\nnot-an-item,Class 0,\nr2,Class 9,\n',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.map((p) => p.kind)).toEqual(['unknown-ids', 'unknown-classes']);
    }
    expect((await deps.annotations.log(project.id)).length).toBe(before);

    const good = await importLabelsFile(
      deps,
      project,
      {
        name: 'labels.jsonl',
        text: [
          '{"id":"r1","label":"Class 2","time":"2026-02-01T00:00:00Z"}',
          `{"id":"${source.id}:r2","label":"c0"}`,
        ].join('\n'),
      },
      { now: 123 },
    );
    expect(good).toEqual({
      ok: true,
      value: { written: 2, perClass: { c2: 1, c0: 1 }, withPrediction: 2 },
    });
    expect((await deps.annotations.log(project.id)).length).toBe(before + 2);
    const truth = await deps.predictions.delayedLabels(project.id, [
      `${source.id}:r1`,
      `${source.id}:r2`,
    ]);
    expect(truth.get(`${source.id}:r1`)).toMatchObject({
      label: 'c2',
      at: Date.UTC(2026, 1, 1),
    });
    expect(truth.get(`${source.id}:r2`)).toMatchObject({ label: 'c0', at: 123 });
  });

  it('tries one raw record and logs it', async () => {
    const before = await deps.predictions.count(project.id, { mode: 'try' });
    const result = await tryIt(deps, project, champion, {
      kind: 'raw',
      record: { x1: 2.4, x2: -1.6, x3: 10, x4: null, colour: 'red' },
    });
    expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(result.classIds).toEqual(['c0', 'c1', 'c2']);
    const [logged] = await deps.predictions.latest(project.id, 1, { mode: 'try' });
    expect(logged).toMatchObject({ seq: result.seq, sourceId: 'try-it', label: result.label });
    expect(await deps.predictions.count(project.id, { mode: 'try' })).toBe(before + 1);
  });
});
