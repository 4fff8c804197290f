// A defensive zip reader for workspace files. fflate's `unzipSync` trusts the sizes a zip claims
// (it allocates the claimed size and reads the local headers), so a hostile file could make it
// allocate or inflate far more than it admits. This reader takes the central directory as the
// list of entries, refuses entry names a workspace never has, refuses overlapping entries (the
// trick of non-recursive zip bombs), and inflates each entry with fflate's streaming `Inflate`,
// counting the bytes it ACTUALLY produces against the per-entry limit, the total budget and the
// compression-ratio limit, stopping as soon as one is crossed.
import { Inflate } from 'fflate';
import { WorkspaceFailure, type WorkspaceError } from './errors';

export interface ZipLimits {
  /** Inflated bytes of the whole archive. */
  maxTotalBytes: number;
  /** Inflated bytes of one entry. */
  maxEntryBytes: number;
  maxEntries: number;
  /** Inflated / compressed size of one entry, checked once the entry passes `ratioFloorBytes`. */
  maxRatio: number;
  /** Small entries (JSON of repeated rows) legitimately compress very well; only big ones count. */
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntryBytes: 512 * 1024 ** 2,
  maxEntries: 10_000,
  // DEFLATE cannot exceed ~1032:1 on one pass; real workspace entries stay far below 100:1.
  maxRatio: 200,
  ratioFloorBytes: 1024 ** 2,
};

export interface ZipEntry {
  path: string;
  method: 0 | 8;
  compressedSize: number;
  /** What the zip claims; never trusted for allocation or limits. */
  claimedSize: number;
  dataOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
// Small enough that one push cannot inflate into a huge buffer before the limit is checked
// (16 KiB of DEFLATE inflates to at most ~16.5 MiB).
const INFLATE_SLICE = 16 * 1024;

const fail = (error: WorkspaceError): never => {
  throw new WorkspaceFailure(error);
};

/** Entry names a workspace can have: relative, ASCII, no `..`, no empty segments. */
export function isSafeEntryName(path: string): boolean {
  if (path.length === 0 || path.length > 200) return false;
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path)) return false;
  return !path.split('/').some((s) => s === '.' || s === '..');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the central directory; throws WorkspaceFailure for anything a workspace never is. */
export function listZipEntries(bytes: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  // A zip's directory sits at its end: a file that starts as a zip (a local header) but has no
  // end record was cut short (an interrupted download or copy), not some other kind of file.
  const truncated: WorkspaceError = {
    kind: 'damaged',
    detail: 'it is truncated: the end of the zip archive is missing',
  };
  const startsAsZip = len >= 4 && view.getUint32(0, true) === LOCAL_SIGNATURE;
  if (len < 22) {
    fail(
      startsAsZip
        ? truncated
        : { kind: 'not-a-workspace', detail: 'too short to be a zip archive' },
    );
  }
  let eocd = -1;
  for (let i = len - 22; i >= Math.max(0, len - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    fail(startsAsZip ? truncated : { kind: 'not-a-workspace', detail: 'not a zip archive' });
  const diskEntries = view.getUint16(eocd + 8, true);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) {
    fail({ kind: 'unsupported-zip', detail: 'multi-part archive' });
  }
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    fail({ kind: 'unsupported-zip', detail: 'ZIP64' });
  }
  if (diskEntries !== count) fail({ kind: 'damaged', detail: 'inconsistent entry counts' });
  if (count > limits.maxEntries) {
    fail({ kind: 'too-many-entries', count, limit: limits.maxEntries });
  }
  if (cdOffset + cdSize > eocd) fail({ kind: 'damaged', detail: 'central directory out of range' });

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      fail({ kind: 'damaged', detail: 'central directory truncated' });
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const claimedSize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen > cdOffset + cdSize)
      fail({ kind: 'damaged', detail: 'entry name truncated' });
    let path = '';
    try {
      path = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      fail({ kind: 'unsafe-entry-name', path: '(not UTF-8)' });
    }
    if (!isSafeEntryName(path)) fail({ kind: 'unsafe-entry-name', path: path.slice(0, 80) });
    if (names.has(path)) fail({ kind: 'damaged', detail: `"${path}" appears twice` });
    names.add(path);
    if (flags & 1) fail({ kind: 'unsupported-zip', detail: 'encrypted entry' });
    if (method !== 0 && method !== 8) {
      fail({ kind: 'unsupported-zip', detail: `compression method ${method}` });
    }
    if (localOffset + 30 > cdOffset || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) {
      fail({ kind: 'damaged', detail: `local header of "${path}" missing` });
    }
    const dataOffset =
      localOffset +
      30 +
      view.getUint16(localOffset + 26, true) +
      view.getUint16(localOffset + 28, true);
    if (dataOffset + compressedSize > cdOffset) {
      fail({ kind: 'damaged', detail: `"${path}" runs past the end of the data` });
    }
    if (method === 0 && compressedSize !== claimedSize) {
      fail({ kind: 'damaged', detail: `stored entry "${path}" has two sizes` });
    }
    entries.push({ path, method: method as 0 | 8, compressedSize, claimedSize, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  // Entries whose data overlap are how flat zip bombs reuse one compressed stream many times.
  const ordered = [...entries].sort((a, b) => a.dataOffset - b.dataOffset);
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1]!;
    if (prev.dataOffset + prev.compressedSize > ordered[i]!.dataOffset - 30) {
      fail({ kind: 'damaged', detail: `entries "${prev.path}" and "${ordered[i]!.path}" overlap` });
    }
  }
  return entries;
}

/** Counts inflated bytes across entries against the archive's total limit. */
export class InflateBudget {
  used = 0;
  constructor(readonly limits: ZipLimits) {}

  charge(n: number): void {
    this.used += n;
    if (this.used > this.limits.maxTotalBytes) {
      fail({ kind: 'too-large', limit: this.limits.maxTotalBytes });
    }
  }
}

/** The entry's bytes, inflated under the limits (counted on the real output). */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  budget: InflateBudget,
): Uint8Array {
  const { limits } = budget;
  const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  const check = (produced: number) => {
    if (produced > limits.maxEntryBytes) {
      fail({ kind: 'entry-too-large', path: entry.path, limit: limits.maxEntryBytes });
    }
    if (
      produced > limits.ratioFloorBytes &&
      produced > limits.maxRatio * Math.max(1, entry.compressedSize)
    ) {
      fail({ kind: 'compression-ratio', path: entry.path, limit: limits.maxRatio });
    }
  };
  if (entry.method === 0) {
    check(data.length);
    budget.charge(data.length);
    return data.slice();
  }
  const parts: Uint8Array[] = [];
  let produced = 0;
  let finished = false;
  const inflate = new Inflate((chunk, final) => {
    produced += chunk.length;
    check(produced);
    budget.charge(chunk.length);
    parts.push(chunk);
    if (final) finished = true;
  });
  try {
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
    for (let o = 0; o < data.length; o += INFLATE_SLICE) {
      inflate.push(data.subarray(o, o + INFLATE_SLICE), o + INFLATE_SLICE >= data.length);
    }
  } catch (e) {
    if (e instanceof WorkspaceFailure) throw e;
    fail({ kind: 'damaged', detail: `"${entry.path}" cannot be inflated` });
  }
  if (!finished) fail({ kind: 'damaged', detail: `"${entry.path}" is truncated` });
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(produced);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
