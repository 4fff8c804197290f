// Pure helpers behind the import panel's defaults (import-state.svelte.ts): what the picked files
// are, which column is probably the target or the id, how target values map to classes. Kept
// free of Svelte so they are plain functions of their inputs.
import type { ColumnProfile, PathedFile } from './import-types';
import type { InferredColumn } from './types';

/** What the picked files are, which decides the import call and the panel's controls. */
export type ImportKind = 'tabular' | 'images' | 'zip' | 'texts' | 'unsupported' | 'none';

const TABULAR_EXT = /\.(csv|tsv|tab|jsonl|ndjson|json)$/i;
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;
/** Names people give a label column, most telling first (`y` last: it is often a coordinate). */
const TARGET_NAMES = ['label', 'labels', 'target', 'class', 'category', 'species', 'y'];
const ID_NAMES = /^(id|uuid|key)$/i;

export function classifyFiles(files: readonly PathedFile[]): ImportKind {
  if (files.length === 0) return 'none';
  const names = files.map((f) => f.path || f.file.name);
  if (files.length === 1 && TABULAR_EXT.test(names[0]!)) return 'tabular';
  if (files.length === 1 && /\.zip$/i.test(names[0]!)) return 'zip';
  if (files.some((f, i) => IMAGE_EXT.test(names[i]!) || f.file.type.startsWith('image/'))) {
    return 'images';
  }
  if (names.some((n) => /\.txt$/i.test(n))) return 'texts';
  return 'unsupported';
}

/** Distinct non-empty values of column `index` in `rows`, most frequent first. */
export function distinctValues(rows: readonly string[][], index: number): string[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const v = (row[index] ?? '').trim();
    if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
}

/** Parent folder names of the picked files, sorted (the label candidates of an image import). */
export function folderNamesOf(files: readonly PathedFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts.length >= 2) names.add(parts[parts.length - 2]!);
  }
  return [...names].sort();
}

/** A column as the target guess sees it: the whole file's values when profiled, else examples. */
export type TargetCandidate = InferredColumn & { values?: ColumnProfile['values'] };

/**
 * The likely target column: the project's own target column; else the column whose values are
 * most often the project's class names (a file `id,x,y,label` whose `label` holds the classes
 * is labelled by `label`, not `y`); else one named like a target, the most telling name first.
 */
export function guessTarget(
  columns: readonly TargetCandidate[],
  projectTarget: string | null,
  classNames: readonly string[],
): string | undefined {
  const own = columns.find((c) => c.name === projectTarget)?.name;
  if (own) return own;
  const lower = new Set(classNames.map((n) => n.toLocaleLowerCase()));
  let best = 0;
  let target: string | undefined;
  for (const c of columns) {
    const values = c.values ?? c.examples.map((value) => ({ value, count: 1 }));
    let hits = 0;
    for (const v of values) if (lower.has(v.value.toLocaleLowerCase())) hits += v.count;
    if (hits > best) [best, target] = [hits, c.name];
  }
  if (target) return target;
  for (const name of TARGET_NAMES) {
    const named = columns.find((c) => c.name.trim().toLowerCase() === name);
    if (named) return named.name;
  }
  return undefined;
}

/** The likely time column: the first datetime column (it orders traffic; it is no feature). */
export function guessTime(
  columns: readonly Pick<InferredColumn, 'name' | 'type'>[],
  exclude: readonly (string | undefined)[],
): string | undefined {
  return columns.find((c) => c.type === 'datetime' && !exclude.includes(c.name))?.name;
}

/**
 * The reason sentence of a column typed on the whole file, saying what the first rows suggested
 * when the rest of the file disagrees (a time-sorted file's first rows are often one value).
 */
export function wholeFileReason(
  sample: InferredColumn,
  whole: InferredColumn,
  sampleRows: number,
): string {
  if (sample.type !== whole.type) {
    return `The first ${sampleRows} rows looked ${sample.type}, the whole file does not: ${whole.reason}`;
  }
  if (sample.distinct !== whole.distinct) {
    return `${whole.reason} (the first ${sampleRows} rows had ${sample.distinct} distinct.)`;
  }
  return whole.reason;
}

/** What becomes of the rows carrying one target value. */
export type LabelChoice =
  | { kind: 'class'; classId: string }
  | { kind: 'new-class' }
  | { kind: 'skip' }
  | { kind: 'no-label' };

/** A {@link LabelChoice} as a `<select>` value; '' is "not decided yet". */
export function encodeLabelChoice(choice: LabelChoice | undefined): string {
  if (!choice) return '';
  return choice.kind === 'class' ? `class:${choice.classId}` : choice.kind;
}

export function decodeLabelChoice(value: string): LabelChoice | undefined {
  if (value.startsWith('class:')) return { kind: 'class', classId: value.slice(6) };
  if (value === 'new-class' || value === 'skip' || value === 'no-label') return { kind: value };
  return undefined;
}

/** The likely id column: an identifier-typed column, or one named id/uuid/key. */
export function guessId(columns: readonly InferredColumn[]): string | undefined {
  return columns.find((c) => c.type === 'identifier' || ID_NAMES.test(c.name))?.name;
}

/** The free-text column with the longest examples (text projects), excluding `exclude`. */
export function guessTextColumn(
  columns: readonly InferredColumn[],
  exclude: readonly (string | undefined)[],
): string {
  return (
    columns
      .filter((c) => c.type === 'text' && !exclude.includes(c.name))
      .map((c) => ({ name: c.name, len: c.examples.join('').length }))
      .sort((a, b) => b.len - a.len)[0]?.name ?? ''
  );
}

/**
 * Each value → the id of the class with the same name (ignoring case), or '' (no label).
 * `also` adds entries that are kept as they are (class names mapping to themselves).
 */
export function matchClasses(
  values: readonly string[],
  classes: readonly { id: string; name: string }[],
  also: Record<string, string> = {},
): Record<string, string> {
  const byName = new Map(classes.map((c) => [c.name.toLocaleLowerCase(), c.id]));
  const map: Record<string, string> = { ...also };
  for (const v of values) map[v] = byName.get(v.toLocaleLowerCase()) ?? '';
  return map;
}
