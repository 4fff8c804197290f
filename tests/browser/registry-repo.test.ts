// The model registry against real IndexedDB in Chromium: atomic registration (a failure injected
// at every step leaves nothing behind), per-project numbering, aliases that move atomically,
// promotion through the gate or by a reasoned override, rollback, archive, refusals, audit log.
import { Dexie } from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import {
  RegistryFailure,
  createRegistryRepo,
  type RegisterStep,
  type RegistryError,
} from '../../src/persistence/registry-repo';
import { runWeightsKey } from '../../src/persistence/runs-repo';
import type { RunRecord } from '../../src/persistence/schema';
import { evaluateGate, type HoldoutPredictions } from '../../src/registry/gate';
import { buildProject } from '../fixtures/db/builders';

// Dexie traces every failed operation when served from localhost; these tests fail some on purpose.
Dexie.debug = false;

const AT = 1_700_000_000_000;
let db: InloopDB;
let name: string;
const registry = createRegistryRepo(() => db);

beforeEach(async () => {
  name = `inloop-test-registry-${crypto.randomUUID()}`;
  db = openDatabase(name);
  await db.projects.bulkAdd([buildProject({ id: 'p' }), buildProject({ id: 'q' })]);
  await db.sources.add({
    id: 's1',
    projectId: 'p',
    name: 'customers.csv',
    modality: 'tabular',
    role: 'pool',
    status: 'ready',
    rowCount: 2,
    columns: [],
    createdAt: AT,
    digest: 'abc123',
  });
});

afterEach(async () => {
  db.close();
  await deleteDatabase(name);
});

// Raw rather than Dexie.delete: Chromium reports `blocked` for a connection closed a moment before
// (its close completes asynchronously) and Dexie would warn; the deletion goes through regardless.
function deleteDatabase(dbName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(dbName);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('delete failed'));
  });
}

/** A completed run with its `run:<id>` weights, as runs-repo leaves it. */
async function addRun(id: string, projectId = 'p', overrides: Partial<RunRecord> = {}) {
  const run: RunRecord = {
    id,
    projectId,
    status: 'completed',
    config: { epochs: 3 },
    seed: 7,
    backend: 'cpu',
    dataDigest: 'data',
    labelDigest: 'labels',
    curves: { loss: [0.6, 0.4] },
    metrics: { testMacroF1: 0.8 },
    startedAt: AT,
    finishedAt: AT + 1000,
    sourceIds: ['s1'],
    splitCounts: { train: 8, validation: 2, test: 2 },
    featurisation: { labels: { classIds: ['stay', 'churn'] } },
    weightsKey: runWeightsKey(id),
    ...overrides,
  };
  await db.runs.add(run);
  await db.modelWeights.add({
    modelId: runWeightsKey(id),
    topology: { class_name: 'Sequential' },
    weightSpecs: [{ name: 'dense/kernel', shape: [1, 2], dtype: 'float32' }],
    weightData: new Float32Array([0.5, -0.5]).buffer,
  });
  return run;
}

async function refusal(promise: Promise<unknown>): Promise<RegistryError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(RegistryFailure);
  return (e as RegistryFailure).error;
}

async function dump(): Promise<Record<string, unknown[]>> {
  const entries = await Promise.all(
    db.tables.map(async (table) => [table.name, await table.toArray()] as const),
  );
  return Object.fromEntries(entries);
}

function holdout(right: (i: number) => boolean): HoldoutPredictions {
  const yTrue = Array.from({ length: 200 }, (_, i) => i % 2);
  return { classIds: ['stay', 'churn'], yTrue, yPred: yTrue.map((y, i) => (right(i) ? y : 1 - y)) };
}

describe('registerVersion', () => {
  it('writes weights, featurisation, label set, metrics, lineage and an audit event', async () => {
    const run = await addRun('r1');
    const v = await registry.registerVersion(run, {
      tags: ['baseline', 'baseline'],
      notes: 'first',
      actor: 'ada',
      modelId: 'm1',
      now: AT + 5,
      labelSnapshot: { count: 12, digest: 'labels', annotators: ['ada'] },
    });
    expect(v).toMatchObject({
      id: 'm1',
      projectId: 'p',
      version: 1,
      runId: 'r1',
      aliases: [],
      status: 'registered',
      createdAt: AT + 5,
      metrics: { testMacroF1: 0.8 },
      featurisation: { labels: { classIds: ['stay', 'churn'] } },
      tags: ['baseline'],
      notes: 'first',
      labels: {
        classIds: ['stay', 'churn'],
        classes: [
          { id: 'stay', name: 'Stays' },
          { id: 'churn', name: 'Churns' },
        ],
      },
      referenceProfile: null,
      lineage: {
        runId: 'r1',
        dataSnapshot: {
          digest: 'data',
          sources: [{ id: 's1', name: 'customers.csv', digest: 'abc123' }],
        },
        labelSnapshot: { count: 12, digest: 'labels', annotators: ['ada'] },
      },
    });
    expect(await registry.getVersion('m1')).toEqual(v);
    const weights = await registry.getWeights('m1');
    expect(weights?.weightSpecs).toEqual([
      { name: 'dense/kernel', shape: [1, 2], dtype: 'float32' },
    ]);
    expect([...new Float32Array(weights?.weightData ?? new ArrayBuffer(0))]).toEqual([0.5, -0.5]);
    const log = await registry.auditLog('p');
    expect(log).toMatchObject([
      {
        kind: 'registry.register',
        actor: 'ada',
        at: AT + 5,
        detail: { modelId: 'm1', version: 1 },
      },
    ]);
  });

  it.each<RegisterStep>(['numbered', 'weights', 'model', 'event'])(
    'registers nothing when a failure is injected after step %s',
    async (step) => {
      const run = await addRun('r1');
      const before = await dump();
      const e = await registry
        .registerVersion(run, {
          modelId: 'm1',
          now: AT,
          inject: (s) => {
            if (s === step) throw new Error(`injected at ${s}`);
          },
        })
        .catch((error: unknown) => error);
      expect(e).toBeInstanceOf(Error);
      expect(await dump()).toEqual(before);
      expect(await registry.listVersions('p')).toEqual([]);
      expect(await registry.getWeights('m1')).toBeUndefined();
    },
  );

  it('numbers versions per project and never reuses a deleted number', async () => {
    const p1 = await registry.registerVersion(await addRun('r1'), { now: AT });
    const q1 = await registry.registerVersion(await addRun('rq', 'q'), { now: AT });
    const p2 = await registry.registerVersion(await addRun('r2'), { now: AT });
    expect([p1.version, q1.version, p2.version]).toEqual([1, 1, 2]);
    await registry.remove(p2.id, { now: AT });
    const p3 = await registry.registerVersion(await addRun('r3'), { now: AT });
    expect(p3.version).toBe(3);
    expect((await registry.listVersions('p')).map((v) => v.version)).toEqual([3, 1]);
  });

  it('numbers concurrent registrations without duplicates', async () => {
    const runs = await Promise.all(['a', 'b', 'c', 'd'].map((id) => addRun(id)));
    const versions = await Promise.all(runs.map((r) => registry.registerVersion(r, { now: AT })));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses runs that are missing, unfinished, without weights or already registered', async () => {
    const ghost = await addRun('ghost');
    await db.runs.delete('ghost');
    expect(await refusal(registry.registerVersion(ghost))).toMatchObject({ kind: 'run-not-found' });
    const running = await addRun('running', 'p', { status: 'running' });
    expect(await refusal(registry.registerVersion(running))).toMatchObject({
      kind: 'run-not-completed',
      status: 'running',
    });
    const bare = await addRun('bare');
    await db.modelWeights.delete(runWeightsKey('bare'));
    expect(await refusal(registry.registerVersion(bare))).toMatchObject({
      kind: 'weights-missing',
    });
    const run = await addRun('r1');
    await registry.registerVersion(run, { now: AT });
    expect(await refusal(registry.registerVersion(run))).toMatchObject({
      kind: 'run-already-registered',
      version: 1,
    });
  });
});

describe('aliases, promotion and rollback', () => {
  async function threeVersions() {
    const ids: string[] = [];
    for (const id of ['r1', 'r2', 'r3']) {
      const v = await registry.registerVersion(await addRun(id), { modelId: `m-${id}`, now: AT });
      ids.push(v.id);
    }
    return ids as [string, string, string];
  }

  it('keeps one champion per project, moving the alias atomically', async () => {
    const [m1, m2] = await threeVersions();
    const other = await registry.registerVersion(await addRun('rq', 'q'), { now: AT });
    await registry.setAlias(other.id, 'champion', { now: AT });
    await registry.setAlias(m1, 'champion', { now: AT });
    await registry.setAlias(m2, 'challenger', { now: AT });
    await registry.setAlias(m2, 'champion', { actor: 'bo', now: AT + 1 });
    const versions = await registry.listVersions('p');
    expect(versions.map((v) => [v.version, v.aliases])).toEqual([
      [3, []],
      [2, ['champion']],
      [1, []],
    ]);
    expect((await registry.getByAlias('p', 'champion'))?.id).toBe(m2);
    expect((await registry.getByAlias('p', 'challenger'))?.id).toBeUndefined();
    expect((await registry.getByAlias('q', 'champion'))?.id).toBe(other.id);
    const moves = (await registry.auditLog('p')).filter((e) => e.kind === 'registry.alias');
    expect(moves.at(-1)).toMatchObject({
      actor: 'bo',
      detail: { modelId: m2, alias: 'champion', fromModelId: m1, fromVersion: 1 },
    });
  });

  it('promotes through the gate and stores the verdict', async () => {
    const [m1, m2] = await threeVersions();
    await registry.promote(
      m1,
      evaluateGate(
        {},
        null,
        holdout((i) => i < 140),
      ),
      { now: AT },
    );
    const verdict = evaluateGate(
      {},
      holdout((i) => i < 140),
      holdout((i) => i < 170),
    );
    expect(verdict.passed).toBe(true);
    const promoted = await registry.promote(m2, verdict, { actor: 'ada', now: AT + 2 });
    expect(promoted.aliases).toEqual(['champion']);
    expect((await registry.getVersion(m2))?.promotion).toEqual({
      at: AT + 2,
      actor: 'ada',
      verdict,
      overridden: false,
    });
    expect((await registry.getVersion(m1))?.aliases).toEqual([]);
    expect((await registry.auditLog('p')).at(-1)).toMatchObject({
      kind: 'registry.promote',
      detail: { modelId: m2, fromModelId: m1, passed: true },
    });
  });

  it('refuses a failed gate unless overridden with a written reason', async () => {
    const [m1, m2] = await threeVersions();
    await registry.setAlias(m1, 'champion', { now: AT });
    const verdict = evaluateGate(
      {},
      holdout((i) => i < 140),
      holdout((i) => i < 141),
    );
    expect(verdict.passed).toBe(false);
    expect(await refusal(registry.promote(m2, verdict))).toMatchObject({ kind: 'gate-failed' });
    expect(await refusal(registry.promote(m2, verdict, { overrideReason: '  ' }))).toMatchObject({
      kind: 'override-needs-reason',
    });
    expect((await registry.getByAlias('p', 'champion'))?.id).toBe(m1);
    const forced = await registry.promote(m2, verdict, {
      overrideReason: 'Needed for the new class',
      now: AT + 3,
    });
    expect(forced.promotion).toMatchObject({
      overridden: true,
      reason: 'Needed for the new class',
    });
    expect((await registry.auditLog('p')).at(-1)).toMatchObject({
      kind: 'registry.override',
      detail: { modelId: m2, passed: false, reason: 'Needed for the new class' },
    });
  });

  it('rolls the champion back to an older version, logged', async () => {
    const [m1, m2, m3] = await threeVersions();
    expect(await refusal(registry.rollback(m1))).toMatchObject({ kind: 'no-champion' });
    await registry.setAlias(m2, 'champion', { now: AT });
    expect(await refusal(registry.rollback(m3))).toMatchObject({
      kind: 'not-older',
      championVersion: 2,
    });
    await registry.rollback(m1, { reason: 'v2 misfires on night traffic', now: AT + 9 });
    expect((await registry.getByAlias('p', 'champion'))?.id).toBe(m1);
    expect((await registry.auditLog('p')).at(-1)).toMatchObject({
      kind: 'registry.rollback',
      at: AT + 9,
      detail: { modelId: m1, version: 1, fromModelId: m2, fromVersion: 2 },
    });
  });

  it('archives and deletes, but never the champion', async () => {
    const [m1, m2, m3] = await threeVersions();
    await registry.setAlias(m1, 'champion', { now: AT });
    await registry.setAlias(m2, 'challenger', { now: AT });
    expect(await refusal(registry.remove(m1))).toMatchObject({
      kind: 'champion-protected',
      action: 'delete',
    });
    expect(await refusal(registry.archive(m1))).toMatchObject({
      kind: 'champion-protected',
      action: 'archive',
    });
    expect(await registry.getWeights(m1)).toBeDefined();

    await registry.archive(m2, { now: AT });
    expect(await registry.getVersion(m2)).toMatchObject({ status: 'archived', aliases: [] });
    expect(await refusal(registry.setAlias(m2, 'champion'))).toMatchObject({
      kind: 'model-archived',
    });

    await registry.remove(m3, { now: AT });
    expect(await registry.getVersion(m3)).toBeUndefined();
    expect(await registry.getWeights(m3)).toBeUndefined();
    expect(await refusal(registry.remove(m3))).toMatchObject({ kind: 'model-not-found' });
    expect((await registry.auditLog('p')).map((e) => e.kind)).toEqual([
      'registry.register',
      'registry.register',
      'registry.register',
      'registry.alias',
      'registry.alias',
      'registry.archive',
      'registry.delete',
    ]);
  });

  it('survives a reload of the database', async () => {
    const [m1] = await threeVersions();
    await registry.setAlias(m1, 'champion', { now: AT });
    db.close();
    db = openDatabase(name);
    expect((await registry.getByAlias('p', 'champion'))?.version).toBe(1);
    expect(await registry.listVersions('p')).toHaveLength(3);
  });
});
