// ServeState against the real ML worker and IndexedDB: an image champion answers "try it" for a
// dropped image file, decoded and resized exactly as the image import does (the ingest worker's
// ImageDecoder), and the prediction lands in the log the page shows; a replay started from the
// page keeps running after the page is left and is found again by the next page.
import { Dexie } from 'dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecoder } from '../../workers/ingest-images';
import { createAnnotationsRepo } from '../../src/persistence/annotations-repo';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createPredictionsRepo } from '../../src/persistence/predictions-repo';
import { createRegistryRepo } from '../../src/persistence/registry-repo';
import { createRunsRepo } from '../../src/persistence/runs-repo';
import { createSourcesRepo } from '../../src/persistence/sources-repo';
import type { Project } from '../../src/projects/types';
import { ServingHub } from '../../src/serving/hub';
import { ServeState } from '../../src/serving/serve.svelte';
import type { ServingDeps } from '../../src/serving/serving';
import { MlBridge } from '../../src/training';
import { presetConfig } from '../../src/training/config';
import { writeImageProject, writeTabularProject } from '../fixtures/training-data';
import { deleteDatabase } from './idb';

Dexie.debug = false;

/** A 32 × 32 PNG, dark with a bright quadrant (0 = top left … 3 = bottom right). */
async function quadrantPng(quadrant: number): Promise<File> {
  const canvas = new OffscreenCanvas(32, 32);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'rgb(30, 30, 30)';
  ctx.fillRect(0, 0, 32, 32);
  ctx.fillStyle = 'rgb(200, 200, 200)';
  ctx.fillRect((quadrant % 2) * 16, Math.floor(quadrant / 2) * 16, 16, 16);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new File([blob], `q${quadrant}.png`, { type: 'image/png' });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`Timed out waiting for ${what}`);
}

describe('ServeState', () => {
  const dbName = `inloop-test-serve-state-${crypto.randomUUID()}`;
  const bridge = new MlBridge({ prefer: 'cpu' });
  let db: InloopDB;
  let deps: ServingDeps;

  beforeAll(() => {
    db = openDatabase(dbName);
    deps = {
      dbName,
      bridge,
      predictions: createPredictionsRepo(() => db),
      annotations: createAnnotationsRepo(() => db),
      sources: createSourcesRepo(() => db),
      registry: createRegistryRepo(() => db),
    };
  });

  afterAll(async () => {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  });

  async function champion(projectId: string, runId: string, config: Record<string, unknown>) {
    await bridge.trainModel({
      dbName,
      projectId,
      runId,
      config: config as never,
      appVersion: 'test',
    });
    const run = await createRunsRepo(() => db).get(runId);
    const version = await deps.registry.registerVersion(run!);
    return deps.registry.setAlias(version.id, 'champion');
  }

  it('has no champion before one is promoted', async () => {
    await writeTabularProject(db, { projectId: 'empty', rows: 30 });
    const project = (await db.projects.get('empty'))!;
    const state = new ServeState(project, bridge, { deps, hub: new ServingHub() });
    await state.open();
    expect(state.champion).toBeNull();
    expect(state.logTotal).toBe(0);
    state.dispose();
  });

  it('predicts a dropped image as the import would store it, and logs it', async () => {
    const image = await writeImageProject(db, { projectId: 'img', rows: 120, classes: 4 });
    const model = await champion(image.projectId, 'img-run', {
      ...presetConfig('image', 'fast', 5),
      family: 'network' as const,
      epochs: 3,
      convFilters: [4, 8],
      hiddenUnits: [16],
    });
    const project: Project = (await db.projects.get(image.projectId))!;
    const state = new ServeState(project, bridge, { deps, hub: new ServingHub() });
    await state.open();
    expect(state.champion?.id).toBe(model.id);
    expect(state.spec?.image?.size).toBe(8);

    const file = await quadrantPng(3);
    await state.predictImageFile(file);
    expect(state.tryError).toBeNull();
    const result = state.tryResult!;
    expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    // The same pixels the import stores for this file, scored directly.
    const decoded = await new ImageDecoder(8).decode(file);
    const direct = await bridge.predict({
      model: { dbName, runId: model.runId },
      input: { kind: 'pixels', images: [decoded!.pixels] },
    });
    result.probabilities.forEach((p, k) => expect(p).toBeCloseTo(direct.probabilities[k]!, 6));

    await state.refreshLog();
    expect(state.logTotal).toBe(1);
    expect(state.logRows[0]?.record).toMatchObject({
      mode: 'try',
      sourceId: 'try-it',
      label: result.label,
      version: model.version,
    });

    await state.predictImageFile(new File([new Uint8Array([1, 2, 3])], 'broken.png'));
    expect(state.tryError).toMatch(/not an image/);
    state.dispose();
  });

  it('keeps a replay running after the page is left; the next page finds it', async () => {
    const tab = await writeTabularProject(db, { projectId: 'tab', rows: 200 });
    await champion(tab.projectId, 'tab-run', {
      ...presetConfig('tabular', 'fast', 42),
      family: 'network' as const,
      epochs: 2,
      hiddenUnits: [8],
    });
    // The pool's own rows, registered as a production source for this test.
    const pool = (await db.sources.get(tab.sourceId))!;
    const chunks = await db.chunks
      .where('[sourceId+index]')
      .between([pool.id, 0], [pool.id, 1e9])
      .toArray();
    await db.transaction('rw', db.sources, db.chunks, async () => {
      await db.sources.add({ ...pool, id: 'tab-prod', role: 'production', name: 'traffic' });
      await db.chunks.bulkAdd(chunks.map((c) => ({ ...c, sourceId: 'tab-prod' })));
    });
    const project = (await db.projects.get(tab.projectId))!;
    const hub = new ServingHub();
    const first = new ServeState(project, bridge, { deps, hub });
    await first.open();
    expect(first.sources.map((s) => s.id)).toEqual(['tab-prod']);
    first.replaySpeed = 10; // one item per micro-batch, ten a second: 20 s for the whole stream
    await first.startReplay();
    await until(() => first.replayPosition >= 2, 'the first micro-batches');
    first.dispose();

    const running = hub.activeReplay(project.id);
    expect(running?.state).toBe('running');
    const second = new ServeState(project, bridge, { deps, hub });
    await second.open();
    expect(second.replay).toBe(running);
    second.pauseReplay();
    expect(second.replayState).toBe('paused');
    const at = second.replayPosition;
    second.stopReplay();
    await until(() => second.replayState === 'stopped', 'the stop');
    expect(second.replayPosition).toBeGreaterThanOrEqual(at);
    expect(hub.activeReplay(project.id)).toBeUndefined();
    const logged = await deps.predictions.count(project.id, { mode: 'replay' });
    expect(logged).toBe(second.replayPosition);
    second.dispose();
  });
});
