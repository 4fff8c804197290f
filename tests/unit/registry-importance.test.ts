// Permutation feature importance bookkeeping (src/registry/importance.ts): a hand computation on a
// tiny dataset, the column → slot groups of a featurisation spec, and scikit-learn's
// permutation_importance on a fixed logistic model (tests/fixtures/golden/importance-golden.json,
// made by make-importance-golden.py, which also stores the row orders sklearn drew).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  importanceGroups,
  meanStd,
  permutationImportance,
  rankImportances,
  seededPermutations,
  type ImportanceGroup,
  type ScoreRows,
} from '../../src/registry/importance';
import { buildLineage } from '../../src/registry/lineage';
import { modelCard } from '../../src/registry/model-card';
import type { ModelVersion } from '../../src/registry/types';
import type { RunRecord } from '../../src/persistence/schema';
import type { FeaturisationSpec } from '../../src/training/featurize-types';
import type { FeatureImportanceResult, ImportanceProgress } from '../../src/training/train-types';

const single = (count: number): ImportanceGroup[] =>
  Array.from({ length: count }, (_, j) => ({ name: `f${j}`, kind: 'numeric', slots: [j] }));

/** Two classes decided by feature 0 alone: p(class 1) = 0.9 when x0 > 0, else 0.1. */
const thresholdOnFeature0 =
  (dim: number): ScoreRows =>
  (x, rows) => {
    const out = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      const p1 = x[i * dim]! > 0 ? 0.9 : 0.1;
      out[i * 2] = 1 - p1;
      out[i * 2 + 1] = p1;
    }
    return Promise.resolve(out);
  };

describe('permutation importance by hand', () => {
  // Four rows, two features; the model reads feature 0 only, and gets every row right.
  const x = Float32Array.from([1, 5, -1, 6, 2, 7, -2, 8]);
  const y = Int32Array.from([1, 0, 1, 0]);
  // Row orders: repeat 0 reverses the rows, repeat 1 swaps the first two.
  const orders = [
    [3, 2, 1, 0],
    [1, 0, 2, 3],
  ];

  it('matches the drops worked out on paper, and an unused feature scores exactly 0', async () => {
    const out = await permutationImportance(
      x,
      4,
      2,
      y,
      ['a', 'b'],
      single(2),
      thresholdOnFeature0(2),
      {
        nRepeats: 2,
        permutations: (_g, r) => orders[r]!,
      },
    );
    // Baseline: all 4 right, each with p = 0.9 on the true class.
    expect(out.baseline.accuracy).toBe(1);
    expect(out.baseline.logLoss).toBeCloseTo(-Math.log(0.9), 12);
    // Repeat 0: x0 becomes [-2, 2, -1, 1] → predictions [0, 1, 0, 1] vs y [1, 0, 1, 0]: all wrong.
    // Repeat 1: x0 becomes [-1, 1, 2, -2] → [0, 1, 1, 0]: rows 2 and 3 right, accuracy 1/2.
    expect(out.accuracyDrops[0]).toEqual([1, 0.5]);
    const ll = (right: number) => (right * -Math.log(0.9) + (4 - right) * -Math.log(0.1)) / 4;
    expect(out.logLossIncreases[0]![0]).toBeCloseTo(ll(0) - ll(4), 12);
    expect(out.logLossIncreases[0]![1]).toBeCloseTo(ll(2) - ll(4), 12);
    expect(out.features[0]!.accuracyDrop).toEqual({ mean: 0.75, std: 0.25 });
    // Feature 1 is never read: every shuffle leaves the score where it was.
    expect(out.accuracyDrops[1]).toEqual([0, 0]);
    expect(out.logLossIncreases[1]).toEqual([0, 0]);
    expect(out.features[1]!.accuracyDrop).toEqual({ mean: 0, std: 0 });
    expect(rankImportances(out.features).map((f) => f.name)).toEqual(['f0', 'f1']);
    // The caller's features are left as they were.
    expect([...x]).toEqual([1, 5, -1, 6, 2, 7, -2, 8]);
  });

  it('permutes one column at a time: the other column is back in place for the next group', async () => {
    const seen: number[][] = [];
    const spy: ScoreRows = (input, rows) => {
      seen.push([...input]);
      return thresholdOnFeature0(2)(input, rows);
    };
    await permutationImportance(x, 4, 2, y, ['a', 'b'], single(2), spy, {
      nRepeats: 1,
      permutations: () => orders[0]!,
    });
    expect(seen).toEqual([
      [1, 5, -1, 6, 2, 7, -2, 8],
      [-2, 5, 2, 6, -1, 7, 1, 8],
      [1, 8, -1, 7, 2, 6, -2, 5],
    ]);
  });

  it('moves a group’s slots together with one row order', async () => {
    const seen: number[][] = [];
    const spy: ScoreRows = (input, rows) => {
      seen.push([...input]);
      return thresholdOnFeature0(2)(input, rows);
    };
    const both: ImportanceGroup[] = [{ name: 'pair', kind: 'categorical', slots: [0, 1] }];
    await permutationImportance(x, 4, 2, y, ['a', 'b'], both, spy, {
      nRepeats: 1,
      permutations: () => orders[0]!,
    });
    expect(seen[1]).toEqual([-2, 8, 2, 7, -1, 6, 1, 5]);
  });

  it('reports progress once per scoring pass and is reproducible per seed', async () => {
    const progress: ImportanceProgress[] = [];
    const run = (seed: number) =>
      permutationImportance(x, 4, 2, y, ['a', 'b'], single(2), thresholdOnFeature0(2), {
        nRepeats: 3,
        seed,
        onProgress: (p) => progress.push(p),
      });
    const a = await run(5);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.every((p) => p.total === 7)).toBe(true);
    expect((await run(5)).accuracyDrops).toEqual(a.accuracyDrops);
    const order = seededPermutations(5)(0, 0, 10);
    expect(Array.from(order).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('population standard deviation, as numpy', () => {
    expect(meanStd([1, 0.5])).toEqual({ mean: 0.75, std: 0.25 });
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2 });
  });
});

describe('columns of a featurisation spec', () => {
  const spec: FeaturisationSpec = {
    version: 1,
    modality: 'tabular',
    inputColumns: ['age', 'income', 'colour'],
    tabular: {
      numeric: [
        { name: 'age', mean: 0, std: 1, missingIndicator: true },
        { name: 'income', mean: 0, std: 1, missingIndicator: false },
      ],
      categorical: [{ name: 'colour', vocab: ['red', 'blue'], otherIndex: 2, encoding: 'one-hot' }],
    },
    labels: { classIds: ['a', 'b'] },
    featureDim: 6,
  };

  it('a numeric column owns its missing indicator; a categorical its whole one-hot block', () => {
    expect(importanceGroups(spec)).toEqual([
      { name: 'age', kind: 'numeric', slots: [0, 1] },
      { name: 'income', kind: 'numeric', slots: [2] },
      { name: 'colour', kind: 'categorical', slots: [3, 4, 5] },
    ]);
  });

  it('refuses a spec whose declared width disagrees with its columns', () => {
    expect(() => importanceGroups({ ...spec, featureDim: 7 })).toThrow(/6 features but declares 7/);
  });

  it('has no columns for text or image specs', () => {
    expect(importanceGroups({ ...spec, modality: 'text', tabular: undefined })).toEqual([]);
  });
});

interface Golden {
  X: number[][];
  y: number[];
  num_classes: number;
  coef: number[][];
  intercept: number[];
  n_repeats: number;
  orders: number[][][];
  baseline: { accuracy: number; log_loss: number };
  accuracy: { importances: number[][]; importances_mean: number[]; importances_std: number[] };
  neg_log_loss: { importances: number[][]; importances_mean: number[]; importances_std: number[] };
}

describe('against scikit-learn permutation_importance', () => {
  const golden = JSON.parse(
    readFileSync(new URL('../fixtures/golden/importance-golden.json', import.meta.url), 'utf8'),
  ) as Golden;
  const rows = golden.X.length;
  const dim = golden.X[0]!.length;
  const k = golden.num_classes;
  /** sklearn's predict_proba of a multinomial LogisticRegression: softmax(x·Wᵀ + b). */
  const softmaxModel: ScoreRows = (x, n) => {
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const z = golden.intercept.map(
        (b, c) => b + golden.coef[c]!.reduce((s, w, j) => s + w * x[i * dim + j]!, 0),
      );
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((s, v) => s + v, 0);
      e.forEach((v, c) => (out[i * k + c] = v / sum));
    }
    return Promise.resolve(out);
  };

  it('gives sklearn’s importances, means and stds with the row orders sklearn drew', async () => {
    const out = await permutationImportance(
      Float32Array.from(golden.X.flat()),
      rows,
      dim,
      Int32Array.from(golden.y),
      ['0', '1', '2'],
      single(dim),
      softmaxModel,
      { nRepeats: golden.n_repeats, permutations: (g, r) => golden.orders[g]![r]! },
    );
    expect(out.baseline.accuracy).toBeCloseTo(golden.baseline.accuracy, 12);
    expect(out.baseline.logLoss).toBeCloseTo(golden.baseline.log_loss, 9);
    for (let g = 0; g < dim; g++) {
      // Accuracy drops are multiples of 1/90: exact up to float rounding.
      out.accuracyDrops[g]!.forEach((d, r) =>
        expect(d).toBeCloseTo(golden.accuracy.importances[g]![r]!, 12),
      );
      out.logLossIncreases[g]!.forEach((d, r) =>
        expect(d).toBeCloseTo(golden.neg_log_loss.importances[g]![r]!, 9),
      );
      const f = out.features[g]!;
      expect(f.accuracyDrop.mean).toBeCloseTo(golden.accuracy.importances_mean[g]!, 12);
      expect(f.accuracyDrop.std).toBeCloseTo(golden.accuracy.importances_std[g]!, 12);
      expect(f.logLossIncrease.mean).toBeCloseTo(golden.neg_log_loss.importances_mean[g]!, 9);
      expect(f.logLossIncrease.std).toBeCloseTo(golden.neg_log_loss.importances_std[g]!, 9);
    }
    expect(rankImportances(out.features).map((f) => f.name)).toEqual(['f0', 'f1', 'f2']);
  });
});

describe('the model card section', () => {
  const run: RunRecord = {
    id: 'run-1',
    projectId: 'p',
    status: 'completed',
    config: {},
    seed: 7,
    backend: 'cpu',
    dataDigest: 'd',
    labelDigest: 'l',
    curves: {},
    metrics: {},
    startedAt: 0,
    finishedAt: 1,
  };
  const version = (overrides: Partial<ModelVersion>): ModelVersion => ({
    id: 'm-1',
    projectId: 'p',
    version: 1,
    runId: 'run-1',
    aliases: [],
    status: 'registered',
    createdAt: 0,
    metrics: {},
    featurisation: { modality: 'tabular' },
    lineage: buildLineage(run, []),
    parentModelId: null,
    tags: [],
    notes: '',
    labels: { classIds: ['a', 'b'], classes: [] },
    referenceProfile: null,
    promotion: null,
    ...overrides,
  });
  const result: FeatureImportanceResult = {
    runId: 'run-1',
    computedAt: 0,
    evaluatedOn: 'test',
    holdoutItems: 12,
    rows: 80,
    nRepeats: 5,
    seed: 7,
    baseline: { accuracy: 0.9, logLoss: 0.3 },
    features: [
      {
        name: 'x_1',
        kind: 'numeric',
        slots: 1,
        accuracyDrop: { mean: 0.25, std: 0.05 },
        logLossIncrease: { mean: 0.5, std: 0.1 },
      },
    ],
    note: 'The frozen holdout has 12 labelled items.',
  };
  const section = (card: string) =>
    card.split('## Feature importance (permutation, holdout)')[1]!.split('\n## ')[0]!;

  it('tables each column with its mean ± std, and says when the test split stood in', () => {
    const text = section(
      modelCard({ projectName: 'P', version: version({ featureImportance: result }), run }),
    );
    expect(text).toContain('| x\\_1 | numeric | 0.2500 ± 0.0500 | 0.5000 ± 0.1000 |');
    expect(text).toContain(
      'the 80 items of the test split (the frozen holdout has only 12 labelled items)',
    );
    expect(text).toContain('The frozen holdout has 12 labelled items.');
  });

  it('says when it is not computed yet, and why text models have none', () => {
    expect(section(modelCard({ projectName: 'P', version: version({}), run }))).toContain(
      'Not computed yet',
    );
    const text = version({ featurisation: { modality: 'text' } });
    expect(section(modelCard({ projectName: 'P', version: text, run }))).toContain(
      'Not computed for text models',
    );
  });
});
