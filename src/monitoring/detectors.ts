// Streaming concept-drift detectors for the error stream of delayed labels (1 = the model was
// wrong, 0 = right) or any real-valued stream. Each `update(x)` returns 'ok' | 'warning' | 'drift'.
// Formulations and defaults follow river (online-ml/river, river.drift) line by line, so that
// detection indices match the reference implementation; reset rules are river's. One documented
// departure: DDM waits for a few errors before it tracks its minimum (`DdmOptions.minErrors`).
import type { DetectorState } from './types';

export interface StreamingDetector {
  update(x: number): DetectorState;
  reset(): void;
}

// ---------------------------------------------------------------------------------------------

export interface DdmOptions {
  /** Samples before any verdict (Gama et al. 2004: 30). */
  warmStart: number;
  /** Warning when p + s > p_min + warning·s_min. */
  warningThreshold: number;
  /** Drift when p + s > p_min + drift·s_min. */
  driftThreshold: number;
  /**
   * Errors seen before (p_min, s_min) are tracked (default 5; 0 = river exactly). s_i is the
   * normal approximation of a binomial, which needs a few errors: after an error-free warm-up
   * river records p_min = s_min = 0 and calls the first error a drift, and a minimum taken on one
   * or two errors is so low that an unchanged error rate soon reads as drift. On 40 seeded
   * Bernoulli streams of 6,000 samples the guard cuts false alarms at a 2% error rate from 76 to
   * 10 (12%: 24 → 13) and leaves the delay on a 12% → 22% step as it was (unit-tested).
   */
  minErrors: number;
}

/**
 * DDM, the Drift Detection Method (Gama, Medas, Castillo & Rodrigues 2004), as river.drift.binary.DDM:
 * p_i is the running error rate, s_i = √(p_i(1 − p_i)/i); after `warmStart` samples, (p_min,
 * s_min) are the values at the smallest p_i + s_i seen; warning when p_i + s_i > p_min + 2·s_min,
 * drift when > p_min + 3·s_min. The update after a drift starts from scratch.
 *
 * River (and we) use strict '>' where the paper writes '≥': with '≥' an error-free stream
 * (p = s = 0) would warn at once. One departure, off with `minErrors: 0`: no minimum is recorded
 * (and no verdict given) before `minErrors` errors — see {@link DdmOptions.minErrors}.
 */
export class Ddm implements StreamingDetector {
  readonly options: DdmOptions;
  n = 0;
  /** Running error rate p_i. */
  p = 0;
  /** Errors (x = 1) since the last reset; with real-valued x, the sum of x. */
  errors = 0;
  pMin = Infinity;
  sMin = Infinity;
  psMin = Infinity;
  #drift = false;

  constructor(options: Partial<DdmOptions> = {}) {
    this.options = {
      warmStart: 30,
      warningThreshold: 2,
      driftThreshold: 3,
      minErrors: 5,
      ...options,
    };
  }

  reset(): void {
    this.n = 0;
    this.p = 0;
    this.errors = 0;
    this.pMin = Infinity;
    this.sMin = Infinity;
    this.psMin = Infinity;
    this.#drift = false;
  }

  update(x: number): DetectorState {
    if (this.#drift) this.reset();
    this.n++;
    this.errors += x;
    this.p += (x - this.p) / this.n;
    const s = Math.sqrt((this.p * (1 - this.p)) / this.n);
    if (this.n <= this.options.warmStart || this.errors < this.options.minErrors) return 'ok';
    if (this.p + s <= this.psMin) {
      this.pMin = this.p;
      this.sMin = s;
      this.psMin = this.p + s;
    }
    if (this.p + s > this.pMin + this.options.driftThreshold * this.sMin) {
      this.#drift = true;
      return 'drift';
    }
    return this.p + s > this.pMin + this.options.warningThreshold * this.sMin ? 'warning' : 'ok';
  }
}

// ---------------------------------------------------------------------------------------------

export type PageHinkleyMode = 'up' | 'down' | 'both';

export interface PageHinkleyOptions {
  /** Samples before any verdict (river: 30; the first verdict is at sample 30). */
  minInstances: number;
  /** Magnitude of change tolerated (δ). */
  delta: number;
  /** Alarm threshold (λ). */
  threshold: number;
  /** Forgetting factor of the cumulative sums (α). */
  alpha: number;
  /**
   * Which change of the mean alarms: 'up' (an increase), 'down' (a decrease) or 'both', river's
   * default. The performance track feeds the error stream and uses 'up' (see engine.ts).
   */
  mode: PageHinkleyMode;
}

/**
 * Page-Hinkley test (Page 1954) as river.drift.PageHinkley (river/drift/page_hinkley.py, river ≥
 * 0.15, two-sided as Sebastião & Fernandes 2017): with x̄_t the running mean (river's
 * stats.Mean, x̄ += (1/n)(x − x̄)) and d_t = x_t − x̄_t,
 * U_t = α·U_{t−1} + d_t − δ and L_t = α·L_{t−1} + d_t + δ; drift when U_t − min U > λ ('up'),
 * max L − L_t > λ ('down'), or either ('both'), judged once n ≥ minInstances. River starts the
 * running max of L at −1 and the min of U at +∞. No warning zone; after a drift the next update
 * starts from scratch. (With α = 1 'up' is the classic m_t = max(0, m_{t−1} + d_t − δ), the
 * formulation river used before 0.15.)
 */
export class PageHinkley implements StreamingDetector {
  readonly options: PageHinkleyOptions;
  n = 0;
  mean = 0;
  sumIncrease = 0;
  sumDecrease = 0;
  minIncrease = Infinity;
  maxDecrease = -1;
  #drift = false;

  constructor(options: Partial<PageHinkleyOptions> = {}) {
    this.options = {
      minInstances: 30,
      delta: 0.005,
      threshold: 50,
      alpha: 1 - 0.0001,
      mode: 'both',
      ...options,
    };
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Infinity;
    this.maxDecrease = -1;
    this.#drift = false;
  }

  /** The statistics compared with λ: U − min U (increase) and max L − L (decrease). */
  get tests(): { increase: number; decrease: number } {
    return {
      increase: this.sumIncrease - this.minIncrease,
      decrease: this.maxDecrease - this.sumDecrease,
    };
  }

  update(x: number): DetectorState {
    if (this.#drift) this.reset();
    const { alpha, delta, threshold, minInstances, mode } = this.options;
    this.n++;
    this.mean += (1 / this.n) * (x - this.mean);
    const dev = x - this.mean;
    this.sumIncrease = alpha * this.sumIncrease + dev - delta;
    this.sumDecrease = alpha * this.sumDecrease + dev + delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.n < minInstances) return 'ok';
    const { increase, decrease } = this.tests;
    const up = increase > threshold;
    const down = decrease > threshold;
    this.#drift = mode === 'up' ? up : mode === 'down' ? down : up || down;
    return this.#drift ? 'drift' : 'ok';
  }
}

// ---------------------------------------------------------------------------------------------

export interface AdwinOptions {
  /** Confidence δ of the cut test. */
  delta: number;
  /** Cuts are checked every `clock` updates. */
  clock: number;
  /** Buckets per row of the exponential histogram before two merge. */
  maxBuckets: number;
  /** Smallest sub-window on either side of a cut. */
  minWindowLength: number;
  /** No cut is checked while the window is this short or shorter. */
  gracePeriod: number;
  /**
   * Test a cut after every bucket of a row (default true), as river does today (rust_src/adwin.rs,
   * the fix of river issue #1539) and MOA's ADWIN.java. false is river's older Cython loop
   * (`range(current_idx - 1)` in adwin_c.pyx, ≤ 0.21), which skipped each row's newest bucket
   * and detected later ([1055] instead of [1023] on river's test stream).
   */
  allCuts: boolean;
}

/** One row of the exponential histogram: up to maxBuckets + 1 buckets of 2^row items each. */
class BucketRow {
  total: Float64Array;
  variance: Float64Array;
  count = 0;

  constructor(maxBuckets: number) {
    this.total = new Float64Array(maxBuckets + 1);
    this.variance = new Float64Array(maxBuckets + 1);
  }

  insert(total: number, variance: number): void {
    this.total[this.count] = total;
    this.variance[this.count] = variance;
    this.count++;
  }

  /** Drop the oldest `k` buckets. */
  shift(k: number): void {
    this.total.copyWithin(0, k);
    this.variance.copyWithin(0, k);
    this.total.fill(0, this.total.length - k);
    this.variance.fill(0, this.variance.length - k);
    this.count -= k;
  }
}

/**
 * ADWIN, ADaptive WINdowing (Bifet & Gavaldà 2007, ADWIN2), as river.drift.ADWIN (its
 * AdaptiveWindowing, rust_src/adwin.rs; golden-tested on river's test_adwin_regression.py streams):
 * the window is an exponential histogram (row i holds buckets of 2^i items, at most maxBuckets
 * per row; the two oldest merge into the next row); every `clock` updates, once the window is
 * longer than `gracePeriod`, each cut W₀|W₁ at a bucket boundary (oldest first) is tested with
 * ε = √(2·m·σ²_W·δ′) + (2/3)·δ′·m, m = 1/(n₀ − 5 + 1) + 1/(n₁ − 5 + 1), δ′ = ln(2·ln|W|/δ), and
 * the oldest bucket is dropped while |μ₀ − μ₁| > ε. As river.drift.ADWIN (the wrapper around
 * adwin_c), the update after a detection starts a fresh window.
 *
 * Every bucket boundary is a candidate cut (river's current loop); `allCuts: false` gives the
 * older Cython loop, which skipped each row's newest bucket.
 */
export class Adwin implements StreamingDetector {
  readonly options: AdwinOptions;
  rows: BucketRow[] = [];
  total = 0;
  variance = 0;
  width = 0;
  tick = 0;
  detections = 0;
  #drift = false;

  constructor(options: Partial<AdwinOptions> = {}) {
    this.options = {
      delta: 0.002,
      clock: 32,
      maxBuckets: 5,
      minWindowLength: 5,
      gracePeriod: 10,
      allCuts: true,
      ...options,
    };
    this.reset();
  }

  reset(): void {
    this.rows = [new BucketRow(this.options.maxBuckets)];
    this.total = 0;
    this.variance = 0;
    this.width = 0;
    this.tick = 0;
    this.detections = 0;
    this.#drift = false;
  }

  /** Mean of the current window. */
  get estimation(): number {
    return this.width > 0 ? this.total / this.width : 0;
  }

  update(x: number): DetectorState {
    if (this.#drift) this.reset();
    this.#insert(x);
    this.#drift = this.#detectChange();
    return this.#drift ? 'drift' : 'ok';
  }

  #insert(x: number): void {
    this.rows[0]!.insert(x, 0);
    this.width++;
    if (this.width > 1) {
      const d = x - this.total / (this.width - 1);
      this.variance += ((this.width - 1) * d * d) / this.width;
    }
    this.total += x;
    this.#compress();
  }

  #compress(): void {
    const max = this.options.maxBuckets;
    for (let idx = 0; idx < this.rows.length; idx++) {
      const row = this.rows[idx]!;
      if (row.count !== max + 1) break;
      if (idx + 1 === this.rows.length) this.rows.push(new BucketRow(max));
      const next = this.rows[idx + 1]!;
      const size = 2 ** idx;
      const mu1 = row.total[0]! / size;
      const mu2 = row.total[1]! / size;
      // river's rust_src/adwin.rs order of operations (= n₁n₂(μ₁ − μ₂)²/(n₁ + n₂) for n₁ = n₂).
      const temp = size * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      next.insert(row.total[0]! + row.total[1]!, row.variance[0]! + row.variance[1]! + temp);
      row.shift(2);
      if (next.count <= max) break;
    }
  }

  #deleteOldest(): number {
    const idx = this.rows.length - 1;
    const row = this.rows[idx]!;
    const n = 2 ** idx;
    const u = row.total[0]!;
    const mu = u / n;
    const v = row.variance[0]!;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    row.shift(1);
    if (row.count === 0) this.rows.pop();
    return n;
  }

  #cutHolds(n0: number, n1: number, deltaMean: number): boolean {
    const { delta, minWindowLength } = this.options;
    const deltaPrime = Math.log((2 * Math.log(this.width)) / delta);
    const mRecip = 1 / (n0 - minWindowLength + 1) + 1 / (n1 - minWindowLength + 1);
    const epsilon =
      Math.sqrt(2 * mRecip * (this.variance / this.width) * deltaPrime) +
      (2 / 3) * deltaPrime * mRecip;
    return Math.abs(deltaMean) > epsilon;
  }

  #detectChange(): boolean {
    const { clock, gracePeriod, minWindowLength } = this.options;
    let change = false;
    this.tick++;
    if (this.tick % clock !== 0 || this.width <= gracePeriod) return false;
    let reduce = true;
    while (reduce) {
      reduce = false;
      let exit = false;
      let n0 = 0;
      let n1 = this.width;
      let u0 = 0;
      let u1 = this.total;
      for (let idx = this.rows.length - 1; idx >= 0 && !exit; idx--) {
        const row = this.rows[idx]!;
        const size = 2 ** idx;
        const last = this.options.allCuts ? row.count : row.count - 1;
        for (let k = 0; k < last; k++) {
          // (river also updates the two sub-window variances here; they are never read.)
          n0 += size;
          n1 -= size;
          u0 += row.total[k]!;
          u1 -= row.total[k]!;
          // The newest bucket would leave W₁ empty: no cut there (only reachable with allCuts).
          if (idx === 0 && k === row.count - 1) {
            exit = true;
            break;
          }
          if (
            n1 >= minWindowLength &&
            n0 >= minWindowLength &&
            this.#cutHolds(n0, n1, u0 / n0 - u1 / n1)
          ) {
            reduce = true;
            change = true;
            if (this.width > 0) {
              n0 -= this.#deleteOldest();
              exit = true;
              break;
            }
          }
        }
      }
    }
    if (change) this.detections++;
    return change;
  }
}
