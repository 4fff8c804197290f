// The monitor end to end on real parts: a SEA pool and a drifting production stream in real
// IndexedDB, a tiny model trained by the real ML worker (CPU), registered and made champion; the
// reference profile computed from its pool and stored on its row; the production source scored
// by serving's batch scoring; delayed labels in the label log; then the monitor worker computes
// windows incrementally and the drift after the planted change is called.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createMonitorRepo } from '../../src/persistence/monitor-repo';
import { createPredictionsRepo } from '../../src/persistence/predictions-repo';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import type { AnnotationRecord, ChunkRecord, SourceRecord } from '../../src/persistence/schema';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import type { Project } from '../../src/projects/types';
import type { ModelVersion } from '../../src/registry/types';
import { scoreSource, type ServingDeps } from '../../src/serving/serving';
import { presetConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import { monitorCandidates } from '../../src/monitoring/candidates';
import { DEFAULT_MONITOR_SETTINGS, type MonitorSettings } from '../../src/monitoring/engine';
import { MonitorBridge } from '../../src/monitoring/monitor-bridge';
import { reportOf, windowKeyOf } from '../../src/monitoring/monitor-runner';
import { isReferenceProfile } from '../../src/monitoring/reference-profile';
import { ensureReferenceProfile } from '../../src/monitoring/reference-service';
import { seaStream } from '../../src/monitoring/synthetic-streams';
import { buildProject } from '../fixtures/db/builders';
import { deleteDatabase } from './idb';

Dexie.debug = false;

const POOL_ROWS = 1200;
const PROD_ROWS = 3000;
const DRIFT_AT = 1500;
const WINDOW = 300;
const LABEL_LAG_MS = 100 * 60_000;

/** A SEA source (x1..x3 f32, label i32 target, optional time column) written in chunks. */
function seaSource(
  projectId: string,
  id: string,
  role: 'pool' | 'production',
  stream: ReturnType<typeof seaStream>,
): { source: SourceRecord; chunks: ChunkRecord[] } {
  const n = stream.labels.length;
  const chunks: ChunkRecord[] = [];
  for (let start = 0, index = 0; start < n; start += 512, index++) {
    const m = Math.min(512, n - start);
    const f = (a: Float64Array) => ({
      kind: 'f32' as const,
      values: Float32Array.from(a.subarray(start, start + m)),
      missing: new Uint8Array(m),
    });
    chunks.push({
      sourceId: id,
      index,
      rowStart: start,
      rowCount: m,
      columns: {
        x1: f(stream.columns.x1),
        x2: f(stream.columns.x2),
        x3: f(stream.columns.x3),
        label: {
          kind: 'i32',
          codes: Int32Array.from(stream.labels.subarray(start, start + m), (y) => (y ? 0 : 1)),
          vocab: ['low', 'high'],
        },
        ...(role === 'production'
          ? {
              time: {
                kind: 'f64' as const,
                values: stream.times.slice(start, start + m),
                missing: new Uint8Array(m),
              },
            }
          : {}),
      },
      itemIds: Array.from({ length: m }, (_, i) => `${id}#${start + i}`),
    });
  }
  const source: SourceRecord = {
    id,
    projectId,
    name: `${role}.csv`,
    modality: 'tabular',
    role,
    status: 'ready',
    rowCount: n,
    columns: [
      ...['x1', 'x2', 'x3'].map((name) => ({
        name,
        type: 'numeric' as const,
        storage: 'f32' as const,
        role: 'feature' as const,
      })),
      {
        name: 'label',
        type: 'categorical',
        storage: 'i32',
        role: 'target',
        vocab: ['low', 'high'],
      },
      ...(role === 'production'
        ? [
            {
              name: 'time',
              type: 'datetime' as const,
              storage: 'f64' as const,
              role: 'time' as const,
            },
          ]
        : []),
    ],
    ...(role === 'production' ? { timeColumn: 'time' } : {}),
    createdAt: 1_700_000_000_000,
  };
  return { source, chunks };
}

describe('monitoring a drifting stream on real IndexedDB and real workers', () => {
  const dbName = `inloop-test-monitor-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  const monitorBridge = new MonitorBridge();
  let db: InloopDB;
  let project: Project;
  let champion: ModelVersion;
  let production: SourceRecord;
  let serving: ServingDeps;
  const prodStream = seaStream({
    seed: 31,
    n: PROD_ROWS,
    driftPoints: [DRIFT_AT],
    startTime: Date.UTC(2026, 1, 1),
  });

  beforeAll(async () => {
    db = openDatabase(dbName);
    project = buildProject({
      id: 'sea',
      name: 'SEA',
      targetColumn: 'label',
      classes: [
        { id: 'low', name: 'low', hotkey: '1', color: '#2f7d4a' },
        { id: 'high', name: 'high', hotkey: '2', color: '#b3261e' },
      ],
    });
    const pool = seaSource(project.id, 'sea/pool', 'pool', seaStream({ seed: 30, n: POOL_ROWS }));
    const prod = seaSource(project.id, 'sea/prod', 'production', prodStream);
    production = prod.source;
    const labels: Omit<AnnotationRecord, 'seq'>[] = pool.chunks.flatMap((c) =>
      c.itemIds.map((itemId, i) => ({
        projectId: project.id,
        itemId,
        label: (c.columns.label as { codes: Int32Array }).codes[i] === 0 ? 'low' : 'high',
        annotator: 'test',
        sessionId: 'import',
        kind: 'import' as const,
        at: 1_700_000_000_000,
      })),
    );
    await db.transaction('rw', db.tables, async () => {
      await db.projects.add(project);
      await db.sources.bulkAdd([pool.source, prod.source]);
      await db.chunks.bulkAdd([...pool.chunks, ...prod.chunks]);
      await db.annotations.bulkAdd(labels);
    });
    const registry = createRegistryRepo(() => db);
    serving = {
      dbName,
      bridge,
      predictions: createPredictionsRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
      sources: createSourcesRepo(() => db),
      registry,
    };
    const trained = await bridge.trainModel({
      dbName,
      projectId: project.id,
      runId: 'sea-run-1',
      config: {
        ...presetConfig('tabular', 'fast', 42),
        family: 'network' as const,
        epochs: 30,
        hiddenUnits: [16],
      },
      appVersion: 'test',
    });
    const run = await createRunsRepo(() => db).get(trained.runId);
    const version = await registry.registerVersion(run!);
    champion = await registry.setAlias(version.id, 'champion');
  });

  afterAll(async () => {
    monitorBridge.dispose();
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  it('computes the reference profile from the pool and stores it on the version row', async () => {
    const model = { dbName, runId: champion.runId };
    const monitor = createMonitorRepo(() => db);
    const profile = await ensureReferenceProfile(champion, {
      sources: serving.sources,
      monitor,
      predict: async (sourceId, itemIds) => {
        const r = await bridge.predict({ model, input: { kind: 'items', sourceId, itemIds } });
        return { classIds: r.classIds, probabilities: r.probabilities };
      },
    });
    expect(profile.rows).toBe(POOL_ROWS);
    expect(profile.features.map((f) => f.name)).toEqual(['x1', 'x2', 'x3']);
    expect(profile.predictions!.rows).toBe(POOL_ROWS);
    expect(profile.predictions!.classCounts.reduce((s, c) => s + c, 0)).toBe(POOL_ROWS);
    const stored = await serving.registry.getVersion(champion.id);
    expect(isReferenceProfile(stored!.referenceProfile)).toBe(true);
    expect(stored!.referenceProfile).toEqual(JSON.parse(JSON.stringify(profile)));
    // Stored: a second call returns it without recomputing (no predict needed).
    const again = await ensureReferenceProfile(stored!, { sources: serving.sources, monitor });
    expect(again).toEqual(stored!.referenceProfile);
    // The accuracy reference is the run's test split with its label count.
    expect(profile.predictions!.accuracy).toBe(champion.metrics.testAccuracy);
    expect(profile.predictions!.accuracyCount).toBe(champion.metrics.testCount);
    expect(champion.metrics.testCount).toBeGreaterThanOrEqual(30);
    // A profile stored before that (validation accuracy, no count) is brought up to date in place.
    const old = {
      ...profile,
      predictions: { ...profile.predictions!, accuracy: 0.99, accuracyCount: null },
    };
    await monitor.setReferenceProfile(champion.id, old);
    const before = await serving.registry.getVersion(champion.id);
    const upgraded = await ensureReferenceProfile(before!, { sources: serving.sources, monitor });
    expect(upgraded).toEqual(profile);
    expect((await serving.registry.getVersion(champion.id))!.referenceProfile).toEqual(
      JSON.parse(JSON.stringify(profile)),
    );
    champion = stored!;
  });

  it('windows the scored log incrementally and calls the drift after the planted change', async () => {
    const summary = await scoreSource(serving, project, champion, production, { batchRows: 512 });
    expect(summary.logged).toBe(PROD_ROWS);
    // Delayed labels: each item's truth arrives LABEL_LAG_MS after its event time.
    const truth: Omit<AnnotationRecord, 'seq'>[] = Array.from({ length: PROD_ROWS }, (_, i) => ({
      projectId: project.id,
      itemId: `sea/prod#${i}`,
      label: prodStream.labels[i] ? 'low' : 'high',
      annotator: 'delayed-labels',
      sessionId: 'delayed',
      kind: 'import',
      at: prodStream.times[i]! + LABEL_LAG_MS,
    }));
    await serving.annotations.append(truth);

    const settings: MonitorSettings = {
      ...DEFAULT_MONITOR_SETTINGS,
      window: { by: 'count', size: WINDOW },
    };
    const request = { dbName, projectId: project.id, modelId: champion.id, settings };
    const first = await monitorBridge.run(request);
    expect(first.added).toBe(PROD_ROWS / WINDOW);
    expect(first.pending).toBe(0);
    // Nothing new: nothing added.
    expect((await monitorBridge.run(request)).added).toBe(0);

    const monitor = createMonitorRepo(() => db);
    const windows = await monitor.listWindows(project.id, champion.id, windowKeyOf(settings));
    expect(windows.map((w) => w.index)).toEqual(windows.map((_, i) => i));
    expect(windows.map((w) => w.count)).toEqual(windows.map(() => WINDOW));
    // Contiguous log ranges.
    for (let i = 1; i < windows.length; i++) {
      expect(windows[i]!.fromSeq).toBeGreaterThan(windows[i - 1]!.toSeq);
    }
    const firstDrift = windows.findIndex((w) => w.state === 'drift');
    // The change is at item 1,500 = the start of window 5: no drift call before it, one after.
    expect(firstDrift).toBeGreaterThanOrEqual(DRIFT_AT / WINDOW);
    expect(firstDrift).toBeLessThanOrEqual(DRIFT_AT / WINDOW + 1);
    const after = reportOf(windows[DRIFT_AT / WINDOW + 1]!);
    // Concept 1 moves x1 and x3: both drift, x2 does not.
    const drifted = after.features.filter((f) => f.drifted).map((f) => f.column);
    expect(drifted).toEqual(expect.arrayContaining(['x1', 'x3']));
    expect(after.features.every((f) => f.test === 'wasserstein')).toBe(true);
    expect(after.ensemble.groups.data.state).toBe('drift');
    // Delayed labels arrived for earlier items: the window has performance evidence.
    expect(after.performance!.labelled).toBeGreaterThan(0);

    // Outliers and drifted-region items feed the labeling queue, unlabelled items only.
    const candidates = await monitorCandidates(project.id, {
      monitor,
      annotations: serving.annotations,
    });
    expect(candidates).toEqual([]); // every production item got its delayed label above
  });

  it('a second score adds only the new windows; a new settings key starts its own series', async () => {
    await scoreSource(serving, project, champion, production, { batchRows: 512 });
    const settings: MonitorSettings = {
      ...DEFAULT_MONITOR_SETTINGS,
      window: { by: 'count', size: WINDOW },
    };
    const request = { dbName, projectId: project.id, modelId: champion.id, settings };
    const more = await monitorBridge.run(request);
    expect(more.added).toBe(PROD_ROWS / WINDOW);
    const monitor = createMonitorRepo(() => db);
    const all = await monitor.listWindows(project.id, champion.id, windowKeyOf(settings));
    expect(all).toHaveLength((2 * PROD_ROWS) / WINDOW);
    const daily = { ...settings, window: { by: 'time' as const, bucket: 'hour' as const } };
    const hourly = await monitorBridge.run({ ...request, settings: daily });
    expect(hourly.added).toBeGreaterThan(0);
    expect(await monitor.listWindows(project.id, champion.id, windowKeyOf(settings))).toHaveLength(
      all.length,
    );
  });
});
