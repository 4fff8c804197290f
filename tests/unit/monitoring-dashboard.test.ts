import { describe, expect, it } from 'vitest';
import { outlierFlagsCsv, type DashboardWindow } from '../../src/monitoring/dashboard';
import type { WindowReport } from '../../src/monitoring/engine';

/** A stored window whose report carries only what outlierFlagsCsv reads. */
function windowWith(index: number, outliers: WindowReport['outliers']): DashboardWindow {
  return {
    index,
    start: index * 10,
    end: index * 10 + 9,
    count: 10,
    state: 'ok',
    report: { outliers } as WindowReport,
  };
}

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
