// Plain types of the import flow, shared by the page (src/data/ingest-bridge.ts, the import UI)
// and the ingest worker (workers/ingest.worker.ts). No Svelte, Dexie or worker imports here.
import type { ColumnRole, SourceRecord, SourceRole } from '../persistence/schema';
import type { LabelClass } from '../projects/types';
import type { ColumnType, InferredColumn } from './types';

export type { ImportError } from './import-errors';

export type TabularFormat = 'csv' | 'tsv' | 'jsonl';

/** A non-fatal finding of the preview (the import may still fail on it unless told to skip). */
export type ImportProblem =
  | {
      kind: 'ragged-rows';
      /** 1-based data row numbers (the header is row 0), at most {@link MAX_PROBLEM_EXAMPLES}. */
      rows: number[];
      /** Ragged rows seen in the sample. */
      total: number;
      /** Number of fields the header has. */
      expected: number;
    }
  | { kind: 'json-line-invalid'; line: number }
  | { kind: 'bom' };

/** How many row numbers / file names an error or problem lists; the count says how many more. */
export const MAX_PROBLEM_EXAMPLES = 20;

/** What the user sees before committing an import: detected format, columns and a sample. */
export interface TabularPreview {
  format: TabularFormat;
  /** `,` `;` `\t` `|` for delimited text; `''` for JSON Lines. */
  delimiter: string;
  /** The file started with a UTF-8 byte order mark (stripped: the header never contains U+FEFF). */
  hasBom: boolean;
  header: string[];
  /** The first rows (up to {@link PREVIEW_ROWS}) as the file spells them; `''` for a missing field. */
  sampleRows: string[][];
  /** Inferred type per header column, in header order (the user may override before import). */
  inferred: InferredColumn[];
  problems: ImportProblem[];
  /** Size of the file in bytes. */
  totalBytes: number;
}

/** Rows the preview reads (and infers the schema from). */
export const PREVIEW_ROWS = 200;

export interface PreviewOptions {
  /** Force a format instead of guessing from the name and content. */
  format?: TabularFormat;
  /** Rows to sample (default {@link PREVIEW_ROWS}). */
  sampleRows?: number;
}

/**
 * Distinct values a profile lists per column. A target column with more is not a set of classes
 * (the import panel proposes another role); the profile says so with `valuesCapped`.
 */
export const PROFILE_VALUES = 1000;

/** One column as the whole file shows it (not only the preview's first rows). */
export interface ColumnProfile extends InferredColumn {
  /** Non-missing values with their counts, most frequent first, at most {@link PROFILE_VALUES}. */
  values: { value: string; count: number }[];
  /** The column has more distinct values than `values` lists. */
  valuesCapped: boolean;
}

/**
 * The whole file read once before anything is written: each column's type judged on every row, and
 * the distinct values (with counts) that decide the label mapping. A file sorted by its label, or
 * by time, shows here what its first rows hide.
 */
export interface TabularProfile {
  /** Data rows read (ragged ones included). */
  rows: number;
  /** Rows whose field count differs from the header's (left out of the evidence). */
  raggedRows: number;
  /** In header order. */
  columns: ColumnProfile[];
}

/** The user's decisions for a tabular (or text-column) import. */
export interface TabularImportPlan {
  projectId: string;
  /** Display name of the new source (usually the file name). */
  name: string;
  role: SourceRole;
  /** `text`: the source is one text column (plus optional id/target/time) for a text project. */
  modality: 'tabular' | 'text';
  /** Column types and roles after the user's overrides; columns not listed are ignored. */
  columns: { name: string; type: ColumnType; role: ColumnRole }[];
  /** Column holding stable item ids; without one, ids are `${sourceId}:${row}`. */
  idColumn?: string;
  /** Column holding labels (its values are mapped to classes through `labelMap`). */
  targetColumn?: string;
  /** Orders production traffic (datetime or numeric). */
  timeColumn?: string;
  /** The text column of a text-modality import. */
  textColumn?: string;
  /** Skip rows whose field count differs from the header's (counted in the summary) instead of failing. */
  skipRaggedRows: boolean;
  /** Target value (as spelled in the file) → project `LabelClass.id`. Unmapped values import no label. */
  labelMap?: Record<string, string>;
  /** Target values whose rows are left out of the source (counted in `skipped`). */
  skipLabels?: string[];
  /**
   * Classes the import adds to the project (the user chose "create class" for a target value):
   * written in the commit transaction, so a failed import adds none. `labelMap` maps to their ids.
   */
  newClasses?: LabelClass[];
  /**
   * Fraction (0..1) of rows whose mapped target becomes an `import` annotation, chosen by a stable
   * hash of the row's key (id value or row number; MurmurHash3, salt 'import-labels', see
   * workers/ingest-common.ts), so the same rows are picked on every import; 1 = all, 0 = none.
   */
  importLabels: number;
  /** Project class names by id, for the class-imbalance finding of the quality report. */
  classNames?: Record<string, string>;
  /** Format from the preview; guessed again when absent. */
  format?: TabularFormat;
  /** Delimiter from the preview; sniffed again when absent. */
  delimiter?: string;
}

export interface ImageImportPlan {
  projectId: string;
  name: string;
  role: SourceRole;
  /** Images are resized once to imageSize × imageSize RGB (the project's model input size). */
  imageSize: number;
  /** Label each image by its parent folder's name (mapped through `labelMap`). */
  labelFromFolder: boolean;
  /** Folder name → project `LabelClass.id`. Without it folder names are used as they are. */
  labelMap?: Record<string, string>;
  /** As in {@link TabularImportPlan.importLabels}. */
  importLabels: number;
  /** Project class names by id, for the class-imbalance finding of the quality report. */
  classNames?: Record<string, string>;
}

export interface TextFilesImportPlan {
  projectId: string;
  name: string;
  role: SourceRole;
}

/** A file together with the path the user picked it under (folder imports, drag and drop). */
export interface PathedFile {
  file: File;
  /** Relative path, `/`-separated, e.g. `cats/001.png`; defaults to `webkitRelativePath || name`. */
  path: string;
}

/** Images to import: picked files (or a folder, with paths), or a single zip archive. */
export type ImageImportInput = File[] | PathedFile[] | { zip: File };

export type ImportPhase = 'reading' | 'writing' | 'analysing' | 'finishing';

export interface ImportProgress {
  phase: ImportPhase;
  bytesRead: number;
  totalBytes: number;
  /** Rows (or items) parsed so far. */
  rows: number;
  rowsPerSecond: number;
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: number | null;
}

export interface SkippedItems {
  /** Why they were skipped, in words the UI can show (e.g. "not an image", "ragged row"). */
  reason: string;
  count: number;
  /** A few of them (row numbers as text or file paths), at most {@link MAX_PROBLEM_EXAMPLES}. */
  examples: string[];
}

export interface ImportSummary {
  /** The committed source (status 'ready'). */
  source: SourceRecord;
  skipped: SkippedItems[];
  /** Number of `import` annotations written. */
  labelsImported: number;
  /**
   * Rows imported without a label although the source has a target column, by reason (tabular
   * imports; absent elsewhere). The result line states them: no label is ever dropped silently.
   */
  unlabelled?: UnlabelledRows[];
}

export interface UnlabelledRows {
  reason: 'empty-target' | 'not-mapped' | 'not-drawn';
  count: number;
  /** For 'not-mapped': the target values, with their counts, most frequent first. */
  values?: { value: string; count: number }[];
}

/** Options of every import call. */
export interface ImportCallOptions {
  signal?: AbortSignal;
  /** Called on the main thread about every 200 ms; must be cheap. */
  onProgress?: (progress: ImportProgress) => void;
}
