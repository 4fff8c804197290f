// Streaming UTF-8 decoding of a File that never holds the whole file: `file.stream()` through a
// fatal TextDecoder in stream mode. A decode error is reported with the byte offset of the first
// invalid sequence, which TextDecoder does not give: we find it by validating the failing chunk
// ourselves (a few KiB, once, on the error path only).

/** Thrown by {@link readUtf8Text} when the bytes are not UTF-8. */
export class InvalidUtf8Error extends Error {
  override name = 'InvalidUtf8Error';
  constructor(readonly byteOffset: number) {
    super(`Invalid UTF-8 at byte ${byteOffset}`);
  }
}

/**
 * Offset in `bytes` of the first byte of the first invalid (or, if `final`, truncated) UTF-8
 * sequence, or -1. Follows the WHATWG decoder: overlongs, surrogates and > U+10FFFF are invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const c = bytes[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** At most 3 bytes of a sequence can be pending in the decoder across a chunk boundary. */
const MAX_PENDING = 3;

export interface Utf8Chunk {
  text: string;
  /** Bytes consumed from the file so far (for progress). */
  bytesRead: number;
}

/**
 * Yields the decoded text of `blob` in pieces of at least `minChars` characters (the last may be
 * shorter). Strips a leading BOM (reported through `onBom`). Throws {@link InvalidUtf8Error}.
 */
export async function* readUtf8Text(
  blob: Blob,
  options: { minChars?: number; onBom?: () => void } = {},
): AsyncGenerator<Utf8Chunk> {
  const minChars = options.minChars ?? 1 << 20;
  // ignoreBOM: false → the decoder strips a leading U+FEFF itself; we peek the bytes to report it.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const reader = blob.stream().getReader();
  let offset = 0;
  let tail = new Uint8Array(0);
  let pieces: string[] = [];
  let pending = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (offset === 0 && value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf) {
        options.onBom?.();
      }
      let text: string;
      try {
        text = decoder.decode(value, { stream: true });
      } catch {
        throw new InvalidUtf8Error(locateError(tail, value, offset, false));
      }
      tail = value.subarray(Math.max(0, value.length - MAX_PENDING));
      offset += value.length;
      if (text.length > 0) {
        pieces.push(text);
        pending += text.length;
      }
      if (pending >= minChars) {
        yield { text: pieces.join(''), bytesRead: offset };
        pieces = [];
        pending = 0;
      }
    }
    let last: string;
    try {
      last = decoder.decode();
    } catch {
      throw new InvalidUtf8Error(locateError(tail, new Uint8Array(0), offset, true));
    }
    if (last) pieces.push(last);
    if (pieces.length > 0 || offset === 0) yield { text: pieces.join(''), bytesRead: offset };
  } finally {
    reader.releaseLock();
  }
}

/**
 * Finds the invalid byte: validation restarts at the last sequence start within the previous
 * chunk's tail (everything before it decoded fine), so sequences split across chunks count.
 */
function locateError(
  tail: Uint8Array,
  chunk: Uint8Array,
  chunkOffset: number,
  final: boolean,
): number {
  let start = 0;
  // Continuation bytes (10xxxxxx) never start a sequence; the first non-continuation byte does.
  while (start < tail.length && (tail[start]! & 0xc0) === 0x80) start++;
  const joined = new Uint8Array(tail.length - start + chunk.length);
  joined.set(tail.subarray(start), 0);
  joined.set(chunk, tail.length - start);
  const at = firstInvalidUtf8(joined, true);
  const base = chunkOffset - (tail.length - start);
  // `final` with nothing found cannot happen (the decoder failed); fall back to the end.
  return at >= 0 ? base + at : final ? chunkOffset : base;
}
