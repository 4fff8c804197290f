// The import panel's default roles and the whole-file type evidence (issue 18, items 1 and 2).
import { describe, expect, it } from 'vitest';
import {
  decodeLabelChoice,
  encodeLabelChoice,
  guessTarget,
  guessTime,
  wholeFileReason,
} from '../../src/data/import-choices';
import { ColumnEvidence, EVIDENCE_DISTINCT_CAP, inferColumn } from '../../src/data/infer-schema';

const column = (name: string, cells: string[]) => inferColumn(name, cells);

describe('guessTarget', () => {
  it('prefers the column holding the class names over one named `y`', () => {
    const cols = [
      column('id', ['1', '2', '3']),
      column('x', ['0.5', '1', '2']),
      column('y', ['0.1', '0.2', '0.3']),
      column('label', ['left', 'right', 'left']),
    ];
    expect(guessTarget(cols, null, ['left', 'right'])).toBe('label');
  });

  it('counts whole-file values, not the first examples', () => {
    const cols = [
      { ...column('kind', ['a', 'b']), values: [{ value: 'Chinstrap', count: 3 }] },
      { ...column('group', ['Adelie']), values: [{ value: 'Adelie', count: 40 }] },
    ];
    expect(guessTarget(cols, null, ['Adelie', 'Chinstrap'])).toBe('group');
  });

  it('without class hits, a `label` column beats `y`, whatever the column order', () => {
    const cols = [column('y', ['1', '2']), column('label', ['p', 'q'])];
    expect(guessTarget(cols, null, ['cat', 'dog'])).toBe('label');
    expect(guessTarget([column('y', ['1', '2'])], null, ['cat'])).toBe('y');
  });

  it("keeps the project's own target column first", () => {
    const cols = [column('label', ['cat']), column('outcome', ['x'])];
    expect(guessTarget(cols, 'outcome', ['cat'])).toBe('outcome');
  });
});

describe('guessTime', () => {
  it('takes the first datetime column that has no other role', () => {
    const cols = [
      column('at', ['2024-01-01', '2024-01-02']),
      column('seen', ['2024-02-01', '2024-02-02']),
    ];
    expect(guessTime(cols, [])).toBe('at');
    expect(guessTime(cols, ['at'])).toBe('seen');
    expect(guessTime([column('n', ['1', '2'])], [])).toBeUndefined();
  });
});

describe('ColumnEvidence over a whole file', () => {
  it('a late non-yes/no value makes a "boolean" column categorical', () => {
    const evidence = new ColumnEvidence('flag');
    for (let i = 0; i < 300; i++) evidence.add(i % 2 ? 'yes' : 'no');
    expect(evidence.infer().type).toBe('boolean');
    evidence.add('maybe');
    expect(evidence.infer().type).toBe('categorical');
    expect(evidence.values()).toEqual([
      { value: 'no', count: 150 },
      { value: 'yes', count: 150 },
      { value: 'maybe', count: 1 },
    ]);
  });

  it('past the cap, distinct values are a lower bound and the column is not a category', () => {
    const evidence = new ColumnEvidence('code');
    for (let i = 0; i < EVIDENCE_DISTINCT_CAP + 10; i++) evidence.add(`c${i}`);
    expect(evidence.capped).toBe(true);
    expect(evidence.distinct).toBe(EVIDENCE_DISTINCT_CAP);
    const inferred = evidence.infer();
    expect(inferred.type).toBe('identifier');
    expect(inferred.reason).not.toContain('categor');
  });

  it('says what the first rows suggested when the whole file disagrees', () => {
    const sample = column('flag', ['yes', 'no']);
    const whole = column('flag', ['yes', 'no', 'maybe']);
    expect(wholeFileReason(sample, whole, 200)).toBe(
      `The first 200 rows looked boolean, the whole file does not: ${whole.reason}`,
    );
    const constant = column('status', ['ok', 'ok']);
    const varied = column('status', ['ok', 'late']);
    expect(wholeFileReason(constant, varied, 200)).toContain('the first 200 rows had 1 distinct');
  });
});

describe('label choices as select values', () => {
  it('round-trips every kind, and "" is undecided', () => {
    for (const choice of [
      { kind: 'class', classId: 'c-1' },
      { kind: 'new-class' },
      { kind: 'skip' },
      { kind: 'no-label' },
    ] as const) {
      expect(decodeLabelChoice(encodeLabelChoice(choice))).toEqual(choice);
    }
    expect(decodeLabelChoice('')).toBeUndefined();
    expect(encodeLabelChoice(undefined)).toBe('');
  });
});
