import { describe, expect, it } from 'vitest';
import { badge, coreSetKCenterGreedy, diversityKMeansPP } from '../../src/labeling/kmeans';
import { margin } from '../../src/labeling/scores';
import {
  QUEUE_STRATEGIES,
  candidateRows,
  describeStrategyError,
  getStrategy,
  marginSampling,
  randomSampling,
  selectBatch,
} from '../../src/labeling/strategies';
import { topK } from '../../src/labeling/top-k';
import type { QueueStrategyId, StrategyInput } from '../../src/labeling/types';
import { createRng, deriveSeed } from '../../src/lib/rng';

/** A pool of `rows` items with every input a strategy may need, from a seed. */
function pool(rows: number, seed: number): Required<Omit<StrategyInput, 'exclude'>> {
  const rng = createRng(seed);
  const k = 3;
  const probs = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += probs[r * k + j] = rng.next();
    for (let j = 0; j < k; j++) probs[r * k + j]! /= s;
  }
  const passes = 4;
  const mc = new Float32Array(passes * rows * k);
  for (let t = 0; t < passes; t++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += mc[(t * rows + r) * k + j] = rng.next();
      for (let j = 0; j < k; j++) mc[(t * rows + r) * k + j]! /= s;
    }
  }
  const mat = (dim: number): Float32Array =>
    Float32Array.from({ length: rows * dim }, () => rng.next() * 2 - 1);
  return {
    rows,
    probs: { data: probs, classes: k },
    mc: { data: mc, passes, classes: k },
    embeddings: { data: mat(4), dim: 4, labelled: Int32Array.of(0, 1) },
    gradients: { data: mat(6), dim: 6 },
    features: { data: mat(5), dim: 5 },
    // Ranked upstream (monitoring): every row once, in a shuffled order, scores descending.
    ranked: {
      rows: Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows),
      scores: Float64Array.from({ length: rows }, (_, i) => rows - i),
    },
  };
}

describe('random sampling', () => {
  it('k distinct eligible rows, seeded, NaN scores', () => {
    const a = randomSampling(100, 10, 42, new Set([0, 1, 2]));
    expect(new Set(a.indices).size).toBe(10);
    for (const i of a.indices) expect(i).toBeGreaterThan(2);
    expect(Array.from(a.scores).every(Number.isNaN)).toBe(true);
    expect(randomSampling(100, 10, 42, new Set([0, 1, 2]))).toEqual(a);
    expect(randomSampling(100, 10, 43, new Set([0, 1, 2]))).not.toEqual(a);
    expect(randomSampling(5, 10, 1).indices.length).toBe(5);
  });

  it('is roughly uniform', () => {
    const hits = new Array<number>(10).fill(0);
    for (let s = 0; s < 5000; s++) for (const i of randomSampling(10, 2, s).indices) hits[i]!++;
    // Each row is picked with probability 2/10: 1000 of 5000 draws, sd ≈ 28.
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(130);
  });
});

describe('strategy registry', () => {
  const ids: QueueStrategyId[] = [
    'random',
    'least-confidence',
    'margin',
    'entropy',
    'bald',
    'core-set',
    'badge',
    'diversity',
    'monitoring',
  ];

  it('lists every strategy once, with what it needs', () => {
    expect(QUEUE_STRATEGIES.map((s) => s.id)).toEqual(ids);
    expect(Object.fromEntries(QUEUE_STRATEGIES.map((s) => [s.id, s.needs]))).toEqual({
      random: 'none',
      'least-confidence': 'probs',
      margin: 'probs',
      entropy: 'probs',
      bald: 'mc',
      'core-set': 'embeddings',
      badge: 'gradients',
      diversity: 'features',
      monitoring: 'ranked',
    });
    expect(QUEUE_STRATEGIES.filter((s) => !s.needsModel).map((s) => s.id)).toEqual([
      'random',
      'diversity',
      'monitoring',
    ]);
    for (const s of QUEUE_STRATEGIES) expect(s.label && s.description && s.reference).toBeTruthy();
  });

  it('every strategy returns k distinct, non-excluded rows, deterministically', () => {
    const input: StrategyInput = { ...pool(300, 1), exclude: new Set([5, 6, 7]) };
    for (const id of ids) {
      const res = selectBatch(id, input, 12, 9);
      if (!res.ok) throw new Error(`${id}: ${describeStrategyError(res.error)}`);
      const sel = res.value;
      expect(sel.indices.length, id).toBe(12);
      expect(new Set(sel.indices).size, id).toBe(12);
      for (const i of sel.indices) expect([5, 6, 7], id).not.toContain(i);
      expect(selectBatch(id, input, 12, 9), id).toEqual(res);
    }
  });

  it('core-set never picks a labelled row', () => {
    const input = pool(50, 2);
    const res = selectBatch('core-set', input, 48, 1);
    expect(res.ok && Array.from(res.value.indices).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 48 }, (_, i) => i + 2),
    );
  });

  it('dispatches to the same code as the direct functions', () => {
    const input = pool(200, 3);
    const res = getStrategy('margin').selectBatch(input, 7, 0);
    expect(res).toEqual({ ok: true, value: marginSampling(input.probs.data, 3, 7) });
    expect(res.ok && res.value).toEqual(topK(margin(input.probs.data, 3), 7));
    // Below the candidate cap the distance strategies see every eligible row, and draw with the
    // strategy stream (2) of the seed.
    expect(selectBatch('diversity', input, 5, 11)).toEqual({
      ok: true,
      value: diversityKMeansPP(input.features.data, 5, 5, deriveSeed(11, 2)),
    });
    expect(selectBatch('badge', input, 5, 11)).toEqual({
      ok: true,
      value: badge(input.gradients.data, 6, 5, deriveSeed(11, 2)),
    });
    expect(selectBatch('core-set', input, 5, 11)).toEqual({
      ok: true,
      value: coreSetKCenterGreedy(input.embeddings.data, 4, input.embeddings.labelled, 5),
    });
  });

  it('subsamples the pool for the distance strategies above maxCandidates', () => {
    const input: StrategyInput = { ...pool(400, 4), exclude: new Set([0, 1, 2, 3]) };
    const res = selectBatch('diversity', input, 10, 5, { maxCandidates: 50 });
    const rows = candidateRows(400, input.exclude, 50, 0);
    expect(rows.length).toBe(50);
    expect(res.ok).toBe(true);
    if (res.ok) {
      expect(new Set(res.value.indices).size).toBe(10);
      for (const i of res.value.indices) expect(i).toBeGreaterThan(3);
    }
    // The sample itself: distinct, ascending, eligible, seeded.
    const sample = candidateRows(400, input.exclude, 50, 9);
    expect(new Set(sample).size).toBe(50);
    expect(Array.from(sample)).toEqual(Array.from(sample).sort((a, b) => a - b));
    expect(candidateRows(400, input.exclude, 50, 9)).toEqual(sample);
    expect(
      diversityKMeansPP(input.features!.data, 5, 3, 1, { candidates: sample }).indices.every((i) =>
        sample.includes(i),
      ),
    ).toBe(true);
  });

  it('monitoring: the ranked rows in rank order, skipping excluded (labelled) ones', () => {
    const ranked = { rows: Int32Array.of(4, 0, 7, 2, 9), scores: Float64Array.of(9, 8, 7, 6, 5) };
    const res = selectBatch('monitoring', { rows: 10, ranked, exclude: new Set([0, 2]) }, 2, 0);
    expect(res).toEqual({
      ok: true,
      value: { indices: Int32Array.of(4, 7), scores: Float64Array.of(9, 7) },
    });
    const mask = new Uint8Array(10);
    mask[4] = 1;
    const all = selectBatch('monitoring', { rows: 10, ranked, exclude: mask }, 10, 0);
    expect(all.ok && Array.from(all.value.indices)).toEqual([0, 7, 2, 9]);
    const bad = selectBatch(
      'monitoring',
      { rows: 10, ranked: { rows: ranked.rows, scores: new Float64Array(2) } },
      2,
      0,
    );
    expect(!bad.ok && bad.error.kind).toBe('bad-shape');
  });

  it('says what is missing or malformed instead of throwing', () => {
    const empty: StrategyInput = { rows: 10 };
    for (const s of QUEUE_STRATEGIES) {
      const res = s.selectBatch(empty, 3, 0);
      if (s.needs === 'none') {
        expect(res.ok).toBe(true);
      } else {
        expect(res).toEqual({ ok: false, error: { kind: 'missing-input', need: s.needs } });
        if (!res.ok) expect(describeStrategyError(res.error)).toMatch(/needs/);
      }
    }
    const bad = selectBatch(
      'entropy',
      { rows: 10, probs: { data: new Float32Array(9), classes: 3 } },
      2,
      0,
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.kind).toBe('bad-shape');
      expect(describeStrategyError(bad.error)).toMatch(/do not match/);
    }
    expect(() => selectBatch('random', empty, -1, 0)).toThrow(RangeError);
  });
});
