// The time-aware split (TrainConfig.splitBy = 'time'): labelled items ordered by their time
// column, the oldest to train, the next to validation, the newest to test, in the same fractions
// as the random split. Users of time-ordered data expect it: a random split lets tomorrow's rows
// train a model that is then tested on yesterday's, which flatters it. Pure: the ML worker's
// loadDataset (workers/ml-data.ts) reads the times and calls this.
import { isHoldout, splitCounts } from '../data/splits';
import type { Split, SplitFractions } from '../data/types';
import type { ChunkColumn, ColumnSchema } from '../persistence/schema';

export interface TimedItem {
  itemId: string;
  /** Epoch milliseconds, or null when the row has no (readable) time. */
  time: number | null;
}

export interface TimeSplit {
  splits: Map<string, Split>;
  /**
   * Labelled items without a time. They go to train: placing them in validation or test would
   * break the promise that those splits are newer than everything trained on.
   */
  untimed: number;
}

/**
 * Assigns a split to every labelled item outside the frozen holdout (which stays the same random
 * draw as ever: the gate compares versions on it whatever split a run used). Ties in time are
 * broken by item id, so the result does not depend on the order of `items`.
 */
export function assignSplitsByTime(
  items: Iterable<TimedItem>,
  seed: number,
  fractions: SplitFractions,
): TimeSplit {
  const splits = new Map<string, Split>();
  const timed: { itemId: string; time: number }[] = [];
  let untimed = 0;
  for (const { itemId, time } of items) {
    if (isHoldout(itemId, seed)) continue;
    if (time === null || !Number.isFinite(time)) {
      splits.set(itemId, 'train');
      untimed++;
    } else timed.push({ itemId, time });
  }
  timed.sort((a, b) => a.time - b.time || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  const [nTrain, nValidation] = splitCounts(timed.length, fractions);
  timed.forEach(({ itemId }, i) => {
    splits.set(itemId, i < nTrain ? 'train' : i < nTrain + nValidation ? 'validation' : 'test');
  });
  return { splits, untimed };
}

/** The time column of a source: the one it orders traffic by, else the column with role Time. */
export function timeColumnOf(source: {
  timeColumn?: string;
  columns: readonly ColumnSchema[];
}): string | undefined {
  return source.timeColumn ?? source.columns.find((c) => c.role === 'time')?.name;
}

/** Row `row`'s time in epoch ms from a chunk column (datetimes are f64; text is parsed). */
export function timeAt(column: ChunkColumn | undefined, row: number): number | null {
  if (!column) return null;
  switch (column.kind) {
    case 'f64':
    case 'f32':
      return column.missing[row] === 1 ? null : column.values[row]!;
    case 'str': {
      const t = Date.parse(column.values[row]!);
      return Number.isFinite(t) ? t : null;
    }
    case 'i32': {
      const code = column.codes[row]!;
      const t = code < 0 ? Number.NaN : Date.parse(column.vocab[code] ?? '');
      return Number.isFinite(t) ? t : null;
    }
  }
}
