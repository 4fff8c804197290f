// Replay selection (reservoir uniformity, bandit convergence) and data selection by drift type.
import { describe, expect, it } from 'vitest';
import {
  Exp3,
  Reservoir,
  Ucb1,
  banditSample,
  lossReductionReward,
  reservoirSample,
} from '../../src/automation/replay';
import {
  inferDriftKind,
  resolveSelection,
  selectTrainingItems,
  type LabelledItem,
} from '../../src/automation/data-selection';
import { chiSquareSf } from '../../src/monitoring/special';
import { createRng } from '../../src/lib/rng';

describe('Reservoir (Algorithm R)', () => {
  it('keeps every item with probability k/n: chi-square test of inclusion counts', () => {
    const n = 40;
    const k = 8;
    const trials = 5000;
    const counts = new Array<number>(n).fill(0);
    for (let t = 0; t < trials; t++) {
      for (const x of reservoirSample([...Array(n).keys()], k, 1000 + t)) counts[x]!++;
    }
    const expected = (trials * k) / n;
    // Each count is Binomial(trials, k/n); Σ (o−e)²/(e(1−k/n)) is ~χ²(n) under uniformity
    // (the counts sum to trials·k, which costs one degree of freedom: n−1 is the usual choice).
    const stat = counts.reduce((s, o) => s + (o - expected) ** 2 / (expected * (1 - k / n)), 0);
    const p = chiSquareSf(stat, n - 1);
    expect(p).toBeGreaterThan(0.001);
    // Early and late items are equally likely: no order bias.
    const firstHalf = counts.slice(0, n / 2).reduce((a, b) => a + b, 0);
    const secondHalf = counts.slice(n / 2).reduce((a, b) => a + b, 0);
    expect(Math.abs(firstHalf - secondHalf) / (trials * k)).toBeLessThan(0.02);
  });

  it('holds the first k items until full, is reproducible, and rejects bad capacities', () => {
    const r = new Reservoir<number>(3, 7).addAll([1, 2]);
    expect(r.items).toEqual([1, 2]);
    expect(reservoirSample([...Array(100).keys()], 5, 3)).toEqual(
      reservoirSample([...Array(100).keys()], 5, 3),
    );
    expect(reservoirSample([1, 2, 3], 10, 1)).toEqual([1, 2, 3]);
    expect(() => new Reservoir(-1, 1)).toThrow(/capacity/);
  });
});

describe('bandits over replay groups', () => {
  // Bernoulli rewards with means 0.2, 0.5, 0.8: arm 2 is best.
  const means = [0.2, 0.5, 0.8];
  function play(bandit: Exp3 | Ucb1, steps: number, seed: number) {
    const rng = createRng(seed);
    const pulls = new Array<number>(means.length).fill(0);
    for (let t = 0; t < steps; t++) {
      const arm = bandit.select();
      pulls[arm]!++;
      bandit.update(arm, rng.next() < means[arm]! ? 1 : 0);
    }
    return pulls;
  }

  it('EXP3 converges to the best arm', () => {
    for (const seed of [1, 2, 3]) {
      const bandit = new Exp3(3, { gamma: 0.1, seed });
      const pulls = play(bandit, 3000, seed + 10);
      expect(pulls[2]!).toBeGreaterThan(pulls[0]! + pulls[1]!);
      const w = bandit.weights();
      expect(w.indexOf(Math.max(...w))).toBe(2);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    }
  });

  it('UCB1 tries every arm, then pulls the best one most', () => {
    const bandit = new Ucb1(3);
    const pulls = play(bandit, 2000, 5);
    expect(Math.min(...pulls)).toBeGreaterThan(0);
    expect(pulls[2]! / 2000).toBeGreaterThan(0.75);
    expect(bandit.weights()[2]).toBeCloseTo(0.8, 1);
  });

  it('rewards relative loss reduction in [0, 1]', () => {
    expect(lossReductionReward(2, 1)).toBe(0.5);
    expect(lossReductionReward(1, 2)).toBe(0);
    expect(lossReductionReward(0, 0)).toBe(0);
  });

  it('banditSample draws without replacement and spills over from exhausted groups', () => {
    const groups = [[1, 2], [3, 4, 5, 6], [7]];
    const { items, perGroup } = banditSample(groups, 6, new Exp3(3, { seed: 4 }), 9);
    expect(new Set(items).size).toBe(6);
    expect(perGroup.reduce((a, b) => a + b, 0)).toBe(6);
    expect(banditSample(groups, 50, new Ucb1(3), 1).items.sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
  });
});

describe('data selection by drift type', () => {
  it('tells sudden from gradual drift from the window states', () => {
    expect(inferDriftKind(['ok', 'ok', 'drift'])).toBe('sudden');
    expect(inferDriftKind(['ok', 'warning', 'drift'])).toBe('gradual');
    expect(inferDriftKind(['ok', 'warning'])).toBe('gradual');
    expect(inferDriftKind(['drift', 'ok'])).toBeUndefined();
    expect(inferDriftKind([])).toBeUndefined();
  });

  it('auto chooses by the signal and says why; an explicit choice wins', () => {
    const sudden = resolveSelection('auto', { recentStates: ['ok', 'ok', 'drift'] });
    expect(sudden.selection).toBe('recent-windows');
    expect(sudden.reason).toMatch(/Sudden drift \(ok → ok → drift\)/);
    expect(resolveSelection('auto', { recentStates: ['ok'], driftKind: 'gradual' }).selection).toBe(
      'sliding-replay',
    );
    expect(resolveSelection('auto', { recentStates: ['ok', 'ok'] }).selection).toBe('full-history');
    const forced = resolveSelection('full-history', { recentStates: ['drift'] });
    expect(forced.selection).toBe('full-history');
    expect(forced.reason).toMatch(/policy asks/);
  });

  const items: LabelledItem[] = [];
  for (let w = -1; w < 5; w++) {
    for (let i = 0; i < 20; i++) items.push({ itemId: `w${w}-${i}`, window: w, label: 'a' });
  }
  const base = { recentWindows: 2, replayRatio: 0.5, seed: 3 } as const;

  it('recent windows keep only the latest windows', () => {
    const s = selectTrainingItems(items, 'recent-windows', { ...base, replay: 'reservoir' });
    expect(s.trainItemIds).toHaveLength(40);
    expect(s.trainItemIds.every((id) => id.startsWith('w3') || id.startsWith('w4'))).toBe(true);
    expect(s.replayItemIds).toEqual([]);
    expect(s.importanceItemIds.length).toBe(80);
    expect(s.importanceItemIds.every((id) => !id.startsWith('w3') && !id.startsWith('w4'))).toBe(
      true,
    );
  });

  it('sliding window + replay adds replayRatio × recent old items, reservoir or bandit', () => {
    for (const replay of ['reservoir', 'bandit'] as const) {
      const s = selectTrainingItems(items, 'sliding-replay', { ...base, replay });
      expect(s.replayItemIds).toHaveLength(20);
      expect(s.trainItemIds).toHaveLength(60);
      expect(new Set(s.trainItemIds).size).toBe(60);
      expect(s.replayGroups.reduce((a, g) => a + g.count, 0)).toBe(20);
      expect(s.summary).toMatch(new RegExp(`20 replayed \\(${replay}\\) of 80 older`));
    }
  });

  it('items logged after the newest window are never replayed or used as old anchors', () => {
    // 20 pending items (window −1, newer than every window) beside the pool's 20.
    const withPending: LabelledItem[] = [
      ...items,
      ...Array.from({ length: 20 }, (_, i) => ({
        itemId: `new-${i}`,
        window: -1,
        label: 'b',
        pending: true,
      })),
    ];
    for (const replay of ['reservoir', 'bandit'] as const) {
      const s = selectTrainingItems(withPending, 'sliding-replay', {
        ...base,
        replay,
        replayRatio: 2,
      });
      // All 80 genuinely older items are replayed (ratio 2 asks for 80), none of the newer ones.
      expect(s.replayItemIds).toHaveLength(80);
      expect(s.replayItemIds.some((id) => id.startsWith('new-'))).toBe(false);
      expect(s.importanceItemIds).toHaveLength(80);
      expect(s.importanceItemIds.some((id) => id.startsWith('new-'))).toBe(false);
      expect(s.summary).toMatch(
        /of 80 older items\. 20 newer items, logged after the latest window/,
      );
    }
    const recent = selectTrainingItems(withPending, 'recent-windows', { ...base, replay: 'none' });
    expect(recent.trainItemIds).toHaveLength(40);
    expect(recent.importanceItemIds.some((id) => id.startsWith('new-'))).toBe(false);
    expect(recent.summary).toMatch(/80 older items left out\. 20 newer items/);
    const all = selectTrainingItems(withPending, 'full-history', { ...base, replay: 'none' });
    expect(all.trainItemIds).toHaveLength(140);
  });

  it('full history keeps everything; no windows falls back to it and says so', () => {
    expect(
      selectTrainingItems(items, 'full-history', { ...base, replay: 'none' }).trainItemIds,
    ).toHaveLength(120);
    const pool = items.filter((i) => i.window === -1);
    const s = selectTrainingItems(pool, 'recent-windows', { ...base, replay: 'none' });
    expect(s.selection).toBe('full-history');
    expect(s.summary).toMatch(/No labelled items in monitoring windows/);
  });
});
