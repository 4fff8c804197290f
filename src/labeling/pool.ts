// The labeling pool in the page: every row of the project's ready pool sources, read once into
// memory as columnar chunks (a 100k-row tabular pool is a few MB of typed arrays), so showing the
// next item never waits on IndexedDB. Rows are numbered 0 … n − 1 in source order (oldest source
// first, as the ML worker reads them), which is the row index the queue strategies work on.
import { isHoldout } from '../data/splits';
import { sourcesRepo } from '../persistence';
import type { ChunkRecord, ColumnSchema, SourceRecord } from '../persistence/schema';
import { formatCell } from '../data/format-cell';

export interface LabelingPool {
  sources: SourceRecord[];
  chunks: ChunkRecord[];
  /** Item id of each pool row. */
  itemIds: string[];
  /** Per row: index into `chunks`, and the row within that chunk. */
  chunkOf: Int32Array;
  rowInChunk: Int32Array;
  /** Per row: 1 when the item is in the project's frozen holdout. */
  holdout: Uint8Array;
  rowOf: Map<string, number>;
}

/** One field of an item as the labeling panel shows it. */
export interface ItemField {
  name: string;
  value: string;
  role: ColumnSchema['role'];
  type: ColumnSchema['type'];
}

/** Everything the panel needs to draw one item, computed synchronously from memory. */
export interface ItemView {
  row: number;
  itemId: string;
  sourceName: string;
  /** Features first (what the model sees), then the rest (ids, targets, ignored columns). */
  features: ItemField[];
  others: ItemField[];
  /** Text projects: the text to read. */
  text: string | null;
}

export async function loadPool(projectId: string, seed: number): Promise<LabelingPool> {
  const ready = await sourcesRepo.listSources(projectId);
  const sources = ready.filter((s) => s.role === 'pool').reverse();
  const chunks: ChunkRecord[] = [];
  for (const s of sources) {
    const n = await sourcesRepo.chunkCount(s.id);
    for (let i = 0; i < n; i++) {
      const c = await sourcesRepo.getChunk(s.id, i);
      if (c) chunks.push(c);
    }
  }
  return poolOf(sources, chunks, seed);
}

export function poolOf(sources: SourceRecord[], chunks: ChunkRecord[], seed: number): LabelingPool {
  let n = 0;
  for (const c of chunks) n += c.rowCount;
  const itemIds: string[] = new Array<string>(n);
  const chunkOf = new Int32Array(n);
  const rowInChunk = new Int32Array(n);
  const holdout = new Uint8Array(n);
  const rowOf = new Map<string, number>();
  let r = 0;
  chunks.forEach((c, ci) => {
    for (let i = 0; i < c.rowCount; i++, r++) {
      const id = c.itemIds[i]!;
      itemIds[r] = id;
      chunkOf[r] = ci;
      rowInChunk[r] = i;
      holdout[r] = isHoldout(id, seed) ? 1 : 0;
      rowOf.set(id, r);
    }
  });
  return { sources, chunks, itemIds, chunkOf, rowInChunk, holdout, rowOf };
}

/** The item at a pool row, for display. Pure and synchronous: it reads only `pool`. */
export function itemView(pool: LabelingPool, row: number): ItemView {
  const chunk = pool.chunks[pool.chunkOf[row]!]!;
  const i = pool.rowInChunk[row]!;
  const source = pool.sources.find((s) => s.id === chunk.sourceId);
  const features: ItemField[] = [];
  const others: ItemField[] = [];
  let text: string | null = null;
  for (const col of source?.columns ?? []) {
    const field: ItemField = {
      name: col.name,
      value: formatCell(chunk.columns[col.name], i, col.vocab),
      role: col.role,
      type: col.type,
    };
    if (col.role === 'feature' && col.type === 'text' && text === null) text = field.value;
    else if (col.role === 'feature') features.push(field);
    else others.push(field);
  }
  return {
    row,
    itemId: pool.itemIds[row]!,
    sourceName: source?.name ?? '',
    features,
    others,
    text,
  };
}

/**
 * Production items (the monitoring strategy's candidates), read from their production sources'
 * chunks: only the chunks that hold a wanted item. Rows are numbered in the order read; they are
 * not pool rows (the ML worker never scores them).
 */
export async function loadProductionItems(
  projectId: string,
  wanted: readonly { sourceId: string; itemId: string }[],
  seed: number,
): Promise<LabelingPool> {
  const bySource = new Map<string, Set<string>>();
  for (const w of wanted) {
    let set = bySource.get(w.sourceId);
    if (!set) bySource.set(w.sourceId, (set = new Set()));
    set.add(w.itemId);
  }
  const all = await sourcesRepo.listSources(projectId);
  const sources = all.filter((s) => s.role === 'production' && bySource.has(s.id));
  const chunks: ChunkRecord[] = [];
  for (const s of sources) {
    const ids = bySource.get(s.id)!;
    const n = await sourcesRepo.chunkCount(s.id);
    for (let i = 0; i < n; i++) {
      const c = await sourcesRepo.getChunk(s.id, i);
      if (c && c.itemIds.some((id) => ids.has(id))) chunks.push(c);
    }
  }
  return poolOf(sources, chunks, seed);
}

/** Both pools' items in one (chunks of the same source and number are kept once). */
export function mergePools(a: LabelingPool, b: LabelingPool, seed: number): LabelingPool {
  const sources = [...a.sources, ...b.sources.filter((s) => !a.sources.some((t) => t.id === s.id))];
  const key = (c: ChunkRecord) => `${c.sourceId}\u0000${c.index}`;
  const have = new Set(a.chunks.map(key));
  return poolOf(sources, [...a.chunks, ...b.chunks.filter((c) => !have.has(key(c)))], seed);
}
