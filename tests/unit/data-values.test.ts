import { describe, expect, it } from 'vitest';
import {
  inferColumn,
  inferColumns,
  isMissing,
  looksLikeIdName,
  parseBoolean,
  parseDatetime,
  parseInteger,
  parseNumber,
  presentText,
} from '../../src/data';

describe('cell values', () => {
  it('recognises missing tokens, trimmed', () => {
    for (const t of ['', ' ', 'NA', 'N/A', 'null', 'NULL', 'NaN', 'nan', '?', 'None', ' NA ']) {
      expect(isMissing(t), t).toBe(true);
    }
    expect(isMissing(null)).toBe(true);
    expect(isMissing(undefined)).toBe(true);
    for (const t of ['0', 'n/a', 'none', 'x', '-']) expect(isMissing(t), t).toBe(false);
    expect(presentText(' a ')).toBe('a');
    expect(presentText('\u00a0NA\u00a0')).toBeNull();
    expect(presentText('b')).toBe('b');
    expect(presentText(null)).toBeNull();
  });

  it('parses numbers strictly', () => {
    expect(parseNumber('42')).toBe(42);
    expect(parseNumber('-3.5')).toBe(-3.5);
    expect(parseNumber('+7')).toBe(7);
    expect(parseNumber('1e3')).toBe(1000);
    expect(parseNumber('-2.5E-2')).toBe(-0.025);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('5.')).toBe(5);
    expect(parseNumber(' 12 ')).toBe(12);
    for (const bad of [
      '1,234',
      '0x1F',
      '0X1f',
      '0b11',
      '0o7',
      '-0x1',
      '1_000',
      '.',
      '+-1',
      '1 2',
      '',
      ' ',
      '1e',
      'e5',
      '--1',
      '1.2.3',
      'Infinity',
      '12abc',
    ]) {
      expect(parseNumber(bad), bad).toBeNull();
    }
    expect(parseNumber('1e400')).toBeNull(); // not finite
    expect(parseInteger('3.0')).toBe(3);
    expect(parseInteger('3.5')).toBeNull();
  });

  it('parses booleans in any case, and 0/1', () => {
    for (const t of ['true', 'TRUE', 'Yes', 'y', 'T', '1']) expect(parseBoolean(t), t).toBe(true);
    for (const f of ['false', 'No', 'N', 'f', '0']) expect(parseBoolean(f), f).toBe(false);
    expect(parseBoolean('maybe')).toBeNull();
    expect(parseBoolean('2')).toBeNull();
  });

  it('parses ISO dates and date-times as UTC, rejecting impossible ones', () => {
    expect(parseDatetime('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseDatetime('2024/03/01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseDatetime('2024-03-01 12:30')).toBe(Date.UTC(2024, 2, 1, 12, 30));
    expect(parseDatetime('2024-03-01T12:30:15')).toBe(Date.UTC(2024, 2, 1, 12, 30, 15));
    expect(parseDatetime('2024-03-01T12:30:15.250Z')).toBe(Date.UTC(2024, 2, 1, 12, 30, 15, 250));
    expect(parseDatetime('2024-03-01T12:30:00+02:00')).toBe(Date.UTC(2024, 2, 1, 10, 30));
    expect(parseDatetime('2024-03-01T12:30:00-0530')).toBe(Date.UTC(2024, 2, 1, 18, 0));
    expect(parseDatetime('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDatetime('0050-01-01')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    for (const bad of [
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-03-01 24:00',
      '1',
      '2024',
      '03/01/2024',
      '2024-3-1',
      'March 1, 2024',
      '2024-03-01T12',
      '2024-03/01',
    ]) {
      expect(parseDatetime(bad), bad).toBeNull();
    }
  });

  it('knows id-like names', () => {
    for (const n of ['id', 'ID', 'user_id', 'item-id', 'userId', 'row id']) {
      expect(looksLikeIdName(n), n).toBe(true);
    }
    for (const n of ['idea', 'valid', 'paid', 'width', 'Idaho'])
      expect(looksLikeIdName(n), n).toBe(false);
  });
});

/** A column of `n` cells from a generator. */
const col = (n: number, f: (i: number) => string | null): (string | null)[] =>
  Array.from({ length: n }, (_, i) => f(i));

describe('inferColumns', () => {
  it('chooses each type by its rule', () => {
    const n = 200;
    const header = ['id', 'age', 'income', 'smoker', 'flag01', 'city', 'joined', 'comment', 'code'];
    const cities = ['Paris', 'Lyon', 'Nice', 'Lille'];
    const rows = col(n, (i) => String(i)).map((_, i) => [
      String(i + 1),
      String(20 + (i % 50)),
      (1000.5 + i * 3.25).toFixed(2),
      i % 3 === 0 ? 'Yes' : 'no',
      String(i % 2),
      cities[i % 4]!,
      `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
      `the customer wrote message number ${i} about the service`,
      `X${(i * 7919).toString(36)}`,
    ]);
    const types = Object.fromEntries(inferColumns(header, rows).map((c) => [c.name, c.type]));
    expect(types).toEqual({
      id: 'identifier',
      age: 'integer',
      income: 'numeric',
      smoker: 'boolean',
      flag01: 'boolean',
      city: 'categorical',
      joined: 'datetime',
      comment: 'text',
      code: 'identifier',
    });
  });

  it('counts missing values and gives a reason and examples', () => {
    const c = inferColumn('score', ['1.5', 'NA', '', '2', null, '3.25']);
    expect(c.type).toBe('numeric');
    expect(c.missing).toBe(3);
    expect(c.distinct).toBe(3);
    expect(c.examples).toEqual(['1.5', '2', '3.25']);
    expect(c.reason).toMatch(/numbers/);
    expect(c.reason).toMatch(/50% missing/);
  });

  it('treats ragged rows as missing cells', () => {
    const [a, b] = inferColumns(['a', 'b'], [['1', '2'], ['3'], ['4', '5']]);
    expect(a!.missing).toBe(0);
    expect(b!.missing).toBe(1);
    expect(b!.type).toBe('integer');
  });

  it('is strict: one unparsable value keeps a column from being numeric, and the reason names it', () => {
    const cells = col(100, (i) => String(i % 10));
    cells[37] = '1,234';
    const c = inferColumn('amount', cells);
    expect(c.type).toBe('categorical');
    expect(c.reason).toContain("'1,234'");
    expect(c.reason).toMatch(/numeric/);
  });

  it('integers named like an id but with repeats are integers, not identifiers', () => {
    expect(inferColumn('user_id', ['1', '2', '2', '3']).type).toBe('integer');
    expect(inferColumn('count', ['1', '2', '3', '4']).type).toBe('integer');
    expect(inferColumn('user_id', ['1', '2', '3', '4']).type).toBe('identifier');
  });

  it('an all-missing column is categorical and says why', () => {
    const c = inferColumn('empty', ['', 'NA', null]);
    expect(c.type).toBe('categorical');
    expect(c.reason).toMatch(/missing/);
  });

  it('many distinct short strings without spaces and some repeats are a high-cardinality categorical', () => {
    const cells = col(1000, (i) => `k${i % 600}`);
    expect(inferColumn('key', cells).type).toBe('categorical');
  });

  it('categorical limit grows with the sample: 5% of rows', () => {
    const cells = col(2000, (i) => `c${i % 90}`);
    expect(inferColumn('c', cells).type).toBe('categorical'); // 90 ≤ 100
    const many = col(2000, (i) => `c${i % 150}`);
    expect(inferColumn('c', many).reason).toMatch(/many categories/);
  });
});
