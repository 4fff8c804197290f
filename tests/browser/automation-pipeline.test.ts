// A whole pipeline run against real IndexedDB, the real ML worker (CPU backend) and the real
// registry: a SEA project whose champion learned concept 0 from the pool, production traffic of a
// drifted concept scored in two monitoring windows (the second in state 'drift'), delayed labels.
// The drift selection trains a challenger fine-tuned on the recent windows, every epoch (no early
// stopping on the old concept's validation items); it passes the gate on the recent holdout and is
// promoted. A cancelled run registers nothing.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createAutomationRepo } from '../../src/persistence/automation-repo';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import type {
  AnnotationRecord,
  ChunkRecord,
  ColumnSchema,
  SourceRecord,
} from '../../src/persistence/schema';
import { seaStream } from '../../src/monitoring/synthetic-streams';
import { presetConfig } from '../../src/training/config';
import { MlBridge } from '../../src/training';
import { createPipelineDeps, type AutomationDeps } from '../../src/automation/automation-service';
import { runPipeline } from '../../src/automation/pipeline';
import { DEFAULT_POLICY_CONFIG } from '../../src/automation/types';
import { buildProject } from '../fixtures/db/builders';

Dexie.debug = false;

const AT = Date.UTC(2026, 1, 1);
const COLUMNS: ColumnSchema[] = ['x1', 'x2', 'x3'].map((name) => ({
  name,
  type: 'numeric',
  storage: 'f32',
  role: 'feature',
}));

async function writeSource(
  db: InloopDB,
  projectId: string,
  id: string,
  role: SourceRecord['role'],
  stream: ReturnType<typeof seaStream>,
  createdAt: number,
): Promise<string[]> {
  const n = stream.labels.length;
  const itemIds = Array.from({ length: n }, (_, i) => `${id}#${i}`);
  const col = (a: Float64Array) => ({
    kind: 'f32' as const,
    values: Float32Array.from(a),
    missing: new Uint8Array(n),
  });
  const chunk: ChunkRecord = {
    sourceId: id,
    index: 0,
    rowStart: 0,
    rowCount: n,
    columns: { x1: col(stream.columns.x1), x2: col(stream.columns.x2), x3: col(stream.columns.x3) },
    itemIds,
  };
  const source: SourceRecord = {
    id,
    projectId,
    name: id,
    modality: 'tabular',
    role,
    status: 'ready',
    rowCount: n,
    columns: COLUMNS,
    createdAt,
  };
  const annotations: Omit<AnnotationRecord, 'seq'>[] = itemIds.map((itemId, i) => ({
    projectId,
    itemId,
    label: stream.labels[i] === 1 ? 'low' : 'high',
    annotator: role === 'pool' ? 'import' : 'delayed-labels',
    sessionId: 's',
    kind: 'import',
    at: createdAt + i,
  }));
  await db.transaction('rw', [db.sources, db.chunks, db.annotations], async () => {
    await db.sources.add(source);
    await db.chunks.add(chunk);
    await db.annotations.bulkAdd(annotations);
  });
  return itemIds;
}

describe('pipeline run through the worker and the registry', () => {
  const dbName = `inloop-test-pipeline-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let deps: AutomationDeps;
  const projectId = 'sea';
  const project = buildProject({
    id: projectId,
    modality: 'tabular',
    classes: [
      { id: 'low', name: 'low', color: '#2f7d4a', hotkey: '1' },
      { id: 'high', name: 'high', color: '#b3261e', hotkey: '2' },
    ],
    seed: 5,
  });

  beforeAll(async () => {
    db = openDatabase(dbName);
    await db.projects.add(project);
    // Pool: concept 0. Production: the demo's concept 2 (θ 9.5, x1 +4, x2 +1, x3 −2).
    await writeSource(
      db,
      projectId,
      'pool',
      'pool',
      seaStream({ seed: 1, n: 600, noise: 0.05 }),
      AT,
    );
    const drifted = seaStream({
      seed: 2,
      n: 800,
      noise: 0.05,
      driftPoints: [0],
      concepts: [
        { theta: 8, shift: [0, 0, 0] },
        { theta: 9.5, shift: [4, 1, -2] },
      ],
    });
    const prodIds = await writeSource(db, projectId, 'prod', 'production', drifted, AT + 1000);
    await bridge.ready();
    const runs = createRunsRepo(() => db);
    const registry = createRegistryRepo(() => db);
    // The fast preset as the app trains it, early stopping included: a fine-tune copies it.
    const config = {
      ...presetConfig('tabular', 'fast', 5),
      family: 'network' as const,
      epochs: 25,
    };
    await bridge.trainModel({
      dbName,
      projectId,
      runId: 'base',
      config,
      appVersion: 'test',
      sourceIds: ['pool'],
    });
    const v = await registry.registerVersion((await runs.get('base'))!, { modelId: 'v1' });
    await registry.setAlias(v.id, 'champion');
    // The serving log and the monitor's two windows of 400 predictions each.
    const seqs = await db.predictions.bulkAdd<true>(
      prodIds.map((itemId, i) => ({
        projectId,
        modelId: 'v1',
        sourceId: 'prod',
        itemId,
        at: AT + 2000 + i,
        label: 'low',
        probabilities: [0.5, 0.5],
      })),
      { allKeys: true },
    );
    for (const [k, state] of (['ok', 'drift'] as const).entries()) {
      await db.monitorWindows.add({
        projectId,
        modelId: 'v1',
        sourceId: 'prod',
        start: AT + 2000 + k * 400,
        end: AT + 2000 + k * 400 + 399,
        count: 400,
        state,
        tests: { performance: { accuracy: 0.6, labelled: 400 } },
        fromSeq: seqs[k * 400]!,
        toSeq: seqs[k * 400 + 399]!,
        index: k,
        windowKey: 'count:400',
      } as never);
    }
    deps = {
      project,
      bridge,
      dbName,
      automation: createAutomationRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
      sources: createSourcesRepo(() => db),
      runs,
      registry,
    };
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

  const request = {
    projectId,
    policyId: null,
    config: {
      ...DEFAULT_POLICY_CONFIG,
      epochs: 25,
      fineTuneLearningRate: 0.01,
      penalty: 'ewc' as const,
      penaltyLambda: 10,
    },
    trigger: { kind: 'drift', reason: 'Window #2 is in state drift', windowSeq: 2 },
    seed: 3,
  };

  it('a cancelled run registers nothing and ends cancelled', async () => {
    const controller = new AbortController();
    const pipeline = createPipelineDeps(deps);
    const train = pipeline.train;
    pipeline.train = (plan, signal) => {
      // Cancel once training has really started in the worker.
      setTimeout(() => controller.abort(new DOMException('Cancelled', 'AbortError')), 300);
      return train(plan, signal);
    };
    const result = await runPipeline(pipeline, request, controller.signal);
    expect(result.status).toBe('cancelled');
    const row = await deps.automation.getRun(result.id);
    expect(row?.status).toBe('cancelled');
    expect(row?.steps.at(-1)).toMatchObject({ stage: 'train', outcome: 'cancelled' });
    expect((await deps.registry.getByAlias(projectId, 'champion'))?.id).toBe('v1');
    expect(await db.models.count()).toBe(1);
    // The page stops waiting at once; the worker notices the cancel at its next step and ends
    // the challenger's run record as 'cancelled' (without weights) shortly after.
    await expect
      .poll(async () => (await createRunsRepo(() => db).get(row!.challengerRunId!))?.status, {
        timeout: 20_000,
      })
      .toBe('cancelled');
    expect(
      await createRunsRepo(() => db).getWeights(`run:${row!.challengerRunId!}`),
    ).toBeUndefined();
  });

  it('sudden drift: fine-tunes on the recent windows and promotes a better challenger', async () => {
    const result = await runPipeline(
      createPipelineDeps(deps),
      request,
      new AbortController().signal,
    );
    const row = (await deps.automation.getRun(result.id))!;
    const summaries = row.steps.map((s) => `${String(s.stage)}: ${String(s.summary)}`).join('\n');
    expect(result.status, summaries).toBe('promoted');
    expect(row.steps.map((s) => s.stage)).toEqual([
      'snapshot',
      'select-data',
      'train',
      'evaluate',
      'gate',
      'decide',
    ]);
    expect(summaries).toMatch(/Sudden drift \(ok → drift\)/);
    expect(summaries).toMatch(/Fine-tuned from the champion without a forgetting penalty/);
    const champion = await deps.registry.getByAlias(projectId, 'champion');
    expect(champion?.id).toBe(result.challengerModelId);
    expect(champion?.parentModelId).toBe('v1');
    const run = await createRunsRepo(() => db).get(champion!.runId);
    expect(run?.continual?.baseRunId).toBe('base');
    // The champion's early stopping is off for the challenger: the validation split is mostly the
    // pool's old concept, and stopping on it would keep the epoch closest to the champion.
    expect((await createRunsRepo(() => db).get('base'))?.config.earlyStopping).not.toBeNull();
    expect(run?.config.earlyStopping).toBeNull();
    expect(run?.curves.valLoss).toHaveLength(request.config.epochs);
    expect(summaries).toMatch(/No early stopping/);
    // It trained on production items of the two windows only (none of the pool).
    expect(run?.sourceIds).toEqual(['pool', 'prod']);
    const evaluation = row.steps[3]!.detail as {
      holdout: { champion: { accuracy: number }; challenger: { accuracy: number } };
    };
    expect(evaluation.holdout.challenger.accuracy).toBeGreaterThan(
      evaluation.holdout.champion.accuracy,
    );
  });
});
