// Turns parsed rows (cell texts) into columnar ChunkRecords of typed arrays, CHUNK_ROWS rows each.
// The ingest worker pushes rows as Papa Parse streams them and writes each finished chunk; nothing
// here keeps more than one chunk of values (plus the category vocabularies and, with an id column,
// the set of ids seen, which duplicate detection needs).
//
// Storage per column type (see STORAGE_OF and ChunkColumn):
//   numeric, integer → f32 + missing mask      datetime → f64 epoch ms + missing mask
//   categorical, boolean → i32 codes (-1 = missing) into a vocab that only grows, so a code means
//     the same category in every chunk; each chunk carries the vocab as it was when it was cut
//     (boolean's vocab is fixed: ['false', 'true'])
//   text, identifier → str ('' when missing)
// A cell that does not parse as its column's type (the user overrode the inferred type) is stored
// as missing and counted in `parseFailures`, so the import can tell the user how many and which.
import type { ChunkColumn, ChunkRecord, ColumnRole, ColumnSchema } from '../persistence/schema';
import { err, ok, type Result } from '../lib/result';
import { CHUNK_ROWS, STORAGE_OF, type ColumnType } from './types';
import {
  parseBoolean,
  parseDatetime,
  parseInteger,
  parseNumber,
  parsePlainDecimal,
  presentText,
} from './values';

export interface ColumnPlan {
  name: string;
  type: ColumnType;
  role: ColumnRole;
}

/** How item ids are made: from the row number, or from the values of an id column. */
export type ItemIdStrategy = { kind: 'row' } | { kind: 'column'; name: string };

export type ChunkBuildError =
  | { kind: 'unknown-id-column'; name: string }
  | { kind: 'duplicate-id'; value: string; row: number }
  | { kind: 'missing-id'; row: number };

/** A sentence for the user, one per error kind. */
export function describeChunkBuildError(e: ChunkBuildError): string {
  switch (e.kind) {
    case 'unknown-id-column':
      return `The id column “${e.name}” is not among the columns.`;
    case 'duplicate-id':
      return `Row ${e.row + 1}: the id “${e.value}” was already used by an earlier row; ids must be unique.`;
    case 'missing-id':
      return `Row ${e.row + 1} has no id value.`;
  }
}

export interface ParseFailures {
  count: number;
  /** Up to 5 distinct cell texts that did not parse, for the message. */
  examples: string[];
  /** 0-based data row of the first failure. */
  firstRow: number;
}

export const BOOLEAN_VOCAB: readonly string[] = ['false', 'true'];

type Column =
  | { kind: 'f32'; plan: ColumnPlan; index: number; values: Float32Array; missing: Uint8Array }
  | { kind: 'f64'; plan: ColumnPlan; index: number; values: Float64Array; missing: Uint8Array }
  | {
      kind: 'i32';
      plan: ColumnPlan;
      index: number;
      codes: Int32Array;
      vocab: string[];
      codeOf: Map<string, number>;
    }
  | { kind: 'str'; plan: ColumnPlan; index: number; values: string[] };

export interface ChunkBuilderOptions {
  /** Rows per chunk (default CHUNK_ROWS; tests use small numbers). */
  chunkRows?: number;
  /** Called with every finished chunk; without it, collect them with `take()`. */
  onChunk?: (chunk: ChunkRecord) => void;
}

export class ChunkBuilder {
  readonly sourceId: string;
  readonly #chunkRows: number;
  readonly #onChunk: ((chunk: ChunkRecord) => void) | undefined;
  readonly #columns: Column[];
  readonly #idIndex: number;
  readonly #seenIds = new Set<string>();
  readonly #failures = new Map<string, ParseFailures>();
  #ready: ChunkRecord[] = [];
  #itemIds: string[] = [];
  #fill = 0;
  #chunkIndex = 0;
  #rows = 0;

  private constructor(
    sourceId: string,
    plans: readonly ColumnPlan[],
    idIndex: number,
    opts: ChunkBuilderOptions,
  ) {
    this.sourceId = sourceId;
    this.#chunkRows = opts.chunkRows ?? CHUNK_ROWS;
    this.#onChunk = opts.onChunk;
    this.#idIndex = idIndex;
    this.#columns = [];
    plans.forEach((plan, index) => {
      // Ignored columns are not stored at all.
      if (plan.role !== 'ignored') this.#columns.push(this.#newColumn(plan, index));
    });
  }

  /**
   * `plans` are in the order of the cells passed to `push()`. Fails when the id strategy names a
   * column that is not planned (or is ignored).
   */
  static create(
    sourceId: string,
    plans: readonly ColumnPlan[],
    ids: ItemIdStrategy,
    opts: ChunkBuilderOptions = {},
  ): Result<ChunkBuilder, ChunkBuildError> {
    let idIndex = -1;
    if (ids.kind === 'column') {
      idIndex = plans.findIndex((p) => p.name === ids.name && p.role !== 'ignored');
      if (idIndex < 0) return err({ kind: 'unknown-id-column', name: ids.name });
    }
    return ok(new ChunkBuilder(sourceId, plans, idIndex, opts));
  }

  /** `prev`: the column of the chunk just cut, whose vocabulary carries over. */
  #newColumn(plan: ColumnPlan, index: number, prev?: Column): Column {
    const n = this.#chunkRows;
    switch (STORAGE_OF[plan.type]) {
      case 'f32':
        return {
          kind: 'f32',
          plan,
          index,
          values: new Float32Array(n),
          missing: new Uint8Array(n),
        };
      case 'f64':
        return {
          kind: 'f64',
          plan,
          index,
          values: new Float64Array(n),
          missing: new Uint8Array(n),
        };
      case 'i32': {
        if (prev?.kind === 'i32') {
          return { ...prev, codes: new Int32Array(n) };
        }
        const vocab = plan.type === 'boolean' ? [...BOOLEAN_VOCAB] : [];
        return {
          kind: 'i32',
          plan,
          index,
          codes: new Int32Array(n),
          vocab,
          codeOf: new Map(vocab.map((v, i) => [v, i])),
        };
      }
      case 'str':
        return { kind: 'str', plan, index, values: [] };
    }
  }

  /** Rows accepted so far. */
  get rowCount(): number {
    return this.#rows;
  }

  /** Cells that did not parse as their column's type, per column name (only columns with some). */
  get parseFailures(): ReadonlyMap<string, ParseFailures> {
    return this.#failures;
  }

  /** The stored columns with their vocabularies as they are now (the SourceRecord's `columns`). */
  schema(): ColumnSchema[] {
    return this.#columns.map((c) => {
      const s: ColumnSchema = {
        name: c.plan.name,
        type: c.plan.type,
        storage: c.kind,
        role: c.plan.role,
      };
      if (c.kind === 'i32') s.vocab = [...c.vocab];
      return s;
    });
  }

  /**
   * Adds one row (cells in plan order; absent cells count as missing). `rowNumber` (0-based data
   * row, default: rows accepted so far) names the item when ids come from row numbers and is used
   * in messages. A duplicate or missing id rejects the row and returns the error; the caller
   * decides whether to stop or skip.
   */
  push(cells: readonly (string | null)[], rowNumber = this.#rows): Result<void, ChunkBuildError> {
    const key = this.#itemKey(this.#idIndex >= 0 ? cells[this.#idIndex] : null, rowNumber);
    if (typeof key !== 'string') return key;
    const i = this.#fill;
    for (const col of this.#columns) this.#write(col, i, cells[col.index] ?? null, rowNumber);
    this.#accept(key);
    return ok(undefined);
  }

  /**
   * {@link push} for a row whose cells are spans of one string: cell k is
   * `text.slice(starts[k], ends[k])` (every planned cell present). The ingest worker's fast path
   * for unquoted CSV: numbers in plain decimal notation are read straight from the text, without a
   * substring per cell; every other cell takes exactly {@link push}'s path, so both store the same.
   */
  pushSpans(
    text: string,
    starts: Int32Array,
    ends: Int32Array,
    rowNumber = this.#rows,
  ): Result<void, ChunkBuildError> {
    const idIndex = this.#idIndex;
    const key = this.#itemKey(
      idIndex >= 0 ? text.slice(starts[idIndex], ends[idIndex]) : null,
      rowNumber,
    );
    if (typeof key !== 'string') return key;
    const i = this.#fill;
    for (const col of this.#columns) {
      const start = starts[col.index]!;
      const end = ends[col.index]!;
      if (col.kind === 'f32' && end > start) {
        const v = parsePlainDecimal(text, start, end);
        if (v === v && (col.plan.type !== 'integer' || Number.isInteger(v))) {
          col.values[i] = v;
          col.missing[i] = 0;
          continue;
        }
      }
      this.#write(col, i, text.slice(start, end), rowNumber);
    }
    this.#accept(key);
    return ok(undefined);
  }

  /** The row's item key, or the error that rejects the row. */
  #itemKey(
    idCell: string | null | undefined,
    rowNumber: number,
  ): string | Result<void, ChunkBuildError> {
    if (this.#idIndex < 0) return String(rowNumber);
    const id = presentText(idCell);
    if (id === null) return err({ kind: 'missing-id', row: rowNumber });
    if (this.#seenIds.has(id)) return err({ kind: 'duplicate-id', value: id, row: rowNumber });
    this.#seenIds.add(id);
    return id;
  }

  #accept(itemKey: string): void {
    this.#itemIds.push(`${this.sourceId}:${itemKey}`);
    this.#fill++;
    this.#rows++;
    if (this.#fill === this.#chunkRows) this.#cut();
  }

  #fail(col: Column, text: string, row: number): void {
    const name = col.plan.name;
    let f = this.#failures.get(name);
    if (!f) this.#failures.set(name, (f = { count: 0, examples: [], firstRow: row }));
    f.count++;
    if (f.examples.length < 5 && !f.examples.includes(text)) f.examples.push(text);
  }

  #write(col: Column, i: number, raw: string | null, row: number): void {
    const text = presentText(raw);
    switch (col.kind) {
      case 'f32':
      case 'f64': {
        let v: number | null = null;
        if (text !== null) {
          v =
            col.kind === 'f64'
              ? parseDatetime(text)
              : col.plan.type === 'integer'
                ? parseInteger(text)
                : parseNumber(text);
          if (v === null) this.#fail(col, text, row);
        }
        col.values[i] = v ?? NaN;
        col.missing[i] = v === null ? 1 : 0;
        return;
      }
      case 'i32': {
        if (text === null) {
          col.codes[i] = -1;
        } else if (col.plan.type === 'boolean') {
          const b = parseBoolean(text);
          if (b === null) this.#fail(col, text, row);
          col.codes[i] = b === null ? -1 : b ? 1 : 0;
        } else {
          // Categories are trimmed: ' male' and 'male' are one category.
          let code = col.codeOf.get(text);
          if (code === undefined) {
            code = col.vocab.length;
            col.vocab.push(text);
            col.codeOf.set(text, code);
          }
          col.codes[i] = code;
        }
        return;
      }
      case 'str':
        // Text is kept as written (whitespace may matter to a tokenizer); identifiers are trimmed.
        col.values.push(text === null ? '' : col.plan.type === 'identifier' ? text : (raw ?? ''));
        return;
    }
  }

  #cut(): void {
    const n = this.#fill;
    if (n === 0) return;
    const full = n === this.#chunkRows;
    const columns: Record<string, ChunkColumn> = {};
    this.#columns.forEach((col, k) => {
      switch (col.kind) {
        case 'f32':
          columns[col.plan.name] = {
            kind: 'f32',
            values: full ? col.values : col.values.slice(0, n),
            missing: full ? col.missing : col.missing.slice(0, n),
          };
          break;
        case 'f64':
          columns[col.plan.name] = {
            kind: 'f64',
            values: full ? col.values : col.values.slice(0, n),
            missing: full ? col.missing : col.missing.slice(0, n),
          };
          break;
        case 'i32':
          columns[col.plan.name] = {
            kind: 'i32',
            codes: full ? col.codes : col.codes.slice(0, n),
            vocab: [...col.vocab],
          };
          break;
        case 'str':
          columns[col.plan.name] = { kind: 'str', values: col.values };
          break;
      }
      // The arrays now belong to the chunk (they may be transferred); start fresh ones.
      this.#columns[k] = this.#newColumn(col.plan, col.index, col);
    });
    const chunk: ChunkRecord = {
      sourceId: this.sourceId,
      index: this.#chunkIndex++,
      rowStart: this.#rows - n,
      rowCount: n,
      columns,
      itemIds: this.#itemIds,
    };
    this.#itemIds = [];
    this.#fill = 0;
    if (this.#onChunk) this.#onChunk(chunk);
    else this.#ready.push(chunk);
  }

  /** Finished chunks not yet taken (only when no `onChunk` callback was given). */
  take(): ChunkRecord[] {
    const out = this.#ready;
    this.#ready = [];
    return out;
  }

  /** Cuts the last, partial chunk and returns every chunk not yet taken. */
  finish(): ChunkRecord[] {
    this.#cut();
    return this.take();
  }
}
