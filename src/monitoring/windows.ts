// Windows over the time-ordered prediction log: consecutive runs of a fixed count (default 500)
// or calendar buckets of an hour, a day or an ISO week (Monday 00:00), all in UTC so that a
// window means the same thing in every time zone. Windows are index ranges [start, end) into the
// log, which must be sorted by time.

export const DEFAULT_WINDOW_SIZE = 500;

export type TimeBucket = 'hour' | 'day' | 'week';

export type WindowSpec = { by: 'count'; size?: number } | { by: 'time'; bucket: TimeBucket };

export interface LogWindow {
  /** Position of the window in the sequence (0-based). */
  index: number;
  /** First row (inclusive) and last row (exclusive) in the log. */
  start: number;
  end: number;
  /** For time buckets: the bucket's start and end in ms since the epoch (UTC). */
  from?: number;
  to?: number;
  /** False for a count window that has fewer rows than the size (the last, still filling). */
  complete: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Start (ms, UTC) of the bucket holding time `t` (ms since the epoch). */
export function bucketStart(t: number, bucket: TimeBucket): number {
  switch (bucket) {
    case 'hour':
      return Math.floor(t / HOUR_MS) * HOUR_MS;
    case 'day':
      return Math.floor(t / DAY_MS) * DAY_MS;
    case 'week': {
      const day = Math.floor(t / DAY_MS);
      // 1970-01-01 was a Thursday: days since the epoch + 3 is 0 on Mondays (mod 7).
      const dow = (((day + 3) % 7) + 7) % 7;
      return (day - dow) * DAY_MS;
    }
    default: {
      const never: never = bucket;
      throw new Error(`bucketStart: unknown bucket ${String(never)}`);
    }
  }
}

function bucketEnd(start: number, bucket: TimeBucket): number {
  return start + (bucket === 'hour' ? HOUR_MS : bucket === 'day' ? DAY_MS : 7 * DAY_MS);
}

/**
 * Windows over a log of `length` rows whose times (ms since the epoch, ascending) are `times`.
 * Time buckets with no rows are skipped (they have nothing to test). Throws on unsorted times.
 */
export function makeWindows(
  spec: WindowSpec,
  length: number,
  times?: ArrayLike<number>,
): LogWindow[] {
  const out: LogWindow[] = [];
  if (spec.by === 'count') {
    const size = spec.size ?? DEFAULT_WINDOW_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new RangeError('makeWindows: bad size');
    for (let start = 0, i = 0; start < length; start += size, i++) {
      const end = Math.min(length, start + size);
      out.push({ index: i, start, end, complete: end - start === size });
    }
    return out;
  }
  if (!times || times.length !== length) throw new RangeError('makeWindows: times required');
  let start = 0;
  while (start < length) {
    const from = bucketStart(times[start]!, spec.bucket);
    const to = bucketEnd(from, spec.bucket);
    let end = start;
    while (end < length && times[end]! < to) {
      if (end > 0 && times[end]! < times[end - 1]!) {
        throw new RangeError('makeWindows: times must be ascending');
      }
      end++;
    }
    out.push({ index: out.length, start, end, from, to, complete: true });
    start = end;
  }
  return out;
}
