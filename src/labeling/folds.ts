// Cross-validation folds for the review queue: stratified and deterministic. Within each class the
// items are ordered by a stable hash of their id (salted, so folds are independent of the
// train/validation split) and dealt round-robin into k folds, as sklearn's StratifiedKFold deals
// sorted classes: every fold gets ⌊n_c / k⌋ or one more item of each class c.
import { unitHash } from '../data/splits';

const FOLD_SALT = 'fold';

/** Fold index (0 … k − 1) of each labelled item. */
export function stratifiedFolds(
  labels: ReadonlyMap<string, string>,
  k: number,
  seed: number,
): Map<string, number> {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds: k must be ≥ 2, got ${k}`);
  const byClass = new Map<string, { id: string; h: number }[]>();
  for (const [id, label] of labels) {
    let list = byClass.get(label);
    if (!list) byClass.set(label, (list = []));
    list.push({ id, h: unitHash(id, seed, FOLD_SALT) });
  }
  const out = new Map<string, number>();
  // Each class starts where the previous one stopped, so small classes do not all land in fold 0.
  let offset = 0;
  for (const label of [...byClass.keys()].sort()) {
    const list = byClass.get(label)!;
    list.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    list.forEach((e, i) => out.set(e.id, (offset + i) % k));
    offset = (offset + list.length) % k;
  }
  return out;
}
