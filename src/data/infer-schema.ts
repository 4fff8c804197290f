// Schema inference: which ColumnType fits a column, judged on its cells. The same evidence
// (`ColumnEvidence`, counts only, bounded memory) serves the preview's first rows and the ingest
// worker's whole-file profile, so a type guessed from a sorted file's first rows is checked
// against every row before anything is written. The user reviews and may override every choice;
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

/**
 * Distinct values a column's evidence counts exactly. Beyond it new values are not tracked (the
 * column is far past any categorical limit for the files we stream, and an id column would
 * otherwise keep every value in memory); `distinct` is then a lower bound.
 */
export const EVIDENCE_DISTINCT_CAP = 5000;

/**
 * What one column's cells say about its type, accumulated cell by cell (a sample, or a whole file
 * in a streaming pass). Parsing stops for a rule as soon as one cell breaks it.
 */
export class ColumnEvidence {
  readonly name: string;
  cells = 0;
  missing = 0;
  /** Non-missing cells. */
  present = 0;
  readonly #counts = new Map<string, number>();
  #capped = false;
  /** A tracked value was seen twice (so the column is not all distinct). */
  #repeated = false;
  #allBooleanWords = true;
  #allZeroOne = true;
  #allDatetimes = true;
  #numbers = 0;
  #integers = 0;
  readonly #notNumbers: string[] = [];
  #totalLength = 0;
  #withSpaces = 0;

  constructor(name: string) {
    this.name = name;
  }

  add(cell: string | null | undefined): void {
    this.cells++;
    const text = presentText(cell);
    if (text === null) {
      this.missing++;
      return;
    }
    this.present++;
    const seen = this.#counts.get(text);
    if (seen !== undefined) {
      this.#counts.set(text, seen + 1);
      this.#repeated = true;
    } else if (this.#counts.size < EVIDENCE_DISTINCT_CAP) this.#counts.set(text, 1);
    else this.#capped = true;
    if (this.#allBooleanWords && !isBooleanWord(text)) this.#allBooleanWords = false;
    if (this.#allZeroOne && text !== '0' && text !== '1') this.#allZeroOne = false;
    if (parseNumber(text) === null) {
      if (this.#notNumbers.length < 3 && !this.#notNumbers.includes(text)) {
        this.#notNumbers.push(text);
      }
    } else {
      this.#numbers++;
      if (isIntegerText(text)) this.#integers++;
    }
    if (this.#allDatetimes && parseDatetime(text) === null) this.#allDatetimes = false;
    this.#totalLength += text.length;
    if (/\s/.test(text)) this.#withSpaces++;
  }

  /** Distinct non-missing values seen (a lower bound when {@link capped}). */
  get distinct(): number {
    return this.#counts.size;
  }

  /** More distinct values than {@link EVIDENCE_DISTINCT_CAP}: `values()` is not every value. */
  get capped(): boolean {
    return this.#capped;
  }

  /** Tracked values with their counts, most frequent first (ties in first-seen order). */
  values(limit = Infinity): { value: string; count: number }[] {
    const all = [...this.#counts.entries()].map(([value, count]) => ({ value, count }));
    all.sort((a, b) => b.count - a.count);
    return all.slice(0, limit);
  }

  infer(opts: InferOptions = {}): InferredColumn {
    const maxExamples = opts.maxExamples ?? 5;
    const name = this.name;
    const n = this.present;
    const missing = this.missing;
    const distinct = this.distinct;
    const examples = [...this.#counts.keys()].slice(0, maxExamples);
    const base = { name, missing, distinct, examples };
    const done = (type: ColumnType, reason: string): InferredColumn => ({ ...base, type, reason });
    const missingNote = missing > 0 ? `, ${pct(missing, this.cells)} missing` : '';
    const distinctText = `${distinct}${this.#capped ? '+' : ''}`;

    if (n === 0) return done('categorical', 'Every value is missing.');

    // Exact below the cap; past it, "no repeat among the values tracked" is the best evidence.
    const allDistinct = this.#capped ? !this.#repeated : distinct === n;
    const idName = looksLikeIdName(name);

    if (this.#allBooleanWords || this.#allZeroOne) {
      return done('boolean', `Only yes/no values (${quoteList(examples)})${missingNote}.`);
    }

    const notNumbers = n - this.#numbers;
    if (notNumbers === 0) {
      const integers = this.#integers === n;
      if (integers && allDistinct && idName && n > 1) {
        return done(
          'identifier',
          `Distinct integers in a column named like an id${missingNote}: used to identify rows, not as a feature.`,
        );
      }
      return integers
        ? done('integer', `All values are whole numbers; ${distinctText} distinct${missingNote}.`)
        : done('numeric', `All values are numbers; ${distinctText} distinct${missingNote}.`);
    }

    if (this.#allDatetimes) {
      return done('datetime', `All values are dates or date-times (ISO 8601)${missingNote}.`);
    }

    // Near-numeric columns: say which values kept the column from being numeric.
    const numberShare = this.#numbers / n;
    const nearNumeric =
      numberShare >= 0.9
        ? ` ${pct(this.#numbers, n)} are numbers, but ${quoteList(this.#notNumbers)} ${notNumbers === 1 ? 'is' : 'are'} not; choose “numeric” to store ${notNumbers === 1 ? 'it' : 'them'} as missing.`
        : '';

    const meanLength = this.#totalLength / n;
    const withSpaces = this.#withSpaces;
    const spaceShare = withSpaces / n;
    const categoricalLimit = Math.max(
      opts.categoricalMinLimit ?? 20,
      Math.floor((opts.categoricalShare ?? 0.05) * n),
    );
    // Past the cap the exact count is unknown: it is only known to be above the cap.
    const fewDistinct = !this.#capped && distinct <= categoricalLimit;

    if (allDistinct && idName && n > 1) {
      return done(
        'identifier',
        `Every value is different in a column named like an id${missingNote}.`,
      );
    }
    if (meanLength >= 30 || (spaceShare >= 0.5 && !fewDistinct)) {
      return done(
        'text',
        `Free text: ${Math.round(meanLength)} characters on average, ${pct(withSpaces, n)} with spaces${missingNote}.`,
      );
    }
    if (fewDistinct) {
      return done(
        'categorical',
        `${distinct} distinct values (at most ${categoricalLimit} for a category)${missingNote}.${nearNumeric}`,
      );
    }
    if (allDistinct && withSpaces === 0) {
      return done('identifier', `Every value is different and has no spaces${missingNote}.`);
    }
    if (spaceShare >= 0.5) {
      return done('text', `Mostly values with spaces, ${distinctText} distinct${missingNote}.`);
    }
    return done(
      'categorical',
      `${distinctText} distinct short values: many categories${missingNote}.${nearNumeric}`,
    );
  }
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
  const evidence = new ColumnEvidence(name);
  for (const cell of cells) evidence.add(cell);
  return evidence.infer(opts);
}
