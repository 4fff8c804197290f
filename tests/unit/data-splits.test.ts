import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SPLIT,
  HOLDOUT_FRACTION,
  assignSplits,
  isHoldout,
  murmur3,
  splitCounts,
  unitHash,
  type Split,
  type SplitItem,
} from '../../src/data';

/** A seeded Fisher–Yates shuffle (test helper). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const items = (n: number, label?: (i: number) => string | null): SplitItem[] =>
  Array.from({ length: n }, (_, i) => ({ itemId: `src:${i}`, label: label?.(i) ?? null }));

describe('murmur3 (MurmurHash3 x86_32)', () => {
  it('matches the reference test vectors', () => {
    // From smhasher / Wikipedia's MurmurHash article (seed 0x9747b28c), and seed-0 values of
    // Python's mmh3.hash(s, 0, signed=False).
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('test', 0x9747b28c)).toBe(0x704b81dc);
    expect(murmur3('Hello, world!', 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
    expect(murmur3('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3('abc', 0)).toBe(0xb3dd93fa);
  });
});

describe('splits', () => {
  it('unitHash is in [0, 1), depends on salt and seed', () => {
    const u = unitHash('a', 1, 'x');
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    expect(unitHash('a', 1, 'x')).toBe(u);
    expect(unitHash('a', 2, 'x')).not.toBe(u);
    expect(unitHash('a', 1, 'y')).not.toBe(u);
  });

  it('holdout takes about HOLDOUT_FRACTION of items and never depends on other items', () => {
    const all = items(20000);
    const holdout = all.filter((it) => isHoldout(it.itemId, 7));
    expect(holdout.length / all.length).toBeCloseTo(HOLDOUT_FRACTION, 1.5);
    const splits = assignSplits(all, 7, DEFAULT_SPLIT);
    for (const it of holdout) expect(splits.has(it.itemId)).toBe(false);
    expect(splits.size).toBe(all.length - holdout.length);
  });

  it('is deterministic regardless of input order (unlabelled and stratified)', () => {
    const labelled = items(3000, (i) => (i % 5 === 0 ? null : ['a', 'b', 'c'][i % 3]!));
    const a = assignSplits(labelled, 42, DEFAULT_SPLIT);
    const b = assignSplits(shuffled(labelled, 9), 42, DEFAULT_SPLIT);
    expect([...b].sort()).toEqual([...a].sort());
    const other = assignSplits(labelled, 43, DEFAULT_SPLIT);
    expect([...other].sort()).not.toEqual([...a].sort());
  });

  it('unlabelled items keep their split when items are added', () => {
    const before = assignSplits(items(1000), 3, DEFAULT_SPLIT);
    const after = assignSplits(items(5000), 3, DEFAULT_SPLIT);
    for (const [id, split] of before) expect(after.get(id)).toBe(split);
    const counts = { train: 0, validation: 0, test: 0 };
    for (const s of after.values()) counts[s]++;
    expect(counts.train / after.size).toBeCloseTo(0.7, 1);
  });

  it('stratifies: each class gets round(n·f) per split', () => {
    // Class sizes before the holdout is removed; count the non-holdout members afterwards.
    const sizes: Record<string, number> = { big: 900, mid: 95, tiny: 7 };
    const all: SplitItem[] = [];
    for (const [label, n] of Object.entries(sizes)) {
      for (let i = 0; i < n; i++) all.push({ itemId: `s:${label}${i}`, label });
    }
    const splits = assignSplits(all, 11, DEFAULT_SPLIT);
    for (const label of Object.keys(sizes)) {
      const members = all.filter((it) => it.label === label && splits.has(it.itemId));
      const got: Record<Split, number> = { train: 0, validation: 0, test: 0 };
      for (const it of members) got[splits.get(it.itemId)!]++;
      const [train, validation, test] = splitCounts(members.length, DEFAULT_SPLIT);
      expect(got, label).toEqual({ train, validation, test });
      for (const [k, f] of Object.entries(DEFAULT_SPLIT)) {
        expect(Math.abs(got[k as Split] - members.length * f), `${label} ${k}`).toBeLessThan(1);
      }
    }
  });

  it('splitCounts uses largest remainders and sums to n', () => {
    expect(splitCounts(10, DEFAULT_SPLIT)).toEqual([7, 2, 1]); // 7, 1.5, 1.5 → tie to validation
    expect(splitCounts(1, DEFAULT_SPLIT)).toEqual([1, 0, 0]);
    expect(splitCounts(0, DEFAULT_SPLIT)).toEqual([0, 0, 0]);
    for (let n = 0; n < 50; n++) {
      expect(splitCounts(n, { train: 1, validation: 1, test: 1 }).reduce((a, b) => a + b)).toBe(n);
    }
    expect(() => splitCounts(3, { train: 0, validation: 0, test: 0 })).toThrow(RangeError);
  });
});
