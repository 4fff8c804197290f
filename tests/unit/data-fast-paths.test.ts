// The import's fast paths (issue 3 performance work) must store exactly what the general paths
// store: plain-decimal parsing against Number(), span pushes against cell pushes, the streaming
// quality report against the read-back one, and the ASCII digest writer against encodeInto.
import { describe, expect, it } from 'vitest';
import {
  ChunkBuilder,
  chunkDigest,
  computeQuality,
  parseNumber,
  parsePlainDecimal,
  qualityAccumulator,
  mulberry32,
  type ColumnPlan,
} from '../../src/data';
import type { ChunkRecord, ColumnSchema } from '../../src/persistence/schema';

describe('parsePlainDecimal', () => {
  it('equals Number() on plain decimals', () => {
    const rand = mulberry32(7);
    const cases = ['0', '-0', '+0', '007', '5.', '.5', '-.5', '+7', '-0.000', '999999999999999'];
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(rand() * 15);
      let s = '';
      for (let d = 0; d < digits; d++) s += String(Math.floor(rand() * 10));
      const point = Math.floor(rand() * (digits + 2)) - 1;
      if (point >= 0 && point <= digits) s = `${s.slice(0, point)}.${s.slice(point)}`;
      if (rand() < 0.3) s = `-${s}`;
      cases.push(s);
    }
    for (const s of cases) {
      const text = `x,${s},y`;
      const v = parsePlainDecimal(text, 2, 2 + s.length);
      expect(Object.is(v, Number(s)), s).toBe(true);
      expect(Object.is(v, parseNumber(s)), s).toBe(true);
      expect(Math.fround(v)).toBe(Math.fround(Number(s)));
    }
  });

  it('declines anything else (NaN), leaving it to the general path', () => {
    for (const s of [
      '',
      '-',
      '+',
      '.',
      '1e3',
      ' 1',
      '1 ',
      '1,5',
      '0x1F',
      'NA',
      '1.2.3',
      '1234567890123456',
      'Infinity',
      '١',
    ]) {
      expect(parsePlainDecimal(s, 0, s.length), s).toBeNaN();
    }
  });
});

const plans: ColumnPlan[] = [
  { name: 'key', type: 'identifier', role: 'id' },
  { name: 'x', type: 'numeric', role: 'feature' },
  { name: 'n', type: 'integer', role: 'feature' },
  { name: 'when', type: 'datetime', role: 'time' },
  { name: 'colour', type: 'categorical', role: 'feature' },
  { name: 'ok', type: 'boolean', role: 'target' },
  { name: 'note', type: 'text', role: 'feature' },
  { name: 'junk', type: 'text', role: 'ignored' },
];

/** Rows with the awkward cells: missing tokens, spaces, exponents, non-integers, Unicode. */
function rows(count: number): string[][] {
  const xs = ['1.5', 'NA', ' 2 ', '1e3', '-0', '', '3.25', '0x1F', '12345678901234567', '?'];
  const ns = ['4', '3.0', '3.5', 'N/A', '-7', ' 8', '+9', 'nan'];
  const colours = ['red', ' red', 'grün', 'NA', 'blue', 'None', ''];
  const oks = ['yes', 'no', 'maybe', '', '1', 'T'];
  return Array.from({ length: count }, (_, i) => [
    `k${i}`,
    xs[i % xs.length]!,
    ns[i % ns.length]!,
    i % 5 === 0 ? 'NA' : `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    colours[i % colours.length]!,
    oks[i % oks.length]!,
    ` note ${i} é `,
    'ignored',
  ]);
}

describe('ChunkBuilder.pushSpans', () => {
  it('stores exactly what push() stores', async () => {
    const data = rows(57);
    const viaCells = ChunkBuilder.create(
      's',
      plans,
      { kind: 'column', name: 'key' },
      { chunkRows: 8 },
    );
    const viaSpans = ChunkBuilder.create(
      's',
      plans,
      { kind: 'column', name: 'key' },
      { chunkRows: 8 },
    );
    if (!viaCells.ok || !viaSpans.ok) throw new Error('create');
    for (const cells of data) {
      expect(viaCells.value.push(cells).ok).toBe(true);
      const text = cells.join(',');
      const starts = new Int32Array(cells.length);
      const ends = new Int32Array(cells.length);
      let at = 0;
      cells.forEach((c, k) => {
        starts[k] = at;
        ends[k] = at + c.length;
        at += c.length + 1;
      });
      expect(viaSpans.value.pushSpans(text, starts, ends).ok).toBe(true);
    }
    const a = viaCells.value.finish();
    const b = viaSpans.value.finish();
    expect(b).toEqual(a);
    expect(viaSpans.value.schema()).toEqual(viaCells.value.schema());
    expect([...viaSpans.value.parseFailures]).toEqual([...viaCells.value.parseFailures]);
    for (let i = 0; i < a.length; i++)
      expect(await chunkDigest(b[i]!)).toBe(await chunkDigest(a[i]!));
  });

  it('rejects duplicate and missing ids as push() does', () => {
    const r = ChunkBuilder.create('s', plans.slice(0, 2), { kind: 'column', name: 'key' });
    if (!r.ok) throw new Error('create');
    const spans = (text: string) => {
      const cut = text.indexOf(',');
      return [text, Int32Array.of(0, cut + 1), Int32Array.of(cut, text.length)] as const;
    };
    expect(r.value.pushSpans(...spans('a,1')).ok).toBe(true);
    expect(r.value.pushSpans(...spans('a,2'))).toEqual({
      ok: false,
      error: { kind: 'duplicate-id', value: 'a', row: 1 },
    });
    expect(r.value.pushSpans(...spans('NA,2'))).toEqual({
      ok: false,
      error: { kind: 'missing-id', row: 1 },
    });
  });
});

describe('qualityAccumulator', () => {
  function source(chunkRows: number): { columns: ColumnSchema[]; chunks: ChunkRecord[] } {
    const plan: ColumnPlan[] = [
      { name: 'x', type: 'numeric', role: 'feature' },
      { name: 'c', type: 'categorical', role: 'feature' },
      { name: 'y', type: 'categorical', role: 'target' },
    ];
    const r = ChunkBuilder.create('s', plan, { kind: 'row' }, { chunkRows });
    if (!r.ok) throw new Error('create');
    for (let i = 0; i < 300; i++) {
      // Duplicated rows (i % 50) and a rare class, so duplicates and imbalance are found.
      r.value.push([String((i % 50) / 3), `c${i % 4}`, i % 60 === 0 ? 'rare' : `y${i % 2}`]);
    }
    return { columns: r.value.schema(), chunks: r.value.finish() };
  }

  it('fed chunk by chunk equals computeQuality over the same chunks', async () => {
    const { columns, chunks } = source(32);
    const acc = qualityAccumulator(columns, { now: 5, maxSample: 100 });
    for (const c of chunks) acc.add(c);
    expect(acc.finish()).toEqual(await computeQuality(columns, chunks, { now: 5, maxSample: 100 }));
  });

  it('with targetFallback, an empty live label map gives the target-column report', async () => {
    const { columns, chunks } = source(32);
    const classNames = new Map([['k', 'K']]);
    const acc = qualityAccumulator(columns, {
      now: 5,
      labels: new Map(),
      targetFallback: true,
      classNames,
    });
    for (const c of chunks) acc.add(c);
    const expected = await computeQuality(columns, chunks, { now: 5 });
    expect(expected.findings.some((f) => f.kind === 'class-imbalance')).toBe(true);
    expect(acc.finish()).toEqual(expected);
  });

  it('with targetFallback, labels filled before each chunk give the labels report', async () => {
    const { columns, chunks } = source(32);
    const classNames = new Map([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    const all = new Map<string, string>();
    chunks.forEach((c) => c.itemIds.forEach((id, r) => all.set(id, r % 7 === 0 ? 'b' : 'a')));
    const live = new Map<string, string>();
    const acc = qualityAccumulator(columns, {
      now: 5,
      labels: live,
      targetFallback: true,
      classNames,
    });
    for (const c of chunks) {
      for (const id of c.itemIds) live.set(id, all.get(id)!);
      acc.add(c);
    }
    expect(acc.finish()).toEqual(
      await computeQuality(columns, chunks, { now: 5, labels: all, classNames }),
    );
  });
});
