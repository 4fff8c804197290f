import { describe, expect, it } from 'vitest';
import { Adwin, Ddm, PageHinkley, type StreamingDetector } from '../../src/monitoring/detectors';
import { createRng } from '../../src/lib/rng';
import { golden } from './monitoring-golden';
import type { DetectorState } from '../../src/monitoring/types';

/** A seeded Bernoulli error stream: p0 for `change` steps, then p1. */
function bernoulliStream(seed: number, n: number, p0: number, p1 = p0, change = n): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => (rng.next() < (i < change ? p0 : p1) ? 1 : 0));
}

function run(d: StreamingDetector, xs: readonly number[]): DetectorState[] {
  return xs.map((x) => d.update(x));
}

const firstDrift = (states: DetectorState[], from = 0) => states.indexOf('drift', from);

function driftIndices(d: StreamingDetector, xs: readonly number[]): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (d.update(x) === 'drift') out.push(i);
  });
  return out;
}

describe('DDM', () => {
  it('by hand, as river (minErrors 0): 30 correct predictions, then errors', () => {
    // Samples 1–30 are the warm-up (n ≤ 30): p = 0, always 'ok'.
    // n = 31, x = 1: p = 1/31, s = √(p(1−p)/31) = 0.031734; first p + s after warm-up, so
    //   p_min = 1/31, s_min = 0.031734, and p + s = p_min + s_min: 'ok'.
    // n = 32, x = 1: p = 2/32 = 0.0625, s = √(0.0625·0.9375/32) = 0.042790, p + s = 0.105290;
    //   p_min + 2 s_min = 0.095726 < 0.105290 ≤ p_min + 3 s_min = 0.127460: 'warning'.
    // n = 33, x = 1: p = 3/33, s = √((3/33)(30/33)/33) = 0.050043, p + s = 0.140952 > 0.127460:
    //   'drift'. The next update starts over (n = 1).
    const d = new Ddm({ minErrors: 0 });
    const states = run(d, [...Array<number>(30).fill(0), 1, 1, 1]);
    expect(states.slice(0, 30).every((s) => s === 'ok')).toBe(true);
    expect(states.slice(30)).toEqual(['ok', 'warning', 'drift']);
    expect(d.pMin).toBeCloseTo(1 / 31, 15);
    expect(d.sMin).toBeCloseTo(Math.sqrt(((1 / 31) * (30 / 31)) / 31), 15);
    d.update(0);
    expect(d.n).toBe(1);
    expect(d.p).toBe(0);
  });

  it('by hand, default: no minimum and no verdict before 5 errors', () => {
    // The same stream: river would call drift at the third error (above). With the guard the
    // first verdict comes with the 5th error (n = 35): p = 5/35, s = √(p(1−p)/35) = 0.059148 is
    // the first minimum, so 'ok'; n = 36, x = 1: p = 1/6, s = 0.062113, p + s = 0.228780 ≤
    // p_min + 2 s_min = 0.261153: 'ok'.
    const d = new Ddm();
    const states = run(d, [...Array<number>(30).fill(0), 1, 1, 1, 1, 1, 1]);
    expect(states.every((s) => s === 'ok')).toBe(true);
    expect(d.errors).toBe(6);
    expect(d.pMin).toBeCloseTo(5 / 35, 15);
    expect(d.sMin).toBeCloseTo(Math.sqrt(((5 / 35) * (30 / 35)) / 35), 15);
  });

  it('the guard: fewer false alarms on stationary low error rates, the same delay on a step', () => {
    const alarms = (d: () => Ddm, p0: number, p1 = p0) => {
      let total = 0;
      const first: number[] = [];
      for (let seed = 1; seed <= 40; seed++) {
        const states = run(d(), bernoulliStream(seed, 6000, p0, p1, 2500));
        total += states.filter((s) => s === 'drift').length;
        first.push(firstDrift(states, 2500));
      }
      return { total, first };
    };
    const river = () => new Ddm({ minErrors: 0 });
    const guarded = () => new Ddm();
    // Stationary error rates, 40 seeded streams of 6,000 each: river alarms 76 times at 2% and
    // 24 at 12%; the guard 10 and 13.
    expect(alarms(river, 0.02).total).toBe(76);
    expect(alarms(guarded, 0.02).total).toBe(10);
    expect(alarms(river, 0.12).total).toBe(24);
    expect(alarms(guarded, 0.12).total).toBe(13);
    // 12% → 22% at 2,500: found after the step in 39 (river) and 38 streams; median first alarm
    // after it at 2,904 and 2,910.
    const found = (xs: number[]) => xs.filter((i) => i >= 2500).sort((x, y) => x - y);
    const a = found(alarms(river, 0.12, 0.22).first);
    const b = found(alarms(guarded, 0.12, 0.22).first);
    expect([a.length, b.length]).toEqual([39, 38]);
    expect([a[19], b[19]]).toEqual([2904, 2910]);
  });

  it('no alarm on a stationary Bernoulli(0.2) stream (seed 1); an abrupt jump to 0.6 is caught', () => {
    expect(run(new Ddm(), bernoulliStream(1, 3000, 0.2)).includes('drift')).toBe(false);
    const states = run(new Ddm(), bernoulliStream(2, 3000, 0.2, 0.6, 1000));
    expect(firstDrift(states)).toBeGreaterThanOrEqual(1000);
    expect(firstDrift(states)).toBeLessThan(1200); // found at 1139
    // A warning precedes the drift.
    expect(states.slice(1000, firstDrift(states)).includes('warning')).toBe(true);
  });
});

describe('Page-Hinkley', () => {
  it('by hand: the two faded sums and their extremes', () => {
    // Defaults δ = 0.005, α = 0.9999. Stream 0, 0, 1, 1 (d = x − x̄ after the mean's update):
    // t1: x̄ = 0, d = 0: U = −0.005, L = 0.005;  t2: U = −0.0099995, L = 0.0099995;
    // t3: x̄ = 1/3, d = 2/3: U = 0.9999·U₂ + 2/3 − 0.005; min U = U₂, so U − min U ≈ 0.6617.
    const ph = new PageHinkley();
    run(ph, [0, 0]);
    const u2 = 0.9999 * -0.005 - 0.005;
    expect(ph.sumIncrease).toBeCloseTo(u2, 15);
    expect(ph.minIncrease).toBeCloseTo(u2, 15);
    expect(ph.maxDecrease).toBeCloseTo(0.9999 * 0.005 + 0.005, 15);
    ph.update(1);
    expect(ph.tests.increase).toBeCloseTo(0.9999 * u2 + 2 / 3 - 0.005 - u2, 12);
    // A rise moves L up too, so the decrease statistic stays 0.
    expect(ph.tests.decrease).toBe(0);
  });

  it('by hand: the alarm, the warm-up and the modes', () => {
    // δ = 0, α = 1, λ = 1, minInstances 3. Stream 0, 0, 0, 2: x̄₄ = 0.5, d₄ = 1.5, U₄ = 1.5,
    // min U = 0: 1.5 > 1, drift at the fourth sample ('up', 'both'; 'down' sees a rise).
    const opts = { minInstances: 3, delta: 0, threshold: 1, alpha: 1 };
    const up = [0, 0, 0, 2];
    expect(run(new PageHinkley(opts), up)).toEqual(['ok', 'ok', 'ok', 'drift']);
    expect(run(new PageHinkley({ ...opts, mode: 'up' }), up)).toEqual(['ok', 'ok', 'ok', 'drift']);
    expect(run(new PageHinkley({ ...opts, mode: 'down' }), up).includes('drift')).toBe(false);
    // The mirror image is a fall: 'down' and 'both' alarm, 'up' does not.
    const down = up.map((x) => -x);
    expect(run(new PageHinkley({ ...opts, mode: 'down' }), down)[3]).toBe('drift');
    expect(run(new PageHinkley(opts), down)[3]).toBe('drift');
    expect(run(new PageHinkley({ ...opts, mode: 'up' }), down).includes('drift')).toBe(false);
    // No verdict before the third sample (river: stats.Mean().n >= min_instances).
    expect(run(new PageHinkley(opts), [0, 4])).toEqual(['ok', 'ok']);
  });

  for (const c of golden.page_hinkley) {
    it(`river.drift.PageHinkley detection indices: ${c.name}`, () => {
      const ph = new PageHinkley({ mode: c.mode });
      expect(driftIndices(ph, c.stream)).toEqual(c.detections);
    });
  }

  it('no alarm on a stationary stream (seed 3); an abrupt jump from 0.2 to 0.8 is caught', () => {
    const up = () => new PageHinkley({ mode: 'up' });
    expect(run(up(), bernoulliStream(3, 5000, 0.2)).includes('drift')).toBe(false);
    const states = run(up(), bernoulliStream(4, 3000, 0.2, 0.8, 1000));
    // U − min U grows by ≈ 0.8 − 0.2 − δ per step after the change, less as x̄ catches up:
    // λ = 50 is reached in roughly 50/0.55 ≈ 90 steps.
    expect(firstDrift(states)).toBeGreaterThan(1000);
    expect(firstDrift(states)).toBeLessThan(1200);
  });
});

describe('ADWIN', () => {
  it('by hand: the exponential histogram after six inserts', () => {
    // Buckets of row 0 hold one item; the sixth insert (max 5 + 1) merges the two oldest
    // (1 and 2) into row 1: total 3, variance (1 − 1.5)² + (2 − 1.5)² = 0.5.
    // Window: total 21, Σ(x − 3.5)² = 17.5.
    const a = new Adwin();
    run(a, [1, 2, 3, 4, 5, 6]);
    expect(a.width).toBe(6);
    expect(a.total).toBe(21);
    expect(a.variance).toBeCloseTo(17.5, 12);
    expect(a.rows[0]!.count).toBe(4);
    expect([...a.rows[0]!.total.slice(0, 4)]).toEqual([3, 4, 5, 6]);
    expect(a.rows[1]!.count).toBe(1);
    expect(a.rows[1]!.total[0]).toBe(3);
    expect(a.rows[1]!.variance[0]).toBeCloseTo(0.5, 15);
  });

  it('checks cuts only every 32 updates: a step from 0 to 1 is found at a clock tick', () => {
    const xs = [...Array<number>(200).fill(0), ...Array<number>(200).fill(1)];
    const states = run(new Adwin(), xs);
    const at = firstDrift(states);
    expect(at).toBeGreaterThan(200);
    expect(at).toBeLessThan(264);
    expect((at + 1) % 32).toBe(0);
  });

  for (const c of golden.adwin) {
    it(`river.drift.ADWIN detection indices: ${c.name}`, () => {
      expect(driftIndices(new Adwin(c.params), c.stream)).toEqual(c.detections);
    });
  }

  it('no alarm on a stationary Bernoulli(0.3) stream (seed 5); a jump to 0.7 is caught', () => {
    expect(run(new Adwin(), bernoulliStream(5, 5000, 0.3)).includes('drift')).toBe(false);
    const states = run(new Adwin(), bernoulliStream(6, 3000, 0.3, 0.7, 1500));
    expect(firstDrift(states)).toBeGreaterThan(1500);
    expect(firstDrift(states)).toBeLessThan(1800);
    // River's older loop (adwin_c.pyx ≤ 0.21) tested fewer cuts: never earlier.
    const old = run(new Adwin({ allCuts: false }), bernoulliStream(6, 3000, 0.3, 0.7, 1500));
    expect(firstDrift(old)).toBeGreaterThanOrEqual(firstDrift(states));
    // On river's own test stream the old loop is the [1055] the issue reported.
    const stream = golden.adwin[0]!.stream;
    expect(driftIndices(new Adwin({ allCuts: false }), stream)[0]).toBe(1055);
  });

  it('the update after a detection starts a fresh window (as river)', () => {
    const a = new Adwin();
    const xs = [...Array<number>(200).fill(0), ...Array<number>(200).fill(1)];
    const states = run(a, xs.slice(0, 300));
    const at = firstDrift(states);
    expect(at).toBeGreaterThan(0);
    const b = new Adwin();
    run(b, xs.slice(0, at + 1));
    b.update(1);
    expect(b.width).toBe(1);
  });
});
