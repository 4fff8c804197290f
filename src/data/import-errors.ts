// Why an import failed, as a value; `describeImportError` turns it into the sentence the user reads.
// Every failed import leaves the database exactly as it was (the staging source is discarded).
import { assertNever } from '../lib/result';

export type ImportError =
  | { kind: 'empty-file' }
  | { kind: 'header-only' }
  | { kind: 'duplicate-column-names'; names: string[] }
  /** `index` is 0-based; the message says "column 3" for index 2. */
  | { kind: 'empty-column-name'; index: number }
  /** 1-based data row numbers (header = row 0), the first few; `total` counts them all. */
  | { kind: 'ragged-rows'; rows: number[]; total: number; expected: number }
  | { kind: 'invalid-utf8'; byteOffset: number; file?: string }
  | { kind: 'not-a-zip' }
  | { kind: 'zip-too-large'; bytes: number; limit: number }
  /** Nothing importable; `skipped` lists what was not an image (or text file). */
  | { kind: 'no-images'; skipped: string[] }
  | { kind: 'no-text-files'; skipped: string[] }
  | { kind: 'corrupt-image'; files: string[] }
  /** 1-based line number of the first line that is not a JSON object. */
  | { kind: 'json-line-invalid'; line: number }
  | { kind: 'duplicate-ids'; column: string; examples: string[] }
  /** Rows (1-based data rows) whose id cell is empty. */
  | { kind: 'missing-ids'; column: string; rows: number[] }
  | { kind: 'missing-column'; name: string }
  | { kind: 'quota'; usage?: number; quota?: number }
  | { kind: 'cancelled' }
  | { kind: 'unknown'; message: string };

export type ImportErrorKind = ImportError['kind'];

function list(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function rowList(rows: readonly number[], total: number): string {
  const shown = rows.slice(0, 10).join(', ');
  return total > Math.min(rows.length, 10)
    ? `${shown} and ${total - Math.min(rows.length, 10)} more`
    : shown;
}

// Decimal units, as storage sizes are usually shown to users (same as persistence/errors.ts).
function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function describeImportError(e: ImportError): string {
  switch (e.kind) {
    case 'empty-file':
      return 'The file is empty: there is nothing to import.';
    case 'header-only':
      return 'The file has a header row but no data rows.';
    case 'duplicate-column-names':
      return `Column names must be unique; the header repeats ${list(e.names.map((n) => `"${n}"`))}. Rename the columns and import again.`;
    case 'empty-column-name':
      return `Column ${e.index + 1} has no name in the header row. Give every column a name and import again.`;
    case 'ragged-rows':
      return `${e.total} ${e.total === 1 ? 'row has' : 'rows have'} a different number of fields than the header (${e.expected}): data ${e.total === 1 ? 'row' : 'rows'} ${rowList(e.rows, e.total)}. Fix the file, or choose to skip these rows.`;
    case 'invalid-utf8':
      return `${e.file ? `"${e.file}" is` : 'The file is'} not valid UTF-8 text: the bytes at offset ${e.byteOffset} cannot be decoded. Save it as UTF-8 and import again.`;
    case 'not-a-zip':
      return 'The file is not a zip archive (or it is damaged).';
    case 'zip-too-large':
      return `The zip archive unpacks to more than ${formatBytes(e.limit)} (${formatBytes(e.bytes)} so far); import its folders in parts.`;
    case 'no-images':
      return e.skipped.length > 0
        ? `No images found: ${e.skipped.length} ${e.skipped.length === 1 ? 'file is' : 'files are'} not an image (${list(e.skipped)}).`
        : 'No images found.';
    case 'no-text-files':
      return e.skipped.length > 0
        ? `No text files found: ${e.skipped.length} ${e.skipped.length === 1 ? 'file is' : 'files are'} not a .txt file (${list(e.skipped)}).`
        : 'No text files found.';
    case 'corrupt-image':
      return `No image could be read: ${e.files.length} ${e.files.length === 1 ? 'file is' : 'files are'} damaged or in an unsupported format (${list(e.files)}).`;
    case 'json-line-invalid':
      return `Line ${e.line} is not a JSON object. Every line of a JSON Lines file must hold one object.`;
    case 'duplicate-ids':
      return `The id column "${e.column}" repeats values (${list(e.examples.map((x) => `"${x}"`))}); ids must be unique. Choose another id column or none.`;
    case 'missing-ids':
      return `The id column "${e.column}" is empty in data row ${rowList(e.rows, e.rows.length)}; every row needs an id. Choose another id column or none.`;
    case 'missing-column':
      return `The column "${e.name}" is not in the file.`;
    case 'quota': {
      const figures =
        e.usage !== undefined && e.quota !== undefined
          ? ` (${formatBytes(e.usage)} of ${formatBytes(e.quota)} used)`
          : '';
      return `The browser's storage for this site is full${figures}, so the import was undone. Free space by deleting sources or projects, then try again.`;
    }
    case 'cancelled':
      return 'The import was cancelled; nothing was saved.';
    case 'unknown':
      return `The import failed: ${e.message}`;
    default:
      return assertNever(e);
  }
}
