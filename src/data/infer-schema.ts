// Schema inference: which ColumnType fits a column, judged on a sample of rows (the ingest worker
// passes the first few thousand). The user reviews and may override every choice before import;
// the `reason` sentence tells them why a type was picked.
//
// Rules, in order (the first that fits wins):
//  1. every value missing                → categorical (nothing to learn; the quality report says so)
//  2. every value a boolean word, or the
//     values are exactly 0/1             → boolean
//  3. every value a number:
//       integers, all distinct, and the name looks like an id (`id`, `user_id`, `userId`)
//                                        → identifier
//       all written as integers          → integer
//       otherwise                        → numeric
//  4. every value a date/date-time       → datetime
//  5. strings:
//       all distinct and the name looks like an id                  → identifier
//       mean length ≥ 30 characters, or mostly (≥ 50%) values with
//       spaces and more distinct values than a categorical may have → text
//       distinct ≤ max(20, 5% of non-missing values)               → categorical
//       all distinct, no spaces                                     → identifier
//       mostly values with spaces                                   → text
//       otherwise                                                   → categorical (high
//                                                                    cardinality: the quality
//                                                                    report warns about it)
//
// Strictness: a column is numeric only when *every* non-missing value parses. One stray '1,234'
// or 'n.a.' makes it categorical/text, and the reason sentence names the values that did not parse
// ("98% are numbers; '1,234' is not"), so the user can override the type and have those cells
// stored as missing (the chunk builder counts them). Tolerating a share silently would turn data
// errors into missing values without anyone deciding it.
import type { ColumnType, InferredColumn } from './types';
import { isBooleanWord, isIntegerText, parseDatetime, parseNumber, presentText } from './values';

export interface InferOptions {
  /** Distinct values shown in the schema editor per column (default 5). */
  maxExamples?: number;
  /** Smallest distinct-value limit for categorical columns (default 20). */
  categoricalMinLimit?: number;
  /** Share of non-missing values a categorical column may have as distinct values (default 5%). */
  categoricalShare?: number;
}

/** Names like `id`, `ID`, `user_id`, `item-id`, `userId`. */
const ID_NAME_RE = /(^|[_\s.-])id$/i;
const CAMEL_ID_RE = /[a-z0-9]Id$/;

export function looksLikeIdName(name: string): boolean {
  return ID_NAME_RE.test(name.trim()) || CAMEL_ID_RE.test(name.trim());
}

const pct = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;

function quoteList(values: string[]): string {
  return values.map((v) => `'${v.length > 24 ? `${v.slice(0, 24)}…` : v}'`).join(', ');
}

/** Infers one type per header column from `rows` (cells may be `null` or absent for ragged rows). */
export function inferColumns(
  header: string[],
  rows: (string | null)[][],
  opts: InferOptions = {},
): InferredColumn[] {
  return header.map((name, c) =>
    inferColumn(
      name,
      rows.map((row) => row[c] ?? null),
      opts,
    ),
  );
}

/** Infers the type of one column from its cell texts. */
export function inferColumn(
  name: string,
  cells: (string | null)[],
  opts: InferOptions = {},
): InferredColumn {
  const maxExamples = opts.maxExamples ?? 5;
  const values: string[] = [];
  let missing = 0;
  for (const cell of cells) {
    const text = presentText(cell);
    if (text === null) missing++;
    else values.push(text);
  }
  const distinctSet = new Set(values);
  const distinct = distinctSet.size;
  const examples = [...distinctSet].slice(0, maxExamples);
  const n = values.length;
  const base = { name, missing, distinct, examples };
  const done = (type: ColumnType, reason: string): InferredColumn => ({ ...base, type, reason });
  const missingNote = missing > 0 ? `, ${pct(missing, cells.length)} missing` : '';

  if (n === 0) return done('categorical', 'Every value is missing.');

  const allDistinct = distinct === n;
  const idName = looksLikeIdName(name);

  if (values.every(isBooleanWord) || [...distinctSet].every((v) => v === '0' || v === '1')) {
    return done('boolean', `Only yes/no values (${quoteList(examples)})${missingNote}.`);
  }

  const notNumbers = values.filter((v) => parseNumber(v) === null);
  if (notNumbers.length === 0) {
    const integers = values.every(isIntegerText);
    if (integers && allDistinct && idName && n > 1) {
      return done(
        'identifier',
        `Distinct integers in a column named like an id${missingNote}: used to identify rows, not as a feature.`,
      );
    }
    return integers
      ? done('integer', `All values are whole numbers; ${distinct} distinct${missingNote}.`)
      : done('numeric', `All values are numbers; ${distinct} distinct${missingNote}.`);
  }

  if (values.every((v) => parseDatetime(v) !== null)) {
    return done('datetime', `All values are dates or date-times (ISO 8601)${missingNote}.`);
  }

  // Near-numeric columns: say which values kept the column from being numeric.
  const numberShare = (n - notNumbers.length) / n;
  const nearNumeric =
    numberShare >= 0.9
      ? ` ${pct(n - notNumbers.length, n)} are numbers, but ${quoteList([...new Set(notNumbers)].slice(0, 3))} ${notNumbers.length === 1 ? 'is' : 'are'} not; choose “numeric” to store ${notNumbers.length === 1 ? 'it' : 'them'} as missing.`
      : '';

  let totalLength = 0;
  let withSpaces = 0;
  for (const v of values) {
    totalLength += v.length;
    if (/\s/.test(v)) withSpaces++;
  }
  const meanLength = totalLength / n;
  const spaceShare = withSpaces / n;
  const categoricalLimit = Math.max(
    opts.categoricalMinLimit ?? 20,
    Math.floor((opts.categoricalShare ?? 0.05) * n),
  );

  if (allDistinct && idName && n > 1) {
    return done(
      'identifier',
      `Every value is different in a column named like an id${missingNote}.`,
    );
  }
  if (meanLength >= 30 || (spaceShare >= 0.5 && distinct > categoricalLimit)) {
    return done(
      'text',
      `Free text: ${Math.round(meanLength)} characters on average, ${pct(withSpaces, n)} with spaces${missingNote}.`,
    );
  }
  if (distinct <= categoricalLimit) {
    return done(
      'categorical',
      `${distinct} distinct values (at most ${categoricalLimit} for a category)${missingNote}.${nearNumeric}`,
    );
  }
  if (allDistinct && withSpaces === 0) {
    return done('identifier', `Every value is different and has no spaces${missingNote}.`);
  }
  if (spaceShare >= 0.5) {
    return done('text', `Mostly values with spaces, ${distinct} distinct${missingNote}.`);
  }
  return done(
    'categorical',
    `${distinct} distinct short values: many categories${missingNote}.${nearNumeric}`,
  );
}
