// Pipeline runs against fake-indexeddb with the real automation and registry repositories: the
// stage log, promote vs keep, failures, single-flight, and atomicity under cancel at every stage
// (no registered version, the row ends 'cancelled').
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InloopDB } from '../../src/persistence/db';
import {
  PipelineBusyError,
  createAutomationRepo,
  type AutomationRepo,
} from '../../src/persistence/automation-repo';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { runWeightsKey } from '../../src/persistence/runs-repo';
import type { RunRecord } from '../../src/persistence/schema';
import { evaluateGate } from '../../src/registry/gate';
import {
  runPipeline,
  type ChallengerPlan,
  type Evaluation,
  type PipelineDeps,
  type PipelineSnapshot,
} from '../../src/automation/pipeline';
import { DEFAULT_POLICY_CONFIG, type PipelineStage } from '../../src/automation/types';
import type { LabelledItem } from '../../src/automation/data-selection';
import { createPipelineDeps } from '../../src/automation/automation-service';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import type { MlBridge } from '../../src/training/ml-bridge';
import { buildProject } from '../fixtures/db/builders';

const AT = Date.UTC(2026, 0, 1);
let db: InloopDB;
let repo: AutomationRepo;

beforeEach(async () => {
  db = new InloopDB(`inloop-test-${crypto.randomUUID()}`);
  repo = createAutomationRepo(() => db);
  await addRun('champion-run');
  const registry = createRegistryRepo(() => db);
  const v = await registry.registerVersion((await db.runs.get('champion-run'))!, {
    modelId: 'champion',
    now: AT,
  });
  await registry.setAlias(v.id, 'champion', { now: AT });
});

afterEach(async () => {
  await db.delete();
});

async function addRun(id: string): Promise<RunRecord> {
  const run: RunRecord = {
    id,
    projectId: 'p',
    status: 'completed',
    config: { epochs: 3 },
    seed: 7,
    backend: 'cpu',
    dataDigest: 'data',
    labelDigest: 'labels',
    curves: {},
    metrics: {},
    startedAt: AT,
    finishedAt: AT + 1000,
    featurisation: { labels: { classIds: ['a', 'b'] } },
    weightsKey: runWeightsKey(id),
  };
  await db.runs.add(run);
  await db.modelWeights.add({
    modelId: runWeightsKey(id),
    topology: {},
    weightSpecs: [],
    weightData: new ArrayBuffer(4),
  });
  return run;
}

function items(): LabelledItem[] {
  const out: LabelledItem[] = [];
  for (let w = -1; w < 4; w++) {
    for (let i = 0; i < 10; i++) out.push({ itemId: `w${w}-${i}`, window: w, label: 'a' });
  }
  return out;
}

/** 60 holdout rows: the champion is right on 30, the challenger on 55 (or the reverse). */
function holdout(challengerBetter: boolean) {
  const yTrue = new Array<number>(60).fill(0);
  const good = Array.from({ length: 60 }, (_, i) => (i < 55 ? 0 : 1));
  const bad = Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : 1));
  return {
    champion: { classIds: ['a', 'b'], yTrue, yPred: challengerBetter ? bad : good },
    challenger: { classIds: ['a', 'b'], yTrue, yPred: challengerBetter ? good : bad },
  };
}

interface Harness {
  deps: PipelineDeps;
  controller: AbortController;
  calls: string[];
  plans: ChallengerPlan[];
}

function harness(
  opts: {
    challengerBetter?: boolean;
    cancelAt?: PipelineStage;
    failAt?: PipelineStage;
    recentStates?: PipelineSnapshot['recentStates'];
  } = {},
): Harness {
  const controller = new AbortController();
  const calls: string[] = [];
  const plans: ChallengerPlan[] = [];
  let clock = AT + 60_000;
  let ids = 0;
  const registry = createRegistryRepo(() => db);
  const maybe = (stage: PipelineStage) => {
    calls.push(stage);
    if (opts.failAt === stage) throw new Error(`${stage} broke`);
    if (opts.cancelAt === stage) controller.abort(new DOMException('Cancelled', 'AbortError'));
  };
  const deps: PipelineDeps = {
    repo,
    now: () => (clock += 250),
    newId: () => `id-${++ids}`,
    snapshot: () => {
      maybe('snapshot');
      const snap: PipelineSnapshot = {
        champion: { modelId: 'champion', runId: 'champion-run', config: {} },
        items: items(),
        recentStates: opts.recentStates ?? ['ok', 'ok', 'drift'],
      };
      return Promise.resolve(snap);
    },
    train: async (plan) => {
      maybe('train');
      plans.push(plan);
      await addRun(plan.runId);
      return { runId: plan.runId };
    },
    evaluate: () => {
      maybe('evaluate');
      const h = holdout(opts.challengerBetter ?? true);
      const e: Evaluation = {
        holdout: {
          champion: { accuracy: 0.5, macroF1: 0.5, count: 60 },
          challenger: { accuracy: 0.9, macroF1: 0.9, count: 60 },
        },
        recentWindow: null,
        gateInput: h,
      };
      return Promise.resolve(e);
    },
    gate: (e) => {
      maybe('gate');
      const h = e.gateInput as ReturnType<typeof holdout>;
      const verdict = evaluateGate({ metric: 'accuracy' }, h.champion, h.challenger);
      return { passed: verdict.passed, reasons: verdict.reasons, verdict };
    },
    promote: async (runId, parent, gate) => {
      maybe('decide');
      const v = await registry.registerVersion((await db.runs.get(runId))!, {
        parentModelId: parent,
      });
      await registry.promote(v.id, gate.verdict as Parameters<typeof registry.promote>[1]);
      return v.id;
    },
  };
  return { deps, controller, calls, plans };
}

const request = {
  projectId: 'p',
  policyId: 'pol',
  config: { ...DEFAULT_POLICY_CONFIG },
  trigger: { kind: 'drift', reason: 'Window #3 drifted', windowSeq: 3 },
  seed: 1,
};

describe('pipeline run', () => {
  it('promotes a better challenger and logs every stage with timing and outcome', async () => {
    const h = harness();
    const result = await runPipeline(h.deps, request, h.controller.signal);
    expect(result.status).toBe('promoted');
    const row = (await repo.getRun(result.id))!;
    expect(row.status).toBe('promoted');
    expect(row.trigger).toEqual(request.trigger);
    expect(row.challengerRunId).toBe('id-2');
    expect(row.steps.map((s) => s.stage)).toEqual([
      'snapshot',
      'select-data',
      'train',
      'evaluate',
      'gate',
      'decide',
    ]);
    expect(row.steps.every((s) => s.outcome === 'ok' && (s.durationMs as number) >= 0)).toBe(true);
    // Sudden drift (ok → ok → drift): recent windows only, and the log says why.
    expect(row.steps[1]!.summary).toMatch(/Sudden drift/);
    expect((row.steps[1]!.detail as { selection: string }).selection).toBe('recent-windows');
    expect(row.steps[2]!.summary).toMatch(
      /Fine-tuned from the champion without a forgetting penalty \(after a sudden drift/,
    );
    const champion = await createRegistryRepo(() => db).getByAlias('p', 'champion');
    expect(champion?.id).toBe(result.challengerModelId);
    expect(champion?.parentModelId).toBe('champion');
  });

  // The worker validates on the whole labelled validation split, mostly the old concept's items:
  // after a drift, early stopping there would keep the epoch closest to the champion.
  for (const [states, selection, earlyStopping] of [
    [['ok', 'ok', 'drift'], 'recent-windows', false],
    [['ok', 'warning', 'drift'], 'sliding-replay', false],
    [['ok', 'ok', 'ok'], 'full-history', true],
  ] as const) {
    it(`${selection}: early stopping ${earlyStopping ? 'as configured' : 'off, every epoch trains'}`, async () => {
      const h = harness({ recentStates: [...states] });
      const result = await runPipeline(h.deps, request, h.controller.signal);
      expect(result.status).toBe('promoted');
      expect((result.steps[1]!.detail as { selection: string }).selection).toBe(selection);
      expect(h.plans).toHaveLength(1);
      expect(h.plans[0]!.earlyStopping).toBe(earlyStopping);
      const train = result.steps[2]!;
      expect((train.detail as { earlyStopping: boolean }).earlyStopping).toBe(earlyStopping);
      if (earlyStopping) expect(train.summary).not.toMatch(/early stopping/i);
      else expect(train.summary).toMatch(/No early stopping: the validation split is mostly/);
    });
  }

  it('keeps the champion when the challenger does not pass the gate', async () => {
    const h = harness({ challengerBetter: false });
    const result = await runPipeline(h.deps, request, h.controller.signal);
    expect(result.status).toBe('kept');
    expect(result.steps.at(-1)!.summary).toMatch(/did not pass the gate/);
    expect((await createRegistryRepo(() => db).listVersions('p')).map((v) => v.id)).toEqual([
      'champion',
    ]);
  });

  it('a failing stage ends the run failed with the reason, and later stages never run', async () => {
    const h = harness({ failAt: 'evaluate' });
    const result = await runPipeline(h.deps, request, h.controller.signal);
    expect(result.status).toBe('failed');
    expect(h.calls).not.toContain('gate');
    const row = (await repo.getRun(result.id))!;
    expect(row.error).toMatch(/evaluate: evaluate broke/);
    expect(row.steps.at(-1)).toMatchObject({ stage: 'evaluate', outcome: 'failed' });
  });

  for (const stage of ['snapshot', 'train', 'evaluate', 'gate'] as const) {
    it(`cancel during ${stage} leaves nothing half-done`, async () => {
      const h = harness({ cancelAt: stage });
      const before = await createRegistryRepo(() => db).listVersions('p');
      const result = await runPipeline(h.deps, request, h.controller.signal);
      expect(result.status).toBe('cancelled');
      expect(h.calls).not.toContain('decide');
      const row = (await repo.getRun(result.id))!;
      expect(row.status).toBe('cancelled');
      expect(row.finishedAt).not.toBeNull();
      expect(row.challengerModelId).toBeNull();
      expect(row.steps.at(-1)).toMatchObject({ stage, outcome: 'cancelled' });
      const after = await createRegistryRepo(() => db).listVersions('p');
      expect(after).toEqual(before);
      expect((await createRegistryRepo(() => db).getByAlias('p', 'champion'))?.id).toBe('champion');
    });
  }

  it('single-flight: a second run of the project cannot start while one runs', async () => {
    await repo.createRun({
      id: 'r1',
      projectId: 'p',
      policyId: null,
      startedAt: AT,
      challengerModelId: null,
    });
    await expect(
      repo.createRun({
        id: 'r2',
        projectId: 'p',
        policyId: null,
        startedAt: AT,
        challengerModelId: null,
      }),
    ).rejects.toBeInstanceOf(PipelineBusyError);
    // Another project is not blocked.
    await repo.createRun({
      id: 'q1',
      projectId: 'q',
      policyId: null,
      startedAt: AT,
      challengerModelId: null,
    });
    // A run ends exactly once.
    await repo.finishRun('r1', 'kept');
    await expect(repo.finishRun('r1', 'failed')).rejects.toThrow(/already ended/);
    const h = harness();
    expect((await runPipeline(h.deps, request, h.controller.signal)).status).toBe('promoted');
  });

  it('marks runs of a dead tab as failed', async () => {
    await repo.createRun({
      id: 'old',
      projectId: 'p',
      policyId: null,
      startedAt: AT,
      challengerModelId: null,
    });
    expect(await repo.markInterrupted('p', AT + 1)).toBe(1);
    expect((await repo.getRun('old'))?.status).toBe('failed');
    expect(await repo.runningRun('p')).toBeUndefined();
  });

  it("reads what the triggers need: new labels since a time, windows, a window's items", async () => {
    const base = { projectId: 'p', annotator: 'a', sessionId: 's' };
    await db.annotations.bulkAdd([
      { ...base, itemId: 'i1', label: 'a', kind: 'human', at: AT + 1 },
      { ...base, itemId: 'i2', label: 'b', kind: 'import', at: AT + 2 },
      { ...base, itemId: 'i3', label: 'a', kind: 'suggestion', at: AT + 3 },
      { ...base, itemId: 'i4', label: null, kind: 'human', at: AT + 4 },
      { ...base, itemId: 'i5', label: 'a', kind: 'human', at: AT - 5 },
      { ...base, projectId: 'q', itemId: 'i6', label: 'a', kind: 'human', at: AT + 6 },
    ] as never[]);
    expect(await repo.labelsSince('p', AT)).toBe(2);
    const seqs = await db.predictions.bulkAdd(
      ['x', 'y', 'z'].map((itemId, i) => ({
        projectId: 'p',
        modelId: 'champion',
        sourceId: 's',
        itemId,
        at: AT + i,
        label: 'a',
        probabilities: [1, 0],
      })),
      { allKeys: true },
    );
    expect(await repo.predictedItems(seqs[1]!, seqs[2]!)).toEqual(['y', 'z']);
    expect(await repo.predictedItems(5, 4)).toEqual([]);
    await db.monitorWindows.bulkAdd([
      {
        projectId: 'p',
        modelId: 'champion',
        sourceId: 's',
        start: AT + 10,
        end: AT + 20,
        count: 1,
        state: 'drift',
        tests: {},
      },
      {
        projectId: 'p',
        modelId: 'champion',
        sourceId: 's',
        start: AT,
        end: AT + 9,
        count: 1,
        state: 'ok',
        tests: {},
      },
    ] as never[]);
    expect((await repo.windows('p')).map((w) => w.state)).toEqual(['drift', 'ok']);
  });

  it('the snapshot places labelled items in their windows; items logged after the newest window are pending', async () => {
    const project = buildProject({
      id: 'p',
      classes: [
        { id: 'a', name: 'a', hotkey: '1', color: '#2f7d4a' },
        { id: 'b', name: 'b', hotkey: '2', color: '#b3261e' },
      ],
    });
    const itemIds = Array.from({ length: 30 }, (_, i) => `prod#${i}`);
    const n = itemIds.length;
    await db.sources.add({
      id: 'prod',
      projectId: 'p',
      name: 'prod',
      modality: 'tabular',
      role: 'production',
      status: 'ready',
      rowCount: n,
      columns: [],
      createdAt: AT,
    } as never);
    await db.chunks.add({
      sourceId: 'prod',
      index: 0,
      rowStart: 0,
      rowCount: n,
      columns: {},
      itemIds,
    });
    // Items 0–24 are labelled (the last five labels have not arrived); 0–29 were scored.
    await db.annotations.bulkAdd(
      itemIds.slice(0, 25).map((itemId, i) => ({
        projectId: 'p',
        itemId,
        label: i % 2 ? 'a' : 'b',
        annotator: 'delayed-labels',
        sessionId: 's',
        kind: 'import',
        at: AT + i,
      })) as never[],
    );
    const seqs = await db.predictions.bulkAdd(
      itemIds.map((itemId, i) => ({
        projectId: 'p',
        modelId: 'champion',
        sourceId: 'prod',
        itemId,
        at: AT + i,
        label: 'a',
        probabilities: [1, 0],
      })),
      { allKeys: true },
    );
    // Two windows of 10 predictions; predictions 20–29 are not in a window yet.
    for (const k of [0, 1]) {
      await db.monitorWindows.add({
        projectId: 'p',
        modelId: 'champion',
        sourceId: 'prod',
        start: AT + k * 10,
        end: AT + k * 10 + 9,
        count: 10,
        state: k ? 'drift' : 'ok',
        tests: {},
        fromSeq: seqs[k * 10]!,
        toSeq: seqs[k * 10 + 9]!,
      } as never);
    }
    const registry = createRegistryRepo(() => db);
    const deps = createPipelineDeps({
      project,
      bridge: {} as Pick<MlBridge, 'trainModel' | 'predict'>,
      dbName: db.name,
      automation: repo,
      annotations: createAnnotationsRepo(() => db),
      sources: createSourcesRepo(() => db),
      runs: createRunsRepo(() => db),
      registry,
    });
    const snap = await deps.snapshot(new AbortController().signal);
    expect(snap.champion?.modelId).toBe('champion');
    expect(snap.recentStates).toEqual(['ok', 'drift']);
    const byId = new Map(snap.items.map((i) => [i.itemId, i]));
    expect(snap.items).toHaveLength(25);
    for (let i = 0; i < 25; i++) {
      const item = byId.get(`prod#${i}`)!;
      expect(item.window).toBe(i < 20 ? Math.floor(i / 10) : -1);
      expect(item.pending ?? false).toBe(i >= 20);
    }
  });
});
