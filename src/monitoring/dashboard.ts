// What the Monitor page shows, derived from stored windows: one series per signal with its
// threshold, the alerts (windows in warning or drift, with the evidence that made them so), the
// per-feature rows of a window and the reference-vs-current bars of a feature. Pure functions, so
// the page's components only render.
import {
  OUTLIER_DRIFT_RATE,
  PREDICTION_P_THRESHOLD,
  type FeatureReport,
  type WindowReport,
} from './engine';
import type { DriftState } from './types';

export interface DashboardWindow {
  index: number;
  start: number;
  end: number;
  count: number;
  state: DriftState;
  report: WindowReport;
}

export type SignalId =
  'data' | 'embedding' | 'prediction' | 'uncertainty' | 'accuracy' | 'outliers';

export interface SignalDef {
  id: SignalId;
  title: string;
  yLabel: string;
  threshold: number | null;
  thresholdLabel: string;
  yMax?: number;
  value: (r: WindowReport) => number | null;
  help: string;
}

/**
 * p-value signals are drawn as −log₁₀ p (higher = more evidence of drift) so that every chart
 * reads the same way: above the dashed line is an alarm.
 */
const minusLog10 = (p: number | undefined | null) =>
  p === undefined || p === null ? null : -Math.log10(Math.max(p, 1e-300));

export const SIGNALS: readonly SignalDef[] = [
  {
    id: 'data',
    title: 'Data drift',
    yLabel: 'Share of drifted features',
    threshold: 0.5,
    thresholdLabel: 'dataset drift (50%)',
    yMax: 1,
    value: (r) => (r.features.length ? r.dataset.driftShare : null),
    help: 'Per feature: KS / χ² / Z on small references, normalised Wasserstein / Jensen–Shannon on large ones (Evidently).',
  },
  {
    id: 'embedding',
    title: 'Embedding drift',
    yLabel: '−log₁₀ p (MMD on embeddings)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.embedding?.pValue),
    help: 'Image and text models: MMD two-sample test (RBF kernel, permutation p-value) of the penultimate-layer embeddings against the reference.',
  },
  {
    id: 'prediction',
    title: 'Prediction drift',
    yLabel: '−log₁₀ p (χ² on predicted classes)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.prediction?.pValue),
    help: 'χ² test of the predicted-class counts against the reference.',
  },
  {
    id: 'uncertainty',
    title: 'Uncertainty drift',
    yLabel: '−log₁₀ p (KS on confidence)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.uncertainty?.pValue),
    help: 'KS test of the per-item entropy (or top probability) against the reference.',
  },
  {
    id: 'accuracy',
    title: 'Windowed accuracy',
    yLabel: 'Accuracy on labels that arrived',
    threshold: null,
    thresholdLabel: 'reference accuracy',
    yMax: 1,
    value: (r) => r.performance?.accuracy ?? null,
    help: 'Delayed labels: accuracy of the labels that arrived in the window; DDM, ADWIN and Page-Hinkley on the error stream.',
  },
  {
    id: 'outliers',
    title: 'Outlier rate',
    yLabel: 'Share of outliers',
    threshold: OUTLIER_DRIFT_RATE,
    thresholdLabel: `${OUTLIER_DRIFT_RATE * 100}% (1% expected)`,
    value: (r) => r.outliers?.rate ?? null,
    help: 'Isolation forest (tabular) or Mahalanobis distance (embeddings), threshold at the reference’s 99th percentile.',
  },
];

/**
 * The charts worth drawing for these windows: the signals some window has a value for. A text
 * or image model has no tabular features, so its data-drift chart would read empty while the
 * alerts report embedding drift; a tabular one has no embedding chart.
 */
export function signalsFor(windows: readonly DashboardWindow[]): SignalDef[] {
  return SIGNALS.filter((def) => windows.some((w) => def.value(w.report) !== null));
}

/** Threshold of a signal for these windows (accuracy: the reference accuracy, when known). */
export function thresholdOf(def: SignalDef, windows: readonly DashboardWindow[]): number | null {
  if (def.id !== 'accuracy') return def.threshold;
  for (const w of windows) {
    const ref = w.report.performance?.accuracyTest?.referenceAccuracy;
    if (typeof ref === 'number') return ref;
  }
  return null;
}

export interface Alert {
  index: number;
  state: DriftState;
  start: number;
  end: number;
  reason: string;
  evidence: string[];
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** Sentences saying which signals fired in a window. */
export function evidenceOf(r: WindowReport): string[] {
  const out: string[] = [];
  const drifted = r.features.filter((f) => f.drifted);
  if (drifted.length) {
    out.push(
      `${drifted.length} of ${r.features.length} features drift: ${drifted
        .map((f) => `${f.column} (${f.test} ${fmtValue(f)})`)
        .join(', ')}`,
    );
  }
  if (r.prediction?.drifted)
    out.push(`Predicted classes moved (χ² p = ${fmtP(r.prediction.pValue)})`);
  if (r.uncertainty?.drifted) {
    out.push(
      `Confidence moved (KS p = ${fmtP(r.uncertainty.pValue)}; mean ${r.uncertainty.measure} ${r.uncertainty.referenceMean.toFixed(3)} → ${r.uncertainty.currentMean.toFixed(3)})`,
    );
  }
  if (r.outliers && r.outliers.state !== 'ok') {
    out.push(`Outlier rate ${(r.outliers.rate * 100).toFixed(1)}% (${r.outliers.count} items)`);
  }
  if (r.embedding?.drifted) out.push(`Embedding drift (MMD p = ${fmtP(r.embedding.pValue)})`);
  const p = r.performance;
  if (p) {
    const fired = Object.entries(p.detectors)
      .filter(([, s]) => s !== 'ok')
      .map(([d, s]) => `${d} ${s}`);
    if (fired.length) out.push(`Error stream: ${fired.join(', ')}`);
    if (p.accuracyTest && p.accuracyTest.state !== 'ok' && p.accuracy !== null) {
      out.push(
        `Accuracy ${(p.accuracy * 100).toFixed(1)}% on ${p.labelled} labels vs ${(p.accuracyTest.referenceAccuracy * 100).toFixed(1)}% ${p.accuracyTest.referenceCount ? `on ${p.accuracyTest.referenceCount} held-out labels` : 'held out'} (p = ${fmtP(p.accuracyTest.pValue)})`,
      );
    }
  }
  return out;
}

export function alertsOf(windows: readonly DashboardWindow[]): Alert[] {
  return windows
    .filter((w) => w.state !== 'ok')
    .map((w) => ({
      index: w.index,
      state: w.state,
      start: w.start,
      end: w.end,
      reason: w.report.ensemble.reason,
      evidence: evidenceOf(w.report),
    }))
    .reverse();
}

/** A p-value or distance as shown in the table. */
export function fmtValue(f: Pick<FeatureReport, 'value' | 'test'>): string {
  if (f.test === 'ks' || f.test === 'chi-square' || f.test === 'z') return `p ${fmtP(f.value)}`;
  return f.value.toFixed(3);
}

export type FeatureSortKey = 'column' | 'test' | 'statistic' | 'value' | 'threshold' | 'drifted';

export function sortFeatures(
  rows: readonly FeatureReport[],
  key: FeatureSortKey,
  ascending: boolean,
): FeatureReport[] {
  const val = (f: FeatureReport): number | string => {
    switch (key) {
      case 'column':
        return f.column;
      case 'test':
        return f.test;
      case 'statistic':
        return f.statistic ?? Number.NEGATIVE_INFINITY;
      case 'value':
        return f.value;
      case 'threshold':
        return f.threshold;
      case 'drifted':
        return f.drifted ? 1 : 0;
    }
  };
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.column.localeCompare(b.column);
  });
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total ? c / total : 0));
}

/** Reference vs current shares of a feature, labelled by bin range or category. */
export function compareBarsOf(f: FeatureReport): {
  labels: string[];
  reference: number[];
  current: number[];
} {
  const h = f.histogram;
  let labels: string[];
  if (h.edges) {
    const e = h.edges;
    const fmt = (x: number) => (Math.abs(x) >= 1000 || x === 0 ? x.toFixed(0) : x.toPrecision(3));
    labels = [
      `< ${fmt(e[0]!)}`,
      ...e.slice(0, -1).map((lo, i) => `${fmt(lo)} – ${fmt(e[i + 1]!)}`),
      `> ${fmt(e[e.length - 1]!)}`,
    ];
  } else labels = h.categories ?? [];
  return { labels, reference: shares(h.reference), current: shares(h.current) };
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The per-item outlier flags of the windows as CSV (window, item_id, score, threshold, method),
 * one row per flagged item, windows in order and each window's items highest score first:
 * what the page's "Export outlier flags" downloads. Windows stored before the flags were kept
 * contribute nothing.
 */
export function outlierFlagsCsv(windows: readonly DashboardWindow[]): string {
  const lines = ['window,item_id,score,threshold,method'];
  for (const w of [...windows].sort((a, b) => a.index - b.index)) {
    const o = w.report.outliers;
    for (const it of o?.items ?? []) {
      lines.push(
        [
          String(w.index + 1),
          csvField(it.itemId),
          String(it.score),
          String(o!.threshold),
          o!.method,
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}
