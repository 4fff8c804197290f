// Choosing what to replay when a challenger is fine-tuned: a uniform reservoir over the stream of
// labelled items, and multi-armed bandits over groups of stored samples (by window, class or drift
// region) rewarded by the loss reduction a group's replay buys. Pure, seeded.
import { createRng, type Rng } from '../lib/rng';

/**
 * Vitter's Algorithm R: after `seen` items, each one is in the reservoir with probability
 * capacity/seen, whatever the order they arrived in. Seeded, so a pipeline's replay set is
 * reproducible.
 */
export class Reservoir<T> {
  readonly capacity: number;
  #items: T[] = [];
  #seen = 0;
  #rng: Rng;

  constructor(capacity: number, seed: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new Error('A reservoir needs a whole, non-negative capacity');
    }
    this.capacity = capacity;
    this.#rng = createRng(seed);
  }

  add(item: T): void {
    this.#seen++;
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    const j = Math.floor(this.#rng.next() * this.#seen);
    if (j < this.capacity) this.#items[j] = item;
  }

  addAll(items: Iterable<T>): this {
    for (const item of items) this.add(item);
    return this;
  }

  get seen(): number {
    return this.#seen;
  }

  get items(): readonly T[] {
    return this.#items;
  }
}

/** A uniform sample of `k` of `items` (reservoir over the array order). */
export function reservoirSample<T>(items: readonly T[], k: number, seed: number): T[] {
  return [...new Reservoir<T>(Math.max(0, Math.floor(k)), seed).addAll(items).items];
}

/** A bandit over `arms` groups: `select()` an arm, then `update(arm, reward)` with reward in [0, 1]. */
export interface Bandit {
  readonly arms: number;
  select(): number;
  update(arm: number, reward: number): void;
  /** Current preference per arm (EXP3: probabilities; UCB: mean rewards). */
  weights(): number[];
}

/**
 * EXP3 (Auer, Cesa-Bianchi, Freund & Schapire 2002): exponential weights with γ-uniform
 * exploration and importance-weighted rewards, so it stays sound when rewards shift (a drifting
 * stream's group values do). Rewards must lie in [0, 1].
 */
export class Exp3 implements Bandit {
  readonly arms: number;
  readonly gamma: number;
  #logW: number[];
  #rng: Rng;
  #lastProbs: number[] = [];

  constructor(arms: number, { gamma = 0.1, seed = 1 }: { gamma?: number; seed?: number } = {}) {
    if (arms < 1) throw new Error('A bandit needs at least one arm');
    if (!(gamma > 0 && gamma <= 1)) throw new Error('EXP3 needs 0 < γ ≤ 1');
    this.arms = arms;
    this.gamma = gamma;
    this.#logW = new Array<number>(arms).fill(0);
    this.#rng = createRng(seed);
  }

  weights(): number[] {
    const max = Math.max(...this.#logW);
    const w = this.#logW.map((l) => Math.exp(l - max));
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => (1 - this.gamma) * (x / sum) + this.gamma / this.arms);
  }

  select(): number {
    const p = this.weights();
    this.#lastProbs = p;
    let u = this.#rng.next();
    for (let i = 0; i < p.length; i++) {
      u -= p[i]!;
      if (u < 0) return i;
    }
    return p.length - 1;
  }

  update(arm: number, reward: number): void {
    const p = (this.#lastProbs.length ? this.#lastProbs : this.weights())[arm]!;
    const r = Math.min(1, Math.max(0, reward));
    this.#logW[arm]! += (this.gamma * (r / p)) / this.arms;
  }
}

/** UCB1 (Auer et al. 2002): each arm once, then the arm with the highest mean + √(2 ln t / n). */
export class Ucb1 implements Bandit {
  readonly arms: number;
  #n: number[];
  #sum: number[];
  #t = 0;

  constructor(arms: number) {
    if (arms < 1) throw new Error('A bandit needs at least one arm');
    this.arms = arms;
    this.#n = new Array<number>(arms).fill(0);
    this.#sum = new Array<number>(arms).fill(0);
  }

  select(): number {
    const untried = this.#n.findIndex((n) => n === 0);
    if (untried >= 0) return untried;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < this.arms; i++) {
      const score = this.#sum[i]! / this.#n[i]! + Math.sqrt((2 * Math.log(this.#t)) / this.#n[i]!);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  update(arm: number, reward: number): void {
    this.#t++;
    this.#n[arm]!++;
    this.#sum[arm]! += Math.min(1, Math.max(0, reward));
  }

  weights(): number[] {
    return this.#sum.map((s, i) => (this.#n[i]! > 0 ? s / this.#n[i]! : 0));
  }

  counts(): number[] {
    return [...this.#n];
  }
}

/**
 * Maps a loss reduction to a bandit reward in [0, 1]: the relative reduction (before − after) /
 * before, clipped. Relative, so groups with a large loss do not win by scale alone.
 */
export function lossReductionReward(before: number, after: number): number {
  if (!(before > 0) || !Number.isFinite(after)) return 0;
  return Math.min(1, Math.max(0, (before - after) / before));
}

/**
 * Picks `k` replay samples from `groups` (e.g. one group per monitoring window or class) by
 * drawing, one sample at a time, a group from the bandit and a random unused sample of it. The
 * caller rewards the bandit afterwards (see lossReductionReward) so the next selection leans
 * towards the groups whose replay helped.
 */
export function banditSample<T>(
  groups: readonly (readonly T[])[],
  k: number,
  bandit: Bandit,
  seed: number,
): { items: T[]; perGroup: number[] } {
  const rng = createRng(seed);
  const left = groups.map((g) => [...g]);
  const perGroup = new Array<number>(groups.length).fill(0);
  const items: T[] = [];
  let available = left.reduce((a, g) => a + g.length, 0);
  let guard = 0;
  while (items.length < k && available > 0 && guard++ < k * 50 + 1000) {
    let arm = bandit.select();
    if (left[arm]!.length === 0) {
      // An exhausted group: fall back to the largest remaining one.
      arm = left.reduce((best, g, i) => (g.length > left[best]!.length ? i : best), 0);
    }
    const g = left[arm]!;
    const j = Math.floor(rng.next() * g.length);
    items.push(g[j]!);
    g[j] = g[g.length - 1]!;
    g.pop();
    perGroup[arm]!++;
    available--;
  }
  return { items, perGroup };
}
