// Storage failures as values the UI can put into words. IndexedDB reports a full disk in several
// shapes depending on browser and on where the failure surfaced (request, transaction abort, Dexie
// wrapper), so recognition walks every known shape.
import { assertNever } from '../lib/result';

export type StorageError =
  | { kind: 'quota'; usage?: number; quota?: number }
  | { kind: 'version-change' }
  | { kind: 'unknown'; message: string };

/** Thrown by every repository call; `error` says what went wrong in a form the UI can describe. */
export class StorageFailure extends Error {
  override name = 'StorageFailure';
  readonly error: StorageError;

  constructor(error: StorageError, options?: ErrorOptions) {
    super(describeStorageError(error), options);
    this.error = error;
  }
}

// DOMException.QUOTA_EXCEEDED_ERR: the legacy code some engines still set instead of the name.
const QUOTA_EXCEEDED_CODE = 22;

// Dexie wraps native errors (an AbortError whose `inner` is the QuotaExceededError, sometimes
// twice over); a bound keeps a pathological self-referencing chain from looping.
const MAX_INNER_DEPTH = 8;

function* errorChain(e: unknown): Generator<unknown> {
  let current = e;
  for (let depth = 0; depth < MAX_INNER_DEPTH && current != null; depth++) {
    yield current;
    current = typeof current === 'object' && 'inner' in current ? current.inner : undefined;
  }
}

function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string'
    ? e.name
    : undefined;
}

export function isQuotaExceeded(e: unknown): boolean {
  for (const link of errorChain(e)) {
    if (errorName(link) === 'QuotaExceededError') return true;
    if (link instanceof DOMException && link.code === QUOTA_EXCEEDED_CODE) return true;
  }
  return false;
}

// VersionError: this code is older than the database another tab upgraded. DatabaseClosedError:
// our versionchange handler closed the connection for good, and that is the only place Inloop
// closes a live connection, so a later query failing this way means the same thing.
const VERSION_CHANGE_NAMES = new Set(['VersionError', 'DatabaseClosedError']);

function isVersionChange(e: unknown): boolean {
  for (const link of errorChain(e)) {
    const name = errorName(link);
    if (name !== undefined && VERSION_CHANGE_NAMES.has(name)) return true;
  }
  return false;
}

/** Classifies a failed storage operation; for a full disk it also asks how full. */
export async function toStorageError(e: unknown): Promise<StorageError> {
  if (e instanceof StorageFailure) return e.error;
  if (isQuotaExceeded(e)) return { kind: 'quota', ...(await storageEstimate()) };
  if (isVersionChange(e)) return { kind: 'version-change' };
  return { kind: 'unknown', message: e instanceof Error ? e.message : String(e) };
}

async function storageEstimate(): Promise<{ usage?: number; quota?: number }> {
  // Absent in Node (unit tests) and in some embedded webviews; the sentence then omits figures.
  if (typeof navigator === 'undefined' || !('storage' in navigator)) return {};
  try {
    const { usage, quota } = await navigator.storage.estimate();
    return { usage, quota };
  } catch {
    return {};
  }
}

/**
 * Runs a repository operation and turns whatever it throws into a {@link StorageFailure}. A failed
 * write aborts its whole transaction, so the database is left as it was before the write.
 */
export async function withStorageErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    throw new StorageFailure(await toStorageError(e), { cause: e });
  }
}

export function describeStorageError(error: StorageError): string {
  switch (error.kind) {
    case 'quota': {
      const { usage, quota } = error;
      const figures =
        usage !== undefined && quota !== undefined
          ? ` (${formatBytes(usage)} of ${formatBytes(quota)} used)`
          : '';
      return (
        `The browser's storage for this site is full${figures}. ` +
        'Free space by deleting projects or exporting them, then try again.'
      );
    }
    case 'version-change':
      return (
        'Inloop was updated in another tab, so this tab stopped using the database. ' +
        'Reload the page to continue.'
      );
    case 'unknown':
      return `The browser could not save or read data: ${error.message}`;
    default:
      return assertNever(error);
  }
}

// Decimal units, as storage sizes are usually shown to users.
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
