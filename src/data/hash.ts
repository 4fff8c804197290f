// Small non-cryptographic hashes shared by splits, quality (row hashes) and near-duplicate search.
// MurmurHash3 x86_32 (Austin Appleby, public domain; reference: smhasher's MurmurHash3.cpp): fast,
// well mixed, and reproducible in any language (Python's `mmh3.hash(s, seed, signed=False)`), so
// a split can be recomputed outside the app. Not for security: digests use SHA-256 (digest.ts).

const encoder = new TextEncoder();

/** MurmurHash3 x86_32 of the UTF-8 bytes of `text` (or of raw bytes) as an unsigned 32-bit int. */
export function murmur3(data: string | Uint8Array, seed = 0): number {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const len = bytes.length;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= len;
  return fmix32(h);
}

/** Murmur3's finaliser: a bijection on 32-bit ints with full avalanche. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes one 32-bit word into a running hash (Murmur3's block step); finish with {@link fmix32}. */
export function mixWord(h: number, word: number): number {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

/** Seeded PRNG (mulberry32, Tommy Ettinger): tiny, fast, good enough for sampling. In [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
