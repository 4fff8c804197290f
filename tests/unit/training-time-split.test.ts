// The time-aware split (issue 18.6), pure part: order by time, cut at the split fractions, ties by
// id, items without a time train, the frozen holdout untouched; and the config option's check.
import { describe, expect, it } from 'vitest';
import { isHoldout } from '../../src/data/splits';
import { DEFAULT_SPLIT } from '../../src/data/types';
import { presetConfig, trainConfigErrors } from '../../src/training/config';
import { assignSplitsByTime, timeAt, timeColumnOf } from '../../src/training/time-split';

/** `n` items whose time runs against their id order, one in `gap` without a time. */
function timedItems(n: number, gap = 0) {
  return Array.from({ length: n }, (_, i) => ({
    itemId: `item-${String(i).padStart(4, '0')}`,
    time: gap > 0 && i % gap === 0 ? null : (n - i) * 1000,
  }));
}

describe('assignSplitsByTime', () => {
  it('trains on the oldest, validates on the next, tests on the newest', () => {
    const items = timedItems(200);
    const { splits, untimed } = assignSplitsByTime(items, 7, DEFAULT_SPLIT);
    expect(untimed).toBe(0);
    const timeOf = new Map(items.map((it) => [it.itemId, it.time!]));
    const times = (split: string) =>
      [...splits].filter(([, s]) => s === split).map(([id]) => timeOf.get(id)!);
    const [train, validation, test] = [times('train'), times('validation'), times('test')];
    expect(Math.max(...train)).toBeLessThan(Math.min(...validation));
    expect(Math.max(...validation)).toBeLessThan(Math.min(...test));
    // Holdout items get no split, as with the random split.
    const holdout = items.filter((it) => isHoldout(it.itemId, 7)).length;
    expect(holdout).toBeGreaterThan(0);
    expect(splits.size).toBe(200 - holdout);
    // Largest-remainder counts of the non-holdout items: 70 / 15 / 15 %.
    expect(test.length).toBe(Math.round((200 - holdout) * 0.15));
  });

  it('does not depend on input order; ties in time go by item id', () => {
    const items = timedItems(60).map((it) => ({
      ...it,
      time: Math.floor((it.time ?? 0) / 10_000),
    }));
    const a = assignSplitsByTime(items, 3, DEFAULT_SPLIT).splits;
    const b = assignSplitsByTime([...items].reverse(), 3, DEFAULT_SPLIT).splits;
    expect([...b].sort()).toEqual([...a].sort());
  });

  it('puts items without a time in train and counts them', () => {
    const items = timedItems(100, 10);
    const { splits, untimed } = assignSplitsByTime(items, 7, DEFAULT_SPLIT);
    const missing = items.filter((it) => it.time === null && !isHoldout(it.itemId, 7));
    expect(untimed).toBe(missing.length);
    for (const it of missing) expect(splits.get(it.itemId)).toBe('train');
  });
});

describe('reading times', () => {
  it('finds the time column and reads f64, text and category times', () => {
    expect(
      timeColumnOf({ columns: [{ name: 't', type: 'datetime', storage: 'f64', role: 'time' }] }),
    ).toBe('t');
    expect(timeColumnOf({ timeColumn: 'ts', columns: [] })).toBe('ts');
    expect(timeColumnOf({ columns: [] })).toBeUndefined();
    const f64 = {
      kind: 'f64' as const,
      values: Float64Array.of(5, 6),
      missing: Uint8Array.of(0, 1),
    };
    expect([timeAt(f64, 0), timeAt(f64, 1)]).toEqual([5, null]);
    const str = { kind: 'str' as const, values: ['2024-01-02T00:00:00Z', 'soon'] };
    expect([timeAt(str, 0), timeAt(str, 1)]).toEqual([Date.UTC(2024, 0, 2), null]);
    const cat = { kind: 'i32' as const, codes: Int32Array.of(0, -1), vocab: ['2024-01-02'] };
    expect([timeAt(cat, 0), timeAt(cat, 1)]).toEqual([Date.UTC(2024, 0, 2), null]);
  });
});

describe('TrainConfig.splitBy', () => {
  it('accepts random, time and absent; refuses anything else', () => {
    const base = presetConfig('tabular', 'fast', 1);
    expect(trainConfigErrors(base)).toEqual([]);
    expect(trainConfigErrors({ ...base, splitBy: 'time' })).toEqual([]);
    expect(trainConfigErrors({ ...base, splitBy: 'random' })).toEqual([]);
    const bad = { ...base, splitBy: 'newest' } as unknown as typeof base;
    expect(trainConfigErrors(bad)).toEqual([
      { kind: 'invalid-choice', field: 'splitBy', value: 'newest', allowed: ['random', 'time'] },
    ]);
  });
});
