// Delayed labels from a file: CSV (header row) or JSON Lines with the fields `id`, `label` and an
// optional `time` (ISO 8601 or epoch milliseconds). Parsing and validation are pure and collect
// every problem at once (unknown ids, unknown classes, duplicate ids, bad times…), so the user
// fixes the file in one go; the page writes the labels only when there is no problem at all.
import { assertNever, err, ok, type Result } from '../lib/result';

/** One data row of a labels file, as read (1-based `line` in the file, header included). */
export interface LabelsFileRow {
  line: number;
  id: string;
  label: string;
  /** The `time` cell as written; '' when absent. */
  time: string;
}

export type LabelsFileProblem =
  | { kind: 'empty' }
  | { kind: 'missing-column'; column: 'id' | 'label' }
  | { kind: 'bad-json'; lines: number[] }
  | { kind: 'ragged'; lines: number[] }
  | { kind: 'missing-values'; lines: number[] }
  | { kind: 'unknown-ids'; ids: string[]; count: number }
  | { kind: 'ambiguous-ids'; ids: string[]; count: number }
  | { kind: 'unknown-classes'; labels: string[]; count: number }
  | { kind: 'duplicate-ids'; ids: string[]; count: number }
  | { kind: 'bad-times'; lines: number[]; count: number };

/** A validated label, ready to be written as an annotation. */
export interface DelayedLabel {
  itemId: string;
  /** `LabelClass.id`. */
  label: string;
  /** Epoch ms from the file's `time`, or null (the caller then uses the import time). */
  at: number | null;
}

/** Examples listed per problem. */
const EXAMPLES = 10;

export type LabelsFileFormat = 'csv' | 'jsonl';

/** The format from a file name: `.jsonl` / `.ndjson` / `.json` are JSON Lines, else CSV. */
export function labelsFormatOf(fileName: string): LabelsFileFormat {
  return /\.(jsonl|ndjson|json)$/i.test(fileName) ? 'jsonl' : 'csv';
}

/** Reads the rows of a labels file; fails only when the file's shape is wrong. */
export function parseLabelsFile(
  text: string,
  format: LabelsFileFormat,
): Result<LabelsFileRow[], LabelsFileProblem[]> {
  const body = text.replace(/^\uFEFF/, '');
  return format === 'jsonl' ? parseJsonLines(body) : parseCsv(body);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function parseJsonLines(text: string): Result<LabelsFileRow[], LabelsFileProblem[]> {
  const rows: LabelsFileRow[] = [];
  const badJson: number[] = [];
  const missing: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      badJson.push(i + 1);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      badJson.push(i + 1);
      return;
    }
    const o = value as Record<string, unknown>;
    const row = {
      line: i + 1,
      id: cellText(o.id),
      label: cellText(o.label),
      time: cellText(o.time),
    };
    if (row.id === '' || row.label === '') missing.push(row.line);
    else rows.push(row);
  });
  const problems: LabelsFileProblem[] = [];
  if (badJson.length > 0) problems.push({ kind: 'bad-json', lines: badJson.slice(0, EXAMPLES) });
  if (missing.length > 0)
    problems.push({ kind: 'missing-values', lines: missing.slice(0, EXAMPLES) });
  if (problems.length === 0 && rows.length === 0) problems.push({ kind: 'empty' });
  return problems.length > 0 ? err(problems) : ok(rows);
}

/** RFC 4180 records: quoted cells may hold the delimiter, quotes ("") and newlines. */
export function csvRecords(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      out.push({ line: recordLine, cells });
      cells = [];
      cell = '';
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    out.push({ line: recordLine, cells });
  }
  return out.filter((r) => !(r.cells.length === 1 && r.cells[0]!.trim() === ''));
}

function parseCsv(text: string): Result<LabelsFileRow[], LabelsFileProblem[]> {
  const records = csvRecords(text);
  const [header, ...data] = records;
  if (!header) return err([{ kind: 'empty' }]);
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const idAt = names.indexOf('id');
  const labelAt = names.indexOf('label');
  const timeAt = names.indexOf('time');
  const problems: LabelsFileProblem[] = [];
  if (idAt < 0) problems.push({ kind: 'missing-column', column: 'id' });
  if (labelAt < 0) problems.push({ kind: 'missing-column', column: 'label' });
  if (problems.length > 0) return err(problems);
  const rows: LabelsFileRow[] = [];
  const ragged: number[] = [];
  const missing: number[] = [];
  for (const r of data) {
    if (r.cells.length !== names.length) {
      ragged.push(r.line);
      continue;
    }
    const row = {
      line: r.line,
      id: r.cells[idAt]!.trim(),
      label: r.cells[labelAt]!.trim(),
      time: timeAt >= 0 ? r.cells[timeAt]!.trim() : '',
    };
    if (row.id === '' || row.label === '') missing.push(row.line);
    else rows.push(row);
  }
  if (ragged.length > 0) problems.push({ kind: 'ragged', lines: ragged.slice(0, EXAMPLES) });
  if (missing.length > 0)
    problems.push({ kind: 'missing-values', lines: missing.slice(0, EXAMPLES) });
  if (problems.length === 0 && rows.length === 0) problems.push({ kind: 'empty' });
  return problems.length > 0 ? err(problems) : ok(rows);
}

/**
 * A time cell: epoch milliseconds (digits, optional sign and decimals) or an ISO 8601 date/time
 * (`2026-03-01`, `2026-03-01T12:00:00Z`). '' → null; anything else → undefined (a bad time).
 */
export function parseTime(cell: string): number | null | undefined {
  if (cell === '') return null;
  if (/^[+-]?\d+(\.\d+)?$/.test(cell)) return Number(cell);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(cell)) return undefined;
  const t = Date.parse(cell);
  return Number.isFinite(t) ? t : undefined;
}

export interface LabelsContext {
  /** The project's classes: a file may name a class by id or by name. */
  classes: readonly { id: string; name: string }[];
  /**
   * Finds the item ids a file id may mean: the full item id, or the source's own id (the item id
   * without its `sourceId:` prefix). Several results = ambiguous.
   */
  resolveId: (id: string) => readonly string[];
}

/** Checks every row; returns the labels to write, or every problem found. */
export function validateLabels(
  rows: readonly LabelsFileRow[],
  context: LabelsContext,
): Result<DelayedLabel[], LabelsFileProblem[]> {
  const byId = new Map(context.classes.map((c) => [c.id, c.id]));
  const byName = new Map(context.classes.map((c) => [c.name, c.id]));
  const byLowerName = new Map(context.classes.map((c) => [c.name.toLowerCase(), c.id]));
  const unknownIds = new Set<string>();
  const ambiguous = new Set<string>();
  const unknownClasses = new Set<string>();
  const duplicates = new Set<string>();
  const badTimes: number[] = [];
  const seen = new Set<string>();
  const out: DelayedLabel[] = [];
  for (const row of rows) {
    const items = context.resolveId(row.id);
    const classId =
      byId.get(row.label) ?? byName.get(row.label) ?? byLowerName.get(row.label.toLowerCase());
    const at = parseTime(row.time);
    if (items.length === 0) unknownIds.add(row.id);
    else if (items.length > 1) ambiguous.add(row.id);
    if (classId === undefined) unknownClasses.add(row.label);
    if (at === undefined) badTimes.push(row.line);
    const itemId = items.length === 1 ? items[0]! : undefined;
    if (itemId !== undefined) {
      if (seen.has(itemId)) duplicates.add(row.id);
      seen.add(itemId);
    }
    if (itemId !== undefined && classId !== undefined && at !== undefined) {
      out.push({ itemId, label: classId, at });
    }
  }
  const problems: LabelsFileProblem[] = [];
  const listed = (set: Set<string>) => [...set].slice(0, EXAMPLES);
  if (unknownIds.size > 0) {
    problems.push({ kind: 'unknown-ids', ids: listed(unknownIds), count: unknownIds.size });
  }
  if (ambiguous.size > 0) {
    problems.push({ kind: 'ambiguous-ids', ids: listed(ambiguous), count: ambiguous.size });
  }
  if (unknownClasses.size > 0) {
    problems.push({
      kind: 'unknown-classes',
      labels: listed(unknownClasses),
      count: unknownClasses.size,
    });
  }
  if (duplicates.size > 0) {
    problems.push({ kind: 'duplicate-ids', ids: listed(duplicates), count: duplicates.size });
  }
  if (badTimes.length > 0) {
    problems.push({
      kind: 'bad-times',
      lines: badTimes.slice(0, EXAMPLES),
      count: badTimes.length,
    });
  }
  return problems.length > 0 ? err(problems) : ok(out);
}

/** A sentence per problem, for the page. */
export function describeLabelsProblem(p: LabelsFileProblem): string {
  const more = (shown: number, count: number) =>
    count > shown ? ` and ${count - shown} more` : '';
  switch (p.kind) {
    case 'empty':
      return 'The file holds no labels.';
    case 'missing-column':
      return `The header has no "${p.column}" column (expected id, label and optionally time).`;
    case 'bad-json':
      return `Lines that are not a JSON object: ${p.lines.join(', ')}.`;
    case 'ragged':
      return `Rows with a different number of cells than the header, at lines ${p.lines.join(', ')}.`;
    case 'missing-values':
      return `Rows without an id or a label, at lines ${p.lines.join(', ')}.`;
    case 'unknown-ids':
      return `Ids not found in any production source: ${p.ids.join(', ')}${more(p.ids.length, p.count)}.`;
    case 'ambiguous-ids':
      return `Ids found in more than one production source (use the full item id): ${p.ids.join(', ')}${more(p.ids.length, p.count)}.`;
    case 'unknown-classes':
      return `Labels that are not a class of this project (by id or name): ${p.labels.join(', ')}${more(p.labels.length, p.count)}.`;
    case 'duplicate-ids':
      return `Ids listed more than once: ${p.ids.join(', ')}${more(p.ids.length, p.count)}.`;
    case 'bad-times':
      return `Times that are neither ISO 8601 nor epoch milliseconds, at lines ${p.lines.join(', ')}${more(p.lines.length, p.count)}.`;
    default:
      return assertNever(p);
  }
}
