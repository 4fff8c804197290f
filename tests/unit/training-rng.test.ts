import { describe, expect, it } from 'vitest';
import {
  createRng,
  deriveSeed,
  epochOrder,
  permutation,
  randInt,
  randNormal,
  shuffleInPlace,
} from '../../src/lib/rng';

describe('mulberry32', () => {
  it('produces the reference sequence', () => {
    // From an independent Python port of Tommy Ettinger's mulberry32 (32-bit arithmetic masked).
    const rng = createRng(0);
    expect([1, 2, 3, 4, 5].map(() => rng.nextUint32())).toEqual([
      1144304738, 1416247, 958946056, 627933444, 2007157716,
    ]);
    const r42 = createRng(42);
    expect([1, 2, 3].map(() => r42.nextUint32())).toEqual([2581720956, 1925393290, 3661312704]);
    // The widely quoted first float of mulberry32(0).
    expect(createRng(0).next()).toBe(0.26642920868471265);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(12345);
    const b = createRng(12345);
    const c = createRng(12346);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
    for (const v of sa) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });

  it('resumes from a saved state', () => {
    const a = createRng(7);
    a.next();
    a.next();
    const saved = a.state;
    const next = [a.next(), a.next()];
    const b = createRng(0);
    b.state = saved;
    expect([b.next(), b.next()]).toEqual(next);
  });

  it('derives independent per-purpose seeds deterministically', () => {
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(42, 2));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(43, 1));
    expect(Number.isInteger(deriveSeed(42, 1))).toBe(true);
    expect(deriveSeed(42, 1)).toBeGreaterThanOrEqual(0);
  });
});

describe('randInt', () => {
  it('stays in range and covers every value roughly uniformly', () => {
    const rng = createRng(1);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[randInt(rng, 6)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });

  it('rejects bad bounds', () => {
    const rng = createRng(1);
    expect(() => randInt(rng, 0)).toThrow(RangeError);
    expect(() => randInt(rng, 2.5)).toThrow(RangeError);
    expect(randInt(rng, 1)).toBe(0);
  });
});

describe('randNormal', () => {
  it('has mean ≈ 0 and variance ≈ 1', () => {
    const rng = createRng(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = randNormal(rng);
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});

describe('shuffleInPlace', () => {
  it('is a deterministic permutation for a seed', () => {
    const a = shuffleInPlace(
      Array.from({ length: 20 }, (_, i) => i),
      createRng(9),
    );
    const b = shuffleInPlace(
      Array.from({ length: 20 }, (_, i) => i),
      createRng(9),
    );
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('works on typed arrays and gives every permutation of 3 about equally often', () => {
    const rng = createRng(11);
    const seen = new Map<string, number>();
    for (let t = 0; t < 6000; t++) {
      const key = shuffleInPlace<number, Int32Array>(Int32Array.of(0, 1, 2), rng).join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.size).toBe(6);
    for (const c of seen.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('permutation(n) holds 0..n-1 once each', () => {
    const p = permutation(100, createRng(5));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('epochOrder', () => {
  it('is one permutation when the epoch is no longer than the set', () => {
    expect(Array.from(epochOrder(7, 7, createRng(3)))).toEqual(
      Array.from(permutation(7, createRng(3))),
    );
  });

  it('repeats whole fresh permutations and cuts the last one short', () => {
    const order = epochOrder(5, 13, createRng(9));
    expect(order).toHaveLength(13);
    const blocks = [0, 5, 10].map((o) => Array.from(order.subarray(o, Math.min(13, o + 5))));
    expect([...blocks[0]!].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...blocks[1]!].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(blocks[2]).toHaveLength(3);
    expect(new Set(blocks[2]).size).toBe(3);
    // The same draws as successive permutations from one generator.
    const rng = createRng(9);
    const expected = [
      ...permutation(5, rng),
      ...permutation(5, rng),
      ...permutation(5, rng).subarray(0, 3),
    ];
    expect(Array.from(order)).toEqual(expected);
  });
});
