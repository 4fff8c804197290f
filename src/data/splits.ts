// Train/validation/test splits and the frozen holdout, by a stable hash of the item id and the
// project seed. An item's split is a pure function of (id, seed[, its class and classmates]): no
// stored assignment can drift from it, and any machine recomputes the same answer.
import { murmur3 } from './hash';
import { HOLDOUT_FRACTION, type Split, type SplitFractions } from './types';

export { murmur3 } from './hash';

const HOLDOUT_SALT = 'holdout';
const SPLIT_SALT = 'split';

/**
 * A number in [0, 1) from MurmurHash3 x86_32 of `${salt}\0${itemId}` seeded with `seed`. Different
 * salts give independent draws for the same item (holdout membership vs. split).
 */
export function unitHash(itemId: string, seed: number, salt: string): number {
  return murmur3(`${salt}\u0000${itemId}`, seed >>> 0) / 4294967296;
}

/**
 * Whether the item belongs to the project's frozen holdout. It depends on nothing but the id and
 * the seed: adding, removing or relabelling other items never moves an item in or out, which is
 * what makes champion/challenger comparisons on the holdout fair over time.
 */
export function isHoldout(itemId: string, seed: number): boolean {
  return unitHash(itemId, seed, HOLDOUT_SALT) < HOLDOUT_FRACTION;
}

export interface SplitItem {
  itemId: string;
  /** Class id when labelled; absent or null when not. */
  label?: string | null;
}

function normalise(f: SplitFractions): SplitFractions {
  const sum = f.train + f.validation + f.test;
  if (!(sum > 0) || f.train < 0 || f.validation < 0 || f.test < 0) {
    throw new RangeError(`Split fractions must be non-negative with a positive sum`);
  }
  return { train: f.train / sum, validation: f.validation / sum, test: f.test / sum };
}

/**
 * Counts per split for `n` items by largest remainder (Hamilton): each split gets ⌊n·f⌋ or one
 * more, and the counts add up to n. Ties go to train, then validation.
 */
export function splitCounts(n: number, fractions: SplitFractions): [number, number, number] {
  const f = normalise(fractions);
  const exact = [n * f.train, n * f.validation, n * f.test];
  const counts = exact.map(Math.floor) as [number, number, number];
  let left = n - counts[0] - counts[1] - counts[2];
  const order = [0, 1, 2].sort(
    (a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b,
  );
  for (const i of order) {
    if (left <= 0) break;
    counts[i as 0 | 1 | 2]++;
    left--;
  }
  return counts;
}

/**
 * Assigns train/validation/test to every item that is not in the holdout (holdout items get no
 * entry). The result does not depend on the order of `items`.
 *
 * - Unlabelled items: by hash threshold (`unitHash < train` → train, and so on). Fully stable: an
 *   item keeps its split whatever else is added.
 * - Labelled items: stratified. Within each class, items are ordered by their hash and cut at the
 *   cumulative fractions, so each split gets a share of every class as close to n·f as integers
 *   allow (and small classes are not left out of train by bad luck). Trade-off: adding items to a
 *   class moves the cut points, so an item near a cut may change split (at most one item per cut
 *   per added item, since the order by hash is fixed). Stratification is recomputed at training
 *   time from the label snapshot, and the run records the label digest, so this is reproducible.
 */
export function assignSplits(
  items: Iterable<SplitItem>,
  seed: number,
  fractions: SplitFractions,
): Map<string, Split> {
  const f = normalise(fractions);
  const out = new Map<string, Split>();
  const byClass = new Map<string, { itemId: string; u: number }[]>();
  for (const { itemId, label } of items) {
    if (isHoldout(itemId, seed)) continue;
    const u = unitHash(itemId, seed, SPLIT_SALT);
    if (label == null) {
      out.set(itemId, u < f.train ? 'train' : u < f.train + f.validation ? 'validation' : 'test');
      continue;
    }
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push({ itemId, u });
  }
  for (const members of byClass.values()) {
    // Ties in hash value are broken by id (code-unit order), so the order is total.
    members.sort((a, b) => a.u - b.u || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
    const [nTrain, nValidation] = splitCounts(members.length, f);
    members.forEach(({ itemId }, i) => {
      out.set(itemId, i < nTrain ? 'train' : i < nTrain + nValidation ? 'validation' : 'test');
    });
  }
  return out;
}
