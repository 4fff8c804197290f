// The page's only door to the ingest worker (workers/ingest.worker.ts), which parses files and
// writes sources into IndexedDB. Same life cycle as src/training/ml-bridge.ts (after
// GoogleChromeLabs/squoosh's worker bridge): the worker starts lazily, calls run one at a time in
// call order, every call takes an AbortSignal. Unlike the ML bridge an aborted import does not
// reject at once: it resolves with `{ kind: 'cancelled' }` only once the staging source is gone,
// so when the promise settles the database is exactly as it was before the import. A worker that
// ignores the cancel for the grace period is terminated, and a fresh one discards the staging
// source (the bridge picks every source id itself, so it always knows which one to remove).
import * as Comlink from 'comlink';
import { trackJob } from '../lib/jobs';
import { delay, startWorker, terminateWorker, type LiveWorker as Host } from '../lib/worker-host';
import type { IngestApi } from '../../workers/ingest.worker';
import { err, type Result } from '../lib/result';
import type { ImportError } from './import-errors';
import type {
  ImageImportInput,
  ImageImportPlan,
  ImportCallOptions,
  ImportProgress,
  ImportSummary,
  PathedFile,
  PreviewOptions,
  TabularImportPlan,
  TabularPreview,
  TabularProfile,
  TextFilesImportPlan,
} from './import-types';

export interface IngestBridgeOptions {
  /** IndexedDB database the worker writes to; defaults to the app's (`inloop`). Tests pass their own. */
  dbName?: string;
  /**
   * How long an aborted import may take to notice its cancel flag and discard its staging rows
   * before the worker is terminated. The worker checks between chunks (a few ms each), but the
   * discard itself is a delete transaction that may take a moment on a big source.
   */
  cancelGraceMs?: number;
  /** Creates the worker; for tests that need a different entry. Defaults to the ingest worker. */
  createWorker?: () => Worker;
  /**
   * A Chromium Storage Bucket to hold the database, for tests of a full disk (a fresh bucket
   * reads the shrunken quota on its first write). Default: the origin's default bucket.
   */
  storageBucket?: string;
}

/** Staging sources whose heartbeat is older than this belong to an import that died (tab closed). */
export const ABANDONED_STAGING_MS = 2 * 60_000;

const DEFAULT_CANCEL_GRACE_MS = 3000;

type LiveWorker = Host<IngestApi, void>;

type Job<T> = (api: Comlink.Remote<IngestApi>, jobId: number) => Promise<T>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const CANCELLED: Result<never, ImportError> = err({ kind: 'cancelled' });

/**
 * Files per message when a long file list is sent to the worker: cloning thousands of Files in one
 * postMessage is a long task on the page (54 ms for 5,000 images); a few hundred is a few ms.
 */
export const FILES_PER_MESSAGE = 500;

/**
 * Sends `files` for job `jobId`: short lists as they are, long ones staged ahead in batches (one
 * message, one task each) and then named by the job id.
 */
async function sendFiles(
  api: Comlink.Remote<IngestApi>,
  jobId: number,
  files: PathedFile[],
): Promise<PathedFile[] | { staged: number }> {
  if (files.length <= FILES_PER_MESSAGE) return files;
  for (let i = 0; i < files.length; i += FILES_PER_MESSAGE) {
    await api.stageFiles(jobId, files.slice(i, i + FILES_PER_MESSAGE));
  }
  return { staged: jobId };
}

function toPathed(files: readonly (File | PathedFile)[]): PathedFile[] {
  return files.map((f) =>
    f instanceof File ? { file: f, path: f.webkitRelativePath || f.name } : f,
  );
}

export class IngestBridge {
  readonly #dbName: string | undefined;
  readonly #storageBucket: string | undefined;
  readonly #cancelGraceMs: number;
  readonly #createWorker: () => Worker;
  #queue: Promise<void> = Promise.resolve();
  #live: LiveWorker | undefined;
  #nextJobId = 1;
  #workerStarts = 0;
  #disposed = false;

  constructor(options: IngestBridgeOptions = {}) {
    this.#dbName = options.dbName;
    this.#storageBucket = options.storageBucket;
    this.#cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.#createWorker =
      options.createWorker ??
      (() =>
        new Worker(new URL('../../workers/ingest.worker.ts', import.meta.url), {
          type: 'module',
          name: 'inloop-ingest',
        }));
  }

  /** How many workers this bridge has started; a restart after a stuck import shows up here. */
  get workerStarts(): number {
    return this.#workerStarts;
  }

  /**
   * Reads the start of a CSV/TSV/JSON Lines file (never all of it): format, delimiter, header,
   * the first rows and an inferred type per column, plus non-fatal problems found in the sample.
   * Fails with empty-file, header-only, duplicate/empty column names, invalid-utf8, json-line-invalid.
   */
  previewTabular(
    file: File,
    options: PreviewOptions & { signal?: AbortSignal } = {},
  ): Promise<Result<TabularPreview, ImportError>> {
    const { signal, ...preview } = options;
    return this.#run(signal, undefined, (api) => api.previewTabular(file, preview));
  }

  /**
   * Reads the whole file once and writes nothing: every column's type judged on all rows and its
   * distinct values with counts (bounded), for the label mapping and the types the user confirms.
   * Pass the preview's format and delimiter. Fails as the preview does.
   */
  profileTabular(
    file: File,
    options: { format?: TabularPreview['format']; delimiter?: string } & ImportCallOptions = {},
  ): Promise<Result<TabularProfile, ImportError>> {
    const { signal, onProgress, ...read } = options;
    return this.#run(signal, undefined, (api, jobId) =>
      api.profileTabular(file, read, this.#progress({ onProgress }), jobId),
    );
  }

  /**
   * Streams the whole file into a new source (columnar chunks), computes its quality report and
   * commits it with its import annotations in one transaction. On any failure, cancel or a full
   * disk the staging source is discarded and the database is left as it was.
   */
  importTabular(
    file: File,
    plan: TabularImportPlan,
    options: ImportCallOptions = {},
  ): Promise<Result<ImportSummary, ImportError>> {
    const sourceId = crypto.randomUUID();
    return this.#run(options.signal, sourceId, (api, jobId) =>
      api.importTabular(file, plan, sourceId, this.#progress(options), jobId),
    );
  }

  /**
   * Imports images: picked files, a folder (paths from `webkitRelativePath` or given), or one zip.
   * Non-images are skipped and listed; undecodable images are skipped and listed as corrupt (fatal
   * only when no image at all could be read).
   */
  importImages(
    input: ImageImportInput,
    plan: ImageImportPlan,
    options: ImportCallOptions = {},
  ): Promise<Result<ImportSummary, ImportError>> {
    const sourceId = crypto.randomUUID();
    const files = Array.isArray(input) ? toPathed(input) : input;
    return this.#run(options.signal, sourceId, async (api, jobId) =>
      api.importImages(
        Array.isArray(files) ? { files: await sendFiles(api, jobId, files) } : files,
        plan,
        sourceId,
        this.#progress(options),
        jobId,
      ),
    );
  }

  /** Imports `.txt` files (UTF-8), one item each; other files are skipped and listed. */
  importTextFiles(
    files: readonly (File | PathedFile)[],
    plan: TextFilesImportPlan,
    options: ImportCallOptions = {},
  ): Promise<Result<ImportSummary, ImportError>> {
    const sourceId = crypto.randomUUID();
    const pathed = toPathed(files);
    return this.#run(options.signal, sourceId, async (api, jobId) =>
      api.importTextFiles(
        await sendFiles(api, jobId, pathed),
        plan,
        sourceId,
        this.#progress(options),
        jobId,
      ),
    );
  }

  /**
   * Removes staging sources left by imports that died (closed tab, crash): those whose heartbeat
   * is older than `olderThanMs` (default {@link ABANDONED_STAGING_MS}). Call once at app start.
   * Resolves with how many were removed.
   */
  cleanupStaging(
    olderThanMs = ABANDONED_STAGING_MS,
    options: { signal?: AbortSignal } = {},
  ): Promise<Result<number, ImportError>> {
    return this.#run(options.signal, undefined, (api) => api.cleanupStaging(olderThanMs));
  }

  /** Terminates the worker; running calls resolve with `cancelled`, later calls too. */
  dispose(): void {
    this.#disposed = true;
    this.#terminate(new Error('The ingest bridge was disposed'));
  }

  #progress(options: ImportCallOptions) {
    const { onProgress } = options;
    return onProgress ? Comlink.proxy((p: ImportProgress) => onProgress(p)) : undefined;
  }

  #start(): LiveWorker {
    const live = startWorker<IngestApi, void>(
      this.#createWorker,
      'ingest worker',
      (api) =>
        api.init({
          dbName: this.#dbName,
          ...(this.#storageBucket ? { storageBucket: this.#storageBucket } : {}),
        }),
      (failed, reason) => this.#terminate(reason, failed),
    );
    live.ready.catch(() => this.#terminate(new Error('The ingest worker did not start'), live));
    this.#live = live;
    this.#workerStarts++;
    return live;
  }

  #terminate(reason: Error, live = this.#live): void {
    if (!live) return;
    terminateWorker(live, reason);
    if (this.#live === live) this.#live = undefined;
  }

  /**
   * Queues `job`. Every outcome is a Result: worker failures become `unknown`, an abort becomes
   * `cancelled` once `sourceId` (the job's staging source, if it writes one) is gone.
   */
  #run<T>(
    signal: AbortSignal | undefined,
    sourceId: string | undefined,
    job: Job<Result<T, ImportError>>,
  ): Promise<Result<T, ImportError>> {
    if (this.#disposed || signal?.aborted) return Promise.resolve(CANCELLED);
    const jobId = this.#nextJobId++;

    const turn = async (): Promise<Result<T, ImportError>> => {
      if (signal?.aborted || this.#disposed) return CANCELLED;
      const live = this.#live ?? this.#start();
      const outcome = live.ready.then(() => job(live.api, jobId));
      const running: Promise<Result<T, ImportError>> = Promise.race([outcome, live.died]).catch(
        (e: unknown): Result<T, ImportError> =>
          signal?.aborted || this.#disposed
            ? CANCELLED
            : err({ kind: 'unknown', message: message(e) }),
      );
      let onAbort: () => void = () => undefined;
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const first = await Promise.race([running, aborted]);
        if (first !== 'aborted') return first;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }

      // Cooperative cancel: the worker notices between chunks, discards its staging source and
      // answers `cancelled`. One still busy after the grace period is stuck: terminate it and let
      // a fresh worker remove what it left.
      live.api.cancel(jobId).catch(() => undefined);
      const grace = delay(this.#cancelGraceMs);
      const settled = await Promise.race([
        running.then(() => true),
        grace.promise.then(() => false),
      ]);
      grace.cancel();
      if (!settled) {
        this.#terminate(new Error(`Import job ${jobId} ignored cancel`), live);
        if (sourceId !== undefined && !this.#disposed) {
          const fresh = this.#start();
          await fresh.ready.then(() => fresh.api.discardSource(sourceId)).catch(() => undefined);
        }
      }
      return CANCELLED;
    };

    const tracked = () => trackJob(turn);
    const result = this.#queue.then(tracked, tracked);
    // `turn` never rejects, so the queue never breaks.
    this.#queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result.catch((e: unknown) => err({ kind: 'unknown', message: message(e) }));
  }
}
