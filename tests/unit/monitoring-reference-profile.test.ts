import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/lib/rng';
import {
  heldOutAccuracy,
  profileAccuracy,
  withHeldOutAccuracy,
  histogram,
  isReferenceProfile,
  predictionProfile,
  profileSize,
  quantileOfSorted,
  ReferenceProfileBuilder,
} from '../../src/monitoring/reference-profile';

function data(n: number) {
  const rng = createRng(11);
  const v = new Float64Array(n);
  const c: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    v[i] = i % 17 === 0 ? Number.NaN : rng.next() * 100;
    c.push(i % 13 === 0 ? null : ['a', 'b', 'c'][i % 3]!);
  }
  return { v, c, ids: Array.from({ length: n }, (_, i) => `i${i}`) };
}

describe('reference profile', () => {
  it('small pools are profiled exactly: moments, quantiles, histogram, category counts', () => {
    const { v, c, ids } = data(600);
    const b = new ReferenceProfileBuilder([
      { name: 'v', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
    ]);
    // Two chunks, as the service streams them.
    b.addRows({ v: v.subarray(0, 250), c: c.slice(0, 250) }, ids.slice(0, 250));
    b.addRows({ v: v.subarray(250), c: c.slice(250) }, ids.slice(250));
    const p = b.finish({ createdAt: 1 });
    expect(p.rows).toBe(600);
    expect(p.sampleItemIds).toEqual(ids);
    const present = Array.from(v).filter((x) => !Number.isNaN(x));
    const f = p.features[0]!;
    if (f.kind !== 'numeric') throw new Error('numeric expected');
    expect(f.count).toBe(present.length);
    expect(f.missing).toBe(600 - present.length);
    const mean = present.reduce((s, x) => s + x, 0) / present.length;
    const std = Math.sqrt(present.reduce((s, x) => s + (x - mean) ** 2, 0) / present.length);
    expect(f.mean).toBeCloseTo(mean, 10);
    expect(f.std).toBeCloseTo(std, 10);
    const sorted = [...present].sort((a, b) => a - b);
    // numpy.quantile(…, method='linear'): h = (n − 1)q.
    const q = (p: number) => {
      const h = (sorted.length - 1) * p;
      const lo = Math.floor(h);
      return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
    };
    for (const { q: level, value } of f.quantiles) expect(value).toBeCloseTo(q(level), 10);
    expect(f.histogram.counts.reduce((s, x) => s + x, 0)).toBe(present.length);
    expect(f.sample.filter((x) => x === null).length).toBe(600 - present.length);
    const cat = p.features[1]!;
    if (cat.kind === 'numeric') throw new Error('categorical expected');
    const count = (k: string) => c.filter((x) => x === k).length;
    expect(Object.fromEntries(cat.categories.map((k, i) => [k, cat.counts[i]]))).toEqual({
      a: count('a'),
      b: count('b'),
      c: count('c'),
    });
    expect(cat.missing).toBe(c.filter((x) => x === null).length);
    expect(isReferenceProfile(p)).toBe(true);
    expect(isReferenceProfile({ version: 0 })).toBe(false);
  });

  it('the reservoir is bounded, seeded, row-aligned and roughly uniform', () => {
    const { v, c, ids } = data(20_000);
    const make = (seed: number) => {
      const b = new ReferenceProfileBuilder(
        [
          { name: 'v', kind: 'numeric' },
          { name: 'c', kind: 'categorical' },
        ],
        { seed, maxSampleValues: 2000 },
      );
      b.addRows({ v, c }, ids);
      return b.finish({ createdAt: 0 });
    };
    const p = make(1);
    expect(p.sampleItemIds.length).toBe(1000); // 2,000 values / 2 features
    expect(make(1)).toEqual(p);
    expect(make(2).sampleItemIds).not.toEqual(p.sampleItemIds);
    const f = p.features[0]!;
    const cat = p.features[1]!;
    if (f.kind !== 'numeric' || cat.kind === 'numeric') throw new Error('kinds');
    p.sampleItemIds.forEach((id, k) => {
      const row = Number(id.slice(1));
      const x = v[row]!;
      expect(f.sample[k]).toBe(Number.isNaN(x) ? null : x);
      const s = cat.sample[k];
      expect(s === null || s === undefined ? null : cat.categories[s]).toBe(c[row]);
    });
    // Uniform over rows: mean row index ≈ 10,000 (sd of the mean ≈ 5,774/√1000 ≈ 183).
    const meanRow =
      p.sampleItemIds.reduce((s, id) => s + Number(id.slice(1)), 0) / p.sampleItemIds.length;
    expect(Math.abs(meanRow - 10_000)).toBeLessThan(800);
    expect(profileSize(p)).toBeLessThan(200_000);
  });

  it('prediction profile: arg-max counts, entropy and top probability per row', () => {
    const probs = [0.9, 0.1, 0.2, 0.8, 0.5, 0.5];
    const p = predictionProfile(probs, ['a', 'b'], { value: 0.8, count: 10 });
    expect(p.rows).toBe(3);
    expect(p.classCounts).toEqual([2, 1]); // ties go to the lower class
    expect(p.maxProb).toEqual([0.9, 0.8, 0.5]);
    expect(p.entropy[2]).toBeCloseTo(Math.log(2), 12);
    expect(p.accuracy).toBe(0.8);
  });

  it('reference accuracy: the test split when it has ≥ 30 labels, else validation', () => {
    const both = { valAccuracy: 0.95, valCount: 60, testAccuracy: 0.9, testCount: 40 };
    expect(heldOutAccuracy(both)).toEqual({ value: 0.9, count: 40 });
    expect(heldOutAccuracy({ ...both, testCount: 29 })).toEqual({ value: 0.95, count: 60 });
    expect(heldOutAccuracy({ valAccuracy: 0.95 })).toEqual({ value: 0.95, count: null });
    expect(
      heldOutAccuracy({ valAccuracy: Number.NaN, testAccuracy: 0.9, testCount: 5 }),
    ).toBeNull();
    expect(heldOutAccuracy({})).toBeNull();
    const p = predictionProfile([0.9, 0.1], ['a', 'b'], heldOutAccuracy(both));
    expect(profileAccuracy(p)).toEqual({ value: 0.9, count: 40 });
    expect(profileAccuracy({ ...p, accuracy: null })).toBeNull();
    expect(profileAccuracy(null)).toBeNull();
  });

  it('withHeldOutAccuracy: sets the reference from the metrics, same object when unchanged', () => {
    const p = new ReferenceProfileBuilder([], { seed: 1 }).finish({
      predictions: predictionProfile([0.9, 0.1], ['a', 'b'], { value: 0.95, count: null }),
    });
    const metrics = { valAccuracy: 0.95, valCount: 60, testAccuracy: 0.9, testCount: 40 };
    const q = withHeldOutAccuracy(p, metrics);
    expect(q).not.toBe(p);
    expect(profileAccuracy(q.predictions)).toEqual({ value: 0.9, count: 40 });
    expect(p.predictions!.accuracy).toBe(0.95); // the input is not changed
    expect(withHeldOutAccuracy(q, metrics)).toBe(q);
    expect(withHeldOutAccuracy(p, {})).toBe(p);
  });

  it('helpers: numpy-style quantile and histogram', () => {
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([], 0.5)).toBe(0);
    const h = histogram([0, 1, 2, 10], 0, 10, 5);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 1, 0, 0, 1]);
  });
});
