import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ChunkBuilder,
  chunkDigest,
  labelSetDigest,
  sha256Hex,
  sourceDigest,
  type ColumnPlan,
} from '../../src/data';
import type { ChunkRecord } from '../../src/persistence/schema';

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/data-stats.json', import.meta.url), 'utf8'),
) as { sha256: Record<string, string> };

const plans: ColumnPlan[] = [
  { name: 'x', type: 'numeric', role: 'feature' },
  { name: 'c', type: 'categorical', role: 'feature' },
  { name: 't', type: 'text', role: 'feature' },
  { name: 'd', type: 'datetime', role: 'feature' },
];

function chunk(rows: (string | null)[][]): ChunkRecord {
  const r = ChunkBuilder.create('s', plans, { kind: 'row' });
  if (!r.ok) throw new Error('create');
  for (const row of rows) r.value.push(row);
  return r.value.finish()[0]!;
}

const rows = (): (string | null)[][] => [
  ['1.5', 'red', 'hello', '2024-01-01'],
  ['NA', 'blue', 'world', ''],
  ['-2', 'red', '', '2024-01-02T10:00:00Z'],
];

describe('digests', () => {
  it('sha256Hex matches the FIPS 180-2 test vectors', async () => {
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await sha256Hex('abc')).toBe(golden.sha256.abc);
    expect(await sha256Hex('')).toBe(golden.sha256['']);
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(golden.sha256.abc);
  });

  it('chunk digest is stable and independent of column order and of stale values under the mask', async () => {
    const a = chunk(rows());
    const b = chunk(rows());
    expect(await chunkDigest(a)).toBe(await chunkDigest(b));
    const reordered: ChunkRecord = {
      ...b,
      columns: Object.fromEntries(Object.entries(b.columns).reverse()),
    };
    expect(await chunkDigest(reordered)).toBe(await chunkDigest(a));
    const x = b.columns.x!;
    if (x.kind !== 'f32') throw new Error('kind');
    x.values[1] = 12345; // row 1 is missing: its stored value does not count
    expect(await chunkDigest(b)).toBe(await chunkDigest(a));
  });

  it('chunk digest changes when any value, missing mark, category or id changes', async () => {
    const base = await chunkDigest(chunk(rows()));
    const variants: [string, (r: (string | null)[][]) => void][] = [
      ['number', (r) => (r[0]![0] = '1.25')],
      ['mask', (r) => (r[1]![0] = '0')],
      ['category', (r) => (r[2]![1] = 'blue')],
      ['text', (r) => (r[0]![2] = 'hello!')],
      ['date', (r) => (r[0]![3] = '2024-01-03')],
      ['text to missing', (r) => (r[1]![2] = 'NA')],
    ];
    const seen = new Set([base]);
    for (const [what, change] of variants) {
      const r = rows();
      change(r);
      const d = await chunkDigest(chunk(r));
      expect(seen.has(d), what).toBe(false);
      seen.add(d);
    }
    const renamed = chunk(rows());
    renamed.itemIds[0] = 's:99';
    expect(await chunkDigest(renamed)).not.toBe(base);
  });

  it('digests categories by value, not by code', async () => {
    const a = chunk(rows());
    const b = chunk(rows());
    const c = b.columns.c!;
    if (c.kind !== 'i32') throw new Error('kind');
    // Same values, other codes: red=1, blue=0.
    b.columns.c = {
      kind: 'i32',
      codes: Int32Array.from(c.codes, (k) => 1 - k),
      vocab: ['blue', 'red'],
    };
    expect(await chunkDigest(b)).toBe(await chunkDigest(a));
  });

  it('source digest depends on every chunk digest and their order', async () => {
    const d = ['a'.repeat(64), 'b'.repeat(64)];
    const s = await sourceDigest(d);
    expect(s).toMatch(/^[0-9a-f]{64}$/);
    expect(await sourceDigest([...d])).toBe(s);
    expect(await sourceDigest([...d].reverse())).not.toBe(s);
    expect(await sourceDigest([d[0]!])).not.toBe(s);
  });

  it('label-set digest is canonical (insertion order does not matter) and sensitive', async () => {
    const a = new Map([
      ['s:1', 'cat'],
      ['s:2', 'dog'],
      ['s:10', 'cat'],
    ]);
    const b = new Map([...a].reverse());
    const d = await labelSetDigest(a);
    expect(await labelSetDigest(b)).toBe(d);
    expect(await labelSetDigest(new Map([...a, ['s:2', 'cat']]))).not.toBe(d);
    expect(await labelSetDigest(new Map([...a, ['s:3', 'cat']]))).not.toBe(d);
    // Length prefixes: moving a character between id and class changes the digest.
    expect(await labelSetDigest(new Map([['ab', 'c']]))).not.toBe(
      await labelSetDigest(new Map([['a', 'bc']])),
    );
    expect(await labelSetDigest(new Map())).toMatch(/^[0-9a-f]{64}$/);
  });
});
