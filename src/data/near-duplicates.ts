// Near-duplicate search for images (perceptual difference hash) and texts (shingles + MinHash +
// LSH), used by the quality report. Both return groups (connected components of "near" pairs) of
// item ids; a group may therefore hold two items further apart than the threshold, linked by a
// third, which is what a reviewer wants to see together anyway.
import { fmix32, murmur3 } from './hash';

// ---------------------------------------------------------------------------------------------
// Union–find over item indices (path halving, union by size).

class DisjointSets {
  readonly #parent: Int32Array;
  readonly #size: Int32Array;
  constructor(n: number) {
    this.#parent = Int32Array.from({ length: n }, (_, i) => i);
    this.#size = new Int32Array(n).fill(1);
  }
  find(x: number): number {
    const p = this.#parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.#size[ra]! < this.#size[rb]!) [ra, rb] = [rb, ra];
    this.#parent[rb] = ra;
    this.#size[ra]! += this.#size[rb]!;
  }
  /** Sets of two or more, each sorted by index, ordered by their first index. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.#parent.length; i++) {
      const r = this.find(i);
      let g = byRoot.get(r);
      if (!g) byRoot.set(r, (g = []));
      g.push(i);
    }
    return [...byRoot.values()].filter((g) => g.length > 1).sort((a, b) => a[0]! - b[0]!);
  }
}

// ---------------------------------------------------------------------------------------------
// Images: dHash (Neal Krawetz, "Kind of Like That", 2013; as in Python's `imagehash.dhash`).

/**
 * 64-bit difference hash of a grayscale image (row-major, `width × height`, any numeric range):
 * area-average it down to 9×8, then bit (row·8 + col) is 1 when pixel (col + 1) is brighter than
 * pixel col in that row — the first bit is the most significant. Robust to scaling, brightness
 * and mild compression; two hashes of near-identical images differ in few bits.
 */
export function dHash64(gray: ArrayLike<number>, width: number, height: number): bigint {
  if (width < 1 || height < 1 || gray.length < width * height) {
    throw new RangeError(`dHash64: ${width}×${height} image needs ${width * height} pixels`);
  }
  const small = new Float64Array(9 * 8);
  for (let r = 0; r < 8; r++) {
    const y0 = (r * height) / 8;
    const y1 = ((r + 1) * height) / 8;
    for (let c = 0; c < 9; c++) {
      const x0 = (c * width) / 9;
      const x1 = ((c + 1) * width) / 9;
      small[r * 9 + c] = areaMean(gray, width, x0, x1, y0, y1);
    }
  }
  let hash = 0n;
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      hash = (hash << 1n) | (small[r * 9 + c + 1]! > small[r * 9 + c]! ? 1n : 0n);
    }
  }
  return hash;
}

/** Mean over the rectangle [x0, x1) × [y0, y1) in pixel units, weighting partly covered pixels. */
function areaMean(
  gray: ArrayLike<number>,
  width: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): number {
  let sum = 0;
  let weight = 0;
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    const wy = Math.min(y + 1, y1) - Math.max(y, y0);
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
      sum += w * gray[y * width + x]!;
      weight += w;
    }
  }
  return sum / weight;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of differing bits between two 64-bit hashes. */
export function hamming(a: bigint, b: bigint): number {
  const x = BigInt.asUintN(64, a ^ b);
  return popcount32(Number(x & 0xffffffffn)) + popcount32(Number(x >> 32n));
}

/**
 * Groups of images whose dHashes are within `maxDistance` bits (default 4 of 64: the usual
 * "same picture" threshold for dHash). Scales past the O(n²) all-pairs scan by multi-index hashing
 * (Norouzi, Punjani & Fleet 2012): split the 64 bits into maxDistance + 1 blocks; two hashes within
 * maxDistance bits agree exactly on at least one block (pigeonhole), so only items sharing a block
 * value are compared. Identical hashes are merged first so a pile of blank images stays cheap.
 */
export function findNearDuplicateImages(
  hashes: readonly { itemId: string; hash: bigint }[],
  maxDistance = 4,
): string[][] {
  const sets = new DisjointSets(hashes.length);
  const firstOf = new Map<bigint, number>();
  const unique: number[] = [];
  hashes.forEach(({ hash }, i) => {
    const h = BigInt.asUintN(64, hash);
    const first = firstOf.get(h);
    if (first === undefined) {
      firstOf.set(h, i);
      unique.push(i);
    } else sets.union(first, i);
  });
  if (maxDistance > 0) {
    const blocks = Math.min(64, maxDistance + 1);
    const bounds: number[] = [];
    for (let b = 0; b <= blocks; b++) bounds.push(Math.round((b * 64) / blocks));
    for (let b = 0; b < blocks; b++) {
      const lo = BigInt(bounds[b]!);
      const bits = BigInt(bounds[b + 1]! - bounds[b]!);
      const buckets = new Map<bigint, number[]>();
      for (const i of unique) {
        const key = BigInt.asUintN(Number(bits), hashes[i]!.hash >> lo);
        let bucket = buckets.get(key);
        if (!bucket) buckets.set(key, (bucket = []));
        bucket.push(i);
      }
      for (const bucket of buckets.values()) {
        for (let x = 0; x < bucket.length; x++) {
          for (let y = x + 1; y < bucket.length; y++) {
            const i = bucket[x]!;
            const j = bucket[y]!;
            if (hamming(hashes[i]!.hash, hashes[j]!.hash) <= maxDistance) sets.union(i, j);
          }
        }
      }
    }
  }
  return sets.groups().map((g) => g.map((i) => hashes[i]!.itemId));
}

// ---------------------------------------------------------------------------------------------
// Texts: shingles, MinHash (Broder 1997) and LSH banding (Leskovec, Rajaraman & Ullman, Mining of
// Massive Datasets, ch. 3).

export type ShingleOptions = { kind: 'chars'; k?: number } | { kind: 'words'; k?: number };

/**
 * The set of shingles of a text after case folding and whitespace collapsing: character k-grams
 * (default k = 5, good for short texts and typos) or word k-grams (default k = 3, for long texts).
 * A text shorter than k gives one shingle, itself, so it still compares equal to its copies.
 */
export function shingles(text: string, opts: ShingleOptions = { kind: 'chars' }): Set<string> {
  const norm = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const out = new Set<string>();
  if (opts.kind === 'chars') {
    const k = opts.k ?? 5;
    if (norm.length <= k) out.add(norm);
    else for (let i = 0; i + k <= norm.length; i++) out.add(norm.slice(i, i + k));
  } else {
    const k = opts.k ?? 3;
    const words = norm === '' ? [] : norm.split(' ');
    if (words.length <= k) out.add(words.join(' '));
    else for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(' '));
  }
  return out;
}

/** Exact Jaccard similarity |A ∩ B| / |A ∪ B| (1 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const s of small) if (large.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}

export const MINHASH_PERMUTATIONS = 64;

/**
 * MinHash signature: for each of `permutations` seeded permutations of 32-bit shingle hashes, the
 * minimum. The permutations are fmix32(h XOR s_i), a bijection per seed word s_i (cheaper than 64
 * independent string hashes). P(signatures agree at i) ≈ Jaccard(A, B).
 */
export function minHashSignature(
  set: ReadonlySet<string>,
  seed = 0,
  permutations = MINHASH_PERMUTATIONS,
): Uint32Array {
  const seeds = new Uint32Array(permutations);
  for (let i = 0; i < permutations; i++)
    seeds[i] = fmix32((seed + Math.imul(i + 1, 0x9e3779b9)) | 0);
  const sig = new Uint32Array(permutations).fill(0xffffffff);
  for (const s of set) {
    const h = murmur3(s, seed);
    for (let i = 0; i < permutations; i++) {
      const v = fmix32(h ^ seeds[i]!);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** Share of equal positions: the MinHash estimate of Jaccard similarity. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * LSH bands × rows = 16 × 4 for 64 permutations: a pair becomes a candidate when one band of 4
 * agrees, with probability 1 − (1 − J⁴)¹⁶ — 0.9998 at J = 0.8, 0.51 at J = 0.5 — so almost no true
 * pair at the default threshold is missed, and every candidate is checked exactly.
 */
const LSH_BANDS = 16;

/** How far below the threshold a MinHash estimate may be before a candidate is dropped unchecked. */
const ESTIMATE_SLACK = 0.15; // ≈ 3 standard errors of a 64-permutation estimate at J = 0.8.

/**
 * Groups of texts with exact shingle Jaccard similarity ≥ `threshold` (default 0.8): MinHash
 * signatures, LSH banding for candidate pairs, a cheap filter on the estimated Jaccard (with slack
 * for its sampling error), then the exact Jaccard of the shingle sets decides.
 */
export function findNearDuplicateTexts(
  texts: readonly { itemId: string; text: string }[],
  threshold = 0.8,
  opts: { shingles?: ShingleOptions; seed?: number } = {},
): string[][] {
  const sets = texts.map(({ text }) => shingles(text, opts.shingles));
  const sigs = sets.map((s) => minHashSignature(s, opts.seed ?? 0));
  const union = new DisjointSets(texts.length);
  const rows = MINHASH_PERMUTATIONS / LSH_BANDS;
  const checked = new Set<number>();
  for (let band = 0; band < LSH_BANDS; band++) {
    const buckets = new Map<string, number[]>();
    sigs.forEach((sig, i) => {
      const key = sig.subarray(band * rows, (band + 1) * rows).join(',');
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = []));
      bucket.push(i);
    });
    for (const bucket of buckets.values()) {
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          const i = bucket[x]!;
          const j = bucket[y]!;
          if (union.find(i) === union.find(j)) continue;
          const pair = i * texts.length + j;
          if (checked.has(pair)) continue;
          checked.add(pair);
          if (estimatedJaccard(sigs[i]!, sigs[j]!) < threshold - ESTIMATE_SLACK) continue;
          if (jaccard(sets[i]!, sets[j]!) >= threshold) union.union(i, j);
        }
      }
    }
  }
  return union.groups().map((g) => g.map((i) => texts[i]!.itemId));
}
