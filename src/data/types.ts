// Plain types of the data domain, shared by the page, the ingest worker and the ML worker.
// No imports: persistence/schema.ts builds on these.

/** What a column means, as inferred from its values (the user may override it before import). */
export type ColumnType =
  'numeric' | 'integer' | 'boolean' | 'categorical' | 'datetime' | 'text' | 'identifier';

export const COLUMN_TYPES: readonly ColumnType[] = [
  'numeric',
  'integer',
  'boolean',
  'categorical',
  'datetime',
  'text',
  'identifier',
];

/** How each column type is stored in chunks (see ChunkColumn in persistence/schema.ts). */
export const STORAGE_OF: Record<ColumnType, 'f32' | 'f64' | 'i32' | 'str'> = {
  numeric: 'f32',
  integer: 'f32',
  boolean: 'i32',
  categorical: 'i32',
  datetime: 'f64',
  text: 'str',
  identifier: 'str',
};

export interface InferredColumn {
  name: string;
  type: ColumnType;
  /** Why this type was chosen, for the schema editor ("97% numbers, 12 distinct values"). */
  reason: string;
  missing: number;
  distinct: number;
  examples: string[];
}

/** Rows are kept this many per chunk: large enough for cheap IndexedDB writes, small enough to stream. */
export const CHUNK_ROWS = 4096;

export type Split = 'train' | 'validation' | 'test';

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.7, validation: 0.15, test: 0.15 };

/** Share of items kept out of every split for champion/challenger comparisons. */
export const HOLDOUT_FRACTION = 0.1;
