// LabelingState against real IndexedDB in Chromium: optimistic labels land in the append-only log
// exactly (undo appends compensating events, redo appends again), and two instances on one
// database — two tabs — see each other's labels and lose none.
import { expect, it, onTestFinished } from 'vitest';
import { LabelingState } from '../../src/labeling/labeling.svelte';
import { openDatabase } from '../../src/persistence/db';
import {
  createAnnotationsRepo,
  createRunsRepo,
  createSettingsRepo,
  currentLabelsOf,
} from '../../src/persistence';
import type { AnnotationRecord } from '../../src/persistence/schema';
import { buildPool, buildProject } from '../fixtures/db/builders';

function setup(tag: string) {
  const db = openDatabase(`inloop-test-labeling-${tag}-${crypto.randomUUID()}`);
  onTestFinished(() => db.delete());
  const deps = {
    annotations: createAnnotationsRepo(() => db),
    runs: createRunsRepo(() => db),
    settings: createSettingsRepo(() => db),
    dbName: db.name,
    pool: buildPool(
      'src',
      Array.from({ length: 60 }, (_, i) => `item-${String(i).padStart(3, '0')}`),
    ),
  };
  const project = buildProject({ id: 'p' });
  return { db, deps, project };
}

it('undo and redo append exact events and the replayed log matches the state', async () => {
  const { deps, project } = setup('undo');
  const s = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'sess-1' });
  onTestFinished(() => s.dispose());
  await s.open();
  // No model yet: the cold start (diversity on page-side features) needs no ML worker.
  expect(s.queueStrategy).toBe('diversity');
  expect(s.remaining).toBe(20);

  const shown: string[] = [];
  for (let i = 0; i < 5; i++) {
    shown.push(s.currentItemId!);
    s.label(i % 2 === 0 ? 'stay' : 'churn');
  }
  // Optimistic: the state is right before anything is written.
  expect(s.labels.size).toBe(5);
  s.undo();
  s.undo();
  expect(s.currentItemId).toBe(shown[3]);
  expect(s.labels.size).toBe(3);
  s.redo();
  expect(s.labels.size).toBe(4);
  expect(s.labelOf(shown[3]!)).toBe('churn');
  s.skip();
  expect(s.flags.get(shown[4]!)).toBe('skipped');

  await s.flush();
  const log = await deps.annotations.log('p');
  expect(log.map((e) => e.kind)).toEqual([
    'human',
    'human',
    'human',
    'human',
    'human',
    'undo',
    'undo',
    'human',
    'human',
  ]);
  expect(log[5]!.undoes).toBe(log[4]!.seq);
  expect(log[6]!.undoes).toBe(log[3]!.seq);
  expect(log.every((e) => e.annotator === 'ann' && e.sessionId === 'sess-1')).toBe(true);
  expect(currentLabelsOf(log)).toEqual(new Map(s.labels));
  expect(s.pending).toHaveLength(0);

  // A fresh instance (a reload) replays the same labels.
  const again = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'sess-2' });
  onTestFinished(() => again.dispose());
  await again.open();
  expect(new Map(again.labels)).toEqual(new Map(s.labels));
});

it('two instances on one database (two tabs) see each other and lose nothing', async () => {
  const { deps, project } = setup('tabs');
  const a = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-a' });
  const b = new LabelingState(project, { ...deps, annotator: 'bob', sessionId: 'tab-b' });
  onTestFinished(() => {
    a.dispose();
    b.dispose();
  });
  await Promise.all([a.open(), b.open()]);
  const ids = deps.pool.itemIds;
  // Interleaved writes from both tabs, on disjoint and on shared items.
  for (let i = 0; i < 30; i++) {
    const tab = i % 2 === 0 ? a : b;
    tab.label(i % 3 === 0 ? 'churn' : 'stay', 'human', [ids[i]!]);
  }
  a.label('churn', 'human', [ids[40]!]);
  b.label('stay', 'human', [ids[40]!]); // the later write wins
  await Promise.all([a.flush(), b.flush()]);
  const log = await deps.annotations.log('p');
  expect(log.filter((e) => e.kind === 'human')).toHaveLength(32);
  const truth = currentLabelsOf(log);
  expect(truth.size).toBe(31);
  // Each tab converges on the whole log through its live query.
  await expect.poll(() => a.labels.size).toBe(31);
  await expect.poll(() => b.labels.size).toBe(31);
  expect(new Map(a.labels)).toEqual(truth);
  expect(new Map(b.labels)).toEqual(truth);
  expect(truth.get(ids[40]!)).toBe('stay');
});

/** Skip/flag state as the log defines it: the latest not-undone entry's flag, cleared by a label. */
function flagsOf(log: AnnotationRecord[]): Map<string, string> {
  const undone = new Set(log.filter((e) => e.kind === 'undo').map((e) => e.undoes));
  const out = new Map<string, string>();
  for (const e of [...log].sort((a, b) => a.seq - b.seq)) {
    if (e.kind === 'undo' || undone.has(e.seq)) continue;
    if (e.flag) out.set(e.itemId, e.flag);
    else if (e.label !== null) out.delete(e.itemId);
  }
  return out;
}

it('the incremental replay equals a full replay of the log after random edits from two tabs', async () => {
  const { deps, project } = setup('replay');
  const a = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-a' });
  const b = new LabelingState(project, { ...deps, annotator: 'bob', sessionId: 'tab-b' });
  onTestFinished(() => {
    a.dispose();
    b.dispose();
  });
  await Promise.all([a.open(), b.open()]);
  const ids = deps.pool.itemIds;
  const pool = deps.pool;
  const nonHoldout = ids.filter((_, r) => !pool.holdout[r]).length;
  // A fixed pseudo-random script (mulberry32-like LCG, seeded): labels on a few shared items,
  // undo, redo, skip, flag, from both tabs, with writes landing at random points.
  let state = 12345;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const check = async (s: LabelingState) => {
    const log = await deps.annotations.log('p');
    expect(new Map(s.labels)).toEqual(currentLabelsOf(log));
    expect(new Map(s.flags)).toEqual(flagsOf(log));
    const labelled = [...currentLabelsOf(log).keys()].filter((id) => {
      const r = pool.rowOf.get(id);
      return r !== undefined && !pool.holdout[r];
    }).length;
    expect(s.unlabelledCount).toBe(nonHoldout - labelled);
  };
  for (let step = 0; step < 120; step++) {
    const tab = rand(2) === 0 ? a : b;
    const op = rand(10);
    const item = ids[rand(12)]!;
    if (op < 5) tab.label(rand(2) === 0 ? 'stay' : 'churn', 'human', [item]);
    else if (op < 7) tab.undo();
    else if (op < 8) tab.redo();
    else if (op < 9) tab.label('stay', 'human', [item]);
    else tab.run({ kind: rand(2) === 0 ? 'skip' : 'flag' });
    if (rand(8) === 0) {
      await Promise.all([a.flush(), b.flush()]);
      // Each tab has seen the other's writes once its live query (or flush) read them.
      await a.flush();
      await check(a);
      await b.flush();
      await check(b);
    }
  }
  await Promise.all([a.flush(), b.flush()]);
  await a.flush();
  await b.flush();
  await check(a);
  await check(b);
  expect(a.pending).toHaveLength(0);
  expect(b.pending).toHaveLength(0);
});

it('reads only the new entries of a long log, and rebuilds when the log is replaced', async () => {
  const { db, deps, project } = setup('tail');
  const ids = deps.pool.itemIds;
  const entry = (itemId: string, label: string, at: number) => ({
    projectId: 'p',
    itemId,
    label,
    annotator: 'imp',
    sessionId: 'import',
    kind: 'import' as const,
    at,
  });
  // Another project's entries interleave with this one's in the global sequence.
  await deps.annotations.append([
    entry(ids[0]!, 'stay', 1),
    { ...entry('other-1', 'x', 2), projectId: 'q' },
    entry(ids[1]!, 'churn', 3),
  ]);
  const all = await deps.annotations.log('p');
  const tail = await deps.annotations.logTail('p', all[0]!.seq);
  expect(tail.count).toBe(2);
  expect(tail.entries.map((e) => e.itemId)).toEqual([ids[1]]);

  const s = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-a' });
  onTestFinished(() => s.dispose());
  await s.open();
  expect(new Map(s.labels)).toEqual(currentLabelsOf(all));
  s.label('stay', 'human', [ids[2]!]);
  await s.flush();
  expect(s.labels.get(ids[2]!)).toBe('stay');

  // The log is replaced (as a workspace import replacing the project would): deleted and
  // rewritten with other labels. The live query sees a count that does not add up and re-reads
  // the whole log.
  await db.annotations.where('projectId').equals('p').delete();
  await deps.annotations.append([entry(ids[5]!, 'churn', 10), entry(ids[6]!, 'stay', 11)]);
  const replaced = await deps.annotations.log('p');
  await expect.poll(() => new Map(s.labels)).toEqual(currentLabelsOf(replaced));
  expect(s.labels.has(ids[2]!)).toBe(false);
});
