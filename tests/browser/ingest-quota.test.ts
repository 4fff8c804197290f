// A real QuotaExceededError during an import (issue 3): the ingest worker's chunk writes hit a
// shrunken quota, the import answers `quota` with a sentence that says so, and the database is
// exactly as it was. Same technique as the full-disk test in persistence.test.ts: shrink the
// origin's quota over the DevTools protocol, then put the database in a fresh Storage Bucket (a
// bucket already in use keeps its cached free space for up to 30 s); the worker opens the same
// bucket (IngestBridge `storageBucket`).
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { IngestBridge } from '../../src/data/ingest-bridge';
import { describeImportError } from '../../src/data/import-errors';
import { openDatabase } from '../../src/persistence/db';
import { buildProject } from '../fixtures/db/builders';
import { counts } from './ingest-helpers';

Dexie.debug = false;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface StorageBucketManager {
  open(name: string): Promise<{ indexedDB: IDBFactory }>;
  delete(name: string): Promise<void>;
}

/** `rows` × 12 numeric columns and an id: several MiB once stored. */
function bigCsv(rows: number): File {
  const lines = [`id,${Array.from({ length: 12 }, (_, i) => `x${i}`).join(',')}`];
  for (let r = 0; r < rows; r++) {
    const cells = [`row-${r}`];
    for (let i = 0; i < 12; i++) cells.push(((r * 7919 + i * 104729) % 100003).toString());
    lines.push(cells.join(','));
  }
  return new File([`${lines.join('\n')}\n`], 'big.csv', { type: 'text/csv' });
}

describe('an import that fills the disk', () => {
  it('fails with quota, says so in a sentence, and leaves the database unchanged', async () => {
    const origin = location.origin;
    const freeBytes = 2 * 1024 * 1024;
    // The quota covers the whole origin, including what earlier tests left in other databases.
    const { usage } = await cdp().send('Storage.getUsageAndQuota', { origin });
    await cdp().send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + freeBytes });
    cleanups.push(() => cdp().send('Storage.overrideQuotaForOrigin', { origin }));

    const buckets = (navigator as Navigator & { storageBuckets: StorageBucketManager })
      .storageBuckets;
    const bucketName = `ingest-quota-${crypto.randomUUID()}`;
    const bucket = await buckets.open(bucketName);
    cleanups.push(() => buckets.delete(bucketName)); // deletes the database in it

    const dbName = `inloop-test-ingest-quota-${crypto.randomUUID()}`;
    const db = openDatabase(dbName, { indexedDB: bucket.indexedDB });
    cleanups.push(() => db.close());
    await db.projects.add(buildProject({ id: 'p' }));
    const before = await counts(db);
    const projectsBefore = await db.projects.toArray();

    const bridge = new IngestBridge({ dbName, storageBucket: bucketName });
    cleanups.push(() => bridge.dispose());
    // ~200,000 rows: far more than 2 MiB in chunks, so some chunk write must be refused.
    const file = bigCsv(200_000);
    const result = await bridge.importTabular(file, {
      projectId: 'p',
      name: file.name,
      role: 'pool',
      modality: 'tabular',
      columns: [
        { name: 'id', type: 'identifier', role: 'id' },
        ...Array.from({ length: 12 }, (_, i) => ({
          name: `x${i}`,
          type: 'numeric' as const,
          role: 'feature' as const,
        })),
      ],
      idColumn: 'id',
      skipRaggedRows: false,
      importLabels: 1,
    });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe('quota');
    const sentence = describeImportError(result.error);
    // With the storage estimate the worker read when the write was refused.
    expect(sentence).toMatch(/^The browser's storage for this site is full \(.+ of .+ used\)/);
    expect(sentence).toMatch(/the import was undone/);

    // Nothing of the import is left: no staging source, no chunk, no annotation.
    expect(await counts(db)).toEqual(before);
    expect(await db.projects.toArray()).toEqual(projectsBefore);
    expect(await db.sources.count()).toBe(0);
  });
});
