// Rows as JSON, losslessly. JSON has no binary and no NaN/±Infinity, so:
// - typed arrays, ArrayBuffers and Blobs become `{"$bin": {path, offset, length, type, mime?}}`,
//   a reference into a binary entry of the same table (bytes appended by a BinaryPacker);
// - non-finite numbers become `{"$num": "NaN" | "Infinity" | "-Infinity"}`.
// Decoding turns both back, copying the bytes so every typed array owns an aligned buffer.

export const BINARY_TYPES = [
  'ArrayBuffer',
  'Blob',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
] as const;
export type BinaryType = (typeof BINARY_TYPES)[number];

export interface BinaryRef {
  path: string;
  offset: number;
  length: number;
  type: BinaryType;
  mime?: string;
}

type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

const TYPED: Record<
  Exclude<BinaryType, 'ArrayBuffer' | 'Blob'>,
  new (b: ArrayBuffer) => TypedArray
> = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
};

function typedName(v: ArrayBufferView): BinaryType | undefined {
  for (const name of Object.keys(TYPED) as (keyof typeof TYPED)[]) {
    if (v instanceof TYPED[name]) return name;
  }
  return undefined;
}

/** Collects the binary parts of one table into entries of at most `partBytes` each. */
export class BinaryPacker {
  #parts: Uint8Array[] = [];
  #size = 0;
  #index = 0;
  readonly done: { path: string; bytes: Uint8Array }[] = [];

  constructor(
    readonly prefix: string,
    readonly partBytes = 8 * 1024 * 1024,
  ) {}

  get #path(): string {
    return `${this.prefix}/${String(this.#index).padStart(5, '0')}.bin`;
  }

  add(bytes: Uint8Array, type: BinaryType, mime?: string): BinaryRef {
    if (this.#size > 0 && this.#size + bytes.length > this.partBytes) this.flush();
    const ref: BinaryRef = { path: this.#path, offset: this.#size, length: bytes.length, type };
    if (mime) ref.mime = mime;
    this.#parts.push(bytes);
    this.#size += bytes.length;
    return ref;
  }

  /** Closes the current part (if any) into `done`. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    this.done.push({ path: this.#path, bytes: out });
    this.#parts = [];
    this.#size = 0;
    this.#index++;
  }

  /** Takes the finished parts (they are then forgotten here). */
  take(): { path: string; bytes: Uint8Array }[] {
    return this.done.splice(0, this.done.length);
  }
}

/** Blobs are read before encoding (reading is async); the map gives their bytes. */
export type BlobBytes = Map<Blob, Uint8Array>;

/** Finds every Blob in a value, so its bytes can be read before the synchronous encode. */
export function collectBlobs(value: unknown, into: Set<Blob>): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    into.add(value);
    return;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) collectBlobs(v, into);
    return;
  }
  for (const v of Object.values(value)) collectBlobs(v, into);
}

/** The JSON-ready form of a value; binary parts go to `packer`. */
export function encodeValue(value: unknown, packer: BinaryPacker, blobs: BlobBytes): unknown {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    return { $num: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof ArrayBuffer)
    return { $bin: packer.add(new Uint8Array(value.slice(0)), 'ArrayBuffer') };
  if (ArrayBuffer.isView(value)) {
    const type = typedName(value);
    if (!type) throw new TypeError(`Cannot export a ${value.constructor.name}`);
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
    return { $bin: packer.add(bytes, type) };
  }
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    const bytes = blobs.get(value);
    if (!bytes) throw new Error('Blob bytes were not read before encoding');
    return { $bin: packer.add(bytes, 'Blob', value.type || undefined) };
  }
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, packer, blobs));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = encodeValue(v, packer, blobs);
  }
  return out;
}

/** Why a `$bin` reference could not be resolved. */
export class BinaryRefError extends Error {}

/** Reads binary entries by path (already inflated and digest-checked). */
export type BinaryLookup = (path: string) => Uint8Array | undefined;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function decodeBinary(raw: unknown, lookup: BinaryLookup): unknown {
  if (!isPlainRecord(raw)) throw new BinaryRefError('a binary reference is not an object');
  const { path, offset, length, type, mime } = raw;
  if (typeof path !== 'string') throw new BinaryRefError('a binary reference has no path');
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    (offset as number) < 0 ||
    (length as number) < 0
  ) {
    throw new BinaryRefError(`a binary reference into "${path}" has a bad range`);
  }
  if (typeof type !== 'string' || !(BINARY_TYPES as readonly string[]).includes(type)) {
    throw new BinaryRefError(`a binary reference has an unknown type "${String(type)}"`);
  }
  const data = lookup(path);
  if (!data)
    throw new BinaryRefError(`a binary reference names "${path}", which is not in the file`);
  const start = offset as number;
  const end = start + (length as number);
  if (end > data.length)
    throw new BinaryRefError(`a binary reference runs past the end of "${path}"`);
  const bytes = data.slice(start, end);
  const t = type as BinaryType;
  if (t === 'ArrayBuffer') return bytes.buffer;
  if (t === 'Blob') return new Blob([bytes], typeof mime === 'string' ? { type: mime } : {});
  const Ctor = TYPED[t];
  const width = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bytes.length % width !== 0) throw new BinaryRefError(`a ${t} has ${bytes.length} bytes`);
  return new Ctor(bytes.buffer);
}

/** Turns `$bin` and `$num` tags back into values; throws BinaryRefError on a bad reference. */
export function decodeValue(value: unknown, lookup: BinaryLookup): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, lookup));
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$bin')
    return decodeBinary((value as { $bin: unknown }).$bin, lookup);
  if (keys.length === 1 && keys[0] === '$num') {
    const n = (value as { $num: unknown }).$num;
    if (n === 'NaN') return NaN;
    if (n === 'Infinity') return Infinity;
    if (n === '-Infinity') return -Infinity;
    throw new BinaryRefError('a number tag is not NaN or ±Infinity');
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue((value as Record<string, unknown>)[k], lookup);
  return out;
}
