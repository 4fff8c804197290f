// Replay order and delayed-label timing, pure so they can be tested without a clock or a worker.
import type { StreamRow } from './types';

/**
 * The order a production source is replayed in: by event time when `byTime` (stable: equal times
 * keep row order; rows without a time go last, in row order), else row order.
 */
export function replayOrder(rows: readonly StreamRow[], byTime: boolean): StreamRow[] {
  const out = [...rows];
  if (!byTime) return out.sort((a, b) => a.row - b.row);
  return out.sort((a, b) => {
    if (a.time === null || b.time === null) {
      if (a.time === null && b.time === null) return a.row - b.row;
      return a.time === null ? 1 : -1;
    }
    return a.time - b.time || a.row - b.row;
  });
}

/**
 * Stream positions whose ground truth becomes known once `position` items have been predicted,
 * with a lag of `lag` items: item i's label is revealed when item i + lag has been predicted,
 * i.e. the half-open range `[revealedUpTo, position - lag)` (empty when nothing is due). Items
 * in the last `lag` positions of a stream are never revealed: nothing arrives after them.
 */
export function dueLabels(
  revealedUpTo: number,
  position: number,
  lag: number,
): { from: number; to: number } {
  const to = Math.max(revealedUpTo, position - lag);
  return { from: revealedUpTo, to };
}

/**
 * When the batch ending at stream position `end` (exclusive) is due, in ms after the replay
 * started (pauses excluded): item i arrives at i / speed seconds, so a batch is due when its
 * last item has arrived. `Infinity` speed: always 0 (as fast as possible).
 */
export function batchDueMs(end: number, itemsPerSecond: number): number {
  if (!Number.isFinite(itemsPerSecond)) return 0;
  return ((end - 1) / itemsPerSecond) * 1000;
}

/**
 * Items per micro-batch at a speed: about ten batches a second, at least one item, at most
 * `max` (a forward pass per item would waste the GPU; a huge batch would make the stream jerky).
 */
export function microBatchSize(itemsPerSecond: number, max = 256): number {
  if (!Number.isFinite(itemsPerSecond)) return max;
  return Math.max(1, Math.min(max, Math.round(itemsPerSecond / 10)));
}
