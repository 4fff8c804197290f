// Histogram gradient boosting (src/learners/hist-gbdt) against scikit-learn 1.2's
// HistGradientBoostingClassifier: bin thresholds, a one-tree fit checked by hand, tiny fits whose
// probabilities must match to 1e-6, and accuracy on the Penguins demo and a synthetic set.
// Reference values: tests/fixtures/golden/make-learners-hgb-golden.py.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fitHistGradientBoosting,
  leafIndices,
  predictProbaHgb,
  rawPredictHgb,
  type HistGradientBoostingModel,
  type HistGradientBoostingParams,
} from '../../src/learners/hist-gbdt';
import { binRows, fitBinMapper } from '../../src/learners/hist-gbdt/binning';
import { FitCancelledError, LearnerInputError, type DenseMatrix } from '../../src/learners/types';
import { createRng } from '../../src/lib/rng';

type Num = number | null;

interface GoldenTree {
  feature: number[];
  threshold: Num[];
  missing_go_to_left: boolean[];
  left: number[];
  right: number[];
  value: number[];
  is_leaf: boolean[];
  count: number[];
}

interface GoldenFit {
  name: string;
  params: Record<string, number | boolean | string | null>;
  sample_weight: number[] | null;
  X: Num[][];
  y: number[];
  baseline: number[];
  n_iter: number;
  trees: GoldenTree[];
  proba: number[][];
}

interface Golden {
  binning: {
    name: string;
    max_bins: number;
    values: Num[];
    thresholds: number[];
    binned: number[];
  }[];
  one_tree: GoldenFit;
  small: GoldenFit[];
  penguins: {
    X: Num[][];
    y: number[];
    classes: string[];
    train_idx: number[];
    test_idx: number[];
    train_accuracy: number;
    test_accuracy: number;
    test_proba: number[][];
  };
  synthetic: {
    n: number;
    d: number;
    classes: number;
    seed: number;
    weights: number[][];
    train_rows: [number, number];
    test_rows: [number, number];
    y_head: number[];
    x_head: Num[][];
    train_accuracy: number;
    test_accuracy: number;
    test_proba_head: number[][];
  };
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/learners-hgb-golden.json', import.meta.url), 'utf8'),
) as Golden;

function matrix(rows: Num[][]): DenseMatrix {
  const cols = rows[0]?.length ?? 0;
  const values = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => r.forEach((v, j) => (values[i * cols + j] = v ?? NaN)));
  return { kind: 'dense', rows: rows.length, cols, values };
}

function subset(X: DenseMatrix, rows: ArrayLike<number>): DenseMatrix {
  const values = new Float64Array(rows.length * X.cols);
  for (let i = 0; i < rows.length; i++) {
    values.set(X.values.subarray(rows[i]! * X.cols, (rows[i]! + 1) * X.cols), i * X.cols);
  }
  return { kind: 'dense', rows: rows.length, cols: X.cols, values };
}

/** sklearn's snake_case parameters → ours. */
function paramsOf(p: GoldenFit['params']): Partial<HistGradientBoostingParams> {
  const out: Partial<HistGradientBoostingParams> = {};
  if (typeof p.max_iter === 'number') out.maxIter = p.max_iter;
  if (typeof p.learning_rate === 'number') out.learningRate = p.learning_rate;
  if (typeof p.max_leaf_nodes === 'number') out.maxLeafNodes = p.max_leaf_nodes;
  if (typeof p.max_depth === 'number') out.maxDepth = p.max_depth;
  if (typeof p.min_samples_leaf === 'number') out.minSamplesLeaf = p.min_samples_leaf;
  if (typeof p.l2_regularization === 'number') out.l2Regularization = p.l2_regularization;
  if (typeof p.early_stopping === 'boolean') out.earlyStopping = p.early_stopping;
  if (p.class_weight === 'balanced') out.classWeight = 'balanced';
  return out;
}

function argmaxRows(proba: Float64Array, K: number): Int32Array {
  const out = new Int32Array(proba.length / K);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (proba[i * K + k]! > proba[i * K + best]!) best = k;
    out[i] = best;
  }
  return out;
}

function accuracy(model: HistGradientBoostingModel, X: DenseMatrix, y: ArrayLike<number>): number {
  const pred = argmaxRows(predictProbaHgb(model, X), model.numClasses);
  let hits = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[i]) hits++;
  return hits / pred.length;
}

function expectClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

/** Mirror of synthetic() in make-learners-hgb-golden.py (mulberry32, arithmetic only). */
function synthHgb(s: Golden['synthetic']): { X: DenseMatrix; y: Int32Array } {
  const rng = createRng(s.seed);
  const values = new Float64Array(s.n * s.d);
  const y = new Int32Array(s.n);
  for (let i = 0; i < s.n; i++) {
    const x = Array.from({ length: s.d }, () => rng.next() * 2 - 1);
    const noise = s.weights.map(() => (rng.next() - 0.5) * 1.5);
    const scores = s.weights.map(
      (w, c) => w.reduce((acc, wj, j) => acc + wj * x[j]!, 0) + noise[c]!,
    );
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[best]!) best = c;
    y[i] = best;
    for (let j = 0; j < s.d; j++) values[i * s.d + j] = j < 4 && rng.next() < 0.05 ? NaN : x[j]!;
  }
  return { X: { kind: 'dense', rows: s.n, cols: s.d, values }, y };
}

/** A small noisy 3-class problem from the seeded generator. */
function noisyBlobs(n: number, seed: number, noise: number): { X: DenseMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const values = new Float64Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let j = 0; j < 4; j++) values[i * 4 + j] = (j === c ? 1 : 0) + (rng.next() - 0.5) * noise;
  }
  return { X: { kind: 'dense', rows: n, cols: 4, values }, y };
}

describe('binning (sklearn _BinMapper)', () => {
  it.each(golden.binning.map((c) => [`${c.name}, maxBins ${c.max_bins}`, c] as const))(
    'thresholds and bins of %s',
    (_name, c) => {
      const X = matrix(c.values.map((v) => [v]));
      const rows = Int32Array.from({ length: X.rows }, (_, i) => i);
      const mapper = fitBinMapper(X.values, 1, rows, c.max_bins, [null]);
      const t = mapper.thresholds[0]!;
      expect(t.length).toBe(c.thresholds.length);
      c.thresholds.forEach((v, i) => expectClose(t[i]!, v, 1e-12));
      expect(Array.from(binRows(mapper, X.values, 1, rows))).toEqual(c.binned);
    },
  );
});

describe('one tree, checked by hand', () => {
  const c = golden.one_tree;
  const X = matrix(c.X);
  const y = Int32Array.from(c.y);
  const model = fitHistGradientBoosting(X, y, 2, paramsOf(c.params));

  it('matches sklearn node for node', () => {
    const tree = model.trees[0]!;
    const g = c.trees[0]!;
    expect(model.trees.length).toBe(1);
    expectClose(model.baseline[0]!, c.baseline[0]!, 1e-12);
    expect(tree.left.map((l) => (l < 0 ? 0 : l))).toEqual(g.left);
    expect(tree.right.map((r) => (r < 0 ? 0 : r))).toEqual(g.right);
    expect(tree.count).toEqual(g.count);
    g.is_leaf.forEach((leaf, i) => {
      if (leaf) {
        expect(tree.feature[i]).toBe(-1);
        expectClose(tree.value[i]!, g.value[i]!, 1e-9);
      } else {
        expect(tree.feature[i]).toBe(g.feature[i]);
        expect(tree.threshold[i]).toBe(g.threshold[i]);
        expect(tree.missingGoLeft[i]).toBe(g.missing_go_to_left[i]);
      }
    });
    const proba = predictProbaHgb(model, X);
    c.proba.forEach((row, i) => row.forEach((v, k) => expectClose(proba[i * 2 + k]!, v, 1e-9)));
  });

  it('splits the root where G_L²/H_L + G_R²/H_R − G²/H is largest, leaves at −G/H', () => {
    // Newton step of the binomial log-loss at the baseline: p = mean(y), g = p − y, h = p(1 − p).
    const n = y.length;
    const p = c.y.reduce((a, b) => a + b, 0) / n;
    const grad = c.y.map((t) => p - t);
    const h = p * (1 - p);
    const G = grad.reduce((a, b) => a + b, 0);
    const H = h * n;
    let best = { gain: -Infinity, feature: -1, threshold: NaN };
    for (let f = 0; f < X.cols; f++) {
      const col = c.X.map((r) => r[f]!);
      const distinct = [...new Set(col.filter((v): v is number => v !== null))].sort(
        (a, b) => a - b,
      );
      for (let i = 0; i + 1 < distinct.length; i++) {
        const thr = (distinct[i]! + distinct[i + 1]!) / 2;
        // Missing values on either side; keep the better one.
        for (const missingLeft of [false, true]) {
          let gl = 0;
          let nl = 0;
          col.forEach((v, r) => {
            if (v === null ? missingLeft : v <= thr) {
              gl += grad[r]!;
              nl++;
            }
          });
          const gr = G - gl;
          const hl = h * nl;
          const hr = H - hl;
          const gain = (gl * gl) / hl + (gr * gr) / hr - (G * G) / H;
          if (gain > best.gain + 1e-12) best = { gain, feature: f, threshold: thr };
        }
      }
    }
    const tree = model.trees[0]!;
    expect(tree.feature[0]).toBe(best.feature);
    expect(tree.threshold[0]).toBe(best.threshold);
    // Every leaf value is −ΣG/ΣH of its samples (learning rate 1, λ = 0).
    const leaves = leafIndices(model, X);
    for (const leaf of new Set(leaves)) {
      let gs = 0;
      let hs = 0;
      leaves.forEach((l, r) => {
        if (l === leaf) {
          gs += grad[r]!;
          hs += h;
        }
      });
      expectClose(tree.value[leaf]!, -gs / hs, 1e-9);
    }
  });
});

describe('tiny fits match sklearn', () => {
  it.each(golden.small.map((c) => [c.name, c] as const))('%s: trees and probabilities', (_n, c) => {
    const X = matrix(c.X);
    const K = c.proba[0]!.length;
    const model = fitHistGradientBoosting(
      X,
      Int32Array.from(c.y),
      K,
      paramsOf(c.params),
      c.sample_weight ? { sampleWeight: Float64Array.from(c.sample_weight) } : {},
    );
    expect(model.iterations).toBe(c.n_iter);
    expect(model.trees.length).toBe(c.trees.length);
    model.baseline.forEach((b, k) => expectClose(b, c.baseline[k]!, 1e-12));
    model.trees.forEach((t, i) => {
      const g = c.trees[i]!;
      expect(t.feature.map((f, j) => (g.is_leaf[j] ? -1 : f))).toEqual(
        g.feature.map((f, j) => (g.is_leaf[j] ? -1 : f)),
      );
      expect(t.count).toEqual(g.count);
    });
    const proba = predictProbaHgb(model, X);
    c.proba.forEach((row, i) => row.forEach((v, k) => expectClose(proba[i * K + k]!, v, 1e-6)));
  });
});

describe('accuracy on real data', () => {
  it('Penguins (categorical island/sex, missing values as NaN) is within 1 point of sklearn', () => {
    const g = golden.penguins;
    const X = matrix(g.X);
    const y = Int32Array.from(g.y);
    const Xtr = subset(X, g.train_idx);
    const ytr = Int32Array.from(g.train_idx, (i) => y[i]!);
    const model = fitHistGradientBoosting(Xtr, ytr, g.classes.length, {
      categoricalFeatures: [false, false, false, false, true, true],
      earlyStopping: false,
    });
    const Xte = subset(X, g.test_idx);
    const yte = Int32Array.from(g.test_idx, (i) => y[i]!);
    expect(Math.abs(accuracy(model, Xtr, ytr) - g.train_accuracy)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(accuracy(model, Xte, yte) - g.test_accuracy)).toBeLessThanOrEqual(0.01);
    const proba = predictProbaHgb(model, Xte);
    let worst = 0;
    g.test_proba.forEach((row, i) =>
      row.forEach((v, k) => (worst = Math.max(worst, Math.abs(proba[i * 3 + k]! - v)))),
    );
    // Same bins, same trees: the probabilities agree to rounding.
    expect(worst).toBeLessThan(1e-6);
    // The categorical path is exercised, and an unseen island code is routed as missing.
    expect(model.trees.some((t) => t.leftCategories.some((c) => c !== null))).toBe(true);
    const unseen = subset(Xte, [0, 0]);
    unseen.values[4] = 99;
    unseen.values[unseen.cols + 4] = NaN;
    const raw = rawPredictHgb(model, unseen);
    expect(Array.from(raw.subarray(0, 3))).toEqual(Array.from(raw.subarray(3, 6)));
  });

  it('synthetic 4-class set with NaNs is within 1 point of sklearn', () => {
    const s = golden.synthetic;
    const { X, y } = synthHgb(s);
    // The builder reproduces the Python data exactly.
    expect(Array.from(y.subarray(0, 20))).toEqual(s.y_head);
    s.x_head.forEach((row, i) =>
      row.forEach((v, j) => expect(X.values[i * s.d + j]).toBe(v ?? NaN)),
    );
    const trainIdx = Int32Array.from({ length: s.train_rows[1] - s.train_rows[0] }, (_, i) => i);
    const testIdx = Int32Array.from(
      { length: s.test_rows[1] - s.test_rows[0] },
      (_, i) => s.test_rows[0] + i,
    );
    const Xtr = subset(X, trainIdx);
    const ytr = y.subarray(s.train_rows[0], s.train_rows[1]);
    const model = fitHistGradientBoosting(Xtr, ytr, s.classes, { earlyStopping: false });
    const Xte = subset(X, testIdx);
    const yte = y.subarray(s.test_rows[0], s.test_rows[1]);
    expect(Math.abs(accuracy(model, Xtr, ytr) - s.train_accuracy)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(accuracy(model, Xte, yte) - s.test_accuracy)).toBeLessThanOrEqual(0.01);
    const proba = predictProbaHgb(
      model,
      subset(
        Xte,
        Int32Array.from({ length: 50 }, (_, i) => i),
      ),
    );
    let worst = 0;
    s.test_proba_head.forEach((row, i) =>
      row.forEach((v, k) => (worst = Math.max(worst, Math.abs(proba[i * s.classes + k]! - v)))),
    );
    // 2000 rows: quantile bins (numpy's 'midpoint' percentiles), still identical to sklearn's.
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('degenerate input', () => {
  const two = matrix([[1], [2], [3], [4]]);

  it('rejects a single class with a sentence', () => {
    expect(() => fitHistGradientBoosting(two, Int32Array.from([1, 1, 1, 1]), 2)).toThrow(
      LearnerInputError,
    );
    expect(() => fitHistGradientBoosting(two, Int32Array.from([1, 1, 1, 1]), 2)).toThrow(
      /at least two classes/,
    );
  });

  it('names the row and column of an infinite value; NaN is allowed', () => {
    const X = matrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    X.values[3] = -Infinity;
    expect(() => fitHistGradientBoosting(X, Int32Array.from([0, 1, 0]), 2)).toThrow(
      /Row 1, column 1 is -Infinity/,
    );
    X.values[3] = NaN;
    expect(() => fitHistGradientBoosting(X, Int32Array.from([0, 1, 0]), 2)).not.toThrow();
  });

  it('rejects sample weights that sum to 0 or are negative', () => {
    const y = Int32Array.from([0, 1, 0, 1]);
    expect(() =>
      fitHistGradientBoosting(two, y, 2, {}, { sampleWeight: new Float64Array(4) }),
    ).toThrow(/sum to 0/);
    expect(() =>
      fitHistGradientBoosting(two, y, 2, {}, { sampleWeight: Float64Array.from([1, -1, 1, 1]) }),
    ).toThrow(LearnerInputError);
  });

  it('never splits on an all-missing or a constant column', () => {
    const { X: base, y } = noisyBlobs(300, 3, 0.8);
    const values = new Float64Array(300 * 6);
    for (let i = 0; i < 300; i++) {
      values.set(base.values.subarray(i * 4, i * 4 + 4), i * 6);
      values[i * 6 + 4] = NaN;
      values[i * 6 + 5] = 7;
    }
    const X: DenseMatrix = { kind: 'dense', rows: 300, cols: 6, values };
    const model = fitHistGradientBoosting(X, y, 3, { maxIter: 20 });
    const used = new Set(model.trees.flatMap((t) => t.feature));
    expect(used.has(4)).toBe(false);
    expect(used.has(5)).toBe(false);
    expect(used.has(0)).toBe(true);
  });

  it('one row per class gives the baseline only, with finite probabilities', () => {
    const X = matrix([
      [0, 1],
      [1, 0],
      [null, 2],
    ]);
    const model = fitHistGradientBoosting(X, Int32Array.from([0, 1, 2]), 3, { maxIter: 5 });
    expect(model.trees.every((t) => t.feature.length === 1 && t.value[0] === 0)).toBe(true);
    const proba = predictProbaHgb(
      model,
      matrix([
        [0, 1],
        [null, null],
        [5, -5],
      ]),
    );
    for (const v of proba) expectClose(v, 1 / 3, 1e-12);
  });

  it('an absent class keeps a finite, tiny probability', () => {
    const { X, y } = noisyBlobs(90, 5, 0.5);
    const proba = predictProbaHgb(fitHistGradientBoosting(X, y, 4, { maxIter: 10 }), X);
    for (let i = 0; i < X.rows; i++) {
      expect(Number.isFinite(proba[i * 4 + 3]!)).toBe(true);
      expect(proba[i * 4 + 3]!).toBeLessThan(1e-6);
    }
  });
});

describe('fit behaviour', () => {
  it('is deterministic for a seed, and the split follows the seed', () => {
    const { X, y } = noisyBlobs(600, 11, 2);
    const params = { earlyStopping: true, maxIter: 30, seed: 5 } as const;
    const a = fitHistGradientBoosting(X, y, 3, params);
    const b = fitHistGradientBoosting(X, y, 3, params);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = fitHistGradientBoosting(X, y, 3, { ...params, seed: 6 });
    expect(c.validationLoss).not.toEqual(a.validationLoss);
  });

  it('is plain JSON that predicts the same after a round trip', () => {
    const { X, y } = noisyBlobs(200, 2, 1);
    const model = fitHistGradientBoosting(X, y, 3, { maxIter: 15 });
    const copy = JSON.parse(JSON.stringify(model)) as HistGradientBoostingModel;
    expect(Array.from(predictProbaHgb(copy, X))).toEqual(Array.from(predictProbaHgb(model, X)));
    // leafIndices + leaf values rebuild the raw predictions.
    const leaves = leafIndices(model, X);
    const raw = rawPredictHgb(model, X);
    const m = model.trees.length;
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 3; k++) {
        let r = model.baseline[k]!;
        for (let t = k; t < m; t += 3) r += model.trees[t]!.value[leaves[i * m + t]!]!;
        expectClose(raw[i * 3 + k]!, r, 1e-12);
      }
    }
  });

  it('cancels between iterations and reports progress', () => {
    const { X, y } = noisyBlobs(150, 4, 1);
    const seen: number[] = [];
    let polls = 0;
    expect(() =>
      fitHistGradientBoosting(
        X,
        y,
        3,
        { maxIter: 50 },
        {
          onProgress: (p) => {
            seen.push(p.iteration);
            expect(p.maxIterations).toBe(50);
            expect(Number.isFinite(p.loss)).toBe(true);
          },
          shouldStop: () => ++polls > 3,
        },
      ),
    ).toThrow(FitCancelledError);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops early on a noisy set before maxIter', () => {
    const { X, y } = noisyBlobs(2000, 9, 4);
    const model = fitHistGradientBoosting(X, y, 3, { earlyStopping: true, maxIter: 300 });
    expect(model.iterations).toBeLessThan(300);
    expect(model.trees.length).toBe(model.iterations * 3);
    expect(model.validationLoss?.length).toBe(model.iterations + 1);
    expect(model.trainLoss.length).toBe(model.iterations + 1);
    expect(model.bestIteration).toBeLessThanOrEqual(model.iterations);
    // 'auto' is off at 2000 rows, as sklearn (on above 10 000).
    expect(fitHistGradientBoosting(X, y, 3, { maxIter: 20 }).validationLoss).toBeUndefined();
  });

  it("scores early stopping on the caller's validation rows, training on every row of X", () => {
    const { X, y } = noisyBlobs(1200, 9, 4);
    const held = noisyBlobs(300, 10, 4);
    const model = fitHistGradientBoosting(
      X,
      y,
      3,
      { earlyStopping: true, maxIter: 300 },
      { validation: { X: held.X, y: held.y } },
    );
    expect(model.iterations).toBeLessThan(300);
    // No rows of X were held out: every root saw all 1200.
    expect(model.trees.every((t) => t.count[0] === 1200)).toBe(true);
    // The last validation loss is the log-loss of the final model on exactly those rows.
    const proba = predictProbaHgb(model, held.X);
    let loss = 0;
    for (let i = 0; i < held.X.rows; i++) loss -= Math.log(proba[i * 3 + held.y[i]!]!);
    expect(model.validationLoss!.at(-1)).toBeCloseTo(loss / held.X.rows, 9);
    expect(() =>
      fitHistGradientBoosting(
        X,
        y,
        3,
        { earlyStopping: true },
        {
          validation: { X: { ...held.X, cols: 3 }, y: held.y },
        },
      ),
    ).toThrow(LearnerInputError);
  });
});

describe('missing values', () => {
  it('send NaN to the side that fits them best when training had NaNs', () => {
    // Class 1 is exactly the rows whose feature is missing; present values are uninformative.
    const rng = createRng(8);
    const n = 200;
    const values = new Float64Array(n);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 4 === 0 ? 1 : 0;
      values[i] = y[i] === 1 ? NaN : rng.next();
    }
    const X: DenseMatrix = { kind: 'dense', rows: n, cols: 1, values };
    const model = fitHistGradientBoosting(X, y, 2, { maxIter: 30 });
    const proba = predictProbaHgb(model, matrix([[null], [0.5]]));
    expect(proba[1]!).toBeGreaterThan(0.9);
    expect(proba[3]!).toBeLessThan(0.1);
  });

  it('send NaN to the child with more samples when training had none', () => {
    // 150 rows below 0.5 (class 0) and 50 above (class 1): the root splits near 0.5.
    const n = 200;
    const values = Float64Array.from({ length: n }, (_, i) => (i < 150 ? i / 300 : 0.6 + i / 1000));
    const y = Int32Array.from({ length: n }, (_, i) => (i < 150 ? 0 : 1));
    const X: DenseMatrix = { kind: 'dense', rows: n, cols: 1, values };
    const model = fitHistGradientBoosting(X, y, 2, {
      maxIter: 1,
      learningRate: 1,
      maxLeafNodes: 2,
    });
    const root = model.trees[0]!;
    expect(root.count[root.left[0]!]!).toBe(150);
    expect(root.missingGoLeft[0]).toBe(true);
    const raw = rawPredictHgb(model, matrix([[null], [0.1], [0.9]]));
    expect(raw[0]).toBe(raw[1]);
    expect(raw[0]).not.toBe(raw[2]);
  });
});
