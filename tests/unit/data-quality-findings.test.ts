// The quality report in the user's words (issue 18, item 3): each finding says whether it saw every
// row or a sample; a finding's items are found again by rule, so its list is not cut at 200; dates
// read as dates.
import { describe, expect, it } from 'vitest';
import {
  ChunkBuilder,
  FINDING_SAMPLE_IDS,
  computeQuality,
  type ColumnPlan,
  type QualityReport,
} from '../../src/data';
import { findingRowTest } from '../../src/data/finding-match';
import { formatColumnDate, formatSpan } from '../../src/data/ui/format';
import type { ChunkRecord } from '../../src/persistence/schema';

function source(plans: ColumnPlan[], rows: (string | null)[][], chunkRows = 64) {
  const built = ChunkBuilder.create('s', plans, { kind: 'row' }, { chunkRows });
  if (!built.ok) throw new Error('create');
  for (const row of rows) built.value.push(row);
  const chunks = built.value.finish();
  return { columns: built.value.schema(), chunks };
}

async function* each<T>(xs: T[]): AsyncIterable<T> {
  for (const x of xs) yield await Promise.resolve(x);
}

/** Ids of every row the finding's rule picks, over all chunks. */
function picked(report: QualityReport, kind: string, chunks: ChunkRecord[], labels = new Map()) {
  const finding = report.findings.find((f) => f.kind === kind)!;
  const test = findingRowTest(finding, labels);
  return chunks.flatMap((c) => c.itemIds.filter((id, i) => test(c, i, id)));
}

const plans: ColumnPlan[] = [
  { name: 'amount', type: 'numeric', role: 'feature' },
  { name: 'city', type: 'categorical', role: 'feature' },
];
// 500 of 1,000 rows miss `amount`: more than a finding lists; 25 extreme values are outliers.
const rows = Array.from({ length: 1000 }, (_, r) => [
  r % 2 ? null : r % 40 === 0 ? '1e6' : String(r % 13),
  ['a', 'b'][r % 2]!,
]);

describe('finding scope and rules', () => {
  it('a missing-value finding saw every row and finds all its items again', async () => {
    const { columns, chunks } = source(plans, rows);
    const report = await computeQuality(columns, each(chunks), {
      maxSample: 100,
    });
    const missing = report.findings.find((f) => f.kind === 'missing')!;
    expect(missing.scope).toBe('source');
    expect(missing.count).toBe(500);
    expect(missing.itemIds.length).toBeLessThanOrEqual(FINDING_SAMPLE_IDS);
    const ids = picked(report, 'missing', chunks);
    expect(ids).toHaveLength(500);
    expect(ids.every((id) => Number(id.split(':')[1]) % 2 === 1)).toBe(true);
  });

  it('outliers from the reservoir sample say so; on a small source they saw every row', async () => {
    const { columns, chunks } = source(plans, rows);
    const sampled = await computeQuality(columns, each(chunks), { maxSample: 600 });
    const whole = await computeQuality(columns, each(chunks), { maxSample: 5000 });
    const scopeOf = (r: QualityReport) => r.findings.find((f) => f.kind === 'outliers')?.scope;
    expect(scopeOf(whole)).toBe('source');
    expect(scopeOf(sampled)).toBe('sample');
    for (const f of [...sampled.findings, ...whole.findings]) expect(f.scope).toBeDefined();
  });

  it('the imbalance finding finds the smallest class by label', async () => {
    const { columns, chunks } = source(plans, rows.slice(0, 40));
    const ids = chunks.flatMap((c) => c.itemIds);
    const labels = new Map(ids.map((id, i) => [id, i < 3 ? 'rare' : 'common']));
    const report = await computeQuality(columns, each(chunks), {
      labels,
      classNames: new Map([
        ['rare', 'Rare penguin'],
        ['common', 'Common penguin'],
      ]),
    });
    const finding = report.findings.find((f) => f.kind === 'class-imbalance')!;
    expect(finding.message).toContain('“Rare penguin”');
    expect(finding.match).toEqual({ kind: 'label', classId: 'rare' });
    expect(picked(report, 'class-imbalance', chunks, labels)).toEqual(ids.slice(0, 3));
  });

  it('a finding without a rule falls back to its listed ids', () => {
    const test = findingRowTest(
      {
        kind: 'constant',
        severity: 'warning',
        message: '',
        count: 2,
        column: 'c',
        itemIds: ['s:1'],
      },
      new Map(),
    );
    const chunk = { itemIds: ['s:0', 's:1'] } as ChunkRecord;
    expect([test(chunk, 0, 's:0'), test(chunk, 1, 's:1')]).toEqual([false, true]);
  });
});

describe('datetime statistics in words', () => {
  it('epoch milliseconds read as a UTC date, spans as days', () => {
    const ms = Date.UTC(2024, 2, 1, 12, 30);
    const text = formatColumnDate(ms);
    expect(text).toContain('2024');
    expect(text).toContain('UTC');
    expect(text).not.toContain(String(ms));
    expect(formatSpan(3 * 86_400_000)).toBe('3 days');
    expect(formatSpan(90 * 60_000)).toBe('1.5 h');
  });
});
