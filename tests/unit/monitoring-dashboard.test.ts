import { describe, expect, it } from 'vitest';
import {
  classRowsOf,
  evidenceOf,
  GLOSSARY,
  outlierFlagsCsv,
  SIGNALS,
  signalsFor,
  STATE_LEGEND,
  type DashboardWindow,
} from '../../src/monitoring/dashboard';
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

describe('explained in plain words (issue 19, item 6)', () => {
  const perf = (parts: Record<string, unknown>) =>
    ({
      labelled: 100,
      correct: 67,
      accuracy: 0.67,
      macroF1: 0.6,
      errorRate: 0.33,
      detectors: { ddm: 'drift', adwin: 'ok', pageHinkley: 'warning' },
      accuracyTest: {
        referenceAccuracy: 0.78,
        referenceCount: 300,
        z: -1.8,
        pValue: 0.04,
        state: 'warning',
      },
      ...parts,
    }) as unknown as WindowReport['performance'];

  it('the accuracy alert reads as a sentence, and detectors by what they saw, never their ids', () => {
    const ev = evidenceOf(windowOf(0, { performance: perf({}) }).report);
    expect(ev).toContain('Accuracy fell from 78 % to 67 % on 100 labelled items (p = 0.04)');
    const errors = ev.find((e) => e.startsWith('Errors:'))!;
    expect(errors).toContain('(DDM)');
    expect(errors).toContain('(Page–Hinkley), a warning');
    for (const e of ev) expect(e).not.toMatch(/\bddm\b|pageHinkley|adwin\b/);
  });

  it('label drift names the class whose share moved most, with its recall', () => {
    const ev = evidenceOf(
      windowOf(0, {
        performance: perf({
          accuracyTest: null,
          detectors: { ddm: 'ok', adwin: 'ok', pageHinkley: 'ok' },
          labelDrift: {
            statistic: 81.25,
            pValue: 2.3e-18,
            drifted: true,
            referenceCounts: [950, 50],
            currentCounts: [160, 40],
          },
          perClass: [
            {
              classId: 'a',
              support: 160,
              predicted: 200,
              truePositives: 160,
              recall: 1,
              precision: 0.8,
            },
            {
              classId: 'r',
              support: 40,
              predicted: 0,
              truePositives: 0,
              recall: 0,
              precision: null,
            },
          ],
        }),
      }).report,
      (c) => (c === 'r' ? 'Rare' : c),
    );
    expect(ev).toEqual([
      'The true classes come in new proportions (p = 2.3e-18): Rare 5 % → 20 % of labelled items, recall 0 %',
    ]);
  });

  it('an outlier rate that repeats the feature drift says so', () => {
    const ev = evidenceOf(
      windowOf(0, {
        features: [
          {
            column: 'x1',
            kind: 'numeric',
            test: 'ks',
            value: 0.001,
            statistic: 0.2,
            threshold: 0.05,
            drifted: true,
          },
        ],
        dataset: { driftedColumns: 1, driftShare: 1, drifted: true },
        outliers: {
          method: 'isolation-forest',
          count: 40,
          rate: 0.08,
          threshold: 0.6,
          state: 'drift',
        },
      } as unknown as Partial<WindowReport>).report,
    );
    expect(ev[0]).toBe('1 of 1 features changed: x1 (Kolmogorov–Smirnov test p 0.0010)');
    expect(ev[1]).toBe(
      '8 % of items are outliers (40; about 1 % expected) — mostly the same shift as the features above',
    );
  });

  it('every chart, feature test and performance signal has a glossary entry with what to do', () => {
    const ids = new Set(GLOSSARY.map((g) => g.id));
    expect(ids.size).toBe(GLOSSARY.length);
    for (const def of SIGNALS) expect(ids.has(def.glossary)).toBe(true);
    for (const t of ['ks', 'chi-square', 'z', 'wasserstein', 'jensen-shannon', 'psi'] as const) {
      expect(ids.has(t)).toBe(true);
    }
    for (const d of ['ddm', 'adwin', 'page-hinkley', 'label-drift', 'per-class'] as const) {
      expect(ids.has(d)).toBe(true);
    }
    for (const g of GLOSSARY) {
      expect(g.explanation.length).toBeGreaterThan(20);
      expect(g.whatToDo.length).toBeGreaterThan(20);
    }
    expect(STATE_LEGEND.map((s) => s.state)).toEqual(['ok', 'warning', 'drift']);
  });

  it('the per-class rows join predicted shares with recall and precision', () => {
    const rows = classRowsOf(
      windowOf(0, {
        prediction: {
          statistic: 1,
          pValue: 0.3,
          drifted: false,
          referenceCounts: [950, 50],
          currentCounts: [160, 40],
          perClass: [
            { classId: 'a', referenceShare: 0.95, currentShare: 0.8, pValue: 1e-9, drifted: true },
            { classId: 'r', referenceShare: 0.05, currentShare: 0.2, pValue: 1e-9, drifted: true },
          ],
        },
        performance: perf({
          perClass: [
            {
              classId: 'r',
              support: 40,
              predicted: 0,
              truePositives: 0,
              recall: 0,
              precision: null,
            },
          ],
        }),
      }).report,
    );
    expect(rows.map((r) => [r.classId, r.support, r.recall, r.precision])).toEqual([
      ['a', 0, null, null],
      ['r', 40, 0, null],
    ]);
    expect(rows[1]!.currentShare).toBe(0.2);
  });
});

describe('axis titles', () => {
  it('fit the 180 px chart height at 12 px (about 20 characters), so none is clipped', () => {
    for (const def of SIGNALS) expect(def.yLabel.length, def.id).toBeLessThanOrEqual(20);
  });
});
