// SHA-256 content digests (WebCrypto, available in the page and in workers) for lineage: a run
// records the digest of the data and of the label set it saw; equal digests mean equal content.
//
// A source is digested chunk by chunk: WebCrypto has no incremental API (`digest()` takes one
// buffer), and a multi-GB source cannot be held in one buffer. So each chunk gets the SHA-256 of a
// canonical byte serialisation, and the source digest is the SHA-256 of the chunk digests (hex) in
// chunk order — a one-level hash list. It changes when any value, missing mark, item id or the
// chunking changes, and costs one `digest()` call per chunk while importing.
import type { ChunkColumn, ChunkRecord } from '../persistence/schema';

const encoder = new TextEncoder();

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export async function sha256Hex(data: BufferSource | string): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/** A growable little-endian byte writer: the canonical form does not depend on the platform. */
class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(capacity = 1 << 16) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u8(x: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = x;
  }
  u32(x: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#len, x >>> 0, true);
    this.#len += 4;
  }
  f32(x: number): void {
    this.#reserve(4);
    this.#view.setFloat32(this.#len, x, true);
    this.#len += 4;
  }
  f64(x: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#len, x, true);
    this.#len += 8;
  }
  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  /** Length-prefixed UTF-8: no separator can be forged by the content. */
  str(s: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes. ASCII (item ids, category names: most of
    // what is digested) is copied byte by byte: a call into `encodeInto` per short string costs
    // more than the copy. From the first non-ASCII unit on (never inside a surrogate pair: both
    // halves are ≥ 0x80), `encodeInto` writes straight into the buffer.
    const n = s.length;
    this.#reserve(4 + 3 * n);
    const buf = this.#buf;
    let at = this.#len + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at++] = c;
    }
    if (i < n) at += encoder.encodeInto(i === 0 ? s : s.slice(i), buf.subarray(at)).written;
    this.#view.setUint32(this.#len, at - this.#len - 4, true);
    this.#len = at;
  }
  /** Typed-array bytes in little-endian order, whatever the platform's order. */
  numbers(values: Float32Array | Float64Array): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (LITTLE_ENDIAN) {
      this.bytes(bytes);
      return;
    }
    for (const x of values) {
      if (values instanceof Float32Array) this.f32(x);
      else this.f64(x);
    }
  }
  result(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

const MISSING_MARK = 0xffffffff;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeColumn(w: ByteWriter, col: ChunkColumn, rows: number): void {
  w.str(col.kind);
  switch (col.kind) {
    case 'f32':
    case 'f64': {
      // A missing cell's stored value is meaningless (NaN or stale), so it is written as 0 and the
      // mask carries the information: the digest depends on content, not on leftovers.
      const values = col.values.slice(0, rows);
      for (let i = 0; i < rows; i++) if (col.missing[i]) values[i] = 0;
      w.numbers(values);
      w.bytes(col.missing.subarray(0, rows));
      return;
    }
    case 'i32': {
      // Categories are written as their strings, not their codes: the same values imported in
      // another order (other codes) digest the same. Each vocab entry is encoded once per chunk.
      const encoded = col.vocab.map((v) => encoder.encode(v));
      for (let i = 0; i < rows; i++) {
        const code = col.codes[i] ?? -1;
        const bytes = code >= 0 ? encoded[code] : undefined;
        if (bytes === undefined) w.u32(MISSING_MARK);
        else {
          w.u32(bytes.length);
          w.bytes(bytes);
        }
      }
      return;
    }
    case 'str':
      for (let i = 0; i < rows; i++) w.str(col.values[i] ?? '');
      return;
  }
}

/** Canonical bytes of a chunk: row range, item ids, then columns sorted by name. */
export function chunkBytes(chunk: ChunkRecord): Uint8Array {
  // Chunks of one import are alike: start at the size of the last one rather than doubling up to
  // it (megabytes of garbage per chunk otherwise).
  const w = new ByteWriter(lastChunkBytes);
  w.str('inloop-chunk-v1');
  w.u32(chunk.rowStart);
  w.u32(chunk.rowCount);
  for (let i = 0; i < chunk.rowCount; i++) w.str(chunk.itemIds[i] ?? '');
  const names = Object.keys(chunk.columns).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  w.u32(names.length);
  for (const name of names) {
    w.str(name);
    writeColumn(w, chunk.columns[name]!, chunk.rowCount);
  }
  const bytes = w.result();
  lastChunkBytes = Math.max(1 << 16, bytes.length + 64);
  return bytes;
}

let lastChunkBytes = 1 << 16;

/** SHA-256 (hex) of a chunk's canonical bytes (see {@link chunkBytes}). */
export function chunkDigest(chunk: ChunkRecord): Promise<string> {
  return sha256Hex(chunkBytes(chunk) as Uint8Array<ArrayBuffer>);
}

/** SHA-256 of the chunk digests (hex text) concatenated in chunk order. */
export function sourceDigest(chunkDigests: readonly string[]): Promise<string> {
  return sha256Hex(`inloop-source-v1\n${chunkDigests.join('\n')}`);
}

/**
 * SHA-256 of a label set (item id → class id), canonical: sorted by item id in code-unit order
 * (not locale order, which differs between machines), each pair length-prefixed.
 */
export function labelSetDigest(labels: ReadonlyMap<string, string>): Promise<string> {
  const entries = [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const w = new ByteWriter();
  w.str('inloop-labels-v1');
  w.u32(entries.length);
  for (const [itemId, classId] of entries) {
    w.str(itemId);
    w.str(classId);
  }
  return sha256Hex(w.result() as Uint8Array<ArrayBuffer>);
}
