// The data browser over one source: rows are read lazily chunk by chunk (a few thousand rows
// each) as the virtualised view scrolls, and kept in a small cache. Filters (split, label state,
// a quality finding's items) need every item id once; those are read by scanning the chunks in
// the background and kept as a list of matching row numbers, so the view stays virtual.
import { SvelteMap } from 'svelte/reactivity';
import type { ChunkRecord, SourceRecord } from '../persistence/schema';
import { sourcesRepo } from '../persistence/sources-repo';
import type { QualityFinding } from './quality-types';
import { assignSplits, isHoldout, type SplitItem } from './splits';
import { CHUNK_ROWS, DEFAULT_SPLIT } from './types';
import { formatCell } from './format-cell';
import { findingRowTest } from './finding-match';

export type SplitFilter = 'all' | 'train' | 'validation' | 'test' | 'holdout';
export type LabelFilter = 'all' | 'labelled' | 'unlabelled';

export interface BrowserRow {
  /** Row number within the source. */
  row: number;
  itemId: string;
  /** Display text per column, in the source's column order. */
  cells: string[];
}

const CACHE_CHUNKS = 12;

export class SourceBrowser {
  readonly source: SourceRecord;
  readonly #labels: () => ReadonlyMap<string, string>;
  readonly #seed: number;

  /** Chunks in memory, by index (a reactive map: a row re-renders when its chunk arrives). */
  readonly #chunks = new SvelteMap<number, ChunkRecord>();
  /** Chunk loads in flight. Deliberately not reactive: it is written while rows render. */
  readonly #pending: Record<number, true> = {};
  #chunkSize = 0;

  split = $state<SplitFilter>('all');
  labelState = $state<LabelFilter>('all');
  finding = $state.raw<QualityFinding | null>(null);

  /** Matching row numbers while a filter is active; null = every row. */
  matches = $state.raw<Int32Array | null>(null);
  scanning = $state(false);
  error = $state<string | null>(null);
  #scanToken = 0;

  selectedRow = $state<number | null>(null);

  constructor(source: SourceRecord, labels: () => ReadonlyMap<string, string>, seed: number) {
    this.source = source;
    this.#labels = labels;
    this.#seed = seed;
  }

  /** Columns shown, in order (pixels live in blobs, not columns). */
  get columns(): SourceRecord['columns'] {
    return this.source.columns;
  }

  readonly filtered = $derived(
    this.split !== 'all' || this.labelState !== 'all' || this.finding !== null,
  );

  /** Rows in the (filtered) view. */
  get count(): number {
    return this.matches ? this.matches.length : this.filtered ? 0 : this.source.rowCount;
  }

  setSplit(split: SplitFilter): void {
    this.split = split;
    void this.rescan();
  }

  setLabelState(state: LabelFilter): void {
    this.labelState = state;
    void this.rescan();
  }

  showFinding(finding: QualityFinding | null): void {
    this.finding = finding;
    void this.rescan();
  }

  clearFilters(): void {
    this.split = 'all';
    this.labelState = 'all';
    this.finding = null;
    void this.rescan();
  }

  /** Row number in the source of the `k`-th row of the view. */
  rowAt(k: number): number {
    return this.matches ? (this.matches[k] ?? -1) : k;
  }

  /** The `k`-th row of the view, or null while its chunk is loading (the load starts here). */
  viewRow(k: number): BrowserRow | null {
    const row = this.rowAt(k);
    return row < 0 ? null : this.row(row);
  }

  row(row: number): BrowserRow | null {
    const size = this.#chunkSize || CHUNK_ROWS;
    const index = Math.floor(row / size);
    const chunk = this.#chunks.get(index);
    if (!chunk) {
      void this.#load(index);
      return null;
    }
    const i = row - chunk.rowStart;
    if (i < 0 || i >= chunk.rowCount) {
      // Chunks of another size than assumed: learn it from the chunk and ask again.
      if (chunk.rowCount > 0 && this.#chunkSize !== chunk.rowCount) {
        this.#chunkSize = chunk.rowCount;
        return this.row(row);
      }
      return null;
    }
    return {
      row,
      itemId: chunk.itemIds[i] ?? `${this.source.id}:${row}`,
      cells: this.columns.map((c) => formatCell(chunk.columns[c.name], i, c.vocab)),
    };
  }

  /** Loads the chunks covering rows [from, to) of the view ahead of rendering. */
  prefetch(from: number, to: number): void {
    for (let k = from; k < to; k++) this.viewRow(k);
  }

  async #load(index: number): Promise<void> {
    if (this.#pending[index]) return;
    this.#pending[index] = true;
    try {
      const chunk = await sourcesRepo.getChunk(this.source.id, index);
      if (!chunk) return;
      if (index === 0 && chunk.rowCount > 0) this.#chunkSize = chunk.rowCount;
      this.#chunks.set(index, chunk);
      // Keep the cache small: drop the chunks loaded longest ago.
      for (const old of this.#chunks.keys()) {
        if (this.#chunks.size <= CACHE_CHUNKS) break;
        this.#chunks.delete(old);
      }
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      delete this.#pending[index];
    }
  }

  /** Re-reads the matching rows for the current filters (cancels a running scan). */
  async rescan(): Promise<void> {
    const token = ++this.#scanToken;
    if (!this.filtered) {
      this.matches = null;
      this.scanning = false;
      return;
    }
    this.scanning = true;
    this.matches = new Int32Array(0);
    const labels = this.#labels();
    const split = this.split;
    const labelState = this.labelState;
    const wanted = this.finding ? findingRowTest(this.finding, labels) : null;
    const candidates: { row: number; itemId: string }[] = [];
    // Stratified splits need every labelled item of the source, not only the matching ones.
    const all: SplitItem[] = [];
    try {
      const count = await sourcesRepo.chunkCount(this.source.id);
      for (let index = 0; index < count; index++) {
        const chunk = await sourcesRepo.getChunk(this.source.id, index);
        if (token !== this.#scanToken) return;
        if (!chunk) continue;
        chunk.itemIds.forEach((itemId, i) => {
          const label = labels.get(itemId);
          if (split !== 'all') all.push({ itemId, label });
          if (wanted && !wanted(chunk, i, itemId)) return;
          if (labelState === 'labelled' && label === undefined) return;
          if (labelState === 'unlabelled' && label !== undefined) return;
          candidates.push({ row: chunk.rowStart + i, itemId });
        });
        // Show what matched so far on big sources (the split filter needs the whole scan).
        if (split === 'all' && index % 8 === 7) {
          this.matches = Int32Array.from(candidates, (c) => c.row);
        }
      }
      let rows = candidates;
      if (split === 'holdout') {
        rows = candidates.filter((c) => isHoldout(c.itemId, this.#seed));
      } else if (split !== 'all') {
        // Splits are assigned over this source's items (the training run assigns them over its
        // whole snapshot; unlabelled items land in the same split either way).
        const splits = assignSplits(all, this.#seed, DEFAULT_SPLIT);
        rows = candidates.filter((c) => splits.get(c.itemId) === split);
      }
      this.matches = Int32Array.from(rows, (c) => c.row);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      if (token === this.#scanToken) this.scanning = false;
    }
  }
}
