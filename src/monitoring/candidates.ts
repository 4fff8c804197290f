// Monitoring as a labeling strategy: production items the monitor found worth a human look —
// outliers (isolation forest / Mahalanobis above the reference's 99th percentile) and items from
// drifted regions (bins or categories of a drifted feature that are at least twice as common as
// in the reference, or outside its range). Ranked: items of drift windows first, then warning,
// then ok; within that, outliers before drifted regions, higher scores first; newer windows break
// ties. Items that already have a label are left out.
import type { AnnotationRecord } from '../persistence/schema';
import { currentLabelsOf } from '../persistence/annotations-repo';
import type { Candidate } from './engine';
import type { MonitorWindow } from './monitor-runner';
import type { DriftState } from './types';

export interface MonitorCandidate extends Candidate {
  sourceId: string;
  modelId: string;
  /** The window (series index) that flagged it, and that window's state. */
  windowIndex: number;
  windowState: DriftState;
}

const STATE_RANK: Record<DriftState, number> = { drift: 0, warning: 1, ok: 2 };

/** Ranked, de-duplicated candidates from stored windows (pure). */
export function rankCandidates(
  windows: readonly Pick<MonitorWindow, 'tests' | 'sourceId' | 'modelId' | 'index' | 'state'>[],
  labelled: ReadonlySet<string>,
  limit = 500,
): MonitorCandidate[] {
  const best = new Map<string, MonitorCandidate>();
  for (const w of windows) {
    const list = (w.tests as { candidates?: Candidate[] }).candidates ?? [];
    for (const c of list) {
      if (labelled.has(c.itemId)) continue;
      const cand: MonitorCandidate = {
        ...c,
        sourceId: w.sourceId,
        modelId: w.modelId,
        windowIndex: w.index,
        windowState: w.state,
      };
      const prev = best.get(c.itemId);
      if (!prev || compare(cand, prev) < 0) best.set(c.itemId, cand);
    }
  }
  return [...best.values()].sort(compare).slice(0, limit);
}

function compare(a: MonitorCandidate, b: MonitorCandidate): number {
  return (
    STATE_RANK[a.windowState] - STATE_RANK[b.windowState] ||
    (a.reason === b.reason ? 0 : a.reason === 'outlier' ? -1 : 1) ||
    b.score - a.score ||
    b.windowIndex - a.windowIndex ||
    a.itemId.localeCompare(b.itemId)
  );
}

export interface CandidateDeps {
  monitor: { listProjectWindows(projectId: string): Promise<MonitorWindow[]> };
  annotations: { log(projectId: string): Promise<AnnotationRecord[]> };
}

/**
 * The labeling queue's "monitoring" strategy: ranked unlabelled production item ids with the
 * reason each was picked, from every stored window of the project.
 */
export async function monitorCandidates(
  projectId: string,
  deps: CandidateDeps,
  limit = 500,
): Promise<MonitorCandidate[]> {
  const [windows, log] = await Promise.all([
    deps.monitor.listProjectWindows(projectId),
    deps.annotations.log(projectId),
  ]);
  return rankCandidates(windows, new Set(currentLabelsOf(log).keys()), limit);
}
