// One-item-per-file imports for the ingest worker: images (files, folders, zip) and .txt files.
// Items get ids `${sourceId}:${n}` (n = 0-based item number, as ChunkBuilder's row ids) and are
// stored in chunks of CHUNK_ROWS: `path` (str) and, for labelled images, `label` (i32 codes into the
// folder-name vocabulary, role target) or `text` (str); image pixels and thumbnails go to `blobs`.
import type {
  ImageImportPlan,
  ImportSummary,
  PathedFile,
  TextFilesImportPlan,
} from '../src/data/import-types';
import { chunkDigest, sha256Hex } from '../src/data/digest';
import { CHUNK_ROWS } from '../src/data/types';
import type {
  AnnotationRecord,
  BlobRecord,
  ChunkRecord,
  ColumnSchema,
  SourceRecord,
} from '../src/persistence/schema';
import type { SourcesRepo } from '../src/persistence/sources-repo';
import { blobId, importSessionId } from '../src/persistence/sources-repo';
import type { ProgressReporter } from './ingest-common';
import { ChunkWriter, ImportFailure, SkipLog, importLabelSelected } from './ingest-common';
import { analyseAndCommit } from './ingest-finish';
import { dHash64 } from '../src/data/near-duplicates';
import {
  ImageDecoder,
  isHidden,
  isImagePath,
  parentFolder,
  zipEntries,
  type ImageEntry,
} from './ingest-images';
import { firstInvalidUtf8 } from './ingest-utf8';
import type { JobToken } from './jobs';
import { yieldToEventLoop } from './jobs';

export type ImageInput = { files: PathedFile[] } | { zip: File };

const NOT_AN_IMAGE = 'not an image';
const CORRUPT_IMAGE = 'unreadable image';
const NOT_TEXT = 'not a .txt file';

/** Accumulates one chunk of item rows at a time. */
class ItemChunks {
  #paths: string[] = [];
  #labels: number[] = [];
  #texts: string[] = [];
  #itemIds: string[] = [];
  #index = 0;
  rows = 0;
  readonly vocab: string[] = [];
  readonly #codeOf = new Map<string, number>();

  constructor(
    private readonly sourceId: string,
    private readonly kind: 'image' | 'labelled-image' | 'text',
  ) {}

  nextItemId(): string {
    return `${this.sourceId}:${this.rows}`;
  }

  /** Adds an item; returns a chunk when one is full. */
  add(path: string, value: { label?: string; text?: string }): ChunkRecord | undefined {
    this.#itemIds.push(this.nextItemId());
    this.#paths.push(path);
    if (this.kind === 'labelled-image') {
      const label = value.label;
      let code = -1;
      if (label !== undefined) {
        code = this.#codeOf.get(label) ?? -1;
        if (code < 0) {
          code = this.vocab.length;
          this.vocab.push(label);
          this.#codeOf.set(label, code);
        }
      }
      this.#labels.push(code);
    }
    if (this.kind === 'text') this.#texts.push(value.text ?? '');
    this.rows++;
    return this.#itemIds.length >= CHUNK_ROWS ? this.cut() : undefined;
  }

  cut(): ChunkRecord | undefined {
    const n = this.#itemIds.length;
    if (n === 0) return undefined;
    const columns: ChunkRecord['columns'] = { path: { kind: 'str', values: this.#paths } };
    if (this.kind === 'labelled-image') {
      columns.label = { kind: 'i32', codes: Int32Array.from(this.#labels), vocab: [...this.vocab] };
    }
    if (this.kind === 'text') columns.text = { kind: 'str', values: this.#texts };
    const chunk: ChunkRecord = {
      sourceId: this.sourceId,
      index: this.#index++,
      rowStart: this.rows - n,
      rowCount: n,
      columns,
      itemIds: this.#itemIds,
    };
    this.#paths = [];
    this.#labels = [];
    this.#texts = [];
    this.#itemIds = [];
    return chunk;
  }

  schema(): ColumnSchema[] {
    const columns: ColumnSchema[] = [
      { name: 'path', type: 'identifier', storage: 'str', role: 'id' },
    ];
    if (this.kind === 'labelled-image') {
      columns.push({
        name: 'label',
        type: 'categorical',
        storage: 'i32',
        role: 'target',
        vocab: [...this.vocab],
      });
    }
    if (this.kind === 'text')
      columns.push({ name: 'text', type: 'text', storage: 'str', role: 'feature' });
    return columns;
  }
}

async function* imageEntries(input: ImageInput): AsyncGenerator<ImageEntry> {
  if ('zip' in input) {
    yield* zipEntries(input.zip);
    return;
  }
  for (const { file, path } of input.files) yield { path, data: file };
}

function totalBytesOf(input: ImageInput): number {
  return 'zip' in input ? input.zip.size : input.files.reduce((sum, f) => sum + f.file.size, 0);
}

/** ITU-R BT.601 luma of RGB bytes, as most dHash implementations use. */
function greyOf(rgb: Uint8Array): Float32Array {
  const grey = new Float32Array(rgb.length / 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    grey[i] = 0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!;
  }
  return grey;
}

async function fileSha256(data: Blob): Promise<string> {
  return sha256Hex(await data.arrayBuffer());
}

export async function importImages(
  repo: SourcesRepo,
  input: ImageInput,
  plan: ImageImportPlan,
  sourceId: string,
  job: JobToken,
  progress: ProgressReporter,
): Promise<ImportSummary> {
  const started = performance.now();
  const totalBytes = totalBytesOf(input);
  progress.update('reading', 0, 0, true);
  const size = plan.imageSize;
  const items = new ItemChunks(sourceId, plan.labelFromFolder ? 'labelled-image' : 'image');
  const skips = new SkipLog();
  const decoder = new ImageDecoder(size);
  const writer = new ChunkWriter(repo, sourceId, 64);
  const chunkDigests: string[] = [];
  const hashes = { itemIds: [] as string[], sha256: [] as string[], dHash: [] as bigint[] };
  const annotations: Omit<AnnotationRecord, 'seq'>[] = [];
  const at = Date.now();
  const notImages: string[] = [];
  let staged = false;
  let bytesRead = 0;

  const stage = async () => {
    const staging: Omit<SourceRecord, 'status' | 'heartbeatAt'> = {
      id: sourceId,
      projectId: plan.projectId,
      name: plan.name,
      modality: 'image',
      role: plan.role,
      rowCount: 0,
      columns: items.schema(),
      createdAt: Date.now(),
    };
    await repo.createStaging(staging);
    staged = true;
  };

  try {
    let seen = 0;
    for await (const entry of imageEntries(input)) {
      seen++;
      bytesRead += entry.data.size;
      if (isHidden(entry.path)) continue;
      if (!isImagePath(entry.path, entry.data.type)) {
        skips.add(NOT_AN_IMAGE, entry.path);
        notImages.push(entry.path);
        continue;
      }
      const decoded = await decoder.decode(entry.data);
      if (!decoded) {
        skips.add(CORRUPT_IMAGE, entry.path);
        continue;
      }
      if (!staged) await stage();
      const itemId = items.nextItemId();
      const folder = plan.labelFromFolder ? parentFolder(entry.path) : undefined;
      const classId =
        folder === undefined ? undefined : plan.labelMap ? plan.labelMap[folder] : folder;
      if (classId !== undefined && importLabelSelected(entry.path, plan.importLabels)) {
        annotations.push({
          projectId: plan.projectId,
          itemId,
          label: classId,
          annotator: 'import',
          sessionId: importSessionId(sourceId),
          kind: 'import',
          at,
        });
      }
      hashes.itemIds.push(itemId);
      hashes.sha256.push(await fileSha256(entry.data));
      hashes.dHash.push(dHash64(greyOf(decoded.pixels), size, size));
      const blobs: BlobRecord[] = [
        {
          id: blobId(itemId, 'pixels'),
          sourceId,
          itemId,
          kind: 'pixels',
          data: decoded.pixels.buffer,
          width: size,
          height: size,
        },
        {
          id: blobId(itemId, 'thumbnail'),
          sourceId,
          itemId,
          kind: 'thumbnail',
          data: decoded.thumbnail,
          width: decoded.thumbWidth,
          height: decoded.thumbHeight,
        },
      ];
      const chunk = items.add(entry.path, { label: folder });
      if (chunk) chunkDigests.push(await chunkDigest(chunk));
      await writer.add(chunk, blobs);
      progress.update('reading', bytesRead, items.rows);
      if (seen % 16 === 0) {
        await yieldToEventLoop();
        job.throwIfCancelled();
      }
    }
    await yieldToEventLoop();
    job.throwIfCancelled();
    if (items.rows === 0) {
      const corrupt = skips.examples(CORRUPT_IMAGE);
      throw new ImportFailure(
        skips.count(CORRUPT_IMAGE) > 0
          ? { kind: 'corrupt-image', files: corrupt }
          : { kind: 'no-images', skipped: notImages },
      );
    }
    const last = items.cut();
    if (last) chunkDigests.push(await chunkDigest(last));
    await writer.add(last);
    progress.update('writing', totalBytes, items.rows, true);
    await writer.flush();
  } catch (e) {
    await writer.settle();
    throw e;
  }

  return analyseAndCommit({
    repo,
    sourceId,
    job,
    progress,
    rowCount: items.rows,
    columns: items.schema(),
    chunkDigests,
    extraHashes: hashes,
    totalBytes,
    started,
    skipped: skips.list(),
    annotations,
    imageSize: size,
    classNames: plan.classNames,
  });
}

export async function importTextFiles(
  repo: SourcesRepo,
  files: PathedFile[],
  plan: TextFilesImportPlan,
  sourceId: string,
  job: JobToken,
  progress: ProgressReporter,
): Promise<ImportSummary> {
  const started = performance.now();
  const totalBytes = files.reduce((sum, f) => sum + f.file.size, 0);
  const items = new ItemChunks(sourceId, 'text');
  const skips = new SkipLog();
  const writer = new ChunkWriter(repo, sourceId);
  const chunkDigests: string[] = [];
  const notText: string[] = [];
  let bytesRead = 0;
  let staged = false;
  progress.update('reading', 0, 0, true);
  try {
    for (const [n, { file, path }] of files.entries()) {
      bytesRead += file.size;
      if (isHidden(path)) continue;
      if (!path.toLowerCase().endsWith('.txt')) {
        skips.add(NOT_TEXT, path);
        notText.push(path);
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        const at = firstInvalidUtf8(bytes, true);
        throw new ImportFailure({ kind: 'invalid-utf8', byteOffset: Math.max(at, 0), file: path });
      }
      if (!staged) {
        await repo.createStaging({
          id: sourceId,
          projectId: plan.projectId,
          name: plan.name,
          modality: 'text',
          role: plan.role,
          rowCount: 0,
          columns: items.schema(),
          createdAt: Date.now(),
        });
        staged = true;
      }
      const chunk = items.add(path, { text });
      if (chunk) chunkDigests.push(await chunkDigest(chunk));
      await writer.add(chunk);
      progress.update('reading', bytesRead, items.rows);
      if (n % 64 === 63) {
        await yieldToEventLoop();
        job.throwIfCancelled();
      }
    }
    job.throwIfCancelled();
    if (items.rows === 0) throw new ImportFailure({ kind: 'no-text-files', skipped: notText });
    const last = items.cut();
    if (last) chunkDigests.push(await chunkDigest(last));
    await writer.add(last);
    await writer.flush();
  } catch (e) {
    await writer.settle();
    throw e;
  }
  return analyseAndCommit({
    repo,
    sourceId,
    job,
    progress,
    rowCount: items.rows,
    columns: items.schema(),
    chunkDigests,
    totalBytes,
    started,
    skipped: skips.list(),
    annotations: [],
  });
}
