// Experiment tracking over recorded runs: filtering and sorting the run list, the config diff of
// two or more runs, and duplicate-run detection ("this exact run was done already"). Pure and
// state-free; the Train page's run list and the duplicate check in TrainState build on it.
import type { RunRecord, RunStatus } from '../persistence/schema';

export type RunPurposeFilter = 'all' | 'train' | 'cross-validation';

export interface RunFilter {
  status: RunStatus | 'all';
  purpose: RunPurposeFilter;
  /** A preset name ('fast', 'balanced'…) or 'all'. */
  preset: string;
  /** A model kind (the config's modality: tabular / image / text) or 'all'. */
  kind: string;
  /** Case-insensitive text matched against id, preset, status, backend, error and config values. */
  text: string;
}

export const DEFAULT_RUN_FILTER: Readonly<RunFilter> = {
  status: 'all',
  purpose: 'all',
  preset: 'all',
  kind: 'all',
  text: '',
};

/** 'date' (start time) or a key of `RunRecord.metrics` such as 'testMacroF1'. */
export type RunSortKey = 'date' | (string & {});

export interface RunSort {
  key: RunSortKey;
  direction: 'asc' | 'desc';
}

export const DEFAULT_RUN_SORT: Readonly<RunSort> = { key: 'date', direction: 'desc' };

/** A run's purpose, with runs recorded before purposes existed counted as 'train'. */
export function runPurpose(run: RunRecord): 'train' | 'cross-validation' {
  return run.purpose ?? 'train';
}

export function runPreset(run: RunRecord): string {
  return typeof run.config.preset === 'string' ? run.config.preset : '';
}

export function runKind(run: RunRecord): string {
  return typeof run.config.modality === 'string' ? run.config.modality : '';
}

function searchText(run: RunRecord): string {
  const config = Object.values(flattenConfig(run.config)).map(formatConfigValue);
  return [run.id, run.status, run.backend, runPreset(run), runKind(run), run.error ?? '', ...config]
    .join(' ')
    .toLowerCase();
}

export function filterRuns(runs: readonly RunRecord[], filter: RunFilter): RunRecord[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((run) => {
    if (filter.status !== 'all' && run.status !== filter.status) return false;
    if (filter.purpose !== 'all' && runPurpose(run) !== filter.purpose) return false;
    if (filter.preset !== 'all' && runPreset(run) !== filter.preset) return false;
    if (filter.kind !== 'all' && runKind(run) !== filter.kind) return false;
    if (words.length === 0) return true;
    const text = searchText(run);
    return words.every((w) => text.includes(w));
  });
}

/**
 * Sorted copy. Runs without the metric (failed, cancelled, older runs) go last in either
 * direction; ties keep the newest first, so the order is total and stable.
 */
export function sortRuns(runs: readonly RunRecord[], sort: RunSort): RunRecord[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const value = (r: RunRecord): number | undefined => {
    if (sort.key === 'date') return r.startedAt;
    const v = r.metrics[sort.key];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  return [...runs].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === undefined && vb === undefined) return b.startedAt - a.startedAt;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    return sign * (va - vb) || b.startedAt - a.startedAt || (a.id < b.id ? -1 : 1);
  });
}

/** The distinct values of one facet (presets, kinds) among the runs, sorted, for filter menus. */
export function facetValues(runs: readonly RunRecord[], of: (run: RunRecord) => string): string[] {
  return [...new Set(runs.map(of).filter((v) => v !== ''))].sort();
}

// ---------------------------------------------------------------------------------------------
// Config diff

/** Nested config objects as dotted keys: `{ earlyStopping: { patience: 3 } }` → `earlyStopping.patience`. */
export function flattenConfig(
  config: Record<string, unknown>,
  prefix = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      Object.assign(out, flattenConfig(value as Record<string, unknown>, path));
    } else {
      out[path] = value;
    }
  }
  return out;
}

/** A config value as people read it: arrays comma-separated, missing as an em dash. */
export function formatConfigValue(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value)) return value.map(formatConfigValue).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  return JSON.stringify(value);
}

export interface ConfigDiffRow {
  key: string;
  /** One per run, in the runs' order; `undefined` where a run has no such key. */
  values: unknown[];
  /** True when not every run has the same value. */
  differs: boolean;
}

/** Every config key of the runs (sorted), with each run's value and whether they differ. */
export function configDiff(runs: readonly Pick<RunRecord, 'config'>[]): ConfigDiffRow[] {
  const flat = runs.map((r) => flattenConfig(r.config));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return keys.map((key) => {
    const values = flat.map((f) => f[key]);
    const first = JSON.stringify(values[0]);
    return { key, values, differs: values.some((v) => JSON.stringify(v) !== first) };
  });
}

// ---------------------------------------------------------------------------------------------
// Duplicate runs

/** What makes two runs the same experiment: equal settings, data and labels. */
export interface RunIdentity {
  configHash: string;
  dataDigest: string;
  labelDigest: string;
}

/**
 * The newest completed run with the same config hash, data digest and label digest, or null.
 * Training it again (same seed, same backend) would give the same model, so the page shows that
 * result and asks before repeating. Cross-validation folds are not experiments of their own.
 */
export function findDuplicateRun(
  runs: readonly RunRecord[],
  identity: RunIdentity,
): RunRecord | null {
  let found: RunRecord | null = null;
  for (const run of runs) {
    if (run.status !== 'completed' || runPurpose(run) !== 'train') continue;
    if (
      run.configHash !== identity.configHash ||
      run.dataDigest !== identity.dataDigest ||
      run.labelDigest !== identity.labelDigest
    ) {
      continue;
    }
    if (!found || run.startedAt > found.startedAt) found = run;
  }
  return found;
}
