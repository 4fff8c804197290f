// The ensemble state of a window: signals are grouped into data, prediction/uncertainty and
// performance; each group gets ok / warning / drift from its signals, and the window's state is a
// vote over the groups. The rule is configurable and returned with its evidence.
import type { DriftState, SignalGroup } from './types';

/** One signal's verdict for a window, e.g. a feature's drift test or DDM on the error stream. */
export interface Signal {
  name: string;
  group: SignalGroup;
  state: DriftState;
  /** The value the state was decided on (p-value, distance, error rate …), for the dashboard. */
  value?: number;
  threshold?: number;
  /**
   * Its drift alone makes its group drift. Set on the windowed-accuracy test: a significant drop
   * against the held-out reference (p < 0.01) measures the quantity the monitor exists for,
   * whereas the detectors only say that the error stream changed; with the share rule alone a
   * window with p ≤ 0.014 drops and quiet detectors was no performance drift.
   */
  decisive?: boolean;
  /**
   * Shown and raising its group to a warning when it drifts, but left out of the group's share:
   * label drift, which moves with the seasons of a class prior and would otherwise change what
   * "half of the performance signals" means.
   */
  advisory?: boolean;
}

export interface EnsembleRule {
  /**
   * A group drifts when at least this share of its signals drift; otherwise it warns when one of
   * them drifts or at least this share of them warn (a lone warning, such as DDM's 2σ zone that
   * a stationary error stream enters every few hundred labels, is not worth an alert). Default
   * 0.5 for every group: for data signals that is Evidently's dataset-drift rule (≥ 50% of
   * features); for performance it means two of DDM, ADWIN, Page-Hinkley and the
   * windowed-accuracy check agree — or the accuracy check alone, which is decisive (p < 0.01).
   */
  groupDriftShare: Record<SignalGroup, number>;
  /** The window drifts when at least this many groups drift (default 2). */
  groupsForDrift: number;
  /** A drifting performance group alone makes the window drift (default true): labels are truth. */
  performanceDecides: boolean;
}

export const DEFAULT_ENSEMBLE_RULE: EnsembleRule = {
  groupDriftShare: { data: 0.5, prediction: 0.5, performance: 0.5 },
  groupsForDrift: 2,
  performanceDecides: true,
};

export interface GroupState {
  group: SignalGroup;
  state: DriftState;
  signals: Signal[];
  drifted: number;
  /** False when the group had no signals this window (e.g. no labels yet): it counts as ok. */
  observed: boolean;
}

export interface EnsembleState {
  state: DriftState;
  groups: Record<SignalGroup, GroupState>;
  /** Why: e.g. "2 of 3 groups drift (data, prediction)" or "performance drifts". */
  reason: string;
  rule: EnsembleRule;
}

const GROUPS: readonly SignalGroup[] = ['data', 'prediction', 'performance'];

/**
 * A group's state from its signals under `share` (see {@link EnsembleRule.groupDriftShare}); a
 * drifting {@link Signal.decisive} signal makes the group drift whatever the share.
 */
export function groupState(
  group: SignalGroup,
  signals: readonly Signal[],
  share: number,
): GroupState {
  const own = signals.filter((s) => s.group === group);
  const voting = own.filter((s) => s.advisory !== true);
  const drifted = voting.filter((s) => s.state === 'drift').length;
  const raised = voting.filter((s) => s.state !== 'ok').length;
  const decisive = voting.some((s) => s.decisive === true && s.state === 'drift');
  const advised = own.some((s) => s.advisory === true && s.state !== 'ok');
  let state: DriftState = 'ok';
  if (decisive || (voting.length > 0 && drifted / voting.length >= share)) state = 'drift';
  else if (drifted > 0 || advised || (voting.length > 0 && raised / voting.length >= share)) {
    state = 'warning';
  }
  return { group, state, signals: own, drifted, observed: own.length > 0 };
}

/**
 * The window's state: 'drift' if ≥ `groupsForDrift` groups drift, or the performance group
 * drifts and `performanceDecides`; otherwise 'warning' if any group warns or drifts; else 'ok'.
 */
export function ensembleState(
  signals: readonly Signal[],
  rule: EnsembleRule = DEFAULT_ENSEMBLE_RULE,
): EnsembleState {
  const groups = Object.fromEntries(
    GROUPS.map((g) => [g, groupState(g, signals, rule.groupDriftShare[g])]),
  ) as Record<SignalGroup, GroupState>;
  const drifting = GROUPS.filter((g) => groups[g].state === 'drift');
  const warning = GROUPS.filter((g) => groups[g].state === 'warning');
  let state: DriftState = 'ok';
  let reason = 'no group warns or drifts';
  if (drifting.length >= rule.groupsForDrift) {
    state = 'drift';
    reason = `${drifting.length} of 3 groups drift (${drifting.join(', ')})`;
  } else if (rule.performanceDecides && groups.performance.state === 'drift') {
    state = 'drift';
    reason = 'performance drifts';
  } else if (drifting.length + warning.length > 0) {
    state = 'warning';
    const parts = [...drifting.map((g) => `${g} drifts`), ...warning.map((g) => `${g} warns`)];
    reason = parts.join(', ');
  }
  return { state, groups, reason, rule };
}
