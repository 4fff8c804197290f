// Two labeling tabs on one project (issue 18.8) in real Chromium: two LabelingStates on one
// database talk over a real BroadcastChannel. Each claims the item it shows, so the other's queue
// skips it: they never show the same item, labelling 15 items between them labels 15 different
// ones, and a closed tab's item comes back to the other.
import { expect, it, onTestFinished } from 'vitest';
import { CLAIMS_CHANNEL, type ClaimMessage } from '../../src/labeling/claims';
import { LabelingState } from '../../src/labeling/labeling.svelte';
import { openDatabase } from '../../src/persistence/db';
import {
  createAnnotationsRepo,
  createRunsRepo,
  createSettingsRepo,
  currentLabelsOf,
} from '../../src/persistence';
import { buildPool, buildProject } from '../fixtures/db/builders';

function setup() {
  const db = openDatabase(`inloop-test-claims-${crypto.randomUUID()}`);
  onTestFinished(() => db.delete());
  const deps = {
    annotations: createAnnotationsRepo(() => db),
    runs: createRunsRepo(() => db),
    settings: createSettingsRepo(() => db),
    dbName: db.name,
    pool: buildPool(
      'src',
      Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(3, '0')}`),
    ),
  };
  return { db, deps, project: buildProject({ id: 'p' }) };
}

it('two tabs never show the same item, and 15 labels land on 15 different items', async () => {
  const { deps, project } = setup();
  // The same annotator name in both tabs, as one browser's setting gives; one session each.
  const a = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-a' });
  const b = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-b' });
  onTestFinished(() => {
    a.dispose();
    b.dispose();
  });
  await Promise.all([a.open(), b.open()]);
  await expect.poll(() => a.currentItemId !== null && b.currentItemId !== null).toBe(true);
  // Both queues come from the same strategy and seed: without claims they would start alike.
  await expect.poll(() => a.currentItemId !== b.currentItemId).toBe(true);

  for (let i = 0; i < 15; i++) {
    const tab = i % 2 === 0 ? a : b;
    const other = tab === a ? b : a;
    // Let the other tab's claim arrive before this tab picks (a person takes seconds).
    await expect.poll(() => tab.currentItemId !== other.currentItemId).toBe(true);
    tab.label(i % 3 === 0 ? 'churn' : 'stay');
  }
  await Promise.all([a.flush(), b.flush()]);
  const log = await deps.annotations.log('p');
  const human = log.filter((e) => e.kind === 'human');
  expect(human).toHaveLength(15);
  expect(new Set(human.map((e) => e.itemId)).size).toBe(15);
  expect(currentLabelsOf(log).size).toBe(15);
});

it('a closed tab releases its item; an expired claim frees it without a word', async () => {
  const { deps, project } = setup();
  const a = new LabelingState(project, { ...deps, annotator: 'ann', sessionId: 'tab-a' });
  const b = new LabelingState(project, { ...deps, annotator: 'bob', sessionId: 'tab-b' });
  onTestFinished(() => b.dispose());
  await Promise.all([a.open(), b.open()]);
  await expect
    .poll(() => a.currentItemId !== null && a.currentItemId !== b.currentItemId)
    .toBe(true);
  const held = a.currentItemId!;
  expect(b.claims.heldByOther(held)).toBe(true);
  a.dispose();
  await expect.poll(() => b.claims.heldByOther(held)).toBe(false);

  // A tab that vanishes without releasing (crash): one claim, never renewed, lapses at expiry.
  // An item b does not show (b may have moved onto `held` itself once a let it go).
  const item = deps.pool.itemIds.find((id) => id !== b.currentItemId)!;
  const crashed = new BroadcastChannel(CLAIMS_CHANNEL);
  onTestFinished(() => crashed.close());
  const now = Date.now();
  crashed.postMessage({
    kind: 'claim',
    scope: `${deps.dbName}/p`,
    tabId: 'crashed-tab',
    itemIds: [item],
    claimedAt: now,
    expiresAt: now + 500,
  } satisfies ClaimMessage);
  await expect.poll(() => b.claims.heldByOther(item)).toBe(true);
  await expect.poll(() => b.claims.heldByOther(item), { timeout: 5_000 }).toBe(false);
});
