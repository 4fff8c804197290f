// Parsing of raw cell strings (CSV/TSV/JSON Lines cells as text) into typed values. Used by schema
// inference (which type fits every value?) and by the chunk builder (store a cell as its type).
// Pure and strict on purpose: a value either parses exactly or it does not — no `Number()` or
// `Date.parse()` leniency (`Number('')` is 0, `Number('0x1F')` is 31, `Date.parse('1')` is a date).

/**
 * Cell texts that mean "no value". The set pandas' `read_csv` treats as NaN by default, less the
 * ones that are plausible real values in our domain ('n/a' lowercase is kept out as pandas does;
 * '?' is added because the UCI repository uses it for missing values).
 */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'null',
  'NULL',
  'NaN',
  'nan',
  '?',
  'None',
]);

/** A cell is missing when it is absent, or (after trimming spaces) one of {@link MISSING_TOKENS}. */
export function isMissing(raw: string | null | undefined): boolean {
  return raw == null || MISSING_TOKENS.has(raw.trim());
}

/** The trimmed text of a present cell, or `null` when the cell is missing (see {@link isMissing}). */
export function presentText(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  // Most cells start and end with a printable ASCII character: skip trim() for them (this runs for
  // every cell). Anything else, Unicode spaces included, goes through trim().
  const first = raw.charCodeAt(0);
  const last = raw.charCodeAt(raw.length - 1);
  const s = first > 32 && first < 127 && last > 32 && last < 127 ? raw : raw.trim();
  return maybeMissingToken(s) && MISSING_TOKENS.has(s) ? null : s;
}

/**
 * Cheap pre-check for {@link MISSING_TOKENS} (so most cells skip hashing into the set): every token
 * is empty or at most 4 characters long and starts with 'N', 'n' or '?'.
 */
function maybeMissingToken(s: string): boolean {
  if (s.length === 0) return true;
  if (s.length > 4) return false;
  const c = s.charCodeAt(0);
  return c === 78 || c === 110 || c === 63; // N n ?
}

/** 10^0 … 10^22: exactly representable doubles. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Fast path of {@link parseNumber} for the common plain decimal written in `text` from `start` to
 * `end` (no substring is made): optional sign, at most 15 digits with an optional '.', no
 * exponent, no spaces. Returns NaN for anything else, and the caller then takes the general path.
 * The result is exactly `Number()`'s: the digits form an integer m < 10^15 < 2^53 and the scale is
 * 10^k with k ≤ 15, both exact doubles, so m / 10^k is one correctly rounded IEEE division — the
 * exact case of Clinger's algorithm (1990), which every conforming `Number()` also returns.
 */
export function parsePlainDecimal(text: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1; // digits after the point, -1 without a point
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) {
      fraction = 0;
    } else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = fraction > 0 ? mantissa / EXACT_POWERS_OF_TEN[fraction]! : mantissa;
  return negative ? -value : value;
}

const INTEGER_RE = /^[+-]?\d+$/;

/**
 * A finite number, or `null` when the text is not exactly a decimal number: optional sign, digits
 * with an optional fraction (or a bare fraction), optional exponent. No thousands separators:
 * '1,234' could be 1234 or 1.234 depending on the locale, so it is not a number until the user
 * says so (see inferColumns' reason sentence). Hot path of every import, hence no regex:
 * `Number()` reads exactly the decimal grammar above plus 'Infinity' (not finite) and
 * hexadecimal/binary/octal literals, which the prefix check rejects.
 */
export function parseNumber(raw: string): number | null {
  const s = raw.trim();
  if (s === '') return null; // Number('') is 0
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  const second = s.charCodeAt(1) | 0x20; // lower case
  if (s.charCodeAt(0) === 48 && (second === 120 || second === 98 || second === 111)) return null;
  return n;
}

/** True when the text is written as an integer (no decimal point, no exponent). */
export function isIntegerText(raw: string): boolean {
  return INTEGER_RE.test(raw.trim());
}

/**
 * An integer value: integer syntax, or a number whose value is integral ('3.0' → 3, '3.5' → null).
 * Used when the user declared a column `integer`.
 */
export function parseInteger(raw: string): number | null {
  const n = parseNumber(raw);
  return n !== null && Number.isInteger(n) ? n : null;
}

const TRUE_TOKENS = new Set(['true', 'yes', 't', 'y', '1']);
const FALSE_TOKENS = new Set(['false', 'no', 'f', 'n', '0']);

/** true/false/yes/no/t/f/y/n (any case) and 1/0; `null` for anything else. */
export function parseBoolean(raw: string): boolean | null {
  const s = raw.trim().toLowerCase();
  if (TRUE_TOKENS.has(s)) return true;
  if (FALSE_TOKENS.has(s)) return false;
  return null;
}

/** Boolean words only (no 0/1): inference treats a 0/1 column separately. */
export function isBooleanWord(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  return s !== '0' && s !== '1' && (TRUE_TOKENS.has(s) || FALSE_TOKENS.has(s));
}

// ISO 8601 calendar dates and date-times ('2024-03-01', '2024-03-01T12:30:00.250Z',
// '2024-03-01 12:30', '2024-03-01T12:30:00+02:00') and 'YYYY/MM/DD' with the same optional time.
// Groups: year, separator, month, day, hour, minute, second, fraction, zone.
const DATETIME_RE =
  /^(\d{4})([-/])(\d{2})\2(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; 2000 is a leap year, 2001 is not.
  return new Date(Date.UTC(isLeap(year) ? 2000 : 2001, month, 0)).getUTCDate();
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds, or `null` when the text is not one of the accepted date formats or names an
 * impossible date (2023-02-29, 25:00). A date-time without a zone is read as UTC, not local time:
 * the same file then gives the same numbers on every machine (Date.parse would use the machine's
 * zone), and differences between rows — what models and drift windows use — are unaffected.
 */
export function parseDatetime(raw: string): number | null {
  const m = DATETIME_RE.exec(raw.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  const hour = m[5] === undefined ? 0 : Number(m[5]);
  const minute = m[6] === undefined ? 0 : Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  const ms = m[8] === undefined ? 0 : Math.floor(Number(`0.${m[8]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[9];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime() - offsetMinutes * 60_000;
}
