import { describe, expect, it } from 'vitest';
import { currentLabelsOf } from '../../src/persistence/annotations-repo';
import type { AnnotationRecord } from '../../src/persistence/schema';

let seq = 0;
function entry(overrides: Partial<AnnotationRecord>): AnnotationRecord {
  seq += 1;
  return {
    seq,
    projectId: 'p',
    itemId: 'a',
    label: 'cat',
    annotator: 'ann',
    sessionId: 's',
    kind: 'human',
    at: seq,
    ...overrides,
  };
}

describe('currentLabelsOf', () => {
  it('takes the latest label per item', () => {
    const log = [
      entry({ label: 'cat' }),
      entry({ itemId: 'b', label: 'dog' }),
      entry({ label: 'dog' }),
    ];
    expect(currentLabelsOf(log)).toEqual(
      new Map([
        ['a', 'dog'],
        ['b', 'dog'],
      ]),
    );
  });

  it('undo restores the label before the undone entry', () => {
    const first = entry({ label: 'cat' });
    const second = entry({ label: 'dog' });
    const log = [first, second, entry({ kind: 'undo', label: null, undoes: second.seq })];
    expect(currentLabelsOf(log).get('a')).toBe('cat');
  });

  it('a null label clears; skip and flag entries keep the label', () => {
    const a = [entry({ label: 'cat' }), entry({ label: null, flag: 'flagged' })];
    expect(currentLabelsOf(a).get('a')).toBe('cat');
    const b = [entry({ label: 'cat' }), entry({ label: null })];
    expect(currentLabelsOf(b).has('a')).toBe(false);
  });

  it('replays in sequence order whatever the order given', () => {
    const first = entry({ label: 'cat' });
    const second = entry({ label: 'dog' });
    expect(currentLabelsOf([second, first]).get('a')).toBe('dog');
  });
});
