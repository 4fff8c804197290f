import { describe, expect, it } from 'vitest';
import { createRng, randNormal } from '../../src/lib/rng';
import { Adwin, Ddm, PageHinkley } from '../../src/monitoring/detectors';
import {
  columnDrift,
  ksTwoSample,
  normalizedWasserstein,
  wassersteinDistance,
} from '../../src/monitoring/drift-tests';
import {
  categoricalFeatureDrift,
  DEFAULT_MONITOR_SETTINGS,
  fitReference,
  populationStd,
  wassersteinSorted,
  macroF1,
  normaliseSettings,
  accuracyZTest,
  performanceTrack,
  performanceSignals,
  PERFORMANCE_PAGE_HINKLEY,
  ksSortedReference,
  subsampleRows,
  windowReport,
  type LabelArrival,
} from '../../src/monitoring/engine';
import { ensembleState } from '../../src/monitoring/ensemble';
import { golden } from './monitoring-golden';
import { completeWindows, windowKeyOf } from '../../src/monitoring/monitor-runner';
import {
  predictedClassCounts,
  predictedClassDrift,
  predictiveEntropy,
} from '../../src/monitoring/prediction-drift';
import {
  predictionProfile,
  ReferenceProfileBuilder,
  type ReferenceProfile,
} from '../../src/monitoring/reference-profile';

/** Rows of a toy tabular source: x ~ U[0,10) + shift, y ~ U[0,10), colour in {red, blue}. */
function rows(n: number, seed: number, shift = 0, blue = 0.3) {
  const rng = createRng(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const colour: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    x[i] = rng.next() * 10 + shift;
    y[i] = rng.next() * 10;
    colour.push(rng.next() < blue ? 'blue' : 'red');
  }
  return { x, y, colour, ids: Array.from({ length: n }, (_, i) => `s${seed}-${i}`) };
}

/** Probabilities of a toy two-class model: p(low) = sigmoid(5 − x). */
function probsOf(x: Float64Array): Float64Array {
  const p = new Float64Array(x.length * 2);
  x.forEach((v, i) => {
    const a = 1 / (1 + Math.exp(v - 5));
    p[2 * i] = a;
    p[2 * i + 1] = 1 - a;
  });
  return p;
}

function profileOf(n: number, maxSampleRows = 5000): ReferenceProfile {
  const r = rows(n, 1);
  const b = new ReferenceProfileBuilder(
    [
      { name: 'x', kind: 'numeric' },
      { name: 'y', kind: 'numeric' },
      { name: 'colour', kind: 'categorical' },
    ],
    { seed: 3, maxSampleRows },
  );
  b.addRows({ x: r.x, y: r.y, colour: r.colour }, r.ids);
  const sampleX = Float64Array.from(b.sampleItemIds, (id) => r.x[Number(id.split('-')[1])]!);
  return b.finish({
    createdAt: 0,
    predictions: predictionProfile(probsOf(sampleX), ['low', 'high'], { value: 0.9, count: 200 }),
  });
}

describe('engine: one window against the reference', () => {
  it('large reference: Wasserstein per numeric feature, JS per categorical, as defined', () => {
    const profile = profileOf(3000);
    const ref = fitReference(profile);
    const cur = rows(500, 2, 3);
    const report = windowReport(ref, {
      itemIds: cur.ids,
      features: { x: cur.x, y: cur.y, colour: cur.colour },
      probabilities: probsOf(cur.x),
    });
    const x = report.features.find((f) => f.column === 'x')!;
    const y = report.features.find((f) => f.column === 'y')!;
    const colour = report.features.find((f) => f.column === 'colour')!;
    expect(x.test).toBe('wasserstein');
    expect(colour.test).toBe('jensen-shannon');
    expect(x.referenceSize).toBe(3000);
    const refX = Float64Array.from(profile.features[0]!.sample as number[]).sort();
    expect(x.value).toBeCloseTo(normalizedWasserstein(refX, Float64Array.from(cur.x).sort()), 12);
    expect(x.drifted).toBe(true);
    expect(y.drifted).toBe(false);
    expect(colour.drifted).toBe(false);
    // 1 of 3 features: no dataset drift (Evidently's ≥ 50%).
    expect(report.dataset).toEqual({ driftedColumns: 1, driftShare: 1 / 3, drifted: false });
    // Prediction drift: χ² on the arg-max counts; uncertainty: KS on entropies.
    const refCounts = profile.predictions!.classCounts;
    const curCounts = predictedClassCounts(probsOf(cur.x), 2);
    expect(report.prediction!.pValue).toBeCloseTo(
      predictedClassDrift(refCounts, curCounts).pValue,
      12,
    );
    expect(report.prediction!.drifted).toBe(true);
    const ks = ksTwoSample(profile.predictions!.entropy, predictiveEntropy(probsOf(cur.x), 2));
    expect(report.uncertainty!.pValue).toBeCloseTo(ks.pValue, 12);
    // The ensemble state is the vote over the reported signals.
    const vote = ensembleState(report.signals, DEFAULT_MONITOR_SETTINGS.rule);
    expect(report.ensemble.state).toBe(vote.state);
    expect(report.ensemble.reason).toBe(vote.reason);
    expect(report.ensemble.groups.prediction.state).toBe('drift');
    expect(report.ensemble.groups.performance.observed).toBe(false);
  });

  it('small reference (≤ 1,000 rows): KS p-values and χ² / Z for categories', () => {
    const profile = profileOf(800);
    const ref = fitReference(profile);
    const cur = rows(300, 5, 0, 0.7);
    const report = windowReport(ref, {
      itemIds: cur.ids,
      features: { x: cur.x, y: cur.y, colour: cur.colour },
      probabilities: probsOf(cur.x),
    });
    const x = report.features.find((f) => f.column === 'x')!;
    expect(x.test).toBe('ks');
    const refX = Float64Array.from(profile.features[0]!.sample as number[]);
    expect(x.value).toBeCloseTo(ksTwoSample(refX, cur.x).pValue, 12);
    expect(x.drifted).toBe(x.value < 0.05);
    const colour = report.features.find((f) => f.column === 'colour')!;
    expect(colour.test).toBe('z');
    expect(colour.drifted).toBe(true); // 30% → 70% blue
  });

  it('per-column override and PSI on request', () => {
    const profile = profileOf(3000);
    const ref = fitReference(profile);
    const cur = rows(500, 2);
    const report = windowReport(
      ref,
      {
        itemIds: cur.ids,
        features: { x: cur.x, y: cur.y, colour: cur.colour },
        probabilities: probsOf(cur.x),
      },
      { ...DEFAULT_MONITOR_SETTINGS, psi: true, overrides: { x: { test: 'ks', threshold: 0.01 } } },
    );
    const x = report.features.find((f) => f.column === 'x')!;
    expect(x.test).toBe('ks');
    expect(x.threshold).toBe(0.01);
    expect(report.features.every((f) => typeof f.psi === 'number' && f.psi >= 0)).toBe(true);
  });

  it('planted outliers are flagged by the isolation forest and become labeling candidates', () => {
    const profile = profileOf(2000);
    const ref = fitReference(profile);
    const cur = rows(400, 9);
    for (let i = 0; i < 40; i++) {
      cur.x[i] = 40 + i;
      cur.y[i] = -30 - i;
    }
    const report = windowReport(ref, {
      itemIds: cur.ids,
      features: { x: cur.x, y: cur.y, colour: cur.colour },
      probabilities: probsOf(cur.x),
    });
    expect(report.outliers!.method).toBe('isolation-forest');
    expect(report.outliers!.count).toBeGreaterThanOrEqual(40);
    expect(report.outliers!.rate).toBeGreaterThanOrEqual(0.1);
    expect(report.outliers!.state).toBe('drift');
    const outlierIds = new Set(
      report.candidates.filter((c) => c.reason === 'outlier').map((c) => c.itemId),
    );
    for (let i = 0; i < 40; i++) expect(outlierIds.has(cur.ids[i]!)).toBe(true);
    // Drifted-region candidates: values outside the reference range.
    expect(report.candidates[0]!.reason).toBe('outlier');
    // Per-item flags: every flagged item once, above the threshold, highest score first, the
    // planted ones among them (the candidates are capped at 50 across both reasons).
    const items = report.outliers!.items!;
    expect(items).toHaveLength(report.outliers!.count);
    expect(new Set(items.map((f) => f.itemId)).size).toBe(items.length);
    for (const f of items) expect(f.score).toBeGreaterThan(report.outliers!.threshold);
    for (let k = 1; k < items.length; k++) {
      expect(items[k]!.score).toBeLessThanOrEqual(items[k - 1]!.score);
    }
    const flagged = new Set(items.map((f) => f.itemId));
    for (let i = 0; i < 40; i++) expect(flagged.has(cur.ids[i]!)).toBe(true);
  });

  it('the histogram of a feature counts every current row, below/above the reference range', () => {
    const profile = profileOf(2000);
    const ref = fitReference(profile);
    const cur = rows(100, 4, 5);
    const report = windowReport(ref, {
      itemIds: cur.ids,
      features: { x: cur.x, y: cur.y, colour: cur.colour },
      probabilities: probsOf(cur.x),
    });
    const h = report.features.find((f) => f.column === 'x')!.histogram;
    expect(h.current.reduce((s, c) => s + c, 0)).toBe(100);
    const max = profile.features[0]!.kind === 'numeric' ? profile.features[0]!.max : 0;
    expect(h.current.at(-1)).toBe(Array.from(cur.x).filter((v) => v > max).length);
  });
});

describe('engine: fast paths equal the golden-tested statistics', () => {
  it("KS against a pre-sorted reference = scipy's ks_2samp, the asymptotic branch included", () => {
    for (const c of golden.ks) {
      const r = ksSortedReference(Float64Array.from(c.a).sort(), c.b);
      expect(Math.abs(r.pValue - c.pvalue)).toBeLessThanOrEqual(1e-10 * c.pvalue);
    }
  });

  it('Wasserstein on pre-sorted samples = wassersteinDistance', () => {
    const a = rows(3000, 21).x;
    const b = rows(700, 22, 1.3).x;
    const sa = Float64Array.from(a).sort();
    const sb = Float64Array.from(b).sort();
    expect(wassersteinSorted(sa, sb)).toBeCloseTo(wassersteinDistance(a, b), 12);
    expect(populationStd(sa) > 0).toBe(true);
  });

  it('Wasserstein by runs = wassersteinDistance bit for bit (ties, ±∞-free, uneven sizes)', () => {
    const rng = createRng(31);
    const draw = (n: number, shift: number, lattice: number) =>
      Float64Array.from({ length: n }, () => {
        const v = randNormal(rng) + shift;
        return lattice ? Math.round(v * lattice) / lattice : v;
      });
    for (const [n1, n2, shift, lattice] of [
      [1, 1, 0, 0],
      [5, 1, 2, 0],
      [1, 9, -1, 0],
      [4000, 300, 0.4, 0],
      [300, 4000, -0.4, 0],
      [2000, 2000, 0, 4],
      [5000, 50, 3, 2],
      [50, 5000, -3, 1],
    ] as const) {
      const a = draw(n1, 0, lattice);
      const b = draw(n2, shift, lattice);
      const sa = Float64Array.from(a).sort();
      const sb = Float64Array.from(b).sort();
      expect(wassersteinSorted(sa, sb)).toBe(wassersteinDistance(a, b));
      expect(wassersteinSorted(sb, sa)).toBe(wassersteinDistance(b, a));
    }
  });

  it('categorical drift from profile counts = columnDrift on the raw values', () => {
    const ref = rows(1500, 23, 0, 0.3).colour;
    const cur = rows(400, 24, 0, 0.45).colour;
    cur[3] = 'green'; // a category the reference never had
    const cats = ['red', 'blue'];
    const feature = {
      name: 'colour',
      kind: 'categorical' as const,
      categories: cats,
      counts: cats.map((c) => ref.filter((v) => v === c).length),
    };
    for (const test of ['chi-square', 'jensen-shannon', 'psi'] as const) {
      const fast = categoricalFeatureDrift(feature, ref.length, cur, { test });
      const slow = columnDrift('colour', 'categorical', ref, cur, { test });
      expect(fast.value).toBeCloseTo(slow.value, 12);
      expect(fast.drifted).toBe(slow.drifted);
    }
    const binary = { ...feature, kind: 'binary' as const };
    const curBinary = rows(400, 24, 0, 0.45).colour;
    const z = categoricalFeatureDrift(binary, ref.length, curBinary, { test: 'z' });
    expect(z.value).toBeCloseTo(
      columnDrift('c', 'binary', ref, curBinary, { test: 'z' }).value,
      12,
    );
    // Automatic choice by the true reference size.
    expect(categoricalFeatureDrift(feature, 800, cur).test).toBe('chi-square');
    expect(categoricalFeatureDrift(feature, 5000, cur).test).toBe('jensen-shannon');
  });
});

describe('engine: embeddings (image/text versions)', () => {
  it('Mahalanobis outliers at the reference 99th percentile and MMD drift on shifted embeddings', () => {
    const dim = 4;
    const gauss = (n: number, seed: number, shift: number) => {
      const rng = createRng(seed);
      return Float64Array.from({ length: n * dim }, () => {
        const u = 1 - rng.next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next()) + shift;
      });
    };
    const b = new ReferenceProfileBuilder([], { seed: 1 });
    b.addRows({}, ['r']);
    const profile = b.finish({
      createdAt: 0,
      predictions: predictionProfile(probsOf(Float64Array.from([1, 9, 4])), ['low', 'high']),
      embedding: { rows: 400, dim, values: Array.from(gauss(400, 2, 0)) },
    });
    const ref = fitReference(profile);
    expect(ref.forest).toBeNull();
    expect(ref.mahalanobis).not.toBeNull();
    const input = (shift: number, seed: number) => ({
      itemIds: Array.from({ length: 200 }, (_, i) => `e${i}`),
      features: {},
      probabilities: probsOf(Float64Array.from({ length: 200 }, (_, i) => i % 10)),
      embeddings: { values: gauss(200, seed, shift), dim },
    });
    const same = windowReport(ref, input(0, 3));
    const moved = windowReport(ref, input(1.5, 4));
    expect(same.outliers!.method).toBe('mahalanobis');
    // Threshold: the reference's own 99th percentile of squared distances.
    const d2 = ref.mahalanobis!.squaredDistances(profile.embedding!.values).sort();
    expect(same.outliers!.threshold).toBe(ref.mahalanobis!.threshold);
    expect(d2.filter((x) => x > same.outliers!.threshold).length).toBeLessThanOrEqual(4);
    expect(moved.outliers!.rate).toBeGreaterThan(same.outliers!.rate);
    expect(same.embedding!.drifted).toBe(false);
    expect(moved.embedding!.drifted).toBe(true);
    expect(moved.features).toEqual([]);
  });
});

describe('performance track over delayed labels', () => {
  it('cuts arrivals by time into windows; detector states are the worst seen; accuracy z-test', () => {
    // 200 right answers, then 200 with 50% errors; labels arrive in two windows.
    const arrivals: LabelArrival[] = [];
    for (let i = 0; i < 400; i++) {
      const wrong = i >= 200 && i % 2 === 0;
      arrivals.push({ at: i, order: i, predicted: 'a', actual: wrong ? 'b' : 'a' });
    }
    const track = performanceTrack(arrivals, [199, 399, 500], { value: 0.95, count: null });
    expect(track.map((w) => w.labelled)).toEqual([200, 200, 0]);
    expect(track[0]!.accuracy).toBe(1);
    expect(track[1]!.accuracy).toBe(0.5);
    expect(track[2]!.accuracy).toBeNull();
    // The same 400 errors straight through fresh detectors: the track's window states are the
    // worst state each window's arrivals produced.
    const ddm = new Ddm();
    const adwin = new Adwin();
    const ph = new PageHinkley(PERFORMANCE_PAGE_HINKLEY);
    const rank = { ok: 0, warning: 1, drift: 2 } as const;
    const worst = [
      { ddm: 0, adwin: 0, ph: 0 },
      { ddm: 0, adwin: 0, ph: 0 },
    ];
    arrivals.forEach((a, i) => {
      const x = a.predicted === a.actual ? 0 : 1;
      const w = worst[i < 200 ? 0 : 1]!;
      w.ddm = Math.max(w.ddm, rank[ddm.update(x)]);
      w.adwin = Math.max(w.adwin, rank[adwin.update(x)]);
      w.ph = Math.max(w.ph, rank[ph.update(x)]);
    });
    const names = ['ok', 'warning', 'drift'] as const;
    for (const w of [0, 1]) {
      expect(track[w]!.detectors).toEqual({
        ddm: names[worst[w]!.ddm],
        adwin: names[worst[w]!.adwin],
        pageHinkley: names[worst[w]!.ph],
      });
    }
    expect(track[1]!.detectors.ddm).toBe('drift');
    expect(track[1]!.detectors.pageHinkley).toBe('drift');
    expect(track[0]!.detectors).toEqual({ ddm: 'ok', adwin: 'ok', pageHinkley: 'ok' });
    // The first window with labels is every detector's warm-up; by window 2 all are warm.
    expect(track[0]!.warmingUp).toEqual(['ddm', 'adwin', 'pageHinkley']);
    expect(track[1]!.warmingUp).toBeUndefined();
    // Reference count unknown: one-sample, z = (0.5 − 0.95) / √(0.95·0.05/200).
    const z = (0.5 - 0.95) / Math.sqrt((0.95 * 0.05) / 200);
    expect(track[1]!.accuracyTest!.z).toBeCloseTo(z, 12);
    expect(track[1]!.accuracyTest!.state).toBe('drift');
    expect(track[0]!.accuracyTest!.state).toBe('ok');
  });

  it("a detector's verdicts in the window it warms up in are not reported, across windows", () => {
    // Errors from the first label on: 20 labels per window. At window 1's start nothing was
    // seen; at window 2's start 20 (< 30 for DDM and Page-Hinkley, ≥ 10 for ADWIN).
    const arrivals: LabelArrival[] = Array.from({ length: 200 }, (_, i) => ({
      at: i,
      order: i,
      predicted: 'a',
      actual: i % 2 ? 'b' : 'a',
    }));
    const ends = Array.from({ length: 10 }, (_, w) => w * 20 + 19);
    const track = performanceTrack(arrivals, ends, null);
    expect(track[0]!.warmingUp).toEqual(['ddm', 'adwin', 'pageHinkley']);
    expect(track[1]!.warmingUp).toEqual(['ddm', 'pageHinkley']);
    expect(track[2]!.warmingUp).toBeUndefined();
    // A detector that drifted is reset (river) and warms up again: Page-Hinkley on an error
    // stream that jumps from 0 to 1 at label 300, windows of 100.
    const jump: LabelArrival[] = Array.from({ length: 600 }, (_, i) => ({
      at: i,
      order: i,
      predicted: 'a',
      actual: i >= 300 ? 'b' : 'a',
    }));
    const alone = new PageHinkley(PERFORMANCE_PAGE_HINKLEY);
    const at = jump.findIndex((a) => alone.update(a.predicted === a.actual ? 0 : 1) === 'drift');
    // Windows close 9 labels after the drift, then every 100.
    const t2 = performanceTrack(jump, [at - 100, at + 9, at + 109, at + 209], null);
    expect(t2[1]!.detectors.pageHinkley).toBe('drift');
    expect(t2[1]!.warmingUp).toBeUndefined();
    // 9 labels since the reset when window 3 opens: warming up; 109 by window 4: warm.
    expect(t2[2]!.warmingUp).toEqual(['pageHinkley']);
    expect(t2[3]!.warmingUp).toBeUndefined();
  });

  it('a significant accuracy drop alone is performance drift (the test is decisive)', () => {
    // 240 of 300 right (80%) against a reference of 90% on 300 labels: pooled z ≈ −3.5,
    // p ≈ 2e-4; the detectors, in their warm-up, say nothing.
    const arrivals: LabelArrival[] = Array.from({ length: 300 }, (_, i) => ({
      at: i,
      order: i,
      predicted: 'a',
      actual: i % 5 === 0 ? 'b' : 'a',
    }));
    const [w] = performanceTrack(arrivals, [299], { value: 0.9, count: 300 });
    expect(w!.accuracyTest!.state).toBe('drift');
    expect(w!.detectors).toEqual({ ddm: 'ok', adwin: 'ok', pageHinkley: 'ok' });
    const e = ensembleState(performanceSignals(w!));
    expect(e.groups.performance.drifted).toBe(1);
    expect(e.groups.performance.state).toBe('drift');
    expect(e.state).toBe('drift');
  });

  it('accuracy test: the reference label count widens it (pooled two-proportion z)', () => {
    // 170 of 200 right vs a reference 0.9 on 200 labels. Golden values (scipy.stats.norm.cdf):
    // pooled p̂ = 350/400, z = −0.05/√(p̂(1−p̂)(1/200 + 1/200)) = −1.5118578920369101,
    // p = 0.06528500905786794: 'ok'. Treating 0.9 as exact: z = −2.3570226039551585,
    // p = 0.009211062727049501: 'drift'.
    const two = accuracyZTest(170, 200, { value: 0.9, count: 200 });
    expect(two.z).toBeCloseTo(-1.5118578920369101, 12);
    expect(two.pValue).toBeCloseTo(0.06528500905786794, 7);
    expect(two.state).toBe('ok');
    expect(two.referenceCount).toBe(200);
    const one = accuracyZTest(170, 200, { value: 0.9, count: null });
    expect(one.z).toBeCloseTo(-2.3570226039551585, 12);
    expect(one.pValue).toBeCloseTo(0.009211062727049501, 7);
    expect(one.state).toBe('drift');
    // Both perfect: no evidence of a drop.
    expect(accuracyZTest(50, 50, { value: 1, count: 80 })).toMatchObject({ z: 0, state: 'ok' });
    // The track uses it for every window with ≥ 30 labels.
    const arrivals: LabelArrival[] = Array.from({ length: 200 }, (_, i) => ({
      at: i,
      order: i,
      predicted: 'a',
      actual: i < 170 ? 'a' : 'b',
    }));
    const [w] = performanceTrack(arrivals, [199], { value: 0.9, count: 200 });
    expect(w!.accuracyTest).toEqual(two);
  });

  it('macro F1 over the classes present', () => {
    const pairs = [
      { predicted: 'a', actual: 'a' },
      { predicted: 'a', actual: 'b' },
      { predicted: 'b', actual: 'b' },
      { predicted: 'b', actual: 'b' },
    ];
    // a: tp 1, fp 1, fn 0 → 2/3; b: tp 2, fp 0, fn 1 → 4/5.
    expect(macroF1(pairs)).toBeCloseTo((2 / 3 + 4 / 5) / 2, 12);
    expect(macroF1([])).toBeNull();
  });
});

describe('windows over the prediction log and settings', () => {
  it('count windows leave the filling one out; time windows close on a later bucket', () => {
    const at = (t: number) => ({ at: t });
    expect(completeWindows([1, 2, 3, 4, 5].map(at), { by: 'count', size: 2 })).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ]);
    const h = 3_600_000;
    const w = completeWindows([0, 10, h + 1, 5, 3 * h, 3 * h + 1].map(at), {
      by: 'time',
      bucket: 'hour',
    });
    expect(w).toEqual([
      { start: 0, end: 2, from: 0, to: h },
      { start: 2, end: 4, from: h, to: 3 * h },
    ]);
  });

  it('settings are normalised and keyed', () => {
    const s = normaliseSettings({
      window: { by: 'count', size: 3 },
      overrides: { a: { test: 'nope' } },
    });
    expect(s).toEqual(DEFAULT_MONITOR_SETTINGS);
    const t = normaliseSettings({ window: { by: 'time', bucket: 'day' }, psi: true });
    expect(windowKeyOf(t)).not.toBe(windowKeyOf(DEFAULT_MONITOR_SETTINGS));
    expect(subsampleRows(5, 10, 1)).toEqual(Int32Array.from([0, 1, 2, 3, 4]));
    const sub = subsampleRows(1000, 10, 1);
    expect(sub.length).toBe(10);
    expect(new Set(sub).size).toBe(10);
  });
});
