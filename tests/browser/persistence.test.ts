// The database against real IndexedDB in Chromium: upgrading a frozen old database, giving way to
// another tab's upgrade, and a real QuotaExceededError.
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { SCHEMA_VERSION, openDatabase, type InloopDB } from '../../src/persistence/db';
import { StorageFailure, withStorageErrors } from '../../src/persistence/errors';
import { onDatabaseEvent, type DatabaseEvent } from '../../src/persistence/events';
import { createProjectsRepo } from '../../src/persistence/projects-repo';
import { createSettingsRepo } from '../../src/persistence/settings-repo';
import { v1Initial } from '../../src/persistence/versions/v1-initial';
import { buildProject } from '../fixtures/db/builders';
import { fixtureRecords, type DbFixture } from '../fixtures/db/load-fixture';
import v1 from '../fixtures/db/v1.json';

// Dexie traces every failed operation when served from localhost; these tests fail some on purpose.
Dexie.debug = false;

const cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh database name, deleted after the test whatever happens. */
function uniqueName(label: string): string {
  const name = `inloop-test-${label}-${crypto.randomUUID()}`;
  cleanups.push(() => deleteDatabase(name));
  return name;
}

// Raw rather than Dexie.delete: Chromium reports `blocked` for a connection closed a moment before
// (its close completes asynchronously) and Dexie would warn; the deletion goes through regardless.
function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('delete failed'));
  });
}

function open(name: string): InloopDB {
  const db = openDatabase(name);
  cleanups.push(() => db.close());
  return db;
}

function recordEvents(): DatabaseEvent[] {
  const events: DatabaseEvent[] = [];
  cleanups.push(onDatabaseEvent((event) => events.push(event)));
  return events;
}

/** Opens the database with raw IndexedDB at a native version, as another tab's code would. */
function openRaw(
  name: string,
  nativeVersion: number,
  onBlocked?: () => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, nativeVersion);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
    request.onblocked = () => onBlocked?.();
  });
}

describe('upgrading old databases', () => {
  // Each frozen fixture is written with a bare Dexie at its own version, then opened with the
  // current InloopDB, which runs every upgrade step since. A schema bump adds a fixture here.
  it('reads a version-1 database back unchanged', async () => {
    const fixture: DbFixture = v1;
    const records = fixtureRecords(fixture);
    const name = uniqueName('v1');

    const old = new Dexie(name);
    old.version(fixture.version).stores(fixture.stores);
    await old.transaction('rw', old.tables, async () => {
      for (const [table, rows] of Object.entries(records)) await old.table(table).bulkAdd(rows);
    });
    old.close();

    const db = open(name);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    for (const table of db.tables) {
      expect(await table.toArray(), table.name).toEqual(records[table.name] ?? []);
    }

    // Structured clone kept the binary columns binary, and the indexes answer queries.
    const [chunk] = await db.chunks.where('sourceId').equals('s-churn-pool').toArray();
    const tenure = chunk?.columns.tenure;
    expect(tenure?.kind === 'f32' ? tenure.values : undefined).toBeInstanceOf(Float32Array);
    expect((await db.blobs.get('s-leaves-pool#0/pixels'))?.data).toBeInstanceOf(ArrayBuffer);
    expect((await db.models.where('aliases').equals('champion').first())?.id).toBe('m-churn-1');
    const itemHistory = db.annotations
      .where('[projectId+itemId]')
      .equals(['p-churn', 's-churn-pool#2']);
    expect(await itemHistory.count()).toBe(2);
    expect((await createProjectsRepo(() => db).list()).map((p) => p.id)).toEqual([
      'p-leaves',
      'p-churn',
    ]);
  });

  it('keeps the v1 fixture in step with the v1 schema step', () => {
    expect(v1.stores).toEqual(v1Initial.stores);
  });
});

describe('other tabs', () => {
  it('gives way when another tab opens a newer version, and says so', async () => {
    const name = uniqueName('versionchange');
    const events = recordEvents();
    const db = open(name);
    await db.open();

    // Dexie stores version N as native version 10·N: this is what a newer Inloop would open.
    let blocked = false;
    const newer = await openRaw(name, (SCHEMA_VERSION + 1) * 10, () => (blocked = true));
    newer.close();

    expect(blocked).toBe(false);
    expect(events).toEqual([{ kind: 'version-change', databaseName: name }]);
    expect(db.isOpen()).toBe(false);
    // The connection stays closed: later calls fail with a sentence asking for a reload.
    await expect(createProjectsRepo(() => db).list()).rejects.toMatchObject({
      error: { kind: 'version-change' },
    });
  });

  it('reports an upgrade blocked by an older tab that does not let go', async () => {
    const name = uniqueName('blocked');
    const events = recordEvents();
    // An old connection (native version 1) that ignores versionchange, like a stale tab.
    const stale = await openRaw(name, 1);
    const db = open(name);
    const opening = db.open();

    await expect.poll(() => events).toEqual([{ kind: 'blocked', databaseName: name }]);
    stale.close();
    await opening;
    expect(db.verno).toBe(SCHEMA_VERSION);
  });
});

describe('a full disk', () => {
  // A real QuotaExceededError needs two Chromium details. The DevTools protocol can shrink an
  // origin's quota (Storage.overrideQuotaForOrigin), but IndexedDB caches the free space it last
  // saw per storage bucket for up to 30 s (content/browser/indexed_db BucketContext,
  // kBucketSpaceCacheTimeLimit), so a bucket already in use keeps accepting writes under the new
  // quota for that long. A fresh Storage Bucket asks for the quota on its first write: the test
  // shrinks the quota first, then puts its database in a new bucket.
  async function databaseInFreshBucket(freeBytes: number): Promise<InloopDB> {
    const origin = location.origin;
    // The quota covers the whole origin, including what earlier tests left in other databases.
    const { usage } = await cdp().send('Storage.getUsageAndQuota', { origin });
    await cdp().send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + freeBytes });
    cleanups.push(() => cdp().send('Storage.overrideQuotaForOrigin', { origin }));

    const buckets = (navigator as Navigator & { storageBuckets: StorageBucketManager })
      .storageBuckets;
    const bucketName = `quota-test-${crypto.randomUUID()}`;
    const bucket = await buckets.open(bucketName);
    // Deleting the bucket deletes the database in it.
    cleanups.push(() => buckets.delete(bucketName));

    // Dexie takes its IndexedDB factory from Dexie.dependencies when a database is constructed.
    const defaultFactory = Dexie.dependencies.indexedDB;
    Dexie.dependencies.indexedDB = bucket.indexedDB;
    try {
      return open(`inloop-test-quota-${crypto.randomUUID()}`);
    } finally {
      Dexie.dependencies.indexedDB = defaultFactory;
    }
  }

  it('fails with a quota StorageFailure and leaves the database as it was', async () => {
    const db = await databaseInFreshBucket(2 * 1024 * 1024);
    const projects = createProjectsRepo(() => db);
    const settings = createSettingsRepo(() => db);
    await projects.create(buildProject({ id: 'before' }));
    await settings.set('backend', 'cpu');
    const fourMegabytes = new ArrayBuffer(4 * 1024 * 1024);

    const failure = await settings.set('big', fourMegabytes).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageFailure);
    expect((failure as StorageFailure).error).toMatchObject({ kind: 'quota' });
    expect((failure as StorageFailure).message).toMatch(/storage for this site is full/);
    // What Chromium and Dexie actually throw: the transaction's abort, carrying the cause.
    expect((failure as StorageFailure).cause).toMatchObject({
      name: 'AbortError',
      inner: { name: 'QuotaExceededError' },
    });

    // A transaction that writes a small row, then a big one: all or nothing.
    const transactional = await withStorageErrors(() =>
      db.transaction('rw', db.projects, db.blobs, async () => {
        await db.projects.add(buildProject({ id: 'partial' }));
        await db.blobs.add({
          id: 'big',
          sourceId: 's',
          itemId: 'i',
          kind: 'original',
          data: fourMegabytes,
          width: 1024,
          height: 1024,
        });
      }),
    ).catch((e: unknown) => e);
    expect(transactional).toMatchObject({ error: { kind: 'quota' } });

    expect((await projects.list()).map((p) => p.id)).toEqual(['before']);
    expect(await settings.get('backend', 'auto')).toBe('cpu');
    expect(await settings.get('big', null)).toBeNull();
    expect(await db.blobs.count()).toBe(0);
    // Small writes still go through once the big one is refused.
    await settings.set('backend', 'webgl');
    expect(await settings.get('backend', 'auto')).toBe('webgl');
  });
});

/** The Storage Buckets API (Chromium); not in TypeScript's DOM library yet. */
interface StorageBucketManager {
  open(name: string): Promise<{ indexedDB: IDBFactory }>;
  delete(name: string): Promise<void>;
}
