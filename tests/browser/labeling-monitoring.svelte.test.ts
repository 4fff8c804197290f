// The monitoring queue strategy in LabelingState (real IndexedDB): the Monitor's ranked
// candidates — production items, not pool rows — fill the queue in rank order, labelled ones
// skipped, each with its reason; they display and are labelled as ordinary annotations.
import { expect, it, onTestFinished } from 'vitest';
import { LabelingState } from '../../src/labeling/labeling.svelte';
import type { MonitorCandidate } from '../../src/monitoring/candidates';
import { openDatabase } from '../../src/persistence/db';
import {
  createAnnotationsRepo,
  createRunsRepo,
  createSettingsRepo,
  currentLabelsOf,
} from '../../src/persistence';
import type { PredictionRecord } from '../../src/persistence/schema';
import { buildPool, buildProject } from '../fixtures/db/builders';

const cand = (itemId: string, score: number, reason: MonitorCandidate['reason']) =>
  ({
    itemId,
    score,
    reason,
    detail: reason === 'outlier' ? 'isolation forest' : 'x in [3, 4)',
    sourceId: 'prod',
    modelId: 'm',
    windowIndex: 2,
    windowState: 'drift',
  }) satisfies MonitorCandidate;

function setup(candidates: MonitorCandidate[], served: PredictionRecord[] = []) {
  const db = openDatabase(`inloop-test-labeling-monitoring-${crypto.randomUUID()}`);
  onTestFinished(() => db.delete());
  const prodIds = Array.from({ length: 10 }, (_, i) => `prod:${i}`);
  const loaded: string[][] = [];
  const deps = {
    annotations: createAnnotationsRepo(() => db),
    runs: createRunsRepo(() => db),
    settings: createSettingsRepo(() => db),
    dbName: db.name,
    pool: buildPool(
      'src',
      Array.from({ length: 30 }, (_, i) => `item-${i}`),
    ),
    monitoring: {
      candidates: () => Promise.resolve(candidates),
      load: (items: readonly MonitorCandidate[]) => {
        loaded.push(items.map((c) => c.itemId));
        return Promise.resolve(buildPool('prod', prodIds, 'production'));
      },
      served: (_: string, itemIds: readonly string[]) =>
        Promise.resolve(served.filter((r) => itemIds.includes(r.itemId))),
    },
  };
  return { deps, loaded, project: buildProject({ id: 'p' }) };
}

it('queues the candidates in rank order, skips labelled ones, and labels them', async () => {
  const candidates = [
    cand('prod:7', 5, 'outlier'),
    cand('prod:2', 3, 'outlier'),
    cand('prod:5', 2.5, 'drifted-region'),
    cand('prod:1', 2, 'drifted-region'),
  ];
  const { deps, loaded, project } = setup(candidates);
  // prod:2 got a label elsewhere since the Monitor ranked it.
  await deps.annotations.append([
    {
      projectId: 'p',
      itemId: 'prod:2',
      label: 'stay',
      annotator: 'other',
      sessionId: 's0',
      kind: 'human',
      at: 1,
    },
  ]);
  const s = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'sess-m' });
  onTestFinished(() => s.dispose());
  await s.open();
  expect(s.queueStrategy).toBe('diversity'); // the default is unchanged
  const head = s.currentItemId!;
  await s.updateSettings({ strategy: 'monitoring' });
  expect(s.effectiveStrategy).toBe('monitoring');
  expect(s.queueStrategy).toBe('monitoring');
  // The item on screen stays first (as with every strategy), then the candidates by rank.
  expect(s.upcoming(10).map((e) => e.itemId)[0]).toBe(head);
  expect(
    s
      .upcoming(10)
      .slice(1)
      .map((e) => [e.itemId, e.rank, e.score]),
  ).toEqual([
    ['prod:7', 1, 5],
    ['prod:5', 2, 2.5],
    ['prod:1', 3, 2],
  ]);
  expect(loaded.at(-1)).toEqual(['prod:7', 'prod:5', 'prod:1']);
  s.label('stay');
  expect(s.currentEntry?.reason).toMatch(/^outlier \(isolation forest\) · window 3, drift$/);
  // A production item displays from its own source, and a label is an ordinary annotation.
  expect(s.current?.itemId).toBe('prod:7');
  expect(s.current?.sourceName).toBe('prod.csv');
  expect(s.current?.features.map((f) => f.value)).toEqual(['7']);
  s.label('churn');
  expect(s.currentItemId).toBe('prod:5');
  expect(s.queue.find((e) => e.itemId === 'prod:5')?.reason).toMatch(/^drifted region/);
  s.back();
  expect(s.current?.itemId).toBe('prod:7'); // history still shows it
  await s.flush();
  const log = await deps.annotations.log('p');
  expect(currentLabelsOf(log).get('prod:7')).toBe('churn');
  expect(log.at(-1)).toMatchObject({ itemId: 'prod:7', kind: 'human', annotator: 'ann' });
  // The pool's counts see the pool item's label only, not the production one.
  expect(s.unlabelledCount).toBe(s.pool!.holdout.filter((h) => !h).length - 1);

  // A refill skips what was labelled meanwhile.
  s.forward();
  await s.refill();
  expect(s.upcoming(10).map((e) => e.itemId)).toEqual(['prod:5', 'prod:1']);
});

it('production items are suggested what the serving model predicted; Enter logs an accepted suggestion', async () => {
  const logged = (seq: number, itemId: string, label: string, p: number[]): PredictionRecord => ({
    seq,
    projectId: 'p',
    modelId: 'm',
    sourceId: 'prod',
    itemId,
    at: seq,
    label,
    probabilities: p,
    version: 3,
  });
  const { deps, project } = setup(
    [cand('prod:7', 5, 'outlier'), cand('prod:5', 2.5, 'drifted-region')],
    [logged(1, 'prod:7', 'stay', [0.8, 0.2]), logged(2, 'prod:7', 'churn', [0.1, 0.9])],
  );
  const classIds = project.classes.map((c) => c.id);
  expect(classIds).toEqual(['stay', 'churn']); // probabilities follow this order
  const s = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'sess-s' });
  onTestFinished(() => s.dispose());
  await s.open();
  await s.updateSettings({ strategy: 'monitoring' });
  s.label('stay'); // the pool item that was on screen
  expect(s.current?.itemId).toBe('prod:7');
  // The newest logged prediction, with its probability and the version that served it.
  expect(s.currentSuggestion).toEqual({ classId: 'churn', confidence: 0.9, servedBy: 3 });
  s.accept();
  expect(s.current?.itemId).toBe('prod:5');
  expect(s.currentSuggestion).toBeUndefined(); // never served: nothing to suggest
  await s.flush();
  expect((await deps.annotations.log('p')).at(-1)).toMatchObject({
    itemId: 'prod:7',
    label: 'churn',
    kind: 'suggestion',
    confidence: 0.9,
  });
});

it('an empty candidate list leaves an empty monitoring queue', async () => {
  const { deps, project } = setup([]);
  const s = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'sess-e' });
  onTestFinished(() => s.dispose());
  await s.open();
  await s.updateSettings({ strategy: 'monitoring' });
  expect(s.queueStrategy).toBe('monitoring');
  expect(s.refillError).toBeNull();
  expect(s.remaining).toBe(1); // the item that was on screen
  s.label('stay');
  expect(s.remaining).toBe(0);
  expect(s.current).toBeNull();
});
