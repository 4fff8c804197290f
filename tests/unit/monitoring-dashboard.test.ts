import { describe, expect, it } from 'vitest';
import { outlierFlagsCsv, signalsFor, type DashboardWindow } from '../../src/monitoring/dashboard';
import type { WindowReport } from '../../src/monitoring/engine';

/** A stored window whose report carries only the parts given (the rest empty / null). */
function windowOf(index: number, parts: Partial<WindowReport>): DashboardWindow {
  const report = {
    features: [],
    dataset: { driftedColumns: 0, driftShare: 0, drifted: false },
    prediction: null,
    uncertainty: null,
    outliers: null,
    embedding: null,
    performance: null,
    ...parts,
  } as unknown as WindowReport;
  return { index, start: index * 10, end: index * 10 + 9, count: 10, state: 'ok', report };
}

const windowWith = (index: number, outliers: WindowReport['outliers']) =>
  windowOf(index, { outliers });

describe('outlier flags export', () => {
  it('one CSV row per flagged item, windows in order (1-based), ids quoted when needed', () => {
    const base = { method: 'isolation-forest' as const, threshold: 0.6, state: 'ok' as const };
    const csv = outlierFlagsCsv([
      windowWith(1, {
        ...base,
        count: 1,
        rate: 0.1,
        items: [{ itemId: 'b,"x"', score: 0.7 }],
      }),
      windowWith(0, {
        ...base,
        count: 2,
        rate: 0.2,
        items: [
          { itemId: 'a1', score: 0.9 },
          { itemId: 'a2', score: 0.65 },
        ],
      }),
      // Stored before per-item flags were kept, and a window without an outlier detector.
      windowWith(2, { ...base, count: 3, rate: 0.3 }),
      windowWith(3, null),
    ]);
    expect(csv.split('\n')).toEqual([
      'window,item_id,score,threshold,method',
      '1,a1,0.9,0.6,isolation-forest',
      '1,a2,0.65,0.6,isolation-forest',
      '2,"b,""x""",0.7,0.6,isolation-forest',
      '',
    ]);
  });
});

describe('charts drawn', () => {
  it('a text model (embeddings, no features) gets the embedding chart, not an empty data chart', () => {
    const text = [0, 1].map((i) =>
      windowOf(i, { embedding: { mmd2: 0.02, pValue: i ? 0.01 : 0.4, drifted: i === 1 } }),
    );
    const ids = signalsFor(text).map((d) => d.id);
    expect(ids).toContain('embedding');
    expect(ids).not.toContain('data');
    const chart = signalsFor(text).find((d) => d.id === 'embedding')!;
    expect(chart.value(text[1]!.report)).toBeCloseTo(2, 12); // −log₁₀ 0.01
    expect(chart.value(text[1]!.report)!).toBeGreaterThan(chart.threshold!);
  });

  it('a tabular model gets the data chart and no embedding chart', () => {
    const tabular = [
      windowOf(0, {
        features: [{}] as WindowReport['features'],
        dataset: { driftedColumns: 1, driftShare: 1, drifted: true },
      }),
    ];
    const ids = signalsFor(tabular).map((d) => d.id);
    expect(ids).toContain('data');
    expect(ids).not.toContain('embedding');
  });
});
