// The time-aware split (issue 18.6) through the real ML worker and real IndexedDB: on a project
// whose time column orders items by class and against row order (tests/fixtures/training-data.ts,
// timeColumn), a split by time puts only the newest class in test and the oldest only in train;
// items without a time train; the choice is stored in the run's config; a project with no time
// column says it cannot split by time.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHoldout } from '../../src/data/splits';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { MlBridge } from '../../src/training';
import { presetConfig } from '../../src/training/config';
import {
  syntheticTime,
  writeTabularProject,
  type SyntheticProject,
} from '../fixtures/training-data';

Dexie.debug = false;

describe('split by time', () => {
  const dbName = `inloop-test-time-split-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  const rows = 300;
  const seed = 7;
  let db: InloopDB;
  let timed: SyntheticProject;
  let untimed: SyntheticProject;

  beforeAll(async () => {
    db = openDatabase(dbName);
    timed = await writeTabularProject(db, { projectId: 'timed', rows, seed, timeColumn: true });
    untimed = await writeTabularProject(db, { projectId: 'plain', rows: 90, seed });
  });
  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await Dexie.delete(dbName);
  });

  it('trains on the oldest items and tests on the newest', async () => {
    const plan = await bridge.trainingPlan({ dbName, projectId: 'timed', splitBy: 'time' });
    expect(plan.problem).toBeUndefined();
    expect(plan.timeColumns).toEqual(['when']);
    const perClass = plan.counts.perClass;
    // Class 0 is the oldest third: all of it trains (untimed items of any class train too).
    expect(perClass.c0!.validation + perClass.c0!.test).toBe(0);
    // The newest 15 % are all class 2, the newest class.
    expect(plan.counts.test).toBeGreaterThan(30);
    expect(perClass.c2!.test).toBe(plan.counts.test);
    expect(perClass.c1!.test).toBe(0);
    // Items without a time, outside the frozen holdout, are counted and train.
    const expectedUntimed = timed.itemIds.filter(
      (id, i) => syntheticTime(i, i % 3, rows) === null && !isHoldout(id, seed),
    ).length;
    expect(expectedUntimed).toBeGreaterThan(0);
    expect(plan.untimedItems).toBe(expectedUntimed);
    // The frozen holdout is the same random draw whichever split the run uses.
    const random = await bridge.trainingPlan({ dbName, projectId: 'timed' });
    expect(plan.counts.holdout).toBe(random.counts.holdout);
    expect(random.counts.perClass.c0!.test).toBeGreaterThan(0);
  });

  it('records the split in the run', async () => {
    const config = {
      ...presetConfig('tabular', 'fast', 42),
      family: 'linear' as const,
      splitBy: 'time' as const,
    };
    const runId = `run-time-${crypto.randomUUID().slice(0, 8)}`;
    const result = await bridge.trainModel({
      dbName,
      projectId: timed.projectId,
      runId,
      config,
      appVersion: 'test',
    });
    const run = await createRunsRepo(() => db).get(runId);
    expect(run?.config.splitBy).toBe('time');
    // Only class 2 in test: the test counts are what the time split put there.
    expect(run?.splitCounts?.test).toBe(result.evaluation.test.count);
    expect(result.evaluation.test.perClass.find((c) => c.classId === 'c2')?.support).toBe(
      result.evaluation.test.count,
    );
  });

  it('says so when the data has no time column', async () => {
    const plan = await bridge.trainingPlan({
      dbName,
      projectId: untimed.projectId,
      splitBy: 'time',
    });
    expect(plan.timeColumns).toEqual([]);
    expect(plan.problem).toMatch(/Split by time needs a time column/);
  });
});
