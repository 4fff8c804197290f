// Pure helpers behind the import panel's defaults (import-state.svelte.ts): what the picked files
// are, which column is probably the target or the id, how target values map to classes. Kept
// free of Svelte so they are plain functions of their inputs.
import type { PathedFile } from './import-types';
import type { InferredColumn } from './types';

/** What the picked files are, which decides the import call and the panel's controls. */
export type ImportKind = 'tabular' | 'images' | 'zip' | 'texts' | 'unsupported' | 'none';

const TABULAR_EXT = /\.(csv|tsv|tab|jsonl|ndjson|json)$/i;
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|avif)$/i;
const TARGET_NAMES = /^(label|labels|target|class|category|y|species)$/i;
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

/**
 * The likely target column: the project's own target column, else one named like a target, else
 * the column whose example values hit the most class names.
 */
export function guessTarget(
  columns: readonly InferredColumn[],
  projectTarget: string | null,
  classNames: readonly string[],
): string | undefined {
  const own = columns.find((c) => c.name === projectTarget)?.name;
  if (own) return own;
  const named = columns.find((c) => TARGET_NAMES.test(c.name))?.name;
  if (named) return named;
  const lower = new Set(classNames.map((n) => n.toLocaleLowerCase()));
  let best = 0;
  let target: string | undefined;
  for (const c of columns) {
    const hits = c.examples.filter((e) => lower.has(e.toLocaleLowerCase())).length;
    if (hits > best) [best, target] = [hits, c.name];
  }
  return target;
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
