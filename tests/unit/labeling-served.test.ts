import { describe, expect, it } from 'vitest';
import { servedSuggestions } from '../../src/labeling/served';

const rec = (
  seq: number,
  itemId: string,
  modelId: string,
  label: string,
  p: number[],
  version?: number,
) => ({
  seq,
  itemId,
  modelId,
  label,
  probabilities: p,
  ...(version === undefined ? {} : { version }),
});

describe('servedSuggestions', () => {
  const classes = ['a', 'b', 'c'];

  it('takes the newest prediction per item, its label and that label’s probability', () => {
    const out = servedSuggestions(
      [
        rec(1, 'x', 'm1', 'a', [0.6, 0.3, 0.1], 1),
        rec(5, 'x', 'm2', 'c', [0.1, 0.2, 0.7], 2),
        rec(3, 'y', 'm1', 'b', [0.2, 0.75, 0.05]),
      ],
      classes,
    );
    expect(out.get('x')).toEqual({ classId: 'c', confidence: 0.7, version: 2 });
    expect(out.get('y')).toEqual({ classId: 'b', confidence: 0.75, version: null });
    expect(out.size).toBe(2);
  });

  it('prefers the model the Monitor flagged the item under, newest among its predictions', () => {
    const records = [
      rec(1, 'x', 'm1', 'a', [0.6, 0.3, 0.1], 1),
      rec(2, 'x', 'm1', 'b', [0.3, 0.6, 0.1], 1),
      rec(9, 'x', 'm2', 'c', [0.1, 0.2, 0.7], 2),
    ];
    expect(servedSuggestions(records, classes, new Map([['x', 'm1']])).get('x')).toEqual({
      classId: 'b',
      confidence: 0.6,
      version: 1,
    });
    // A flagging model with no prediction of the item: the newest of any model.
    expect(servedSuggestions(records, classes, new Map([['x', 'm3']])).get('x')?.classId).toBe('c');
  });

  it('ignores labels that are no longer project classes; a missing probability is NaN', () => {
    const out = servedSuggestions(
      [rec(1, 'x', 'm', 'gone', [1, 0, 0]), rec(2, 'y', 'm', 'c', [0.5, 0.5])],
      classes,
    );
    expect(out.has('x')).toBe(false);
    expect(out.get('y')?.confidence).toBeNaN();
  });
});
