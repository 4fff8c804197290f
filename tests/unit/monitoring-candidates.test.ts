import { describe, expect, it } from 'vitest';
import { rankCandidates } from '../../src/monitoring/candidates';
import type { Candidate } from '../../src/monitoring/engine';
import type { DriftState } from '../../src/monitoring/types';

function win(index: number, state: DriftState, candidates: Candidate[]) {
  return { index, state, sourceId: 's', modelId: 'm', tests: { candidates } };
}
const c = (itemId: string, reason: Candidate['reason'], score: number): Candidate => ({
  itemId,
  reason,
  score,
  detail: '',
});

describe('monitoring candidates for the labeling queue', () => {
  it('drift windows first, outliers before drifted regions, higher scores first, labelled left out', () => {
    const ranked = rankCandidates(
      [
        win(0, 'ok', [c('a', 'outlier', 9), c('b', 'drifted-region', 3)]),
        win(1, 'drift', [
          c('c', 'drifted-region', 5),
          c('d', 'outlier', 1.2),
          c('e', 'outlier', 2),
        ]),
        win(2, 'warning', [c('a', 'outlier', 1.1), c('f', 'outlier', 1.5)]),
        win(3, 'drift', [c('g', 'outlier', 3)]),
      ],
      new Set(['g']),
    );
    expect(ranked.map((r) => r.itemId)).toEqual(['e', 'd', 'c', 'f', 'a', 'b']);
    // An item flagged twice keeps its best-ranked flag (window 2's warning over window 0's ok).
    expect(ranked.find((r) => r.itemId === 'a')!.windowIndex).toBe(2);
    expect(rankCandidates([win(0, 'drift', [c('x', 'outlier', 2)])], new Set(), 0)).toEqual([]);
  });
});
