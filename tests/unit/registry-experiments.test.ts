// Experiment tracking over run records: filters, sorting, the config diff and duplicate-run
// detection (src/registry/experiments.ts).
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/persistence/schema';
import {
  DEFAULT_RUN_FILTER,
  configDiff,
  facetValues,
  filterRuns,
  findDuplicateRun,
  flattenConfig,
  formatConfigValue,
  runPreset,
  sortRuns,
} from '../../src/registry/experiments';

let n = 0;
function run(overrides: Partial<RunRecord> = {}): RunRecord {
  n++;
  return {
    id: `run-${n}`,
    projectId: 'p',
    status: 'completed',
    config: {
      modality: 'tabular',
      preset: 'fast',
      epochs: 10,
      hiddenUnits: [16],
      earlyStopping: { patience: 3 },
    },
    seed: 1,
    backend: 'cpu',
    dataDigest: 'data-a',
    labelDigest: 'labels-a',
    curves: {},
    metrics: { testMacroF1: 0.5 },
    startedAt: 1000 + n,
    finishedAt: 2000 + n,
    configHash: 'hash-a',
    ...overrides,
  };
}

describe('filterRuns', () => {
  const runs = [
    run({ status: 'failed', error: 'out of memory' }),
    run({ purpose: 'cross-validation' }),
    run({ config: { modality: 'image', preset: 'thorough' } }),
    run({ backend: 'webgpu' }),
  ];

  it('keeps everything with the default filter', () => {
    expect(filterRuns(runs, DEFAULT_RUN_FILTER)).toHaveLength(4);
  });

  it('filters by status, purpose, preset, kind and words of text', () => {
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, status: 'failed' })).toEqual([runs[0]]);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, purpose: 'cross-validation' })).toEqual([
      runs[1],
    ]);
    // Runs without a purpose are ordinary training runs.
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, purpose: 'train' })).toHaveLength(3);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, preset: 'thorough' })).toEqual([runs[2]]);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, kind: 'image' })).toEqual([runs[2]]);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, text: 'MEMORY out' })).toEqual([runs[0]]);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, text: 'webgpu' })).toEqual([runs[3]]);
    expect(filterRuns(runs, { ...DEFAULT_RUN_FILTER, text: 'nothing-like-this' })).toEqual([]);
  });

  it('lists facet values for the filter menus', () => {
    expect(facetValues(runs, runPreset)).toEqual(['fast', 'thorough']);
  });
});

describe('sortRuns', () => {
  const a = run({ metrics: { testMacroF1: 0.7 }, startedAt: 10 });
  const b = run({ metrics: { testMacroF1: 0.9 }, startedAt: 20 });
  const c = run({ metrics: {}, status: 'failed', startedAt: 30 });
  const d = run({ metrics: { testMacroF1: 0.7 }, startedAt: 40 });

  it('sorts by date either way', () => {
    expect(sortRuns([a, b, c, d], { key: 'date', direction: 'desc' })).toEqual([d, c, b, a]);
    expect(sortRuns([a, b, c, d], { key: 'date', direction: 'asc' })).toEqual([a, b, c, d]);
  });

  it('sorts by a metric, runs without it last, ties newest first', () => {
    expect(sortRuns([a, b, c, d], { key: 'testMacroF1', direction: 'desc' })).toEqual([b, d, a, c]);
    expect(sortRuns([c, b, a, d], { key: 'testMacroF1', direction: 'asc' })).toEqual([d, a, b, c]);
  });
});

describe('configDiff', () => {
  it('flattens nested settings to dotted keys', () => {
    expect(flattenConfig({ a: 1, b: { c: 2, d: { e: [1, 2] } } })).toEqual({
      a: 1,
      'b.c': 2,
      'b.d.e': [1, 2],
    });
  });

  it('marks exactly the keys whose values differ, with every run’s value', () => {
    const rows = configDiff([
      { config: { epochs: 10, hiddenUnits: [16, 8], earlyStopping: { patience: 3 }, seed: 1 } },
      { config: { epochs: 20, hiddenUnits: [16, 8], earlyStopping: { patience: 5 }, seed: 1 } },
      { config: { epochs: 10, hiddenUnits: [16, 8], earlyStopping: { patience: 3 } } },
    ]);
    expect(rows.map((r) => r.key)).toEqual([
      'earlyStopping.patience',
      'epochs',
      'hiddenUnits',
      'seed',
    ]);
    expect(rows.filter((r) => r.differs).map((r) => r.key)).toEqual([
      'earlyStopping.patience',
      'epochs',
      'seed',
    ]);
    expect(rows.find((r) => r.key === 'seed')?.values).toEqual([1, 1, undefined]);
  });

  it('formats values for people', () => {
    expect(formatConfigValue([16, 8])).toBe('16, 8');
    expect(formatConfigValue(undefined)).toBe('—');
    expect(formatConfigValue(false)).toBe('false');
  });
});

describe('findDuplicateRun', () => {
  const identity = { configHash: 'hash-a', dataDigest: 'data-a', labelDigest: 'labels-a' };

  it('finds the newest completed ordinary run with the same config, data and labels', () => {
    const older = run({ startedAt: 1 });
    const newer = run({ startedAt: 5 });
    const runs = [
      older,
      newer,
      run({ startedAt: 9, status: 'failed' }),
      run({ startedAt: 9, status: 'cancelled' }),
      run({ startedAt: 9, purpose: 'cross-validation' }),
    ];
    expect(findDuplicateRun(runs, identity)).toBe(newer);
  });

  it('is null when any of the three differs', () => {
    const runs = [run()];
    expect(findDuplicateRun(runs, { ...identity, configHash: 'hash-b' })).toBeNull();
    expect(findDuplicateRun(runs, { ...identity, dataDigest: 'data-b' })).toBeNull();
    expect(findDuplicateRun(runs, { ...identity, labelDigest: 'labels-b' })).toBeNull();
    expect(findDuplicateRun([], identity)).toBeNull();
  });
});
