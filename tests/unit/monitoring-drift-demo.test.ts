import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMOS } from '../../src/projects/demos';
import { seaStream } from '../../src/monitoring/synthetic-streams';

function csv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

describe('Drifting stream demo files', () => {
  it('the shipped production file is the seeded SEA stream with its documented drift points', () => {
    const rows = csv('public/demo/drifting-production.csv');
    expect(rows[0]).toEqual(['id', 'time', 'x1', 'x2', 'x3', 'label']);
    const s = seaStream({
      seed: 20260102,
      n: 6000,
      driftPoints: [2500, 4500],
      gradualWidth: [0, 800],
      startTime: Date.UTC(2026, 1, 1),
      intervalMs: 60_000,
    });
    expect(rows.length - 1).toBe(6000);
    rows.slice(1).forEach((r, i) => {
      expect(Number(r[2])).toBeCloseTo(s.columns.x1[i]!, 4);
      expect(Number(r[4])).toBeCloseTo(s.columns.x3[i]!, 4);
      expect(r[5]).toBe(s.labels[i] === 1 ? 'low' : 'high');
      expect(Date.parse(r[1]!)).toBe(s.times[i]);
    });
    // The sudden drift is exactly at index 2,500; the gradual one is half done around 4,500.
    expect(s.concept[2499]).toBe(0);
    expect(s.concept[2500]).toBe(1);
    expect(s.concept.slice(0, 2500).every((c) => c === 0)).toBe(true);
    expect(s.concept.slice(5500).every((c) => c === 2)).toBe(true);
  });

  it('the pool is concept 0 and the demo is declared with a production source', () => {
    const rows = csv('public/demo/drifting-pool.csv');
    expect(rows.length - 1).toBe(2000);
    const s = seaStream({ seed: 20260101, n: 2000 });
    expect(Number(rows[1]![1])).toBeCloseTo(s.columns.x1[0]!, 4);
    expect(s.concept.every((c) => c === 0)).toBe(true);
    const spec = DEMOS.find((d) => d.id === 'drifting')!;
    expect(spec.production?.time).toBe('time');
    expect(spec.labelFraction).toBe(1);
  });
});
