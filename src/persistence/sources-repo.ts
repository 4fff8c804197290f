// Imported data: `sources` rows and what they own, `chunks` (columnar rows, key
// [sourceId+index]) and `blobs` (image pixels and thumbnails, id `${itemId}#${kind}`). The ingest
// worker writes a source in three steps: `createStaging` (status 'staging'), `appendChunks` in
// batches with a heartbeat, then `commitSource`, which flips it to 'ready' together with its
// quality report and import annotations in one transaction. Readers only ever see 'ready'
// sources; a staging source whose heartbeat stopped belongs to an import that died and
// `cleanupStaging` removes it. Usable from the page and from workers (no DOM APIs).
import { Dexie } from 'dexie';
import { getDb, type InloopDB } from './db';
import { withStorageErrors } from './errors';
import type { LabelClass } from '../projects/types';
import type { AnnotationRecord, BlobKind, BlobRecord, ChunkRecord, SourceRecord } from './schema';

/** An annotation before the log has given it its sequence number. */
type NewAnnotation = Omit<AnnotationRecord, 'seq'>;

/** What `commitSource` sets on the staging row. */
export type SourceCommit = Partial<
  Omit<SourceRecord, 'id' | 'projectId' | 'status' | 'createdAt' | 'heartbeatAt'>
>;

export interface SourcesRepo {
  /** Adds a source in status 'staging' with a fresh heartbeat. */
  createStaging(source: Omit<SourceRecord, 'status' | 'heartbeatAt'>): Promise<void>;
  /** Writes a batch of chunks and blobs in one transaction and refreshes the heartbeat. */
  appendChunks(sourceId: string, chunks: ChunkRecord[], blobs?: BlobRecord[]): Promise<void>;
  /** Writes blobs only (images), refreshing the heartbeat. */
  appendBlobs(sourceId: string, blobs: BlobRecord[]): Promise<void>;
  /** Tells `cleanupStaging` that the import writing this source is still alive. */
  touchHeartbeat(sourceId: string): Promise<void>;
  /**
   * One read-write transaction: the staging source becomes 'ready' with `commit` applied, and the
   * import annotations are appended. Fails (changing nothing) if the source is not staging.
   * `newClasses` (classes the import's labels need) are added to the project in the same
   * transaction, so a failed import adds none; one whose name the project already has fails it.
   */
  commitSource(
    sourceId: string,
    commit: SourceCommit,
    annotations?: NewAnnotation[],
    newClasses?: LabelClass[],
  ): Promise<SourceRecord>;
  /** Deletes a source with its chunks and blobs, whatever its status (a no-op when absent). */
  discardSource(sourceId: string): Promise<void>;
  /** Deletes a ready source with its chunks, blobs and the annotations its import wrote. */
  deleteSource(sourceId: string): Promise<void>;
  /** A project's ready sources, newest first. */
  listSources(projectId: string): Promise<SourceRecord[]>;
  getSource(sourceId: string): Promise<SourceRecord | undefined>;
  getChunk(sourceId: string, index: number): Promise<ChunkRecord | undefined>;
  chunkCount(sourceId: string): Promise<number>;
  getBlob(itemId: string, kind: BlobKind): Promise<BlobRecord | undefined>;
  /** Removes staging sources whose heartbeat is older than `olderThanMs`; returns how many. */
  cleanupStaging(olderThanMs: number, now?: number): Promise<number>;
}

/** Primary key of an item's blob of one kind. */
export function blobId(itemId: string, kind: BlobKind): string {
  return `${itemId}#${kind}`;
}

/** The annotation session an import writes its labels under. */
export function importSessionId(sourceId: string): string {
  return `import:${sourceId}`;
}

async function addClasses(db: InloopDB, projectId: string, classes: LabelClass[]): Promise<void> {
  const project = await db.projects.get(projectId);
  if (!project) throw new Error(`Project ${projectId} does not exist`);
  const taken = new Set(project.classes.map((c) => c.name.toLocaleLowerCase()));
  const clash = classes.find((c) => taken.has(c.name.toLocaleLowerCase()));
  // Another tab may have added it meanwhile; the user must map to it instead.
  if (clash) throw new Error(`The project already has a class named “${clash.name}”`);
  await db.projects.put({
    ...project,
    classes: [...project.classes, ...classes],
    updatedAt: Date.now(),
  });
}

function chunkRange(db: InloopDB, sourceId: string) {
  return db.chunks.where('[sourceId+index]').between([sourceId, -Infinity], [sourceId, Infinity]);
}

function blobRange(db: InloopDB, sourceId: string) {
  return db.blobs
    .where('[sourceId+itemId]')
    .between([sourceId, Dexie.minKey], [sourceId, Dexie.maxKey]);
}

async function removeSourceRows(db: InloopDB, sourceId: string): Promise<void> {
  await chunkRange(db, sourceId).delete();
  await blobRange(db, sourceId).delete();
  await db.sources.delete(sourceId);
}

/** `db` is a getter so the repository can be built before the connection is opened. */
export function createSourcesRepo(db: () => InloopDB): SourcesRepo {
  const discardSource = (sourceId: string) =>
    withStorageErrors(() =>
      db().transaction('rw', [db().sources, db().chunks, db().blobs], () =>
        removeSourceRows(db(), sourceId),
      ),
    );

  return {
    createStaging: (source) =>
      withStorageErrors(async () => {
        await db().sources.add({ ...source, status: 'staging', heartbeatAt: Date.now() });
      }),

    appendChunks: (sourceId, chunks, blobs = []) =>
      withStorageErrors(() =>
        db().transaction('rw', [db().sources, db().chunks, db().blobs], async () => {
          if (chunks.length > 0) await db().chunks.bulkAdd(chunks);
          if (blobs.length > 0) await db().blobs.bulkAdd(blobs);
          await db().sources.update(sourceId, { heartbeatAt: Date.now() });
        }),
      ),

    appendBlobs: (sourceId, blobs) =>
      withStorageErrors(() =>
        db().transaction('rw', [db().sources, db().blobs], async () => {
          await db().blobs.bulkAdd(blobs);
          await db().sources.update(sourceId, { heartbeatAt: Date.now() });
        }),
      ),

    touchHeartbeat: (sourceId) =>
      withStorageErrors(async () => {
        await db().sources.update(sourceId, { heartbeatAt: Date.now() });
      }),

    commitSource: (sourceId, commit, annotations = [], newClasses = []) =>
      withStorageErrors(() =>
        db().transaction('rw', [db().sources, db().annotations, db().projects], async () => {
          const staging = await db().sources.get(sourceId);
          if (!staging || staging.status !== 'staging') {
            throw new Error(
              `Source ${sourceId} is not being imported (it may have been cleaned up)`,
            );
          }
          if (newClasses.length > 0) await addClasses(db(), staging.projectId, newClasses);
          const ready: SourceRecord = { ...staging, ...commit, status: 'ready' };
          delete ready.heartbeatAt;
          await db().sources.put(ready);
          if (annotations.length > 0) {
            await db().annotations.bulkAdd(annotations);
          }
          return ready;
        }),
      ),

    discardSource,

    deleteSource: (sourceId) =>
      withStorageErrors(() =>
        db().transaction(
          'rw',
          [db().sources, db().chunks, db().blobs, db().annotations],
          async () => {
            await removeSourceRows(db(), sourceId);
            // Labels the import brought in mean nothing without the items; human labels stay in the
            // append-only log (the items may come back with the same ids in a re-import).
            await db().annotations.where('sessionId').equals(importSessionId(sourceId)).delete();
          },
        ),
      ),

    listSources: (projectId) =>
      withStorageErrors(async () => {
        const rows = await db()
          .sources.where('[projectId+role]')
          .between([projectId, Dexie.minKey], [projectId, Dexie.maxKey])
          .toArray();
        return rows.filter((s) => s.status === 'ready').sort((a, b) => b.createdAt - a.createdAt);
      }),

    getSource: (sourceId) => withStorageErrors(() => db().sources.get(sourceId)),

    getChunk: (sourceId, index) => withStorageErrors(() => db().chunks.get([sourceId, index])),

    chunkCount: (sourceId) => withStorageErrors(() => chunkRange(db(), sourceId).count()),

    getBlob: (itemId, kind) => withStorageErrors(() => db().blobs.get(blobId(itemId, kind))),

    cleanupStaging: (olderThanMs, now = Date.now()) =>
      withStorageErrors(async () => {
        const staging = await db()
          .sources.filter(
            (s) => s.status === 'staging' && (s.heartbeatAt ?? s.createdAt) < now - olderThanMs,
          )
          .toArray();
        for (const s of staging) await discardSource(s.id);
        return staging.length;
      }),
  };
}

/** Sources of the page's database. */
export const sourcesRepo = createSourcesRepo(getDb);
