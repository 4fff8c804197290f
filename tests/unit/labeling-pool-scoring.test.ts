// The page-side plumbing of BALD in `scorePool`: which rows it asks the ML worker to score (a
// seeded random subsample of the eligible rows, `baldCandidates`), how the pass-major MC-dropout
// result is mapped back to pool rows, and that the pick is BALD's top-k over exactly the scored
// rows. The worker is replaced by a stand-in that returns fixed per-item probabilities: what is
// under test is the bookkeeping around the worker call, not MC dropout (the worker's MC dropout
// is tested against TF.js in tests/browser/training-worker.test.ts).
import { describe, expect, it } from 'vitest';
import { scorePool, type ScoringBridge } from '../../src/labeling/pool-scoring';
import { bald } from '../../src/labeling/scores';
import { candidateRows } from '../../src/labeling/strategies';
import { topK } from '../../src/labeling/top-k';
import { deriveSeed } from '../../src/lib/rng';
import { buildPool, buildProject } from '../fixtures/db/builders';

const N = 200;
const K = 3;
const PASSES = 4;

function pool() {
  return buildPool(
    's',
    Array.from({ length: N }, (_, i) => `s:${i}`),
  );
}

/** Fixed pass-dependent probabilities per item: disagreement between passes varies with the item. */
function probsOf(item: number, pass: number): number[] {
  const a = 0.2 + 0.6 * (((item * 37 + pass * (item % 7)) % 100) / 100);
  const b = (1 - a) * (((item * 11) % 10) / 10);
  return [a, b, 1 - a - b];
}

function standIn(calls: string[][]): ScoringBridge {
  const none = () => Promise.reject(new Error('not used'));
  return {
    predict: none,
    embed: none,
    mcDropout: (request, passes) => {
      const input = request.input;
      if (input.kind !== 'items') throw new Error('items expected');
      const ids = input.itemIds ?? Array.from({ length: N }, (_, i) => `s:${i}`);
      calls.push(ids);
      // Answer in a different order than asked, as a worker reading chunks might.
      const order = [...ids].reverse();
      const data = new Float32Array(passes * order.length * K);
      for (let p = 0; p < passes; p++) {
        order.forEach((id, i) =>
          data.set(probsOf(Number(id.slice(2)), p), (p * order.length + i) * K),
        );
      }
      return Promise.resolve({
        classIds: ['a', 'b', 'c'],
        passes,
        rows: order.length,
        itemIds: order,
        probabilities: data,
      });
    },
  };
}

/** BALD scores of the given pool rows, computed directly from the stand-in's probabilities. */
function baldOf(rows: ArrayLike<number>): Float64Array {
  const m = rows.length;
  const mc = new Float32Array(PASSES * m * K);
  for (let p = 0; p < PASSES; p++) {
    for (let i = 0; i < m; i++) mc.set(probsOf(rows[i]!, p), (p * m + i) * K);
  }
  return bald(mc, PASSES, K);
}

describe('scorePool: BALD on a candidate subsample', () => {
  const p = pool();
  const eligible = new Uint8Array(N).fill(1);
  for (let r = 0; r < N; r += 5) eligible[r] = 0; // labelled / done rows
  const base = {
    dbName: 'unused',
    project: buildProject({ id: 'p' }),
    pool: p,
    runId: 'run-1',
    strategy: 'bald' as const,
    k: 10,
    seed: 99,
    eligible,
    labelledRows: new Int32Array(0),
    mcPasses: PASSES,
  };

  it('asks the worker for the seeded subsample only and picks BALD’s top-k among it', async () => {
    const calls: string[][] = [];
    const res = await scorePool({ ...base, bridge: standIn(calls), baldCandidates: 50 });
    expect(calls).toHaveLength(1);
    const asked = calls[0]!.map((id) => Number(id.slice(2)));
    const exclude = Uint8Array.from(eligible, (e) => (e ? 0 : 1));
    const sub = candidateRows(N, exclude, 50, deriveSeed(99, 13));
    expect(asked).toEqual(Array.from(sub));
    expect(asked.every((r) => eligible[r] === 1)).toBe(true);
    const want = topK(baldOf(sub), 10);
    expect(res.rows).toEqual(Array.from(want.indices, (i) => sub[i]!));
    expect(res.scores).toEqual(Array.from(want.scores));
  });

  it('scores every eligible row when the cap is above the pool', async () => {
    const calls: string[][] = [];
    const res = await scorePool({ ...base, bridge: standIn(calls), baldCandidates: Infinity });
    expect(calls[0]).toHaveLength(eligible.reduce((a, b) => a + b, 0));
    const all = Int32Array.from({ length: N }, (_, i) => i);
    const want = topK(
      baldOf(all),
      10,
      Uint8Array.from(eligible, (e) => (e ? 0 : 1)),
    );
    expect(res.rows).toEqual(Array.from(want.indices));
  });
});
