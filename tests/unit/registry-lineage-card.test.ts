// Lineage (building, reading back, reverse lookups) and the generated model card.
import { describe, expect, it } from 'vitest';
import type { ModelRecord, RunRecord } from '../../src/persistence/schema';
import {
  ancestry,
  buildLineage,
  readLineage,
  versionsUsingLabels,
  versionsUsingSource,
} from '../../src/registry/lineage';
import {
  codeSpan,
  escapeMarkdown,
  escapeMarkdownBlock,
  modelCard,
} from '../../src/registry/model-card';
import { classificationMetrics } from '../../src/training/metrics';
import type { ModelVersion } from '../../src/registry/types';

function buildRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    projectId: 'p',
    status: 'completed',
    config: { epochs: 3, learningRate: 0.01 },
    seed: 42,
    backend: 'webgpu',
    dataDigest: 'data-digest',
    labelDigest: 'label-digest',
    curves: {},
    metrics: { testMacroF1: 0.8 },
    startedAt: 0,
    finishedAt: 1000,
    configHash: 'cfg-hash',
    appVersion: '0.1.0',
    adapter: 'google · swiftshader',
    sourceIds: ['s1', 's2'],
    splitCounts: { train: 30, validation: 10, test: 10 },
    ...overrides,
  };
}

const sources = [
  { id: 's1', name: 'customers.csv', digest: 'aa11' },
  { id: 's2', name: 'more.csv', digest: 'bb22' },
];

function buildVersion(run: RunRecord, overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: `m-${run.id}`,
    projectId: 'p',
    version: 1,
    runId: run.id,
    aliases: [],
    status: 'registered',
    createdAt: Date.UTC(2024, 5, 1),
    metrics: run.metrics,
    featurisation: {},
    lineage: buildLineage(run, sources),
    parentModelId: null,
    tags: [],
    notes: '',
    labels: {
      classIds: ['stay', 'churn'],
      classes: [
        { id: 'stay', name: 'Stays' },
        { id: 'churn', name: 'Churns' },
      ],
    },
    referenceProfile: null,
    promotion: null,
    ...overrides,
  };
}

describe('lineage', () => {
  it('records run, config, data and label snapshots, parent, app version and backend', () => {
    const lineage = buildLineage(buildRun(), [sources[1]!], { parentModelId: 'm-0' });
    expect(lineage).toEqual({
      runId: 'run-1',
      configHash: 'cfg-hash',
      config: { epochs: 3, learningRate: 0.01 },
      seed: 42,
      dataSnapshot: {
        digest: 'data-digest',
        // s1 no longer exists: listed by id, digest unknown.
        sources: [
          { id: 's1', name: 's1', digest: null },
          { id: 's2', name: 'more.csv', digest: 'bb22' },
        ],
      },
      labelSnapshot: { count: 50, digest: 'label-digest', annotators: [] },
      parentModelId: 'm-0',
      appVersion: '0.1.0',
      backend: 'webgpu',
      adapter: 'google · swiftshader',
    });
    const snapshot = { count: 7, digest: 'x', annotators: ['ada', 'bo'] };
    expect(buildLineage(buildRun(), sources, { labelSnapshot: snapshot }).labelSnapshot).toBe(
      snapshot,
    );
  });

  it('reads lineage back and rejects other shapes', () => {
    const v = buildVersion(buildRun());
    expect(readLineage(v)).toEqual(v.lineage);
    expect(readLineage({ lineage: { runId: 'r' } })).toBeNull();
  });

  it('answers which versions used a source or a label snapshot', () => {
    const v1 = buildVersion(buildRun({ id: 'r1', sourceIds: ['s1'] }), { version: 1 });
    const v3 = buildVersion(buildRun({ id: 'r3', labelDigest: 'other' }), { version: 3 });
    const v2 = buildVersion(buildRun({ id: 'r2', sourceIds: ['s2'] }), { version: 2 });
    const legacy = { lineage: { runId: 'x' }, version: 4 } as unknown as ModelRecord;
    const models = [v3, legacy, v1, v2];
    expect(versionsUsingSource(models, 's1').map((m) => m.version)).toEqual([1, 3]);
    expect(versionsUsingSource(models, 's2').map((m) => m.version)).toEqual([2, 3]);
    expect(versionsUsingSource(models, 'nope')).toEqual([]);
    expect(versionsUsingLabels(models, 'label-digest').map((m) => m.version)).toEqual([1, 2]);
    expect(versionsUsingLabels(models, 'other').map((m) => m.version)).toEqual([3]);
  });

  it('walks the parent chain and stops at cycles', () => {
    const models = [
      { id: 'a', parentModelId: null },
      { id: 'b', parentModelId: 'a' },
      { id: 'c', parentModelId: 'b' },
      { id: 'x', parentModelId: 'y' },
      { id: 'y', parentModelId: 'x' },
    ];
    expect(ancestry(models, 'c').map((m) => m.id)).toEqual(['b', 'a']);
    expect(ancestry(models, 'x').map((m) => m.id)).toEqual(['y']);
  });
});

describe('markdown escaping', () => {
  it('makes user text literal', () => {
    expect(escapeMarkdown('*bold* _x_ [link](http://e) `code` | pipe')).toBe(
      '\\*bold\\* \\_x\\_ \\[link\\]\\(http://e\\) \\`code\\` \\| pipe',
    );
    expect(escapeMarkdown('<script>alert(1)</script> & co')).toBe(
      '&lt;script\\>alert\\(1\\)&lt;/script\\> &amp; co',
    );
    expect(escapeMarkdown('# not a heading\nsecond line')).toBe('\\# not a heading second line');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdown('- not an item, v1.2-beta')).toBe('\\- not an item, v1.2-beta');
    expect(escapeMarkdown('---')).toBe('\\---');
    expect(escapeMarkdownBlock('line one\nline *two*\n\n\nnext')).toBe(
      'line one  \nline \\*two\\*\n\nnext',
    );
  });

  it('fences code spans longer than any backtick run inside', () => {
    expect(codeSpan('abc')).toBe('`abc`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x')).toBe('`` `x ``');
  });
});

describe('model card', () => {
  // 10 test items: class 0 (stay) 6, class 1 (churn) 4; one churn predicted as stay.
  const yTrue = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
  const probs = yTrue.flatMap((y, i) => (i === 9 ? [0.9, 0.1] : y === 0 ? [0.8, 0.2] : [0.3, 0.7]));
  const test = classificationMetrics(yTrue, probs, ['stay', 'churn']);
  const run = buildRun({ evaluation: { test, validation: test } });

  it('covers data, labels, per-class metrics, calibration, limits and lineage', () => {
    const card = modelCard({
      projectName: 'Churn *beta*',
      version: buildVersion(run, {
        aliases: ['champion'],
        tags: ['baseline'],
        notes: 'Trained on **all** rows.\n<img src=x onerror=alert(1)>',
        lineage: buildLineage(run, sources, {
          labelSnapshot: { count: 50, digest: 'label-digest', annotators: ['ada', 'bo_b'] },
        }),
      }),
      run,
      knownLimits: ['Night-time traffic was not sampled.'],
    });
    expect(card).toContain('# Model card: Churn \\*beta\\*, version 1');
    expect(card).toContain('- **Registered:** 2024-06-01T00:00:00.000Z');
    expect(card).toContain('| customers.csv | `s1` | `aa11` |');
    expect(card).toContain('- **Annotators:** ada, bo\\_b');
    expect(card).toContain('- **Classes (output order):** Stays, Churns');
    // n beside every metric, with Wilson intervals (formula with scipy's z) on so few items.
    expect(card).toContain(`| test | 10 | 0.9000 | 0.596–0.982 | ${test.macroF1.toFixed(4)} |`);
    expect(card).toContain('| Churns | 1.0000 | 0.7500 | 0.301–0.954 | 0.8571 | 4 |');
    expect(card).toContain('| Stays | 0.8571 | 1.0000 | 0.610–1.000 |');
    expect(card).toContain('- **Warning:** The test split has only 10 items (fewer than 30)');
    expect(card).toContain('In the test split, a class has fewer than 5 items: Churns (4)');
    expect(card).toContain(`- test: ${test.ece.toFixed(4)}`);
    expect(card).toContain('- Night-time traffic was not sampled.');
    expect(card).toContain('The test split has only 10 items');
    expect(card).toContain('Stays (6), Churns (4)');
    expect(card).toContain('- **Config hash:** `cfg-hash`');
    expect(card).toContain('| learningRate | `0.01` |');
    expect(card).toContain('- **Backend:** webgpu (google · swiftshader)');
    expect(card).toContain('Trained on \\*\\*all\\*\\* rows.');
    expect(card).not.toContain('<img');
    // Sections in order.
    const order = [
      '## Data',
      '## Labels',
      '## Metrics',
      '## Calibration',
      '## Known limits',
      '## Lineage',
    ];
    const positions = order.map((h) => card.indexOf(h));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('says what is missing instead of inventing it', () => {
    const bare = buildRun({ sourceIds: [], configHash: undefined, appVersion: undefined });
    delete bare.splitCounts;
    const card = modelCard({
      projectName: 'P',
      version: buildVersion(bare, { lineage: buildLineage(bare, []) }),
      run: bare,
    });
    expect(card).toContain('The run did not record which sources it read.');
    expect(card).toContain('The run recorded no evaluation.');
    expect(card).toContain('No test-split evaluation is recorded');
    expect(card).toContain('- **Config hash:** not recorded');
    expect(card).toContain('- **Annotators:** not recorded');
    // A run with no learner record is a network (runs before model families were recorded).
    expect(card).toContain('- **Family:** Network (TF.js)');
  });

  it('names the family, its parameters and the trials Auto ran', () => {
    const trees = buildRun({
      learner: {
        family: 'boosted-trees',
        params: { learningRate: 0.1, maxLeafNodes: 31 },
        iterations: 42,
        converged: true,
        trials: [
          { family: 'linear', params: { C: 1 }, valLogLoss: 0.61, chosen: false },
          {
            family: 'boosted-trees',
            params: { learningRate: 0.1 },
            valLogLoss: 0.48,
            chosen: true,
          },
        ],
      },
    });
    const card = modelCard({ projectName: 'P', version: buildVersion(trees), run: trees });
    expect(card).toContain('- **Family:** Boosted trees (histogram gradient boosting');
    expect(card).toContain('- **Iterations:** 42 (converged)');
    expect(card).toContain('| maxLeafNodes | `31` |');
    expect(card).toContain('| Linear | C=1 | 0.6100 |  |');
    expect(card).toContain('| Boosted trees | learningRate=0.1 | 0.4800 | yes |');
    expect(card.indexOf('## Model\n')).toBeLessThan(card.indexOf('## Data'));
  });
});
