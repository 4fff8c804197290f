import { describe, expect, it } from 'vitest';
import {
  ChunkBuilder,
  describeChunkBuildError,
  type ColumnPlan,
  type ItemIdStrategy,
} from '../../src/data';
import type { ChunkRecord } from '../../src/persistence/schema';

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

const colours = ['red', 'green', 'blue', 'cyan', 'pink'];
/** Row i: colours appear progressively so the vocab grows across chunks. */
const row = (i: number): (string | null)[] => [
  `k${i}`,
  i % 7 === 0 ? 'NA' : String(i / 4),
  String(i * 2),
  `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
  colours[Math.min(Math.floor(i / 3), colours.length - 1)]!,
  i % 2 ? 'yes' : 'no',
  ` note ${i} `,
  'ignored',
];

function build(ids: ItemIdStrategy, rows: number, chunkRows = 4): ChunkBuilder {
  const r = ChunkBuilder.create('src1', plans, ids, { chunkRows });
  if (!r.ok) throw new Error(describeChunkBuildError(r.error));
  for (let i = 0; i < rows; i++) expect(r.value.push(row(i)).ok).toBe(true);
  return r.value;
}

describe('ChunkBuilder', () => {
  it('cuts chunks of chunkRows rows with typed columns and a partial last chunk', () => {
    const b = build({ kind: 'row' }, 10);
    const chunks = [...b.take(), ...b.finish()];
    expect(chunks.map((c) => [c.index, c.rowStart, c.rowCount])).toEqual([
      [0, 0, 4],
      [1, 4, 4],
      [2, 8, 2],
    ]);
    const last = chunks[2]!;
    expect(last.itemIds).toEqual(['src1:8', 'src1:9']);
    expect(Object.keys(last.columns).sort()).toEqual(
      ['colour', 'key', 'n', 'note', 'ok', 'when', 'x'].sort(),
    );
    const x = last.columns.x!;
    expect(x.kind === 'f32' && x.values.length).toBe(2);
    expect(x.kind === 'f32' && [...x.values]).toEqual([2, 2.25]);
    const first = chunks[0]!;
    const fx = first.columns.x!;
    expect(fx.kind === 'f32' && [...fx.missing]).toEqual([1, 0, 0, 0]); // row 0: 'NA'
    const when = first.columns.when!;
    expect(when.kind === 'f64' && when.values[1]).toBe(Date.UTC(2024, 0, 1, 0, 0, 1));
    const ok = first.columns.ok!;
    expect(ok.kind === 'i32' && [...ok.codes]).toEqual([0, 1, 0, 1]);
    expect(ok.kind === 'i32' && ok.vocab).toEqual(['false', 'true']);
    const note = first.columns.note!;
    expect(note.kind === 'str' && note.values[0]).toBe(' note 0 '); // text kept as written
    expect(first.columns.junk).toBeUndefined();
  });

  it('keeps category codes valid across chunks (append-only vocab, snapshot per chunk)', () => {
    const b = build({ kind: 'row' }, 12);
    const chunks = b.finish();
    const decoded = chunks.flatMap((c) => {
      const col = c.columns.colour!;
      if (col.kind !== 'i32') throw new Error('kind');
      return [...col.codes].map((code) => col.vocab[code]);
    });
    expect(decoded).toEqual(Array.from({ length: 12 }, (_, i) => row(i)[4]));
    const first = chunks[0]!.columns.colour!;
    expect(first.kind === 'i32' && first.vocab).toEqual(['red', 'green']);
    const schemaVocab = b.schema().find((c) => c.name === 'colour')!.vocab;
    expect(schemaVocab).toEqual(['red', 'green', 'blue', 'cyan']);
  });

  it('emits chunks through onChunk when given', () => {
    const seen: ChunkRecord[] = [];
    const r = ChunkBuilder.create(
      's',
      plans,
      { kind: 'row' },
      { chunkRows: 3, onChunk: (c) => seen.push(c) },
    );
    if (!r.ok) throw new Error('create');
    for (let i = 0; i < 7; i++) r.value.push(row(i));
    expect(seen.length).toBe(2);
    expect(r.value.finish()).toEqual([]);
    expect(seen.map((c) => c.rowCount)).toEqual([3, 3, 1]);
  });

  it('makes item ids from the id column and reports duplicate and missing ids as values', () => {
    const b = build({ kind: 'column', name: 'key' }, 5);
    expect(b.finish()[0]!.itemIds.slice(0, 2)).toEqual(['src1:k0', 'src1:k1']);
    const dup = b.push(row(3));
    expect(dup).toEqual({ ok: false, error: { kind: 'duplicate-id', value: 'k3', row: 5 } });
    const missing = b.push(['NA', ...row(9).slice(1)]);
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error.kind).toBe('missing-id');
      expect(describeChunkBuildError(missing.error)).toMatch(/Row 6/);
    }
    expect(b.rowCount).toBe(5);
  });

  it('rejects an id column that is not planned', () => {
    const r = ChunkBuilder.create('s', plans, { kind: 'column', name: 'junk' });
    expect(r).toEqual({ ok: false, error: { kind: 'unknown-id-column', name: 'junk' } });
  });

  it('stores cells that do not parse for an overridden type as missing and counts them', () => {
    const r = ChunkBuilder.create(
      's',
      [
        { name: 'amount', type: 'numeric', role: 'feature' },
        { name: 'n', type: 'integer', role: 'feature' },
        { name: 'b', type: 'boolean', role: 'feature' },
        { name: 'd', type: 'datetime', role: 'feature' },
      ],
      { kind: 'row' },
    );
    if (!r.ok) throw new Error('create');
    const b = r.value;
    b.push(['1.5', '2', 'yes', '2024-01-01']);
    b.push(['1,234', '2.5', 'maybe', 'soon']);
    b.push(['1,234', '', 'NA', '']);
    b.push(['oops', '7', 'no', '2024/02/03']);
    const [chunk] = b.finish();
    const amount = chunk!.columns.amount!;
    expect(amount.kind === 'f32' && [...amount.missing]).toEqual([0, 1, 1, 1]);
    expect(Object.fromEntries(b.parseFailures)).toEqual({
      amount: { count: 3, examples: ['1,234', 'oops'], firstRow: 1 },
      n: { count: 1, examples: ['2.5'], firstRow: 1 },
      b: { count: 1, examples: ['maybe'], firstRow: 1 },
      d: { count: 1, examples: ['soon'], firstRow: 1 },
    });
    const bool = chunk!.columns.b!;
    expect(bool.kind === 'i32' && [...bool.codes]).toEqual([1, -1, -1, 0]);
  });

  it('uses the given row number for row ids (skipped ragged rows keep their numbers)', () => {
    const r = ChunkBuilder.create('s', [{ name: 'a', type: 'integer', role: 'feature' }], {
      kind: 'row',
    });
    if (!r.ok) throw new Error('create');
    r.value.push(['1'], 0);
    r.value.push(['2'], 2);
    expect(r.value.finish()[0]!.itemIds).toEqual(['s:0', 's:2']);
  });
});
