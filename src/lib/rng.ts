// Seeded pseudo-random numbers for splits, shuffling, augmentation and sampling. Math.random is
// never used where a result must be reproducible: the same seed gives the same sequence in the
// page, in workers and in Node tests.
//
// Generator: mulberry32 (Tommy Ettinger, 2017; public domain) — a 32-bit state advanced by the
// Weyl increment 0x6D2B79F5 and a multiply-xorshift output mix. Period 2^32, passes
// gjrand/PractRand up to a few GB, and needs only Math.imul: plenty for shuffling datasets of
// millions of rows, and not a cryptographic generator (use crypto.getRandomValues for secrets).

/** A seeded generator; `state` may be saved and restored to resume the exact sequence. */
export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** The current 32-bit state (unsigned). */
  state: number;
}

class Mulberry32 implements Rng {
  #a: number;

  constructor(seed: number) {
    this.#a = seed >>> 0;
  }

  get state(): number {
    return this.#a >>> 0;
  }

  set state(value: number) {
    this.#a = value >>> 0;
  }

  nextUint32(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

/**
 * A mulberry32 generator. `seed` is taken modulo 2^32 (non-integers are truncated by `>>> 0`), so
 * pass an integer in [0, 2^32).
 */
export function createRng(seed: number): Rng {
  return new Mulberry32(seed);
}

/**
 * An independent seed for a named purpose of one run (e.g. stream 1 = shuffling, 2 = dropout),
 * so that adding draws to one purpose does not shift another's sequence. splitmix32-style
 * finaliser (the murmur3 fmix32 constants) over seed and stream.
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream >>> 0, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Uniform integer in [0, n) for 1 ≤ n ≤ 2^32. Uses rejection sampling on the 32-bit output, so
 * every value is exactly equally likely (no modulo bias).
 */
export function randInt(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
    throw new RangeError(`randInt: n must be an integer in [1, 2^32], got ${n}`);
  }
  // Largest multiple of n that fits in 2^32; draws at or above it are rejected.
  const limit = 4294967296 - (4294967296 % n);
  let x = rng.nextUint32();
  while (x >= limit) x = rng.nextUint32();
  return x % n;
}

/** Standard normal deviate (Box–Muller; one of the pair is discarded for simplicity). */
export function randNormal(rng: Rng): number {
  // 1 - next() is in (0, 1], so the log is finite.
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Anything indexable by position with a length: arrays and typed arrays. */
export interface MutableArrayLike<T> {
  length: number;
  [index: number]: T;
}

/**
 * Fisher–Yates (Durstenfeld) shuffle in place: every permutation equally likely given uniform
 * `randInt`. Returns the same array for chaining.
 */
export function shuffleInPlace<T, A extends MutableArrayLike<T>>(arr: A, rng: Rng): A {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const tmp = arr[i] as T;
    arr[i] = arr[j] as T;
    arr[j] = tmp;
  }
  return arr;
}

/** 0, 1, …, n − 1 in a seeded random order (for epoch batch orders). */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace<number, Int32Array>(out, rng);
}

/**
 * The row order of one epoch of `samples` rows over a training set of `rows` (`samples ≥ rows`):
 * whole fresh permutations back to back, the last one cut short; every row appears once per
 * permutation.
 */
export function epochOrder(rows: number, samples: number, rng: Rng): Int32Array {
  if (samples <= rows) return permutation(rows, rng);
  const order = new Int32Array(samples);
  for (let o = 0; o < samples; o += rows) {
    const p = permutation(rows, rng);
    order.set(p.subarray(0, Math.min(rows, samples - o)), o);
  }
  return order;
}
