// Plumbing every import shares: errors as values, progress throttling, batched chunk writes with
// one write in flight (parsing the next chunk overlaps the previous IndexedDB transaction), and
// the stable choice of which known labels become `import` annotations.
import type { ImportError } from '../src/data/import-errors';
import type { ImportPhase, ImportProgress, SkippedItems } from '../src/data/import-types';
import { MAX_PROBLEM_EXAMPLES } from '../src/data/import-types';
import { unitHash } from '../src/data/splits';
import { StorageFailure, toStorageError } from '../src/persistence/errors';
import type { BlobRecord, ChunkRecord } from '../src/persistence/schema';
import type { SourcesRepo } from '../src/persistence/sources-repo';
import { InvalidUtf8Error } from './ingest-utf8';
import { JsonLineError } from './ingest-records';

/** Thrown inside the worker to end an import with a specific {@link ImportError}. */
export class ImportFailure extends Error {
  override name = 'ImportFailure';
  constructor(readonly error: ImportError) {
    super(error.kind);
  }
}

/** Maps whatever an import threw to the error the user reads. */
export async function toImportError(e: unknown): Promise<ImportError> {
  if (e instanceof ImportFailure) return e.error;
  if (e instanceof InvalidUtf8Error) return { kind: 'invalid-utf8', byteOffset: e.byteOffset };
  if (e instanceof JsonLineError) return { kind: 'json-line-invalid', line: e.line };
  if (e instanceof Error && e.name === 'AbortError') return { kind: 'cancelled' };
  const storage = e instanceof StorageFailure ? e.error : await toStorageError(e);
  if (storage.kind === 'quota')
    return { kind: 'quota', usage: storage.usage, quota: storage.quota };
  return { kind: 'unknown', message: e instanceof Error ? e.message : String(e) };
}

/** How often progress is posted to the page: often enough to look live, rare enough to be free. */
export const PROGRESS_INTERVAL_MS = 200;

export class ProgressReporter {
  readonly #emit: ((p: ImportProgress) => void) | undefined;
  readonly #totalBytes: number;
  readonly #started = performance.now();
  #last = -Infinity;

  constructor(emit: ((p: ImportProgress) => void) | undefined, totalBytes: number) {
    this.#emit = emit;
    this.#totalBytes = totalBytes;
  }

  update(phase: ImportPhase, bytesRead: number, rows: number, force = false): void {
    if (!this.#emit) return;
    const now = performance.now();
    if (!force && now - this.#last < PROGRESS_INTERVAL_MS) return;
    this.#last = now;
    const seconds = Math.max((now - this.#started) / 1000, 1e-3);
    const byteRate = bytesRead / seconds;
    const etaSeconds =
      phase === 'reading' && byteRate > 0 && bytesRead > 0
        ? Math.max(0, (this.#totalBytes - bytesRead) / byteRate)
        : null;
    const progress: ImportProgress = {
      phase,
      bytesRead,
      totalBytes: this.#totalBytes,
      rows,
      rowsPerSecond: rows / seconds,
      etaSeconds,
    };
    // A Comlink proxy call returns a promise we deliberately do not await: the import should not
    // wait on the page. Its rejection only means the page stopped listening.
    void Promise.resolve(this.#emit(progress) as unknown).catch(() => undefined);
  }
}

/**
 * Writes chunks (and blobs) in batched transactions, at most one in flight: the caller keeps
 * parsing while the previous batch commits, and a failed write surfaces at the next `add`/`flush`.
 */
export class ChunkWriter {
  #chunks: ChunkRecord[] = [];
  #blobs: BlobRecord[] = [];
  #blobBytes = 0;
  #inFlight: Promise<void> = Promise.resolve();
  chunksWritten = 0;

  constructor(
    private readonly repo: SourcesRepo,
    private readonly sourceId: string,
    /** Chunks per transaction. */
    private readonly batchChunks = 4,
    /** Blob bytes per transaction (images). */
    private readonly batchBlobBytes = 8 << 20,
  ) {}

  async add(chunk: ChunkRecord | undefined, blobs: BlobRecord[] = []): Promise<void> {
    if (chunk) this.#chunks.push(chunk);
    for (const b of blobs) {
      this.#blobs.push(b);
      this.#blobBytes += b.data instanceof Blob ? b.data.size : b.data.byteLength;
    }
    if (this.#chunks.length >= this.batchChunks || this.#blobBytes >= this.batchBlobBytes) {
      await this.#send();
    }
  }

  async #send(): Promise<void> {
    await this.#inFlight;
    const chunks = this.#chunks;
    const blobs = this.#blobs;
    this.#chunks = [];
    this.#blobs = [];
    this.#blobBytes = 0;
    if (chunks.length === 0 && blobs.length === 0) return;
    this.chunksWritten += chunks.length;
    this.#inFlight = this.repo.appendChunks(this.sourceId, chunks, blobs);
    // Seen by the next `add`/`flush`; until then it must not count as unhandled.
    this.#inFlight.catch(() => undefined);
  }

  /** Writes what is pending and waits for every write. */
  async flush(): Promise<void> {
    await this.#send();
    await this.#inFlight;
  }

  /** Waits for the write in flight, ignoring its outcome (before discarding the source). */
  async settle(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
  }
}

/** Salt of the label-import draw: independent of the split and holdout draws of the same id. */
const IMPORT_LABEL_SALT = 'import-labels';

/**
 * Whether an item's known label is imported when only a `fraction` of labels is: a stable hash
 * (MurmurHash3, see src/data/splits.ts) of the item's key within its file — the id column value or
 * row number (tabular), the path (files) — not of the item id, which contains the new source's id.
 * So re-importing the same file picks the same rows, and raising the fraction only adds rows.
 */
export function importLabelSelected(key: string, fraction: number): boolean {
  if (fraction >= 1) return true;
  if (fraction <= 0) return false;
  return unitHash(key, 0, IMPORT_LABEL_SALT) < fraction;
}

/** Collects skipped rows/files by reason, keeping a few examples of each. */
export class SkipLog {
  readonly #byReason = new Map<string, SkippedItems>();

  add(reason: string, example: string): void {
    let entry = this.#byReason.get(reason);
    if (!entry) {
      entry = { reason, count: 0, examples: [] };
      this.#byReason.set(reason, entry);
    }
    entry.count++;
    if (entry.examples.length < MAX_PROBLEM_EXAMPLES) entry.examples.push(example);
  }

  count(reason: string): number {
    return this.#byReason.get(reason)?.count ?? 0;
  }

  examples(reason: string): string[] {
    return this.#byReason.get(reason)?.examples ?? [];
  }

  list(): SkippedItems[] {
    return [...this.#byReason.values()];
  }
}
