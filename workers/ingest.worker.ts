// The ingest worker: parses files and writes sources into IndexedDB, off the main thread. The page
// talks to it only through src/data/ingest-bridge.ts, which owns its life cycle (lazy start, one
// job at a time, cancel, terminate). Every function here is part of the typed Comlink API and
// returns a Result: errors are values the UI turns into sentences (src/data/import-errors.ts).
// On any failure or cancel, an import discards its staging source before answering, so the
// database is exactly as it was.
import * as Comlink from 'comlink';
import type { ImportError } from '../src/data/import-errors';
import type {
  ImageImportPlan,
  ImportProgress,
  ImportSummary,
  PathedFile,
  PreviewOptions,
  TabularImportPlan,
  TabularPreview,
  TabularProfile,
  TextFilesImportPlan,
} from '../src/data/import-types';
import { err, ok, type Result } from '../src/lib/result';
import { DEFAULT_DATABASE_NAME, openDatabase, type InloopDB } from '../src/persistence/db';
import { createSourcesRepo, type SourcesRepo } from '../src/persistence/sources-repo';
import { ProgressReporter, toImportError } from './ingest-common';
import { importImages, importTextFiles, type ImageInput } from './ingest-items';
import { importTabular, previewTabular, profileTabular } from './ingest-tabular';
import { beginJob, cancelJob, endJob, type JobToken } from './jobs';

let db: InloopDB | undefined;
let repo: SourcesRepo | undefined;

/**
 * File lists sent ahead of their import in batches (`stageFiles`), by job id: posting thousands
 * of Files in one message is one long task on the page (each File is cloned), so the bridge
 * sends big lists in pieces, each its own task. The import that names the job id takes the list.
 */
const stagedFiles = new Map<number, PathedFile[]>();

/** A job's file list: given, or staged ahead under `{ staged: jobId }`. */
export type FileList = PathedFile[] | { staged: number };

function takeFiles(files: FileList): PathedFile[] {
  if (Array.isArray(files)) return files;
  const staged = stagedFiles.get(files.staged) ?? [];
  stagedFiles.delete(files.staged);
  return staged;
}

function requireRepo(): SourcesRepo {
  if (!repo) throw new Error('The ingest worker has no database yet: call init() first');
  return repo;
}

/** How often a running import refreshes its staging heartbeat between chunk writes. */
const HEARTBEAT_MS = 20_000;

type Progress = ((p: ImportProgress) => void) | undefined;

function release(callback: Progress): void {
  const release = (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[
    Comlink.releaseProxy
  ];
  if (typeof release === 'function') release();
}

/**
 * Runs one import: on success the source is committed; on any failure (or cancel) the staging
 * source is discarded before the error is returned. A heartbeat keeps a slow import (one huge
 * chunk, a long quality pass) from looking abandoned to another tab's `cleanupStaging`.
 */
async function runImport(
  sourceId: string,
  jobId: number | undefined,
  onProgress: Progress,
  totalBytes: number,
  body: (repo: SourcesRepo, job: JobToken, progress: ProgressReporter) => Promise<ImportSummary>,
): Promise<Result<ImportSummary, ImportError>> {
  const repo = requireRepo();
  const job = beginJob(jobId);
  const progress = new ProgressReporter(onProgress, totalBytes);
  const heartbeat = setInterval(() => {
    repo.touchHeartbeat(sourceId).catch(() => undefined);
  }, HEARTBEAT_MS);
  try {
    return ok(await body(repo, job, progress));
  } catch (e) {
    const error = await toImportError(e);
    try {
      await repo.discardSource(sourceId);
    } catch {
      // Nothing more we can do here; cleanupStaging removes it at the next start.
    }
    return err(error);
  } finally {
    clearInterval(heartbeat);
    endJob(job);
    release(onProgress);
  }
}

/** The IndexedDB factory of a Storage Bucket (Chromium's Storage Buckets API, in workers too). */
async function openStorageBucket(name: string): Promise<IDBFactory> {
  const buckets = (
    navigator as Navigator & {
      storageBuckets?: { open(name: string): Promise<{ indexedDB: IDBFactory }> };
    }
  ).storageBuckets;
  if (!buckets) throw new Error('This browser has no Storage Buckets API');
  return (await buckets.open(name)).indexedDB;
}

const api = {
  /**
   * Opens the database the imports write to (tests pass their own name, and tests of a full disk a
   * Chromium Storage Bucket to hold it).
   */
  async init({
    dbName,
    storageBucket,
  }: {
    dbName?: string;
    storageBucket?: string;
  }): Promise<void> {
    db?.close();
    const options = storageBucket ? { indexedDB: await openStorageBucket(storageBucket) } : {};
    const database = openDatabase(dbName ?? DEFAULT_DATABASE_NAME, options);
    db = database;
    repo = createSourcesRepo(() => database);
  },

  async previewTabular(
    file: File,
    options: PreviewOptions = {},
  ): Promise<Result<TabularPreview, ImportError>> {
    try {
      return ok(await previewTabular(file, options));
    } catch (e) {
      return err(await toImportError(e));
    }
  },

  /** Reads the whole file once, writing nothing (see ingest-tabular.ts `profileTabular`). */
  async profileTabular(
    file: File,
    options: { format?: TabularImportPlan['format']; delimiter?: string },
    onProgress?: (p: ImportProgress) => void,
    jobId?: number,
  ): Promise<Result<TabularProfile, ImportError>> {
    const job = beginJob(jobId);
    try {
      return ok(
        await profileTabular(file, options, job, new ProgressReporter(onProgress, file.size)),
      );
    } catch (e) {
      return err(await toImportError(e));
    } finally {
      endJob(job);
      release(onProgress);
    }
  },

  importTabular(
    file: File,
    plan: TabularImportPlan,
    sourceId: string,
    onProgress?: (p: ImportProgress) => void,
    jobId?: number,
  ): Promise<Result<ImportSummary, ImportError>> {
    return runImport(sourceId, jobId, onProgress, file.size, (repo, job, progress) =>
      importTabular(repo, file, plan, sourceId, job, progress),
    );
  },

  /** Appends files to the list staged for job `jobId` (see {@link stagedFiles}). */
  stageFiles(jobId: number, files: PathedFile[]): void {
    const staged = stagedFiles.get(jobId);
    if (staged) staged.push(...files);
    else stagedFiles.set(jobId, [...files]);
  },

  importImages(
    given: { files: FileList } | { zip: File },
    plan: ImageImportPlan,
    sourceId: string,
    onProgress?: (p: ImportProgress) => void,
    jobId?: number,
  ): Promise<Result<ImportSummary, ImportError>> {
    const input: ImageInput = 'zip' in given ? given : { files: takeFiles(given.files) };
    const total =
      'zip' in input ? input.zip.size : input.files.reduce((s, f) => s + f.file.size, 0);
    return runImport(sourceId, jobId, onProgress, total, (repo, job, progress) =>
      importImages(repo, input, plan, sourceId, job, progress),
    );
  },

  importTextFiles(
    given: FileList,
    plan: TextFilesImportPlan,
    sourceId: string,
    onProgress?: (p: ImportProgress) => void,
    jobId?: number,
  ): Promise<Result<ImportSummary, ImportError>> {
    const files = takeFiles(given);
    const total = files.reduce((s, f) => s + f.file.size, 0);
    return runImport(sourceId, jobId, onProgress, total, (repo, job, progress) =>
      importTextFiles(repo, files, plan, sourceId, job, progress),
    );
  },

  /** Removes a source and everything it owns, whatever its status (after a terminated import). */
  async discardSource(sourceId: string): Promise<void> {
    await requireRepo().discardSource(sourceId);
  },

  async cleanupStaging(olderThanMs: number): Promise<Result<number, ImportError>> {
    try {
      return ok(await requireRepo().cleanupStaging(olderThanMs));
    } catch (e) {
      return err(await toImportError(e));
    }
  },

  /** Asks import `jobId` to stop at its next step. Returns whether it was running. */
  cancel(jobId: number): boolean {
    return cancelJob(jobId);
  },
};

export type IngestApi = typeof api;

Comlink.expose(api);
