// Repositories against fake-indexeddb (Node). Must come first: Dexie picks up the global
// indexedDB when it loads.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InloopDB, SCHEMA_VERSION } from '../../src/persistence/db';
import { StorageFailure } from '../../src/persistence/errors';
import { createProjectsRepo } from '../../src/persistence/projects-repo';
import { createSettingsRepo } from '../../src/persistence/settings-repo';
import { schemaSteps } from '../../src/persistence/versions';
import { buildProject, seedProject } from '../fixtures/db/builders';

let db: InloopDB;
const projects = createProjectsRepo(() => db);
const settings = createSettingsRepo(() => db);

beforeEach(() => {
  db = new InloopDB(`inloop-test-${crypto.randomUUID()}`);
});

afterEach(async () => {
  await db.delete();
});

/** Every table's rows as plain values, for before/after comparisons. */
async function dump(): Promise<Record<string, unknown[]>> {
  const entries = await Promise.all(
    db.tables.map(async (table) => [table.name, await table.toArray()] as const),
  );
  return Object.fromEntries(entries);
}

describe('schema', () => {
  it('opens at the newest step with every table', async () => {
    await db.open();
    expect(SCHEMA_VERSION).toBe(schemaSteps.at(-1)?.version);
    expect(db.verno).toBe(SCHEMA_VERSION);
    expect(db.tables.map((table) => table.name).sort()).toEqual(
      Object.keys(schemaSteps[0]?.stores ?? {}).sort(),
    );
  });
});

describe('projects repository', () => {
  it('lists projects most recently changed first', async () => {
    await projects.create(buildProject({ id: 'a', name: 'A', updatedAt: 100 }));
    await projects.create(buildProject({ id: 'b', name: 'B', updatedAt: 300 }));
    await projects.create(buildProject({ id: 'c', name: 'C', updatedAt: 200 }));
    expect((await projects.list()).map((p) => p.id)).toEqual(['b', 'c', 'a']);
  });

  it('gets one project, or undefined', async () => {
    const project = buildProject({ id: 'a' });
    await projects.create(project);
    expect(await projects.get('a')).toEqual(project);
    expect(await projects.get('missing')).toBeUndefined();
  });

  it('refuses a second project with the same id as a StorageFailure', async () => {
    await projects.create(buildProject({ id: 'a' }));
    const failure = await projects.create(buildProject({ id: 'a' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageFailure);
    expect(failure).toMatchObject({ error: { kind: 'unknown' } });
  });

  it('renames and updates, stamping updatedAt', async () => {
    await projects.create(buildProject({ id: 'a', updatedAt: 100 }));
    await projects.create(buildProject({ id: 'b', updatedAt: 200 }));

    expect(await projects.rename('a', 'Renamed')).toBe(true);
    const renamed = await projects.get('a');
    expect(renamed?.name).toBe('Renamed');
    expect(renamed?.updatedAt).toBeGreaterThan(200);
    expect((await projects.list()).map((p) => p.id)).toEqual(['a', 'b']);

    expect(await projects.update('b', { targetColumn: null, updatedAt: 5 })).toBe(true);
    expect(await projects.get('b')).toMatchObject({ targetColumn: null, updatedAt: 5 });

    expect(await projects.rename('missing', 'X')).toBe(false);
    expect(await projects.get('missing')).toBeUndefined();
  });

  it('removes a project and every row that belongs to it, and nothing else', async () => {
    await seedProject(db, 'keep');
    await seedProject(db, 'drop');
    await settings.set('backend', 'webgl');
    const before = await dump();
    // The seed must really cover every table, or the cascade below proves nothing.
    for (const table of db.tables) {
      // modelWeights holds a model version's weights and a run's own weights per project.
      const perProject = table.name === 'modelWeights' ? 2 : 1;
      if (table.name !== 'settings') {
        expect(before[table.name], table.name).toHaveLength(2 * perProject);
      }
    }

    await projects.remove('drop');

    const after = await dump();
    for (const table of db.tables) {
      const kept = before[table.name]?.filter((row) => !JSON.stringify(row).includes('drop'));
      expect(after[table.name], table.name).toEqual(kept);
    }
    expect(after.settings).toEqual([{ key: 'backend', value: 'webgl' }]);
  });

  it('removing a missing project changes nothing', async () => {
    await seedProject(db, 'keep');
    const before = await dump();
    await projects.remove('missing');
    expect(await dump()).toEqual(before);
  });
});

describe('settings repository', () => {
  it('returns the fallback until a value is set', async () => {
    expect(await settings.get('backend', 'auto')).toBe('auto');
    await settings.set('backend', 'cpu');
    expect(await settings.get('backend', 'auto')).toBe('cpu');
    await settings.set('panel', { grid: true, columns: 4 });
    expect(await settings.get('panel', {})).toEqual({ grid: true, columns: 4 });
  });
});
