// Which labelled items train a challenger, chosen by the detected drift signal:
// - full history: no drift (a schedule or new labels): more data is simply better;
// - recent windows only: after a SUDDEN drift the old concept's labels contradict the new one, so
//   the challenger learns from the windows after the change;
// - sliding window + replay: after a GRADUAL drift (or a warning) the old concept fades out; recent
//   windows plus a replayed sample of older items keep what still holds.
// Every choice carries its reason in words, stored in the pipeline log. Pure and seeded.
import type { MonitorState } from '../persistence/schema';
import { Exp3, banditSample, reservoirSample, type Bandit } from './replay';
import type { DataSelection, ReplayStrategy, ResolvedSelection } from './types';

/** One labelled item as selection sees it. `window` is its monitoring window (−1: pool data). */
export interface LabelledItem {
  itemId: string;
  window: number;
  label: string;
  /**
   * Logged after the newest monitoring window (window −1 too): traffic newer than every window
   * that the monitor has not judged yet. Full history trains on it; it is never "older" data to
   * replay or to anchor the weights to (after a drift it is most likely the new concept).
   */
  pending?: boolean;
}

export interface SelectionSignal {
  /** Ensemble states of the latest windows, oldest first. */
  recentStates: MonitorState[];
  /** Monitoring's own verdict on the drift's shape, when it gives one. */
  driftKind?: 'sudden' | 'gradual';
}

/**
 * Sudden vs gradual from the window states: a drift straight after calm windows is sudden; one
 * preceded by warnings came on gradually. Undefined when the latest window shows no drift.
 */
export function inferDriftKind(states: readonly MonitorState[]): 'sudden' | 'gradual' | undefined {
  const last = states.at(-1);
  if (last === undefined || last === 'ok') return undefined;
  if (last === 'warning') return 'gradual';
  const before = states.slice(-3, -1);
  return before.includes('warning') ? 'gradual' : 'sudden';
}

export function resolveSelection(
  requested: DataSelection,
  signal: SelectionSignal,
): { selection: ResolvedSelection; reason: string } {
  if (requested !== 'auto') {
    return { selection: requested, reason: `The policy asks for ${SELECTION_LABEL[requested]}.` };
  }
  const kind = signal.driftKind ?? inferDriftKind(signal.recentStates);
  const states = signal.recentStates.slice(-3).join(' → ') || 'no windows';
  if (kind === 'sudden') {
    return {
      selection: 'recent-windows',
      reason: `Sudden drift (${states}): older labels follow the old concept, so only the recent windows train the challenger.`,
    };
  }
  if (kind === 'gradual') {
    return {
      selection: 'sliding-replay',
      reason: `Gradual drift (${states}): a sliding window of recent data plus a replayed sample of older data.`,
    };
  }
  return {
    selection: 'full-history',
    reason: `No drift in the latest windows (${states}): all labelled data trains the challenger.`,
  };
}

export const SELECTION_LABEL: Record<ResolvedSelection, string> = {
  'full-history': 'the full history',
  'recent-windows': 'the recent windows only',
  'sliding-replay': 'a sliding window with replay',
};

export interface SelectionOptions {
  recentWindows: number;
  replay: ReplayStrategy;
  /** Replayed items as a fraction of the recent items. */
  replayRatio: number;
  seed: number;
  /** Bandit to draw replay groups with (kept by the caller across runs to learn); EXP3 if absent. */
  bandit?: Bandit;
  /** At most this many old items feed the weight-importance estimate (EWC/MAS). */
  importanceSamples?: number;
}

export interface TrainingSelection {
  selection: ResolvedSelection;
  /** Items the challenger trains on (recent + replay, or all). */
  trainItemIds: string[];
  /** The replayed subset of `trainItemIds`. */
  replayItemIds: string[];
  /** Old-concept items to estimate weight importance on (EWC / MAS). */
  importanceItemIds: string[];
  /** Window groups replay drew from, and how many each gave. */
  replayGroups: { window: number; count: number }[];
  summary: string;
}

/** Applies a resolved selection to the labelled items. */
export function selectTrainingItems(
  items: readonly LabelledItem[],
  selection: ResolvedSelection,
  options: SelectionOptions,
): TrainingSelection {
  const windows = [...new Set(items.map((i) => i.window).filter((w) => w >= 0))].sort(
    (a, b) => a - b,
  );
  const recentSet = new Set(windows.slice(-Math.max(1, options.recentWindows)));
  const recent = items.filter((i) => recentSet.has(i.window));
  const old = items.filter((i) => !recentSet.has(i.window) && !i.pending);
  const pending = items.filter((i) => i.pending).length;
  const newer =
    pending > 0
      ? ` ${pending} newer items, logged after the latest window, wait for the monitor and are left out.`
      : '';
  const importanceItemIds = reservoirSample(
    old.map((i) => i.itemId),
    options.importanceSamples ?? 256,
    options.seed + 1,
  );

  if (selection === 'full-history' || recent.length === 0) {
    return {
      selection: 'full-history',
      trainItemIds: items.map((i) => i.itemId),
      replayItemIds: [],
      importanceItemIds,
      replayGroups: [],
      summary:
        recent.length === 0 && selection !== 'full-history'
          ? `No labelled items in monitoring windows yet: the full history (${items.length} items) is used.`
          : `${items.length} labelled items (full history).`,
    };
  }
  const recentIds = recent.map((i) => i.itemId);
  const windowList = [...recentSet].join(', ');
  if (selection === 'recent-windows' || options.replay === 'none' || old.length === 0) {
    return {
      selection,
      trainItemIds: recentIds,
      replayItemIds: [],
      importanceItemIds,
      replayGroups: [],
      summary: `${recentIds.length} items from windows ${windowList}; ${old.length} older items left out.${newer}`,
    };
  }

  const k = Math.min(old.length, Math.round(recentIds.length * options.replayRatio));
  let replayItems: LabelledItem[];
  if (options.replay === 'bandit') {
    const byWindow = new Map<number, LabelledItem[]>();
    for (const it of old) byWindow.set(it.window, [...(byWindow.get(it.window) ?? []), it]);
    const groups = [...byWindow.entries()].sort((a, b) => a[0] - b[0]);
    const bandit = options.bandit ?? new Exp3(groups.length, { seed: options.seed });
    replayItems = banditSample(
      groups.map(([, g]) => g),
      k,
      bandit,
      options.seed,
    ).items;
  } else {
    replayItems = reservoirSample(old, k, options.seed);
  }
  const counts = new Map<number, number>();
  for (const it of replayItems) counts.set(it.window, (counts.get(it.window) ?? 0) + 1);
  const replayItemIds = replayItems.map((i) => i.itemId);
  return {
    selection,
    trainItemIds: [...recentIds, ...replayItemIds],
    replayItemIds,
    importanceItemIds,
    replayGroups: [...counts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([window, count]) => ({ window, count })),
    summary: `${recentIds.length} items from windows ${windowList} + ${replayItemIds.length} replayed (${options.replay}) of ${old.length} older items.${newer}`,
  };
}
