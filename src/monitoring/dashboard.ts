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
  'data' | 'embedding' | 'prediction' | 'uncertainty' | 'accuracy' | 'labels' | 'outliers';

export interface SignalDef {
  id: SignalId;
  title: string;
  /**
   * The y-axis title: short, because Chart.js draws it rotated along a 180 px canvas and clips
   * what does not fit (the test what the charts measure went to `help`).
   */
  yLabel: string;
  threshold: number | null;
  thresholdLabel: string;
  yMax?: number;
  value: (r: WindowReport) => number | null;
  help: string;
  /** The glossary entry that explains the chart. */
  glossary: GlossaryId;
}

export type GlossaryId =
  | 'data-drift'
  | 'ks'
  | 'chi-square'
  | 'z'
  | 'wasserstein'
  | 'jensen-shannon'
  | 'psi'
  | 'mmd'
  | 'outlier-rate'
  | 'prediction-drift'
  | 'class-share'
  | 'uncertainty-drift'
  | 'accuracy-test'
  | 'label-drift'
  | 'per-class'
  | 'ddm'
  | 'adwin'
  | 'page-hinkley'
  | 'ensemble';

export interface GlossaryEntry {
  id: GlossaryId;
  name: string;
  /** One line: what it measures. */
  explanation: string;
  /** One line: what to do when it fires. */
  whatToDo: string;
}

/** Every detector and test in plain words: the page's tooltips and its glossary section. */
export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    id: 'data-drift',
    name: 'Data drift',
    explanation:
      'Each input feature is compared with the training data; the window drifts when at least half of the features do.',
    whatToDo:
      'Look at the drifted features’ histograms: a broken pipeline (units, missing values) needs a fix upstream; a real change in the population needs new labels and retraining.',
  },
  {
    id: 'ks',
    name: 'Kolmogorov–Smirnov test (KS)',
    explanation:
      'The largest gap between the two cumulative distributions of a numeric feature; a small p-value means the shapes differ.',
    whatToDo: 'Compare the histograms: a shift of the whole range or a new tail is worth checking.',
  },
  {
    id: 'chi-square',
    name: 'χ² test',
    explanation:
      'Whether a category’s counts in the window fit the training proportions; a small p-value means the mix of categories changed.',
    whatToDo:
      'See which categories grew or appeared; new categories the model never saw are the usual cause.',
  },
  {
    id: 'z',
    name: 'Z-test of proportions',
    explanation:
      'For a yes/no feature (or one class), whether its share in the window differs from its share in training.',
    whatToDo: 'Check whether the change is expected (a campaign, a season) or an upstream error.',
  },
  {
    id: 'wasserstein',
    name: 'Wasserstein distance',
    explanation:
      'How far the numeric values moved, in units of the training standard deviation; used on large references, where every p-value is tiny.',
    whatToDo: 'At 0.1 or more the values moved by a tenth of their spread: look at the histogram.',
  },
  {
    id: 'jensen-shannon',
    name: 'Jensen–Shannon distance',
    explanation:
      'How different the category (or binned) shares are, from 0 (same) to 1; used on large references.',
    whatToDo: 'At 0.1 or more, see which categories changed share.',
  },
  {
    id: 'psi',
    name: 'Population stability index (PSI)',
    explanation:
      'A banking-industry measure of how much the binned distribution moved; below 0.1 is stable, above 0.25 a large shift.',
    whatToDo: 'Read it with the histogram; it is shown for comparison and votes only when chosen.',
  },
  {
    id: 'mmd',
    name: 'Embedding drift (MMD)',
    explanation:
      'For images and text: whether the model’s internal representation of the window’s items differs from the training items’.',
    whatToDo:
      'Look at a few recent items: new kinds of images or documents need labels and retraining.',
  },
  {
    id: 'outlier-rate',
    name: 'Outlier rate',
    explanation:
      'The share of items stranger than 99% of the training items; about 1% is expected.',
    whatToDo:
      'Label the flagged items (Labeling → Monitoring strategy) or export them; if the features drift too, the outliers mostly repeat that shift.',
  },
  {
    id: 'prediction-drift',
    name: 'Prediction drift',
    explanation:
      'Whether the mix of predicted classes changed from what the model predicted on training data.',
    whatToDo:
      'It can be the world (more of one class) or the model going wrong: labels decide which — check the accuracy and the label drift.',
  },
  {
    id: 'class-share',
    name: 'Predicted share per class',
    explanation:
      'Each class’s share of the predictions against its share on training data (Z-test); shown per class, not voted.',
    whatToDo: 'A class that grew or vanished deserves a look at its items.',
  },
  {
    id: 'uncertainty-drift',
    name: 'Uncertainty drift',
    explanation:
      'Whether the model became more (or less) sure of itself than on training data (KS on entropy or top probability).',
    whatToDo: 'Less confidence often comes before an accuracy drop: label some uncertain items.',
  },
  {
    id: 'accuracy-test',
    name: 'Windowed accuracy test',
    explanation:
      'The accuracy on the window’s labelled items against the held-out accuracy; one-sided z-test, drift at p < 0.01 (needs 30 labels).',
    whatToDo:
      'A real drop: retrain on recent labelled data, or roll back to a version that held up.',
  },
  {
    id: 'label-drift',
    name: 'Label drift',
    explanation:
      'Whether the true classes of the window’s labelled items come in different proportions than in training (χ² goodness of fit).',
    whatToDo:
      'A class-prior shift: check the per-class recall of the class that grew; retraining with the new proportions (or adjusting the threshold) may be needed.',
  },
  {
    id: 'per-class',
    name: 'Recall and precision per class',
    explanation:
      'Recall: of the items that truly are the class, the share the model found. Precision: of the items it called the class, the share that were.',
    whatToDo: 'A class with low recall is being missed: label more of it and retrain.',
  },
  {
    id: 'ddm',
    name: 'DDM (drift detection method)',
    explanation:
      'Watches the error rate item by item and calls drift when it rises 3 standard deviations above the best rate seen (warning at 2).',
    whatToDo: 'Confirm with the accuracy test; a sudden jump usually has one cause worth finding.',
  },
  {
    id: 'adwin',
    name: 'ADWIN (adaptive windowing)',
    explanation:
      'Keeps a window of recent errors and calls drift when its older and newer parts have significantly different error rates.',
    whatToDo: 'The change point is near the window it fires in: compare items before and after.',
  },
  {
    id: 'page-hinkley',
    name: 'Page–Hinkley test',
    explanation:
      'Accumulates how far the error rate stays above its running mean; calls drift when the sum passes a threshold (slow, steady rises).',
    whatToDo: 'A gradual decline: schedule retraining on recent data.',
  },
  {
    id: 'ensemble',
    name: 'Window state',
    explanation:
      'Signals vote in three groups (data, prediction, performance); the window drifts when two groups drift, or when performance drifts alone.',
    whatToDo: 'Open the window’s alert to see which signals fired and why.',
  },
];

export function glossaryEntry(id: GlossaryId): GlossaryEntry {
  return GLOSSARY.find((g) => g.id === id)!;
}

/** The glossary entry of a feature test. */
export function testGlossary(test: FeatureReport['test']): GlossaryEntry {
  return glossaryEntry(test);
}

/** What the colours of the state band under the charts mean. */
export const STATE_LEGEND: readonly { state: DriftState; label: string; meaning: string }[] = [
  { state: 'ok', label: 'OK', meaning: 'no group warns or drifts' },
  { state: 'warning', label: 'Warning', meaning: 'a signal fired, not enough to call drift' },
  { state: 'drift', label: 'Drift', meaning: 'two groups drift, or performance alone' },
];

/**
 * p-value signals are drawn as −log₁₀ p (higher = more evidence of drift) so that every chart
 * reads the same way: above the dashed line is an alarm.
 */
const minusLog10 = (p: number | undefined | null) =>
  p === undefined || p === null ? null : -Math.log10(Math.max(p, 1e-300));

export const SIGNALS: readonly SignalDef[] = [
  {
    id: 'data',
    glossary: 'data-drift',
    title: 'Data drift',
    yLabel: 'Drifted features',
    threshold: 0.5,
    thresholdLabel: 'dataset drift (50%)',
    yMax: 1,
    value: (r) => (r.features.length ? r.dataset.driftShare : null),
    help: 'Per feature: KS / χ² / Z on small references, normalised Wasserstein / Jensen–Shannon on large ones (Evidently).',
  },
  {
    id: 'embedding',
    glossary: 'mmd',
    title: 'Embedding drift',
    yLabel: '−log₁₀ p (MMD)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.embedding?.pValue),
    help: 'Image and text models: MMD two-sample test (RBF kernel, permutation p-value) of the penultimate-layer embeddings against the reference.',
  },
  {
    id: 'prediction',
    glossary: 'prediction-drift',
    title: 'Prediction drift',
    yLabel: '−log₁₀ p (χ²)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.prediction?.pValue),
    help: 'χ² test of the predicted-class counts against the reference; higher = more evidence of drift.',
  },
  {
    id: 'uncertainty',
    glossary: 'uncertainty-drift',
    title: 'Uncertainty drift',
    yLabel: '−log₁₀ p (KS)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.uncertainty?.pValue),
    help: 'KS test of the per-item entropy (or top probability) against the reference.',
  },
  {
    id: 'accuracy',
    glossary: 'accuracy-test',
    title: 'Windowed accuracy',
    yLabel: 'Accuracy',
    threshold: null,
    thresholdLabel: 'reference accuracy',
    yMax: 1,
    value: (r) => r.performance?.accuracy ?? null,
    help: 'Delayed labels, each counted in its prediction’s window: accuracy of the window’s labelled items; DDM, ADWIN and Page-Hinkley on the error stream.',
  },
  {
    id: 'labels',
    glossary: 'label-drift',
    title: 'Label drift',
    yLabel: '−log₁₀ p (χ²)',
    threshold: -Math.log10(PREDICTION_P_THRESHOLD),
    thresholdLabel: 'p = 0.05',
    value: (r) => minusLog10(r.performance?.labelDrift?.pValue),
    help: 'χ² goodness of fit of the window’s delayed labels against the reference class proportions.',
  },
  {
    id: 'outliers',
    glossary: 'outlier-rate',
    title: 'Outlier rate',
    yLabel: 'Outlier share',
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
  if (p < 1e-4) return p.toExponential(1);
  return p < 0.01 ? p.toFixed(4) : p.toFixed(2);
}

/** A share as a whole percentage with a space before %, as the page's sentences write it. */
function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

const DETECTOR_WORDS: Record<'ddm' | 'adwin' | 'pageHinkley', string> = {
  ddm: 'the error rate rose well above the best rate seen (DDM)',
  adwin: 'recent errors differ from earlier ones (ADWIN)',
  pageHinkley: 'errors stayed above their running mean (Page–Hinkley)',
};

/** Sentences saying which signals fired in a window, in plain words. */
export function evidenceOf(
  r: WindowReport,
  className: (classId: string) => string = (c) => c,
): string[] {
  const out: string[] = [];
  const drifted = r.features.filter((f) => f.drifted);
  if (drifted.length) {
    out.push(
      `${drifted.length} of ${r.features.length} features changed: ${drifted
        .map(
          (f) =>
            `${f.column} (${testGlossary(f.test).name.replace(/ \(.*\)$/, '')} ${fmtValue(f)})`,
        )
        .join(', ')}`,
    );
  }
  if (r.prediction?.drifted) {
    const moved = (r.prediction.perClass ?? [])
      .filter((c) => c.drifted)
      .map((c) => `${className(c.classId)} ${pct(c.referenceShare)} → ${pct(c.currentShare)}`);
    out.push(
      `The mix of predicted classes changed (p = ${fmtP(r.prediction.pValue)})${moved.length ? `: ${moved.join(', ')}` : ''}`,
    );
  }
  if (r.uncertainty?.drifted) {
    const less =
      r.uncertainty.measure === 'entropy'
        ? r.uncertainty.currentMean > r.uncertainty.referenceMean
        : r.uncertainty.currentMean < r.uncertainty.referenceMean;
    out.push(
      `The model is ${less ? 'less' : 'more'} sure of itself than on training data (p = ${fmtP(r.uncertainty.pValue)})`,
    );
  }
  if (r.outliers && r.outliers.state !== 'ok') {
    const repeats = r.dataset.drifted || drifted.length > 0;
    out.push(
      `${pct(r.outliers.rate)} of items are outliers (${r.outliers.count}; about 1 % expected)${repeats ? ' — mostly the same shift as the features above' : ''}`,
    );
  }
  if (r.embedding?.drifted) {
    out.push(
      `The items look different to the model (embedding MMD p = ${fmtP(r.embedding.pValue)})`,
    );
  }
  const p = r.performance;
  if (p) {
    if (p.accuracyTest && p.accuracyTest.state !== 'ok' && p.accuracy !== null) {
      out.push(
        `Accuracy fell from ${pct(p.accuracyTest.referenceAccuracy)} to ${pct(p.accuracy)} on ${p.labelled} labelled items (p = ${fmtP(p.accuracyTest.pValue)})`,
      );
    }
    const fired = (Object.entries(p.detectors) as [keyof typeof DETECTOR_WORDS, string][])
      .filter(([, s]) => s !== 'ok')
      .map(([d, s]) => `${DETECTOR_WORDS[d]}${s === 'warning' ? ', a warning' : ''}`);
    if (fired.length) out.push(`Errors: ${fired.join('; ')}`);
    const ld = p.labelDrift;
    if (ld?.drifted && p.perClass) {
      const refTotal = ld.referenceCounts.reduce((a, b) => a + b, 0);
      const curTotal = ld.currentCounts.reduce((a, b) => a + b, 0);
      let j = 0;
      let best = 0;
      ld.currentCounts.forEach((c, i) => {
        const gap = Math.abs(c / curTotal - ld.referenceCounts[i]! / refTotal);
        if (gap > best) [best, j] = [gap, i];
      });
      const c = p.perClass[j];
      out.push(
        `The true classes come in new proportions (p = ${fmtP(ld.pValue)}): ${className(c?.classId ?? '')} ${pct(ld.referenceCounts[j]! / refTotal)} → ${pct(ld.currentCounts[j]! / curTotal)} of labelled items${c && c.recall !== null ? `, recall ${pct(c.recall)}` : ''}`,
      );
    }
  }
  return out;
}

export interface ClassRow {
  classId: string;
  name: string;
  /** Predicted share, reference vs window, and the per-class Z-test. */
  referenceShare: number | null;
  currentShare: number | null;
  shareP: number | null;
  shareDrifted: boolean;
  /** Among the window's labelled items. */
  support: number;
  recall: number | null;
  precision: number | null;
}

/** The per-class table of a window: predicted shares, support, recall and precision. */
export function classRowsOf(
  r: WindowReport,
  className: (classId: string) => string = (c) => c,
): ClassRow[] {
  const ids: string[] = [];
  for (const c of r.prediction?.perClass ?? []) ids.push(c.classId);
  for (const c of r.performance?.perClass ?? []) if (!ids.includes(c.classId)) ids.push(c.classId);
  return ids.map((classId) => {
    const share = r.prediction?.perClass?.find((c) => c.classId === classId);
    const perf = r.performance?.perClass?.find((c) => c.classId === classId);
    return {
      classId,
      name: className(classId),
      referenceShare: share?.referenceShare ?? null,
      currentShare: share?.currentShare ?? null,
      shareP: share?.pValue ?? null,
      shareDrifted: share?.drifted ?? false,
      support: perf?.support ?? 0,
      recall: perf?.recall ?? null,
      precision: perf?.precision ?? null,
    };
  });
}

export function alertsOf(
  windows: readonly DashboardWindow[],
  className: (classId: string) => string = (c) => c,
): Alert[] {
  return windows
    .filter((w) => w.state !== 'ok')
    .map((w) => ({
      index: w.index,
      state: w.state,
      start: w.start,
      end: w.end,
      reason: w.report.ensemble.reason,
      evidence: evidenceOf(w.report, className),
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
