// Delayed labels joined to their predictions (issue 19, items 1 and 2): each label counts in its
// prediction's window, windows are superseded when labels arrive later, and the per-class and
// label-drift results of a window. Golden values from scipy 1.10 / sklearn 1.2 (Debian python3):
//   chisquare([150, 30, 20], f_exp=[900, 80, 20] / 1000 * 200) → 81.25, 2.2739801675421056e-18
//   chisquare([28, 22], f_exp=[60, 40] / 100 * 50) → 0.3333333333333333, 0.5637028616507731
//   recall_score / precision_score(average=None) on the pairs below → [0.75, 0.5, 0.5],
//   [0.6, 0.3333333333333333, 1.0]
import { describe, expect, it } from 'vitest';
import {
  joinedPerformanceTrack,
  labelDrift,
  perClassPerformance,
  perClassPredictionDrift,
  withPerformance,
  performanceSignals,
  type JoinedLabel,
  DEFAULT_MONITOR_SETTINGS,
} from '../../src/monitoring/engine';
import { ensembleState } from '../../src/monitoring/ensemble';
import {
  joinLabels,
  referenceLabelCounts,
  runMonitor,
  type MonitorWindow,
  type RunnerDeps,
} from '../../src/monitoring/monitor-runner';
import { predictionProfile, ReferenceProfileBuilder } from '../../src/monitoring/reference-profile';
import type { AnnotationRecord, PredictionRecord } from '../../src/persistence/schema';
import type { Project } from '../../src/projects/types';

/** A log of `n` predictions, one per item, a minute apart; every 4th one wrong. */
function logOf(n: number, t0 = Date.UTC(2026, 0, 1)): PredictionRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    projectId: 'p',
    modelId: 'm',
    sourceId: 's',
    itemId: `item-${i}`,
    at: t0 + i * 60_000,
    label: i % 4 === 0 ? 'b' : 'a',
    probabilities: i % 4 === 0 ? [0.2, 0.8] : [0.8, 0.2],
  }));
}

function annotation(itemId: string, label: string, at: number, seq: number): AnnotationRecord {
  return { seq, projectId: 'p', itemId, label, annotator: 'x', sessionId: 's', kind: 'import', at };
}

const spans500 = (n: number) =>
  Array.from({ length: n }, (_, w) => ({ fromSeq: w * 500 + 1, toSeq: (w + 1) * 500 }));

describe('labels joined by item', () => {
  it('a replay at full speed with a lag of 200: every window has its own predictions’ labels', async () => {
    // Labels of items 0..1299 revealed in batches (the replay's arrival times, 512 at once),
    // all stamped with a time inside window 3: by arrival they would all land in one window.
    const log = logOf(1500);
    const annotated = new Map(
      log
        .slice(0, 1300)
        .map((p, i) => [p.itemId, annotation(p.itemId, 'a', log[1400]!.at, i + 1)] as const),
    );
    const labels = await joinLabels(log, spans500(3), annotated, null, () => Promise.resolve(null));
    const track = joinedPerformanceTrack(labels, 3, { value: 0.75, count: 300 });
    expect(track.map((w) => w.labelled)).toEqual([500, 500, 300]);
    // Window 1's accuracy is its own traffic's: predictions 'b' on every 4th item, labels 'a'.
    expect(track[0]!.correct).toBe(375);
    for (const w of track) expect(w.labelled).toBeLessThanOrEqual(500);
  });

  it('one label per item: an item predicted twice counts once, with the prediction made by then', async () => {
    const log = logOf(1000);
    // item-3 predicted again in window 2 (seq 1001), labelled after that.
    const again: PredictionRecord = { ...log[3]!, seq: 1001, at: log[999]!.at + 60_000 };
    const all = [...log, again];
    const spans = [
      { fromSeq: 1, toSeq: 500 },
      { fromSeq: 501, toSeq: 1001 },
    ];
    const late = new Map([['item-3', annotation('item-3', 'a', again.at + 1, 1)]]);
    const [l] = await joinLabels(all, spans, late, null, () => Promise.resolve(null));
    expect(l).toEqual({ window: 1, order: 1001, predicted: 'a', actual: 'a' });
    // Labelled before the repeat: it is the first prediction's truth.
    const early = new Map([['item-3', annotation('item-3', 'a', log[10]!.at, 1)]]);
    const [e] = await joinLabels(all, spans, early, null, () => Promise.resolve(null));
    expect(e!.window).toBe(0);
  });

  it('target-column labels arrive after the lag: a window waits for them', async () => {
    const log = logOf(1000);
    const lag = 200 * 60_000;
    const labels = await joinLabels(log, spans500(2), new Map(), lag, () =>
      Promise.resolve({ classId: 'a', at: null }),
    );
    // The newest prediction is at minute 999: labels of predictions up to minute 799 arrived.
    expect(joinedPerformanceTrack(labels, 2, null).map((w) => w.labelled)).toEqual([500, 300]);
    // A pending prediction (no complete window) keeps its label for a later run.
    const fewer = await joinLabels(log, spans500(1), new Map(), lag, () =>
      Promise.resolve({ classId: 'a', at: null }),
    );
    expect(fewer).toHaveLength(500);
  });
});

describe('per-class results and label drift', () => {
  it('recall and precision per class as sklearn', () => {
    const y = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'a'];
    const p = ['a', 'b', 'a', 'b', 'a', 'c', 'a', 'c', 'b', 'a'];
    const r = perClassPerformance(
      y.map((actual, i) => ({ actual, predicted: p[i]! })),
      ['a', 'b', 'c'],
    );
    expect(r.map((c) => c.recall)).toEqual([0.75, 0.5, 0.5]);
    expect(r[0]!.precision).toBeCloseTo(0.6, 15);
    expect(r[1]!.precision).toBeCloseTo(1 / 3, 15);
    expect(r[2]!.precision).toBe(1);
    expect(r.map((c) => c.support)).toEqual([4, 2, 4]);
  });

  it('label drift is the χ² goodness of fit against the reference proportions (scipy)', () => {
    const rare = labelDrift([900, 80, 20], [150, 30, 20])!;
    expect(rare.statistic).toBeCloseTo(81.25, 10);
    expect(rare.pValue / 2.2739801675421056e-18).toBeCloseTo(1, 8);
    expect(rare.drifted).toBe(true);
    const same = labelDrift([60, 40], [28, 22])!;
    expect(same.statistic).toBeCloseTo(0.3333333333333333, 12);
    expect(same.pValue).toBeCloseTo(0.5637028616507731, 10);
    expect(same.drifted).toBe(false);
    // Too few labels on either side: no test.
    expect(labelDrift([60, 40], [10, 9])).toBeNull();
    expect(labelDrift([10, 9], [60, 40])).toBeNull();
  });

  it('a rare class that rose 4× and was never predicted: label drift warns, per class recall 0', () => {
    // Reference: 5% rare. Window: 20% rare, all predicted 'a' (the model never predicts 'r').
    const labels: JoinedLabel[] = Array.from({ length: 200 }, (_, i) => ({
      window: 0,
      order: i,
      predicted: 'a',
      actual: i % 5 === 0 ? 'r' : 'a',
    }));
    const [w] = joinedPerformanceTrack(labels, 1, null, {
      classIds: ['a', 'r'],
      referenceLabelCounts: [950, 50],
    });
    expect(w!.perClass!.find((c) => c.classId === 'r')).toMatchObject({
      support: 40,
      predicted: 0,
      recall: 0,
      precision: null,
    });
    expect(w!.labelDrift!.drifted).toBe(true);
    // Advisory: the performance group warns (no detector or test drifted), it does not drift.
    const ens = ensembleState(performanceSignals(w!));
    expect(ens.groups.performance.state).toBe('warning');
    expect(ens.groups.performance.drifted).toBe(0);
  });

  it('predicted-class drift per class: the two-proportion Z-test of each class’s share', () => {
    const r = perClassPredictionDrift(['a', 'r'], [950, 50], [160, 40]);
    expect(r[1]!.referenceShare).toBeCloseTo(0.05, 15);
    expect(r[1]!.currentShare).toBeCloseTo(0.2, 15);
    expect(r[1]!.drifted).toBe(true);
    expect(r[0]!.pValue).toBeCloseTo(r[1]!.pValue, 12);
  });

  it('reference label counts are the current labels of the reference sample', () => {
    const b = new ReferenceProfileBuilder([], { seed: 1 });
    b.addRows({}, ['x1', 'x2', 'x3', 'x4']);
    const profile = b.finish({ predictions: predictionProfile([0.9, 0.1], ['a', 'r']) });
    const annotated = new Map([
      ['x1', annotation('x1', 'a', 0, 1)],
      ['x2', annotation('x2', 'r', 0, 2)],
      ['x3', annotation('x3', 'a', 0, 3)],
      ['other', annotation('other', 'r', 0, 4)],
    ]);
    expect(referenceLabelCounts(profile, annotated)).toEqual([2, 1]);
  });
});

describe('runMonitor supersedes windows when labels arrive later', () => {
  function memoryDeps(log: PredictionRecord[], annotations: AnnotationRecord[]) {
    const windows: MonitorWindow[] = [];
    const revisions = new Map<number, number>();
    const deps: RunnerDeps = {
      monitor: {
        listWindows: () => Promise.resolve(windows.map((w) => ({ ...w }))),
        appendWindows: (ws) =>
          Promise.resolve(
            ws.map((w) => {
              const seq = windows.length + 1;
              windows.push({ ...w, seq });
              return seq;
            }),
          ),
        supersedePerformance: (updates) => {
          for (const u of updates) {
            const w = windows.find((x) => x.seq === u.seq)!;
            w.state = u.state;
            w.tests = u.tests;
            revisions.set(u.seq, (revisions.get(u.seq) ?? 0) + 1);
          }
          return Promise.resolve();
        },
      },
      predictions: {
        since: (_p, after) => Promise.resolve(log.filter((p) => p.seq > after)),
      },
      sources: {
        getSource: () => Promise.resolve(undefined),
        chunkCount: () => Promise.resolve(0),
        getChunk: () => Promise.resolve(undefined),
      },
      annotations: { log: () => Promise.resolve([...annotations]) },
      pause: () => Promise.resolve(),
    };
    return { deps, windows, revisions };
  }

  it('window 1 stored without labels gets them; a run with nothing new rewrites nothing', async () => {
    const log = logOf(1000);
    const annotations: AnnotationRecord[] = [];
    const { deps, windows, revisions } = memoryDeps(log, annotations);
    const b = new ReferenceProfileBuilder([], { seed: 1 });
    b.addRows({}, ['r1']);
    const profile = b.finish({
      predictions: predictionProfile([0.8, 0.2, 0.2, 0.8], ['a', 'b'], { value: 0.75, count: 300 }),
    });
    const project = {
      id: 'p',
      classes: [
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ],
    } as unknown as Project;
    const args = { project, modelId: 'm', profile, settings: DEFAULT_MONITOR_SETTINGS };
    const first = await runMonitor(args, deps);
    expect(first.added).toHaveLength(2);
    expect(windows.map((w) => (w.tests as { performance: unknown }).performance)).toEqual([
      expect.objectContaining({ labelled: 0 }),
      expect.objectContaining({ labelled: 0 }),
    ]);
    // A labels file for window 1's items arrives (after both windows were stored).
    log
      .slice(0, 100)
      .forEach((p, i) => annotations.push(annotation(p.itemId, 'a', log[999]!.at + 1, i + 1)));
    const second = await runMonitor(args, deps);
    // Window 2 changes too, though none of its items got a label: the detectors are now past
    // their warm-up when it opens (warmingUp was every detector).
    expect(second).toMatchObject({ added: [], updated: 2 });
    expect(revisions.get(1)).toBe(1);
    const w2 = (windows[1]!.tests as { performance: { labelled: number; warmingUp?: string[] } })
      .performance;
    expect(w2.labelled).toBe(0);
    expect(w2.warmingUp).toBeUndefined();
    const perf = (windows[0]!.tests as { performance: { labelled: number; correct: number } })
      .performance;
    expect(perf).toMatchObject({ labelled: 100, correct: 75 });
    // Nothing new: nothing rewritten.
    expect(await runMonitor(args, deps)).toMatchObject({ added: [], updated: 0 });
  });

  it('withPerformance replaces the performance part and the ensemble, nothing else', () => {
    const labels: JoinedLabel[] = Array.from({ length: 100 }, (_, i) => ({
      window: 0,
      order: i,
      predicted: 'a',
      actual: i < 40 ? 'a' : 'b',
    }));
    const [perf] = joinedPerformanceTrack(labels, 1, { value: 0.9, count: 300 });
    const base = {
      rows: 100,
      features: [],
      dataset: { driftedColumns: 0, driftShare: 0, drifted: false },
      prediction: null,
      uncertainty: null,
      outliers: null,
      embedding: null,
      performance: null,
      signals: [{ name: 'prediction-drift', group: 'prediction' as const, state: 'ok' as const }],
      ensemble: ensembleState([]) as never,
      candidates: [],
    };
    const next = withPerformance(base, perf!);
    expect(next.performance).toBe(perf);
    expect(next.signals[0]!.name).toBe('prediction-drift');
    expect(next.ensemble.state).toBe('drift');
    expect(next.ensemble.reason).toBe('performance drifts');
  });
});
