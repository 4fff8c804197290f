// Partial top-k selection: the k best of n scores in O(n log k) time and O(k) memory, so ranking a
// 100k pool for a batch of 20 never sorts the whole pool. A binary min-heap holds the k best seen so
// far; its root is the worst of them and is replaced when a better score arrives.
//
// Order is total and deterministic: higher score first, equal scores by lower row index. NaN counts
// as the lowest possible score (a row the model could not score is never preferred).
import type { RowExclusion, Selection } from './types';

/** True when row `i` is excluded. */
export function isExcluded(exclude: RowExclusion | undefined, i: number): boolean {
  if (exclude === undefined) return false;
  if (exclude instanceof Uint8Array) return exclude[i] !== 0;
  return exclude.has(i);
}

/** NaN sorts below −Infinity. */
const key = (s: number): number => (Number.isNaN(s) ? -Infinity : s);

/** a ranks strictly after b: lower score, or the same score and a higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  const ka = key(sa);
  const kb = key(sb);
  if (ka !== kb) return ka < kb;
  if (Number.isNaN(sa) !== Number.isNaN(sb)) return Number.isNaN(sa);
  return ia > ib;
}

/**
 * The `k` rows with the highest `scores`, best first (ties by lower index), skipping excluded
 * rows. Returns fewer than `k` rows when fewer are eligible.
 */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  exclude?: RowExclusion,
  rows?: ArrayLike<number>,
): Selection {
  if (!Number.isInteger(k) || k < 0)
    throw new RangeError(`topK: k must be an integer ≥ 0, got ${k}`);
  const n = rows === undefined ? scores.length : rows.length;
  const cap = Math.min(k, n);
  const hi = new Int32Array(cap);
  const hs = new Float64Array(cap);
  let size = 0;
  if (cap === 0) return { indices: hi, scores: hs };

  const siftDown = (start: number): void => {
    let p = start;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= size) return;
      const r = l + 1;
      // The child that ranks worse goes up (min-heap on rank).
      let c = l;
      if (r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!)) c = r;
      if (!worse(hs[c]!, hi[c]!, hs[p]!, hi[p]!)) return;
      const ts = hs[p]!;
      const ti = hi[p]!;
      hs[p] = hs[c]!;
      hi[p] = hi[c]!;
      hs[c] = ts;
      hi[c] = ti;
      p = c;
    }
  };

  for (let t = 0; t < n; t++) {
    const i = rows === undefined ? t : (rows[t] as number);
    if (isExcluded(exclude, i)) continue;
    const s = scores[i] as number;
    if (size < cap) {
      // Sift up.
      let c = size++;
      hs[c] = s;
      hi[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(hs[c]!, hi[c]!, hs[p]!, hi[p]!)) break;
        const ts = hs[p]!;
        const ti = hi[p]!;
        hs[p] = hs[c]!;
        hi[p] = hi[c]!;
        hs[c] = ts;
        hi[c] = ti;
        c = p;
      }
    } else if (worse(hs[0]!, hi[0]!, s, i)) {
      hs[0] = s;
      hi[0] = i;
      siftDown(0);
    }
  }

  // Pop the heap from the back: the worst comes out first, so fill the output from the end.
  const indices = new Int32Array(size);
  const out = new Float64Array(size);
  for (let o = size - 1; o >= 0; o--) {
    indices[o] = hi[0]!;
    out[o] = hs[0]!;
    size--;
    if (size > 0) {
      hs[0] = hs[size]!;
      hi[0] = hi[size]!;
      siftDown(0);
    }
  }
  return { indices, scores: out };
}
