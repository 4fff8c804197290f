// The Train page in real Chromium: the real component tree, a real (CPU) ML worker and the page's
// real IndexedDB database. A small synthetic project is written, trained from the UI, and its run
// shows up in the run list with its confusion matrix; a project with one labelled class explains
// why it cannot train.
import { Dexie } from 'dexie';
import { flushSync, mount, unmount } from 'svelte';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb, projectsRepo } from '../../src/persistence';
import { MlBridge } from '../../src/training';
import TrainPage from '../../src/training/ui/TrainPage.svelte';
import { writeTabularProject } from '../fixtures/training-data';

Dexie.debug = false;

async function until<T>(probe: () => T | null | undefined | false, ms = 60_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error('Timed out waiting for the page');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Train page', () => {
  const bridge = new MlBridge({ prefer: 'cpu' });
  const projectIds: string[] = [];

  afterAll(async () => {
    bridge.dispose();
    for (const id of projectIds) await projectsRepo.remove(id);
  });

  it('trains from the UI and lists the run with its evaluation', async () => {
    const id = `ui-train-${crypto.randomUUID().slice(0, 8)}`;
    projectIds.push(id);
    await writeTabularProject(getDb(), { projectId: id, rows: 150 });
    const project = (await projectsRepo.get(id))!;
    const target = document.body.appendChild(document.createElement('div'));
    const page = mount(TrainPage, { target, props: { project, bridge } });
    try {
      const start = await until(() => {
        const b = target.querySelector<HTMLButtonElement>('[data-testid="train-start"]');
        return b && !b.disabled ? b : null;
      });
      expect(target.textContent).toContain('Class 0');
      // A network (the family buttons), with fewer epochs than the preset through the advanced
      // panel's input: its per-epoch curves are charted.
      [...target.querySelectorAll<HTMLButtonElement>('[aria-label="Model family"] button')]
        .find((b) => b.textContent?.trim() === 'Network')!
        .click();
      flushSync();
      const epochs = target.querySelector<HTMLInputElement>('input[type="number"]')!;
      epochs.value = '3';
      epochs.dispatchEvent(new Event('input', { bubbles: true }));
      flushSync();
      start.click();
      const row = await until(() => {
        const cells = target.querySelector('[data-testid="run-list"] tbody tr');
        return cells?.textContent?.includes('completed') ? cells : null;
      });
      expect(row.textContent).toContain('CPU');
      await until(() => target.querySelector('table.matrix'));
      expect(target.querySelectorAll('canvas')).toHaveLength(2);
      expect(target.textContent).toContain('Per class');
      // 150 rows leave a test split well under 300 items: n and the Wilson interval are shown
      // beside accuracy, and each class's recall gets its interval column.
      const caption =
        [...target.querySelectorAll('caption')]
          .map((c) => c.textContent ?? '')
          .find((t) => t.startsWith('Per class')) ?? '';
      expect(caption).toMatch(/accuracy \d\.\d{3} \(n = \d+; 95 % Wilson interval/);
      expect(caption).toMatch(/macro-F1 \d\.\d{3} \(n = \d+\)/);
      expect(target.textContent).toContain('Recall 95 % interval');
    } finally {
      await unmount(page);
      target.remove();
    }
  });

  it('trains the default Auto family and shows what it fitted and what it tried, not empty curves', async () => {
    const id = `ui-auto-${crypto.randomUUID().slice(0, 8)}`;
    projectIds.push(id);
    await writeTabularProject(getDb(), { projectId: id, rows: 150 });
    const project = (await projectsRepo.get(id))!;
    const target = document.body.appendChild(document.createElement('div'));
    const page = mount(TrainPage, { target, props: { project, bridge } });
    try {
      const start = await until(() => {
        const b = target.querySelector<HTMLButtonElement>('[data-testid="train-start"]');
        return b && !b.disabled ? b : null;
      });
      start.click();
      const summary = await until(() => target.querySelector('[data-testid="learner-summary"]'));
      await until(() => target.querySelector('table.matrix'));
      expect(summary.textContent).toMatch(/Linear \(logistic regression\)|Boosted trees/);
      const trials = [...summary.querySelectorAll('table.trials tbody tr')];
      // Three C values, then boosted trees; exactly one kept.
      expect(trials).toHaveLength(4);
      expect(trials.filter((r) => r.textContent?.includes('✓'))).toHaveLength(1);
      expect(target.querySelectorAll('canvas')).toHaveLength(0);
    } finally {
      await unmount(page);
      target.remove();
    }
  });

  it('explains that a project with one labelled class cannot train yet', async () => {
    const id = `ui-one-${crypto.randomUUID().slice(0, 8)}`;
    projectIds.push(id);
    await writeTabularProject(getDb(), { projectId: id, rows: 30, labelledClasses: 1 });
    const project = (await projectsRepo.get(id))!;
    const target = document.body.appendChild(document.createElement('div'));
    const page = mount(TrainPage, { target, props: { project, bridge } });
    try {
      const problem = await until(() => target.querySelector('[data-testid="train-problem"]'));
      expect(problem.textContent).toMatch(/Label some items first/);
      expect(target.querySelector<HTMLButtonElement>('[data-testid="train-start"]')!.disabled).toBe(
        true,
      );
    } finally {
      await unmount(page);
      target.remove();
    }
  });
});
