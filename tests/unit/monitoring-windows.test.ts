import { describe, expect, it } from 'vitest';
import { bucketStart, makeWindows } from '../../src/monitoring/windows';

describe('windows over the prediction log', () => {
  it('by count: 500 by default, the last one partial', () => {
    const w = makeWindows({ by: 'count' }, 1200);
    expect(w.map((x) => [x.start, x.end, x.complete])).toEqual([
      [0, 500, true],
      [500, 1000, true],
      [1000, 1200, false],
    ]);
    expect(makeWindows({ by: 'count', size: 3 }, 0)).toEqual([]);
  });

  it('UTC buckets: hour, day, ISO week starting on Monday', () => {
    const t = Date.UTC(2024, 5, 12, 13, 45, 10); // Wednesday 12 June 2024
    expect(bucketStart(t, 'hour')).toBe(Date.UTC(2024, 5, 12, 13));
    expect(bucketStart(t, 'day')).toBe(Date.UTC(2024, 5, 12));
    expect(bucketStart(t, 'week')).toBe(Date.UTC(2024, 5, 10)); // Monday
    expect(bucketStart(Date.UTC(2024, 5, 10), 'week')).toBe(Date.UTC(2024, 5, 10));
    expect(bucketStart(Date.UTC(2024, 5, 16, 23, 59), 'week')).toBe(Date.UTC(2024, 5, 10));
    expect(bucketStart(Date.UTC(1969, 11, 31, 12), 'week')).toBe(Date.UTC(1969, 11, 29));
  });

  it('by time: empty buckets skipped, ranges cover the log', () => {
    const h = 3_600_000;
    const times = [0, 10, h - 1, h, 3 * h + 5, 3 * h + 6];
    const w = makeWindows({ by: 'time', bucket: 'hour' }, times.length, times);
    expect(w.map((x) => [x.start, x.end, x.from])).toEqual([
      [0, 3, 0],
      [3, 4, h],
      [4, 6, 3 * h],
    ]);
    expect(() => makeWindows({ by: 'time', bucket: 'day' }, 2, [5, 1])).toThrow(RangeError);
  });
});
