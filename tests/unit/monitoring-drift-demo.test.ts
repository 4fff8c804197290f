import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMOS } from '../../src/projects/demos';
import { seaStream } from '../../src/monitoring/synthetic-streams';
import {
  performanceSignals,
  performanceTrack,
  type LabelArrival,
} from '../../src/monitoring/engine';
import { ensembleState } from '../../src/monitoring/ensemble';

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

  it("unchanged traffic before the change raises no performance alarm (window 1 was DDM's drift)", () => {
    // The demo's stream and replay (labels revealed 200 items later, windows of 500), scored by
    // a fixed concept-0 model p(low) = σ(1.5(8 − x1 − x2)) as the monitoring bench does (≈ 90%
    // right). DDM takes its minimum from window 1's first ~80 labels; the fluctuation at label
    // 124 drove it to 'drift', which made window 1 a Warning. Warm-up now spans the window.
    const s = seaStream({
      seed: 20260102,
      n: 6000,
      driftPoints: [2500, 4500],
      gradualWidth: [0, 800],
      startTime: Date.UTC(2026, 1, 1),
      intervalMs: 60_000,
    });
    const arrivals: LabelArrival[] = [];
    for (let i = 0; i + 200 < 6000; i++) {
      const low = 8 - s.columns.x1[i]! - s.columns.x2[i]! > 0 ? 1 : 0;
      arrivals.push({
        at: s.times[i + 200]!,
        order: i,
        predicted: String(low),
        actual: String(s.labels[i]),
      });
    }
    const ends = Array.from({ length: 12 }, (_, w) => s.times[(w + 1) * 500 - 1]!);
    const track = performanceTrack(arrivals, ends, { value: 0.9, count: 300 });
    expect(track[0]!.labelled).toBe(300);
    expect(track[0]!.warmingUp).toEqual(['ddm', 'adwin', 'pageHinkley']);
    // The change is at item 2,500 (window 6): windows 1–5 are unchanged traffic.
    for (const w of track.slice(0, 5)) {
      expect(ensembleState(performanceSignals(w)).groups.performance.state).toBe('ok');
    }
  });
});
