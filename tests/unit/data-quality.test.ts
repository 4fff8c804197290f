import { describe, expect, it } from 'vitest';
import {
  ChunkBuilder,
  FINDING_SAMPLE_IDS,
  computeQuality,
  dHash64,
  findNearDuplicateImages,
  findNearDuplicateTexts,
  hamming,
  jaccard,
  minHashSignature,
  estimatedJaccard,
  shingles,
  type ColumnPlan,
  type QualityFinding,
  type QualityReport,
} from '../../src/data';
import type { ChunkRecord, ColumnSchema } from '../../src/persistence/schema';
import { dataGolden, expectClose } from './data-golden';

/** Builds a source from rows of cell texts; returns its schema and chunks (small chunks on purpose). */
function source(
  plans: ColumnPlan[],
  rows: (string | null)[][],
  chunkRows = 16,
): { columns: ColumnSchema[]; chunks: ChunkRecord[] } {
  const r = ChunkBuilder.create('s', plans, { kind: 'row' }, { chunkRows });
  if (!r.ok) throw new Error('create');
  for (const row of rows) r.value.push(row);
  const chunks = r.value.finish();
  return { columns: r.value.schema(), chunks };
}

const find = (report: QualityReport, kind: QualityFinding['kind'], column?: string) =>
  report.findings.find(
    (f) => f.kind === kind && (column === undefined || ('column' in f && f.column === column)),
  );

async function* asAsync<T>(xs: T[]): AsyncIterable<T> {
  for (const x of xs) {
    await Promise.resolve();
    yield x;
  }
}

describe('computeQuality', () => {
  it('numeric summary and outliers match numpy/scipy, streamed over chunks', async () => {
    for (const name of ['f32', 'skewed', 'small']) {
      const g = dataGolden.datasets[name]!;
      const { columns, chunks } = source(
        [{ name: 'v', type: 'numeric', role: 'feature' }],
        g.values.map((v) => [String(v)]),
      );
      const report = await computeQuality(columns, asAsync(chunks), { now: 1 });
      const col = report.columns[0]!;
      const s = col.numeric!;
      // float32 storage: 1e-6 relative.
      expectClose(s.mean, g.mean, 1e-6, `${name} mean`);
      expectClose(s.std, g.std, 1e-6, `${name} std`);
      expectClose(s.min, g.min, 1e-6, `${name} min`);
      expectClose(s.q1, g.q1, 1e-6, `${name} q1`);
      expectClose(s.median, g.median, 1e-6, `${name} median`);
      expectClose(s.q3, g.q3, 1e-6, `${name} q3`);
      expectClose(s.max, g.max, 1e-6, `${name} max`);
      expect(col.sampled).toBe(false);
      expect(col.histogram!.counts.reduce((a, b) => a + b)).toBe(g.values.length);
      const outliers = find(report, 'outliers', 'v');
      expect(outliers?.itemIds ?? [], name).toEqual(g.outliers.map((i) => `s:${i}`));
      expect(report.computedAt).toBe(1);
      expect(report.rowCount).toBe(g.values.length);
    }
  });

  it('reports missing values (warning from 20%), constant columns and top categories', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => [
      i < 12 ? 'NA' : String(i),
      i < 3 ? '' : 'x',
      ['a', 'b', 'b', 'c', 'c', 'c'][i % 6]!,
      'same',
    ]);
    const { columns, chunks } = source(
      [
        { name: 'age', type: 'integer', role: 'feature' },
        { name: 'tag', type: 'categorical', role: 'feature' },
        { name: 'grp', type: 'categorical', role: 'feature' },
        { name: 'k', type: 'text', role: 'feature' },
      ],
      rows,
    );
    const report = await computeQuality(columns, chunks);
    const age = find(report, 'missing', 'age')!;
    expect(age.severity).toBe('warning'); // 24%
    expect(age.count).toBe(12);
    expect(age.itemIds).toEqual(Array.from({ length: 12 }, (_, i) => `s:${i}`));
    expect(age.message).toBe('Column “age” is missing in 24% of rows (12 of 50).');
    expect(find(report, 'missing', 'tag')!.severity).toBe('info'); // 6%
    expect(find(report, 'constant', 'tag')).toBeDefined();
    expect(find(report, 'constant', 'k')).toBeDefined();
    expect(find(report, 'constant', 'grp')).toBeUndefined();
    const grp = report.columns.find((c) => c.name === 'grp')!;
    expect(grp.topCategories).toEqual([
      { value: 'c', count: 24 },
      { value: 'b', count: 17 },
      { value: 'a', count: 9 },
    ]);
    expect(grp.distinct).toBe(3);
    const ageCol = report.columns.find((c) => c.name === 'age')!;
    expect(ageCol.missingPct).toBeCloseTo(24, 12);
    expect(ageCol.distinct).toBe(38);
    expect(ageCol.constant).toBe(false);
  });

  it('groups exact duplicates and near-duplicates (excluding exact copies), on feature columns only', async () => {
    const rows: (string | null)[][] = [];
    for (let i = 0; i < 40; i++) rows.push([`id${i}`, String(i * 10), i % 2 ? 'a' : 'b']);
    rows.push(['id40', '50', 'b']); // exact copy of row 5? row 5 is '50','a' → no: copy of none
    rows.push(['id41', '100', 'b']); // exact copy of row 10 ('100','b')
    rows.push(['id42', '100.01', 'b']); // near row 10 (0.01 ≪ 0.05 σ ≈ 0.6)
    rows.push(['id43', '100', 'b']); // another exact copy of row 10
    const { columns, chunks } = source(
      [
        { name: 'key', type: 'identifier', role: 'id' },
        { name: 'x', type: 'numeric', role: 'feature' },
        { name: 'c', type: 'categorical', role: 'feature' },
      ],
      rows,
    );
    const report = await computeQuality(columns, chunks);
    const exact = find(report, 'exact-duplicates');
    expect(exact && 'groups' in exact && exact.groups).toEqual([['s:10', 's:41', 's:43']]);
    expect(exact!.count).toBe(3);
    const near = find(report, 'near-duplicates');
    expect(near && 'groups' in near && near.groups).toEqual([['s:10', 's:42']]);
  });

  it('reports class imbalance from a label map and from a target column', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => [String(i), i < 55 ? 'spam' : 'ham']);
    const { columns, chunks } = source(
      [
        { name: 'x', type: 'integer', role: 'feature' },
        { name: 'label', type: 'categorical', role: 'target' },
      ],
      rows,
    );
    const fromTarget = await computeQuality(columns, chunks);
    const imb = find(fromTarget, 'class-imbalance');
    if (imb?.kind !== 'class-imbalance') throw new Error('no imbalance finding');
    expect(imb.severity).toBe('warning');
    expect(imb.ratio).toBe(11);
    expect(imb.classCounts.map((c) => [c.classId, c.count])).toEqual([
      ['spam', 55],
      ['ham', 5],
    ]);
    expect(imb.itemIds).toEqual(['s:55', 's:56', 's:57', 's:58', 's:59']);

    const labels = new Map<string, string>();
    for (let i = 0; i < 30; i++) labels.set(`s:${i}`, i % 3 === 0 ? 'c1' : 'c0');
    labels.set('other:1', 'c1'); // another source: ignored
    const balanced = await computeQuality(columns, chunks, {
      labels,
      classNames: new Map([
        ['c0', 'Cat'],
        ['c1', 'Dog'],
      ]),
    });
    const info = find(balanced, 'class-imbalance');
    if (info?.kind !== 'class-imbalance') throw new Error('no imbalance finding');
    expect(info.severity).toBe('info');
    expect(info.ratio).toBe(2);
    const withEmpty = await computeQuality(columns, chunks, {
      labels,
      classNames: new Map([
        ['c0', 'Cat'],
        ['c1', 'Dog'],
        ['c2', 'Bird'],
      ]),
    });
    const empty = find(withEmpty, 'class-imbalance');
    if (empty?.kind !== 'class-imbalance') throw new Error('no imbalance finding');
    expect(empty.ratio).toBeNull();
    expect(empty.message).toMatch(/“Bird” has no examples/);
  });

  it('flags identifier-like categorical columns', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => [`u${i}`, String(i % 4)]);
    const { columns, chunks } = source(
      [
        { name: 'user', type: 'categorical', role: 'feature' },
        { name: 'x', type: 'integer', role: 'feature' },
      ],
      rows,
      64,
    );
    const report = await computeQuality(columns, chunks);
    const hc = find(report, 'high-cardinality', 'user');
    expect(hc?.severity).toBe('warning');
    expect(hc?.count).toBe(200);
  });

  it('samples large sources: bounded sample, exact counts and moments, deterministic by seed', async () => {
    const n = 3000;
    const rows = Array.from({ length: n }, (_, i) => [
      String((i * 37) % 1000),
      i % 10 === 0 ? '' : 'a',
    ]);
    const { columns, chunks } = source(
      [
        { name: 'x', type: 'integer', role: 'feature' },
        { name: 'c', type: 'categorical', role: 'feature' },
      ],
      rows,
      256,
    );
    const a = await computeQuality(columns, chunks, { maxSample: 500, seed: 3, now: 0 });
    const b = await computeQuality(columns, chunks, { maxSample: 500, seed: 3, now: 0 });
    expect(b).toEqual(a);
    expect(a.sampleSize).toBe(500);
    const x = a.columns[0]!;
    expect(x.sampled).toBe(true);
    expect(x.numeric!.mean).toBeCloseTo(499.5, 9);
    expect(x.numeric!.min).toBe(0);
    expect(x.numeric!.max).toBe(999);
    expect(x.numeric!.median).toBeGreaterThan(400);
    expect(x.numeric!.median).toBeLessThan(600);
    expect(x.histogram!.counts.reduce((s, c) => s + c)).toBe(500);
    expect(find(a, 'missing', 'c')!.count).toBe(300);
    expect(find(a, 'missing', 'c')!.itemIds.length).toBe(FINDING_SAMPLE_IDS);
    // Rows i, i + 1000, i + 2000 are identical: exact duplicates use every row, not the sample.
    expect(find(a, 'exact-duplicates')!.count).toBe(n);
  });

  it('finds near-duplicate texts in text columns', async () => {
    const base = 'Congratulations, you have won a free cruise to the Bahamas, call now to claim it';
    const rows = [
      [base],
      [base.replace('now', 'today')],
      ['Meeting moved to Thursday at 3pm, please update your calendars accordingly'],
      ['Lunch?'],
    ];
    const { columns, chunks } = source([{ name: 'body', type: 'text', role: 'feature' }], rows);
    const report = await computeQuality(columns, chunks);
    const near = find(report, 'near-duplicates');
    expect(near && 'groups' in near && near.groups).toEqual([['s:0', 's:1']]);
    expect(near && 'column' in near && near.column).toBe('body');
  });

  it('handles an empty source', async () => {
    const report = await computeQuality(
      [{ name: 'x', type: 'numeric', storage: 'f32', role: 'feature' }],
      [],
    );
    expect(report.rowCount).toBe(0);
    expect(report.findings).toEqual([]);
    expect(report.columns[0]!.numeric).toBeUndefined();
  });
});

describe('image near-duplicates (dHash)', () => {
  /** A w×h grayscale image from a function of (x, y). */
  const image = (w: number, h: number, f: (x: number, y: number) => number): Float32Array =>
    Float32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

  it('hashes gradients and is invariant to brightness and contrast', () => {
    const up = image(64, 48, (x) => x);
    expect(dHash64(up, 64, 48)).toBe(0xffffffffffffffffn);
    expect(
      dHash64(
        image(64, 48, (x) => -x),
        64,
        48,
      ),
    ).toBe(0n);
    const scene = image(
      90,
      80,
      (x, y) => Math.sin(x / 7) * 50 + Math.cos(y / 5) * 40 + ((x * y) % 13),
    );
    const brighter = scene.map((v) => v * 1.3 + 20);
    expect(dHash64(brighter, 90, 80)).toBe(dHash64(scene, 90, 80));
    // 9×8 input: no resampling, bits are the comparisons themselves (MSB = row 0, col 0).
    const tiny = new Uint8Array(72);
    tiny[1] = 10; // row 0: pixel 1 > pixel 0 → first bit set; pixel 2 < pixel 1 → second bit clear
    expect(dHash64(tiny, 9, 8)).toBe(1n << 63n);
    expect(() => dHash64(tiny, 10, 10)).toThrow(RangeError);
  });

  it('hamming counts differing bits', () => {
    expect(hamming(0n, 0n)).toBe(0);
    expect(hamming(0xffffffffffffffffn, 0n)).toBe(64);
    expect(hamming(0b1011n, 0b0110n)).toBe(3);
    expect(hamming(1n << 63n, 1n)).toBe(2);
  });

  it('groups hashes within maxDistance (multi-index search equals brute force)', () => {
    let s = 12345;
    const rand32 = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const hashes: { itemId: string; hash: bigint }[] = [];
    for (let i = 0; i < 300; i++) {
      hashes.push({ itemId: `i${i}`, hash: (BigInt(rand32()) << 32n) | BigInt(rand32()) });
    }
    // Near copies with 1–5 flipped bits, and exact copies.
    for (let k = 0; k < 40; k++) {
      const src = hashes[k]!.hash;
      let h = src;
      for (let b = 0; b <= k % 5; b++) h ^= 1n << BigInt(rand32() % 64);
      hashes.push({ itemId: `n${k}`, hash: h });
    }
    hashes.push({ itemId: 'copy', hash: hashes[299]!.hash });
    const groups = findNearDuplicateImages(hashes, 4);
    // Brute force reference: connected components of pairs within 4 bits.
    const parent = hashes.map((_, i) => i);
    const root = (x: number): number => (parent[x] === x ? x : (parent[x] = root(parent[x]!)));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        if (hamming(hashes[i]!.hash, hashes[j]!.hash) <= 4) parent[root(j)] = root(i);
      }
    }
    const byRoot = new Map<number, string[]>();
    hashes.forEach((h, i) => byRoot.set(root(i), [...(byRoot.get(root(i)) ?? []), h.itemId]));
    const expected = [...byRoot.values()].filter((g) => g.length > 1);
    const norm = (gs: string[][]) => gs.map((g) => [...g].sort()).sort();
    expect(norm(groups)).toEqual(norm(expected));
    expect(groups.length).toBeGreaterThan(20);
    expect(norm(groups)).toContainEqual(['copy', 'i299']);
  });
});

describe('text near-duplicates (shingles, MinHash, LSH)', () => {
  it('shingles normalise case and whitespace', () => {
    expect([...shingles('Ab  CDef')]).toEqual(['ab cd', 'b cde', ' cdef']);
    expect([...shingles('hi')]).toEqual(['hi']);
    expect([...shingles('the cat sat on it', { kind: 'words' })]).toEqual([
      'the cat sat',
      'cat sat on',
      'sat on it',
    ]);
  });

  it('MinHash estimates Jaccard similarity', () => {
    const a = new Set(Array.from({ length: 400 }, (_, i) => `s${i}`));
    const b = new Set(Array.from({ length: 400 }, (_, i) => `s${i + 100}`)); // J = 300/500 = 0.6
    expect(jaccard(a, b)).toBeCloseTo(0.6, 12);
    const est = estimatedJaccard(minHashSignature(a, 1), minHashSignature(b, 1));
    expect(Math.abs(est - 0.6)).toBeLessThan(0.2); // 64 permutations: σ ≈ 0.06
    expect(estimatedJaccard(minHashSignature(a), minHashSignature(new Set(a)))).toBe(1);
  });

  it('finds pairs at or above the threshold, verified exactly', () => {
    const words =
      'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon'.split(
        ' ',
      );
    const doc = (k: number) => words.map((w, i) => (i === k ? `${w}x` : w)).join(' ');
    const texts = [
      { itemId: 'a', text: doc(-1) },
      { itemId: 'b', text: doc(19) }, // one word changed at the end: J high
      { itemId: 'c', text: [...words].reverse().join(' ') },
      { itemId: 'd', text: 'something else entirely, unrelated to the rest' },
    ];
    const groups = findNearDuplicateTexts(texts, 0.8);
    expect(groups).toEqual([['a', 'b']]);
    const ja = jaccard(shingles(texts[0]!.text), shingles(texts[1]!.text));
    expect(ja).toBeGreaterThanOrEqual(0.8);
    expect(findNearDuplicateTexts(texts, ja + 1e-9)).toEqual([]);
  });
});
