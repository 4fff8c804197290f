// Delayed-labels files: parsing CSV / JSON Lines and validating every row before anything is
// written (unknown ids, unknown classes, duplicates, bad times are all reported together).
import { describe, expect, it } from 'vitest';
import {
  csvRecords,
  describeLabelsProblem,
  labelsFormatOf,
  parseLabelsFile,
  parseTime,
  validateLabels,
  type LabelsContext,
  type LabelsFileProblem,
} from '../../src/serving/labels-file';

const classes = [
  { id: 'c-adelie', name: 'Adelie' },
  { id: 'c-gentoo', name: 'Gentoo' },
];

/** Items of one production source `prod` with keys k1…k5, plus `k9` in two sources. */
function context(): LabelsContext {
  const items = ['prod:k1', 'prod:k2', 'prod:k3', 'prod:k4', 'prod:k5', 'prod:k9', 'other:k9'];
  return {
    classes,
    resolveId: (id) =>
      items.includes(id) ? [id] : items.filter((item) => item.slice(item.indexOf(':') + 1) === id),
  };
}

function rowsOf(text: string, format: 'csv' | 'jsonl' = 'csv') {
  const parsed = parseLabelsFile(text, format);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

function problemsOf(text: string, format: 'csv' | 'jsonl' = 'csv'): LabelsFileProblem[] {
  const parsed = parseLabelsFile(text, format);
  if (!parsed.ok) return parsed.error;
  const valid = validateLabels(parsed.value, context());
  if (valid.ok) throw new Error('expected problems');
  return valid.error;
}

describe('labels file parsing', () => {
  it('chooses the format from the file name', () => {
    expect(labelsFormatOf('labels.csv')).toBe('csv');
    expect(labelsFormatOf('labels.JSONL')).toBe('jsonl');
    expect(labelsFormatOf('x.ndjson')).toBe('jsonl');
    expect(labelsFormatOf('labels.txt')).toBe('csv');
  });

  it('reads RFC 4180 CSV: quotes, doubled quotes, CRLF, newlines inside quotes, BOM', () => {
    expect(csvRecords('a,b\r\n"x,1","say ""hi"""\n"two\nlines",z\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x,1', 'say "hi"'] },
      { line: 3, cells: ['two\nlines', 'z'] },
    ]);
    const rows = rowsOf('\uFEFFID,Label,Time\nk1,Adelie,2026-03-01\n\nk2 , c-gentoo ,\n');
    expect(rows).toEqual([
      { line: 2, id: 'k1', label: 'Adelie', time: '2026-03-01' },
      { line: 4, id: 'k2', label: 'c-gentoo', time: '' },
    ]);
  });

  it('reads JSON Lines with numbers and missing time', () => {
    const rows = rowsOf(
      '{"id":"k1","label":"Adelie","time":1700000000000}\n\n{"id":3,"label":"Gentoo"}\n',
      'jsonl',
    );
    expect(rows).toEqual([
      { line: 1, id: 'k1', label: 'Adelie', time: '1700000000000' },
      { line: 3, id: '3', label: 'Gentoo', time: '' },
    ]);
  });

  it('reports a file of the wrong shape', () => {
    expect(parseLabelsFile('', 'csv')).toEqual({ ok: false, error: [{ kind: 'empty' }] });
    expect(parseLabelsFile('id,label\n', 'csv')).toEqual({ ok: false, error: [{ kind: 'empty' }] });
    expect(parseLabelsFile('item,class\nk1,Adelie\n', 'csv')).toEqual({
      ok: false,
      error: [
        { kind: 'missing-column', column: 'id' },
        { kind: 'missing-column', column: 'label' },
      ],
    });
    expect(parseLabelsFile('id,label\nk1,Adelie,extra\nk2\n,Adelie\n', 'csv')).toEqual({
      ok: false,
      error: [
        { kind: 'ragged', lines: [2, 3] },
        { kind: 'missing-values', lines: [4] },
      ],
    });
    expect(
      parseLabelsFile('{"id":"k1","label":"Adelie"}\nnot json\n[1]\n{"id":"k2"}', 'jsonl'),
    ).toEqual({
      ok: false,
      error: [
        { kind: 'bad-json', lines: [2, 3] },
        { kind: 'missing-values', lines: [4] },
      ],
    });
  });
});

describe('times', () => {
  it('accepts epoch ms and ISO 8601, rejects the rest', () => {
    expect(parseTime('')).toBeNull();
    expect(parseTime('1700000000000')).toBe(1700000000000);
    expect(parseTime('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(parseTime('2026-03-01T12:30:00Z')).toBe(Date.UTC(2026, 2, 1, 12, 30));
    expect(parseTime('2026-03-01T12:30:00+02:00')).toBe(Date.UTC(2026, 2, 1, 10, 30));
    expect(parseTime('yesterday')).toBeUndefined();
    expect(parseTime('03/01/2026')).toBeUndefined();
    expect(parseTime('2026-13-45')).toBeUndefined();
  });
});

describe('labels validation', () => {
  it('resolves ids (full or source-local) and classes (id, name, any case)', () => {
    const rows = rowsOf('id,label,time\nk1,Adelie,1000\nprod:k2,c-gentoo,\nk3,gentoo,2026-03-01\n');
    expect(validateLabels(rows, context())).toEqual({
      ok: true,
      value: [
        { itemId: 'prod:k1', label: 'c-adelie', at: 1000 },
        { itemId: 'prod:k2', label: 'c-gentoo', at: null },
        { itemId: 'prod:k3', label: 'c-gentoo', at: Date.UTC(2026, 2, 1) },
      ],
    });
  });

  it('lists every problem at once and writes nothing', () => {
    const problems = problemsOf(
      [
        'id,label,time',
        'k1,Adelie,',
        'nope,Adelie,',
        'k2,Chinstrap,',
        'k1,Gentoo,',
        'k3,Adelie,last tuesday',
        'k9,Adelie,',
        'ghost,Emperor,',
      ].join('\n'),
    );
    expect(problems).toEqual([
      { kind: 'unknown-ids', ids: ['nope', 'ghost'], count: 2 },
      { kind: 'ambiguous-ids', ids: ['k9'], count: 1 },
      { kind: 'unknown-classes', labels: ['Chinstrap', 'Emperor'], count: 2 },
      { kind: 'duplicate-ids', ids: ['k1'], count: 1 },
      { kind: 'bad-times', lines: [6], count: 1 },
    ]);
    for (const p of problems) expect(describeLabelsProblem(p)).toMatch(/\w/);
  });

  it('counts a duplicate written two ways (full and local id)', () => {
    expect(problemsOf('id,label\nk4,Adelie\nprod:k4,Adelie\n')).toEqual([
      { kind: 'duplicate-ids', ids: ['prod:k4'], count: 1 },
    ]);
  });

  it('shows ten examples and the count of the rest', () => {
    const lines = Array.from({ length: 15 }, (_, i) => `missing-${i},Adelie`);
    const [problem] = problemsOf(['id,label', ...lines].join('\n'));
    expect(problem).toMatchObject({ kind: 'unknown-ids', count: 15 });
    expect((problem as { ids: string[] }).ids).toHaveLength(10);
    expect(describeLabelsProblem(problem!)).toContain('and 5 more');
  });
});
