// LiveQuery in real Chromium: a `.svelte.test.ts` file, so runes ($effect.root) compile here.
import { Dexie } from 'dexie';
import { expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../../src/persistence/db';
import { LiveQuery } from '../../src/persistence/live.svelte';
import { createProjectsRepo } from '../../src/persistence/projects-repo';
import { buildProject } from '../fixtures/db/builders';

it('follows the table while an effect reads it, and lets go afterwards', async () => {
  const db = openDatabase(`inloop-test-live-${crypto.randomUUID()}`);
  onTestFinished(() => db.delete());
  const projects = createProjectsRepo(() => db);
  await projects.create(buildProject({ id: 'a', updatedAt: 1 }));
  let queries = 0;
  const live = new LiveQuery(() => {
    queries++;
    return projects.list();
  }, []);

  // Not read in an effect yet: no query runs, the initial value stands.
  expect(live.current).toEqual([]);
  expect(live.loading).toBe(true);
  expect(queries).toBe(0);

  const seen: string[][] = [];
  const stop = $effect.root(() => {
    $effect(() => {
      seen.push(live.current.map((project) => project.id));
    });
  });

  await expect.poll(() => seen.at(-1)).toEqual(['a']);
  expect(live.loading).toBe(false);

  await projects.create(buildProject({ id: 'b', updatedAt: 2 }));
  await expect.poll(() => seen.at(-1)).toEqual(['b', 'a']);

  // Once the effect is gone the subscription ends: changes no longer re-run the query.
  stop();
  const queriesWhileRead = queries;
  await projects.create(buildProject({ id: 'c', updatedAt: 3 }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(queries).toBe(queriesWhileRead);
});

it('exposes what the query threw', async () => {
  const failing = new LiveQuery<string[]>(() => Promise.reject(new Dexie.MissingAPIError()), []);
  const stop = $effect.root(() => {
    $effect(() => {
      void failing.error;
    });
  });
  await expect.poll(() => failing.loading).toBe(false);
  expect(failing.error).toBeInstanceOf(Dexie.MissingAPIError);
  expect(failing.current).toEqual([]);
  stop();
});
