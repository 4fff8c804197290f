// Shared set-up of the ingest tests: a fresh database per test (deleted afterwards), a bridge whose
// worker writes to it, table counts for "the database is unchanged" checks, and small builders.
import { Dexie } from 'dexie';
import { afterEach } from 'vitest';
import { IngestBridge } from '../../src/data/ingest-bridge';
import type { TabularImportPlan } from '../../src/data/import-types';
import { openDatabase, type InloopDB } from '../../src/persistence/db';
import { createSourcesRepo, type SourcesRepo } from '../../src/persistence/sources-repo';

// Dexie traces every failed operation when served from localhost; these tests fail some on purpose.
Dexie.debug = false;

const cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('delete failed'));
  });
}

export interface IngestFixture {
  dbName: string;
  db: InloopDB;
  repo: SourcesRepo;
  bridge: IngestBridge;
}

/** A fresh database, a page-side connection to it and a bridge whose worker writes to it. */
export function setUp(label: string, options: { cancelGraceMs?: number } = {}): IngestFixture {
  const dbName = `inloop-test-${label}-${crypto.randomUUID()}`;
  const db = openDatabase(dbName);
  const bridge = new IngestBridge({ dbName, ...options });
  cleanups.push(() => deleteDatabase(dbName));
  cleanups.push(() => db.close());
  cleanups.push(() => bridge.dispose());
  return { dbName, db, repo: createSourcesRepo(() => db), bridge };
}

export interface TableCounts {
  sources: number;
  chunks: number;
  blobs: number;
  annotations: number;
}

export async function counts(db: InloopDB): Promise<TableCounts> {
  const [sources, chunks, blobs, annotations] = await Promise.all([
    db.sources.count(),
    db.chunks.count(),
    db.blobs.count(),
    db.annotations.count(),
  ]);
  return { sources, chunks, blobs, annotations };
}

/** A fixture file from tests/fixtures/data, loaded through its `?url` import. */
export async function fixtureFile(url: string, name: string, type = ''): Promise<File> {
  const response = await fetch(url);
  return new File([await response.arrayBuffer()], name, { type });
}

export function csvFile(text: string, name = 'data.csv'): File {
  return new File([text], name, { type: 'text/csv' });
}

/** A plan importing every header column as text features unless told otherwise. */
export function tabularPlan(
  columns: TabularImportPlan['columns'],
  overrides: Partial<TabularImportPlan> = {},
): TabularImportPlan {
  return {
    projectId: 'p1',
    name: 'data',
    role: 'pool',
    modality: 'tabular',
    columns,
    skipRaggedRows: false,
    importLabels: 1,
    ...overrides,
  };
}

/** A solid-colour PNG made in the page. */
export async function pngFile(
  name: string,
  rgb: [number, number, number],
  size = 16,
): Promise<File> {
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = `rgb(${rgb.join(',')})`;
  ctx.fillRect(0, 0, size, size);
  // A stripe so the images are not all flat (their dHash then differs by colour layout).
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, size / 2, size / 4);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new File([blob], name.split('/').pop()!, { type: 'image/png' });
}
