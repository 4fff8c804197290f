// Reading a data file for the command line: CSV / TSV (Papa Parse, as the ingest worker uses) or
// JSON Lines, into the same columnar ChunkRecords the page stores (src/data/chunk-builder.ts), so
// featurisation, splits and drift statistics run on exactly the structures they run on in the
// browser. Files are read whole: the CLI is for the data sizes the page's worker handles in one
// go; the page streams bigger files into IndexedDB.
import { readFile } from 'node:fs/promises';
import Papa from 'papaparse';
import type { ChunkRecord, ColumnSchema } from '../persistence/schema';
import { ChunkBuilder, describeChunkBuildError, type ColumnPlan } from '../data/chunk-builder';
import { inferColumns } from '../data/infer-schema';
import type { ColumnType } from '../data/types';
import { presentText } from '../data/values';
import { fail } from './errors';

/** Every item id of a CLI table starts with this source id (splits hash the item id). */
export const CLI_SOURCE_ID = 'file';

export interface RawTable {
  path: string;
  header: string[];
  rows: (string | null)[][];
}

export interface Table {
  path: string;
  columns: ColumnSchema[];
  chunks: ChunkRecord[];
  rowCount: number;
  /** Per row (in file order): the item id, `${CLI_SOURCE_ID}:${key}`. */
  itemIds: string[];
  /** Per row: the trimmed target cell, null when empty; absent without a target column. */
  labels?: (string | null)[];
}

export interface ColumnChoice {
  name: string;
  type: ColumnType;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail({ kind: 'missing-file', path });
    fail({ kind: 'unreadable-file', path, reason: (error as Error).message });
  }
}

function cellText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function parseJsonLines(path: string, text: string): RawTable {
  const header: string[] = [];
  const index = new Map<string, number>();
  const records: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail({ kind: 'unreadable-file', path, reason: `line ${i + 1} is not JSON` });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail({ kind: 'unreadable-file', path, reason: `line ${i + 1} is not a JSON object` });
    }
    const record = value as Record<string, unknown>;
    // Columns in first-seen order, so a file whose later lines add keys still reads.
    for (const key of Object.keys(record)) {
      if (!index.has(key)) {
        index.set(key, header.length);
        header.push(key);
      }
    }
    records.push(record);
  });
  const rows = records.map((r) => header.map((name) => cellText(r[name])));
  return { path, header, rows };
}

function parseDelimited(path: string, text: string, delimiter: string): RawTable {
  const parsed = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: 'greedy' });
  const fatal = parsed.errors.find((e) => e.type === 'Quotes');
  if (fatal) {
    fail({
      kind: 'unreadable-file',
      path,
      reason: `row ${(fatal.row ?? 0) + 1}: ${fatal.message}`,
    });
  }
  const [header, ...rows] = parsed.data;
  if (!header) fail({ kind: 'empty-file', path });
  return { path, header: header.map((h) => h.trim()), rows };
}

/** Reads a CSV (`,`), TSV (`.tsv`: tab) or JSON Lines (`.jsonl`, `.ndjson`) file. */
export async function readRawTable(path: string): Promise<RawTable> {
  const text = await readText(path);
  const lower = path.toLowerCase();
  const table =
    lower.endsWith('.jsonl') || lower.endsWith('.ndjson')
      ? parseJsonLines(path, text)
      : parseDelimited(path, text.replace(/^\uFEFF/, ''), lower.endsWith('.tsv') ? '\t' : ',');
  if (table.rows.length === 0) fail({ kind: 'empty-file', path });
  return table;
}

function requireColumn(raw: RawTable, column: string): number {
  const i = raw.header.indexOf(column);
  if (i < 0) fail({ kind: 'unknown-column', path: raw.path, column, columns: raw.header });
  return i;
}

/**
 * Column plans for training: the types inferred from every row (src/data/infer-schema.ts, the
 * import dialog's rules), the target and id columns given their roles; text and identifier
 * columns are not features of a tabular model (featureColumns says why), so they are ignored.
 */
export function planForTraining(raw: RawTable, target: string, idColumn?: string): ColumnPlan[] {
  requireColumn(raw, target);
  if (idColumn !== undefined) requireColumn(raw, idColumn);
  return inferColumns(raw.header, raw.rows).map((c): ColumnPlan => {
    if (c.name === target) return { name: c.name, type: 'categorical', role: 'target' };
    if (c.name === idColumn) return { name: c.name, type: 'identifier', role: 'id' };
    const feature = c.type !== 'text' && c.type !== 'identifier';
    return { name: c.name, type: c.type, role: feature ? 'feature' : 'ignored' };
  });
}

/**
 * Column plans for data a model reads: its input columns with the types they had in training (a
 * column inferred differently in a new file — say all-integer today — must still be read the
 * same way), everything else ignored. A missing input column is an error, not a silent "other".
 */
export function planForModel(
  raw: RawTable,
  inputs: readonly ColumnChoice[],
  target: string | undefined,
  idColumn: string | undefined,
): ColumnPlan[] {
  for (const c of inputs) requireColumn(raw, c.name);
  if (idColumn !== undefined) requireColumn(raw, idColumn);
  const byName = new Map(inputs.map((c) => [c.name, c.type]));
  return raw.header.map((name): ColumnPlan => {
    const type = byName.get(name);
    if (type !== undefined) return { name, type, role: 'feature' };
    if (name === target) return { name, type: 'categorical', role: 'target' };
    if (name === idColumn) return { name, type: 'identifier', role: 'id' };
    return { name, type: 'categorical', role: 'ignored' };
  });
}

/** Builds the chunks of `raw` under `plans`; `target` (when in the file) gives the labels. */
export function buildTable(
  raw: RawTable,
  plans: readonly ColumnPlan[],
  target: string | undefined,
  idColumn: string | undefined,
): Table {
  const created = ChunkBuilder.create(
    CLI_SOURCE_ID,
    plans,
    idColumn === undefined ? { kind: 'row' } : { kind: 'column', name: idColumn },
  );
  if (!created.ok)
    fail({ kind: 'bad-id', path: raw.path, reason: describeChunkBuildError(created.error) });
  const builder = created.value;
  raw.rows.forEach((cells, row) => {
    const pushed = builder.push(cells, row);
    if (!pushed.ok) {
      fail({ kind: 'bad-id', path: raw.path, reason: describeChunkBuildError(pushed.error) });
    }
  });
  const chunks = builder.finish();
  const itemIds = chunks.flatMap((c) => c.itemIds);
  const t = target === undefined ? -1 : raw.header.indexOf(target);
  const table: Table = {
    path: raw.path,
    columns: builder.schema(),
    chunks,
    rowCount: builder.rowCount,
    itemIds,
  };
  if (t >= 0) table.labels = raw.rows.map((cells) => presentText(cells[t] ?? null));
  return table;
}

/** The key a user knows an item by: the id column's value, or the 0-based data row. */
export function itemKey(itemId: string): string {
  return itemId.slice(CLI_SOURCE_ID.length + 1);
}
