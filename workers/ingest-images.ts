// Image items for the ingest worker: picked files / folders (with relative paths) or a zip
// archive, unpacked as a stream with fflate's `Unzip` (never the whole archive in memory, with a
// guard against archives that unpack to more than we would ever store). Each image is decoded once
// with createImageBitmap, stretched to imageSize × imageSize on an OffscreenCanvas (model inputs
// are square; MNIST-like data already is, and cropping would silently drop content), stored as
// RGB bytes (`pixels` blob), plus a ≤96 px WebP thumbnail for display.
import { Unzip, UnzipInflate } from 'fflate';
import type { ImportError } from '../src/data/import-errors';
import { MAX_PROBLEM_EXAMPLES } from '../src/data/import-types';
import { ImportFailure } from './ingest-common';

/** Unpacked bytes a zip may hold before we refuse it (a zip bomb, or far more than IndexedDB holds). */
export const MAX_ZIP_UNPACKED_BYTES = 4 * 1024 ** 3;

const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'avif', 'ico']);

/** Longest side of stored thumbnails, in CSS pixels of the thumbnail grid. */
export const THUMBNAIL_SIZE = 96;

export interface ImageEntry {
  path: string;
  data: Blob;
}

/** Files the user did not mean to import: OS metadata in folders and zips. */
export function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

export function isImagePath(path: string, mime = ''): boolean {
  if (mime.startsWith('image/')) return true;
  const dot = path.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

/** The parent folder's name (`cats/a.png` → `cats`), or undefined at the top level. */
export function parentFolder(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"

/** Entries of a zip archive in archive order, streamed from the file. */
export async function* zipEntries(zip: Blob): AsyncGenerator<ImageEntry> {
  const head = new Uint8Array(await zip.slice(0, 4).arrayBuffer());
  // Local file header PK\3\4, or PK\5\6 for an empty archive.
  const isZip =
    head[0] === ZIP_MAGIC[0] &&
    head[1] === ZIP_MAGIC[1] &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
  if (!isZip) throw new ImportFailure({ kind: 'not-a-zip' });

  const ZIP_SLICE = 64 * 1024;
  const ready: ImageEntry[] = [];
  let unpacked = 0;
  let failure: ImportError | undefined;
  const unzip = new Unzip((file) => {
    if (file.name.endsWith('/')) return; // a directory entry
    const parts: Uint8Array[] = [];
    file.ondata = (error, data, final) => {
      if (error) {
        failure ??= { kind: 'not-a-zip' };
        return;
      }
      unpacked += data.length;
      if (unpacked > MAX_ZIP_UNPACKED_BYTES) {
        failure ??= { kind: 'zip-too-large', bytes: unpacked, limit: MAX_ZIP_UNPACKED_BYTES };
        file.terminate();
        return;
      }
      parts.push(data);
      if (final) ready.push({ path: file.name, data: new Blob(parts as BlobPart[]) });
    };
    try {
      file.start();
    } catch {
      // An unsupported compression method: the entry is listed as unreadable, not fatal.
      ready.push({ path: file.name, data: new Blob([]) });
    }
  });
  unzip.register(UnzipInflate);

  const reader = zip.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // fflate's Unzip handles every entry within one pushed chunk by recursion, so a blob read
      // as one big chunk (a fetched 1 MB zip of 3,000 PNGs) overflows the stack. Push small slices.
      const chunk = done ? new Uint8Array(0) : value;
      for (let offset = 0; offset < chunk.length || (done && offset === 0); offset += ZIP_SLICE) {
        try {
          unzip.push(chunk.subarray(offset, offset + ZIP_SLICE), done);
        } catch {
          throw new ImportFailure({ kind: 'not-a-zip' });
        }
        if (failure) throw new ImportFailure(failure);
        yield* ready.splice(0);
        if (done) break;
      }
      if (done) break;
    }
  } finally {
    reader.releaseLock();
  }
}

export interface DecodedImage {
  /** RGB bytes, row-major, imageSize × imageSize × 3. */
  pixels: Uint8Array<ArrayBuffer>;
  thumbnail: Blob;
  thumbWidth: number;
  thumbHeight: number;
}

/** Reusable canvases: one per size, allocated once per import. */
export class ImageDecoder {
  readonly #size: number;
  readonly #model: OffscreenCanvasRenderingContext2D;

  constructor(size: number) {
    this.#size = size;
    this.#model = context(size, size);
  }

  /** Decodes and resizes; `undefined` when the bytes are not a readable image. */
  async decode(data: Blob): Promise<DecodedImage | undefined> {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(data);
    } catch {
      return undefined;
    }
    try {
      const size = this.#size;
      const model = this.#model;
      model.clearRect(0, 0, size, size);
      model.drawImage(bitmap, 0, 0, size, size);
      const rgba = model.getImageData(0, 0, size, size).data;
      const pixels = new Uint8Array(size * size * 3);
      for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
        pixels[j] = rgba[i]!;
        pixels[j + 1] = rgba[i + 1]!;
        pixels[j + 2] = rgba[i + 2]!;
      }

      const scale = Math.min(1, THUMBNAIL_SIZE / Math.max(bitmap.width, bitmap.height));
      const thumbWidth = Math.max(1, Math.round(bitmap.width * scale));
      const thumbHeight = Math.max(1, Math.round(bitmap.height * scale));
      const thumbCanvas = new OffscreenCanvas(thumbWidth, thumbHeight);
      thumbCanvas.getContext('2d')!.drawImage(bitmap, 0, 0, thumbWidth, thumbHeight);
      const thumbnail = await thumbCanvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
      return { pixels, thumbnail, thumbWidth, thumbHeight };
    } finally {
      bitmap.close();
    }
  }
}

function context(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('OffscreenCanvas 2D is not available in this worker');
  return ctx;
}

export function firstExamples(items: readonly string[]): string[] {
  return items.slice(0, MAX_PROBLEM_EXAMPLES);
}
