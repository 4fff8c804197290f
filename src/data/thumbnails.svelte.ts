// Object URLs for image items, read lazily from the blobs table and revoked when the view that
// asked for them goes away (`dispose`). A thumbnail stored as an encoded Blob is used as it is;
// one stored as raw pixels (RGBA or RGB, `width × height`) is drawn to a canvas and encoded once.
import { SvelteMap } from 'svelte/reactivity';
import type { BlobKind, BlobRecord } from '../persistence/schema';
import { sourcesRepo } from '../persistence/sources-repo';

const MAX_URLS = 600;

export class ImageUrls {
  readonly #kind: BlobKind;
  /** itemId → object URL, or null when the item has no such blob. */
  readonly #urls = new SvelteMap<string, string | null>();
  /** Loads in flight. Deliberately not reactive: it is written while the grid renders. */
  readonly #pending: Record<string, true> = {};
  #disposed = false;

  constructor(kind: BlobKind = 'thumbnail') {
    this.#kind = kind;
  }

  /** The URL (starts loading it), undefined while loading, null when there is none. */
  get(itemId: string): string | null | undefined {
    const url = this.#urls.get(itemId);
    if (url === undefined) void this.#load(itemId);
    return url;
  }

  async #load(itemId: string): Promise<void> {
    if (this.#pending[itemId] || this.#disposed) return;
    this.#pending[itemId] = true;
    try {
      let record = await sourcesRepo.getBlob(itemId, this.#kind);
      // Older or smaller imports may only keep one kind: fall back to what there is.
      if (!record && this.#kind !== 'thumbnail')
        record = await sourcesRepo.getBlob(itemId, 'thumbnail');
      const blob = record ? await toImageBlob(record) : null;
      if (this.#disposed) return;
      this.#urls.set(itemId, blob ? URL.createObjectURL(blob) : null);
      // Bounded: the oldest URLs go first (a grid shows a few hundred at most).
      for (const [oldId, oldUrl] of this.#urls) {
        if (this.#urls.size <= MAX_URLS) break;
        if (oldUrl) URL.revokeObjectURL(oldUrl);
        this.#urls.delete(oldId);
      }
    } catch {
      if (!this.#disposed) this.#urls.set(itemId, null);
    } finally {
      delete this.#pending[itemId];
    }
  }

  dispose(): void {
    this.#disposed = true;
    for (const url of this.#urls.values()) if (url) URL.revokeObjectURL(url);
    this.#urls.clear();
  }
}

async function toImageBlob(record: BlobRecord): Promise<Blob | null> {
  if (record.data instanceof Blob) return record.data;
  const bytes = new Uint8Array(record.data);
  const { width, height } = record;
  const pixels = width * height;
  if (pixels === 0) return null;
  const channels = bytes.length / pixels;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    // Not raw pixels: an encoded image kept as a buffer.
    return new Blob([bytes]);
  }
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = bytes[p * channels + (channels === 1 ? 0 : c)]!;
    rgba[p * 4 + 3] = channels === 4 ? bytes[p * 4 + 3]! : 255;
  }
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
