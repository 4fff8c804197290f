/**
 * The Inloop database: one IndexedDB database (default name `inloop`) per browser profile and
 * origin, holding every project. What lives where:
 *
 * - `projects`, `settings`: project definitions; global key-value settings.
 * - `sources` → `chunks` (columnar typed arrays, a few thousand rows each) and `blobs` (image
 *   pixels, thumbnails, originals): imported data, per source.
 * - `annotations`: the append-only label log, keyed by item.
 * - `runs`, `models`, `modelWeights`: training runs, the model registry and TF.js weights.
 * - `predictions`, `monitorWindows`: the prediction log and drift windows (append-only).
 * - `policies`, `pipelineRuns`: retraining automation.
 * - `events`: the audit log (append-only).
 *
 * The schema is built from the ordered steps in ./versions; record types are in ./schema.ts.
 * Callers outside src/persistence use the repositories, never this class directly.
 */
import { Dexie, type EntityTable, type Table } from 'dexie';
import { emitDatabaseEvent } from './events';
import type {
  AnnotationRecord,
  BlobRecord,
  ChunkRecord,
  EventRecord,
  ModelRecord,
  ModelWeightsRecord,
  MonitorWindowRecord,
  PipelineRunRecord,
  PolicyRecord,
  PredictionRecord,
  Project,
  RunRecord,
  SettingRecord,
  SourceRecord,
} from './schema';
import { schemaSteps } from './versions';

export const DEFAULT_DATABASE_NAME = 'inloop';

/** The schema version this code writes: the newest step's number. */
export const SCHEMA_VERSION = Math.max(...schemaSteps.map((step) => step.version));

export class InloopDB extends Dexie {
  // `declare`, not `!`: with ES2022 class fields a plain declaration would be (re)defined as
  // `undefined` on the instance; Dexie itself puts the tables there in `stores()`.
  declare projects: EntityTable<Project, 'id'>;
  declare settings: EntityTable<SettingRecord, 'key'>;
  declare sources: EntityTable<SourceRecord, 'id'>;
  declare chunks: Table<ChunkRecord, [string, number]>;
  declare blobs: EntityTable<BlobRecord, 'id'>;
  declare annotations: EntityTable<AnnotationRecord, 'seq'>;
  declare runs: EntityTable<RunRecord, 'id'>;
  declare models: EntityTable<ModelRecord, 'id'>;
  declare modelWeights: EntityTable<ModelWeightsRecord, 'modelId'>;
  declare predictions: EntityTable<PredictionRecord, 'seq'>;
  declare monitorWindows: EntityTable<MonitorWindowRecord, 'seq'>;
  declare policies: EntityTable<PolicyRecord, 'id'>;
  declare pipelineRuns: EntityTable<PipelineRunRecord, 'id'>;
  declare events: EntityTable<EventRecord, 'seq'>;

  constructor(name = DEFAULT_DATABASE_NAME, options: DatabaseOptions = {}) {
    super(
      name,
      options.indexedDB
        ? { indexedDB: options.indexedDB, IDBKeyRange: globalThis.IDBKeyRange }
        : {},
    );
    for (const step of schemaSteps) {
      const version = this.version(step.version).stores(step.stores);
      if (step.upgrade) version.upgrade(step.upgrade);
    }

    // Another tab opened a newer version (or deletes the database). Close for good and let the
    // page ask for a reload: this tab's code no longer matches the schema. Returning false stops
    // Dexie's built-in handler, which would close with auto-reopen and retry on the next query.
    this.on('versionchange', () => {
      this.close();
      emitDatabaseEvent({ kind: 'version-change', databaseName: this.name });
      return false;
    });
    this.on('blocked', () => {
      emitDatabaseEvent({ kind: 'blocked', databaseName: this.name });
    });
  }
}

export interface DatabaseOptions {
  /**
   * The IndexedDB factory to open the database with; default the global `indexedDB`. Tests of a
   * full disk pass a fresh Storage Bucket's (see tests/browser/persistence.test.ts for why).
   */
  indexedDB?: IDBFactory;
}

/** A new connection; tests and workers pass their own name or open their own connection. */
export function openDatabase(
  name = DEFAULT_DATABASE_NAME,
  options: DatabaseOptions = {},
): InloopDB {
  return new InloopDB(name, options);
}

let db: InloopDB | undefined;

/** The page's connection to the default database, created on first use. */
export function getDb(): InloopDB {
  db ??= openDatabase();
  return db;
}
