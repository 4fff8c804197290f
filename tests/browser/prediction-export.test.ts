// The prediction log export against real IndexedDB: 100,000 logged predictions become one CSV and
// one JSON Lines file with class names, per-class probabilities and known ground truth, built page
// by page with the event loop given back in between (the page keeps running while it builds).
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createPredictionsRepo, type NewPrediction } from '../../src/persistence/predictions-repo';
import type { Project } from '../../src/projects/types';
import { EXPORT_PAGE, exportPredictionLog } from '../../src/serving/prediction-export';

const N = 100_000;
const project: Project = {
  id: 'pe',
  name: 'Penguins',
  modality: 'tabular',
  classes: [
    { id: 'c-a', name: 'Adelie', hotkey: '1', color: '#111111' },
    { id: 'c-c', name: 'Chinstrap', hotkey: '2', color: '#222222' },
    { id: 'c-g', name: 'Gentoo', hotkey: '3', color: '#333333' },
  ],
  targetColumn: null,
  imageSize: 32,
  seed: 1,
  createdAt: 0,
  updatedAt: 0,
};

function prediction(i: number): NewPrediction {
  const k = i % 3;
  const probabilities = [0.1, 0.1, 0.1];
  probabilities[k] = 0.8;
  return {
    projectId: project.id,
    modelId: i < N / 2 ? 'm1' : 'm2',
    version: i < N / 2 ? 1 : 2,
    sourceId: 'prod',
    itemId: `prod:${i}`,
    at: Date.UTC(2024, 0, 1) + i * 1000,
    label: project.classes[k]!.id,
    probabilities,
    confidence: 0.8,
    mode: 'batch',
    jobId: i < N / 2 ? 'job-1' : 'job-2',
  };
}

describe('prediction log export (real IndexedDB)', () => {
  const name = `prediction-export-${crypto.randomUUID()}`;
  let db: InloopDB;

  beforeAll(async () => {
    db = openDatabase(name);
    const repo = createPredictionsRepo(() => db);
    for (let start = 0; start < N; start += 20_000) {
      await repo.appendMany(Array.from({ length: 20_000 }, (_, j) => prediction(start + j)));
    }
    // Ground truth for two items, as delayed labels arrive: one right, one wrong.
    await createAnnotationsRepo(() => db).append([
      {
        projectId: project.id,
        itemId: 'prod:0',
        label: 'c-a',
        annotator: 'delayed-labels',
        sessionId: 's',
        kind: 'import',
        at: 5,
      },
      {
        projectId: project.id,
        itemId: 'prod:99999',
        label: 'c-g',
        annotator: 'delayed-labels',
        sessionId: 's',
        kind: 'import',
        at: 6,
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    db.close();
    await Dexie.delete(name);
  });

  it('writes 100,000 predictions as CSV, yielding to the page between pages', async () => {
    const repo = createPredictionsRepo(() => db);
    // Count the turns other tasks get while the file is built: a build that held the page for
    // its whole length would let none run.
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const progress: number[] = [];
    const { blob, rows } = await exportPredictionLog(repo, project, 'csv', {
      onProgress: (n) => progress.push(n),
    });
    running = false;
    expect(rows).toBe(N);
    expect(progress.length).toBe(N / EXPORT_PAGE);
    expect(turns).toBeGreaterThanOrEqual(N / EXPORT_PAGE - 1);
    const lines = (await blob.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toBe(
      'item_id,model_version,predicted_at,mode,predicted_class,confidence,Adelie,Chinstrap,Gentoo,ground_truth',
    );
    expect(lines[1]).toBe('prod:0,1,2024-01-01T00:00:00.000Z,batch,Adelie,0.8,0.8,0.1,0.1,Adelie');
    expect(lines[2]).toBe('prod:1,1,2024-01-01T00:00:01.000Z,batch,Chinstrap,0.8,0.1,0.8,0.1,');
    expect(lines[N]).toBe(
      'prod:99999,2,2024-01-02T03:46:39.000Z,batch,Adelie,0.8,0.8,0.1,0.1,Gentoo',
    );
  }, 120_000);

  it('writes one batch job as JSON Lines, class names as keys', async () => {
    const repo = createPredictionsRepo(() => db);
    const { blob, rows } = await exportPredictionLog(repo, project, 'jsonl', {
      filter: { jobId: 'job-2' },
    });
    expect(rows).toBe(N / 2);
    const lines = (await blob.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(N / 2);
    expect(JSON.parse(lines[0]!)).toEqual({
      item_id: `prod:${N / 2}`,
      model_version: 2,
      model_id: 'm2',
      predicted_at: new Date(Date.UTC(2024, 0, 1) + (N / 2) * 1000).toISOString(),
      mode: 'batch',
      predicted_class: 'Gentoo', // item 50,000: 50,000 % 3 = 2
      confidence: 0.8,
      probabilities: { Adelie: 0.1, Chinstrap: 0.1, Gentoo: 0.8 },
      ground_truth: null,
    });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      item_id: 'prod:99999',
      ground_truth: 'Gentoo',
    });
  }, 120_000);
});
