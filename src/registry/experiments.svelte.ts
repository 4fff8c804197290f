// The run list's filter and sort as reactive state (the Train page's experiments view). The
// filtering and sorting themselves are the pure functions of experiments.ts.
import type { RunRecord } from '../persistence/schema';
import {
  DEFAULT_RUN_FILTER,
  DEFAULT_RUN_SORT,
  facetValues,
  filterRuns,
  runKind,
  runPreset,
  sortRuns,
  type RunFilter,
  type RunSort,
} from './experiments';

/** Sort choices offered in the run list: date, then the run metrics people compare by. */
export const RUN_SORT_KEYS: readonly { key: string; label: string }[] = [
  { key: 'date', label: 'Date' },
  { key: 'testMacroF1', label: 'Test macro-F1' },
  { key: 'testAccuracy', label: 'Test accuracy' },
  { key: 'valMacroF1', label: 'Val. macro-F1' },
  { key: 'valAccuracy', label: 'Val. accuracy' },
  { key: 'testLogLoss', label: 'Test log-loss' },
];

export class RunTableView {
  filter = $state<RunFilter>({ ...DEFAULT_RUN_FILTER });
  sort = $state<RunSort>({ ...DEFAULT_RUN_SORT });

  /** The runs to show, filtered and sorted. */
  visible(runs: readonly RunRecord[]): RunRecord[] {
    return sortRuns(filterRuns(runs, this.filter), this.sort);
  }

  presets(runs: readonly RunRecord[]): string[] {
    return facetValues(runs, runPreset);
  }

  kinds(runs: readonly RunRecord[]): string[] {
    return facetValues(runs, runKind);
  }

  get filtered(): boolean {
    const f = this.filter;
    return (
      f.status !== 'all' ||
      f.purpose !== 'all' ||
      f.preset !== 'all' ||
      f.kind !== 'all' ||
      f.text.trim() !== ''
    );
  }

  reset(): void {
    this.filter = { ...DEFAULT_RUN_FILTER };
  }
}
