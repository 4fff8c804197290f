// Exact logistic regression (src/learners/logistic-regression.ts) against scikit-learn's
// LogisticRegression(solver='lbfgs') on tests/fixtures/golden/learners-logistic-golden.json (made
// by make-learners-logistic-golden.py), plus degenerate inputs, cancel, warm start, the EWC prior
// and the Fisher diagonal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ABSENT_CLASS_INTERCEPT,
  DEFAULT_LOGISTIC_PARAMS,
  decisionFunction,
  fitLogisticRegression,
  logisticFisherDiagonal,
  predictProbaLogistic,
  type LogisticRegressionModel,
  type LogisticRegressionParams,
} from '../../src/learners/logistic-regression';
import { minimizeLbfgs } from '../../src/learners/lbfgs';
import {
  FitCancelledError,
  LearnerInputError,
  type CsrMatrix,
  type DenseMatrix,
  type FeatureMatrix,
} from '../../src/learners/types';

interface GoldenCase {
  name: string;
  kind: 'dense' | 'csr';
  rows: number;
  cols: number;
  num_classes: number;
  X?: number[][];
  indptr?: number[];
  indices?: number[];
  data?: number[];
  y: number[];
  params: { C: number; fit_intercept: boolean; class_weight: 'balanced' | null | number[] };
  sample_weight: number[] | null;
  coef: number[][];
  intercept: number[];
  proba: number[][];
  n_iter: number;
  objective: number;
  grad_max: number;
}

interface Golden {
  sklearn_version: string;
  tol: number;
  max_iter: number;
  cases: GoldenCase[];
}

const golden = JSON.parse(
  readFileSync(
    new URL('../fixtures/golden/learners-logistic-golden.json', import.meta.url),
    'utf8',
  ),
) as Golden;

function matrixOf(c: GoldenCase): FeatureMatrix {
  if (c.kind === 'csr') {
    return {
      kind: 'csr',
      rows: c.rows,
      cols: c.cols,
      indptr: Int32Array.from(c.indptr ?? []),
      indices: Int32Array.from(c.indices ?? []),
      values: Float32Array.from(c.data ?? []),
    };
  }
  return dense(c.X ?? []);
}

function dense(rows: number[][], cols = rows[0]?.length ?? 0): DenseMatrix {
  return { kind: 'dense', rows: rows.length, cols, values: Float32Array.from(rows.flat()) };
}

function paramsOf(c: GoldenCase): Partial<LogisticRegressionParams> {
  return {
    C: c.params.C,
    fitIntercept: c.params.fit_intercept,
    classWeight: c.params.class_weight,
    tol: golden.tol,
    maxIter: golden.max_iter,
  };
}

/** sklearn's coef_ in our K × D layout: a binary fit's one row is class 1's, class 0's is zeros. */
function expectedCoef(c: GoldenCase): { coef: number[]; intercept: number[] } {
  if (c.num_classes === 2) {
    return {
      coef: [...new Array<number>(c.cols).fill(0), ...c.coef[0]!],
      intercept: [0, c.params.fit_intercept ? c.intercept[0]! : 0],
    };
  }
  return {
    coef: c.coef.flat(),
    intercept: c.params.fit_intercept ? c.intercept : c.coef.map(() => 0),
  };
}

/** |a − b| ≤ tol · max(1, |b|): absolute for small values, relative for large coefficients. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(err <= worst)) worst = err;
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

/** A small seeded generator (mulberry32) for the non-golden tests. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** Rows of Gaussian features labelled by the argmax of a random linear map plus noise. */
function blobs(n: number, d: number, k: number, seed: number): { X: DenseMatrix; y: Int32Array } {
  const next = rng(seed);
  const w = Array.from({ length: k * d }, () => gaussian(next));
  const values = new Float64Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < d; j++) values[i * d + j] = gaussian(next);
    for (let c = 0; c < k; c++) {
      let z = gaussian(next);
      for (let j = 0; j < d; j++) z += w[c * d + j]! * values[i * d + j]!;
      if (z > best) {
        best = z;
        y[i] = c;
      }
    }
  }
  return { X: { kind: 'dense', rows: n, cols: d, values }, y };
}

describe('fitLogisticRegression against scikit-learn', () => {
  it('reads a golden file made by a known scikit-learn', () => {
    expect(golden.sklearn_version).toMatch(/^1\./);
    expect(golden.cases.map((c) => c.name)).toContain('penguins');
  });

  for (const c of golden.cases) {
    it(`${c.name}: coefficients, intercepts and probabilities match to 1e-4`, () => {
      const X = matrixOf(c);
      const model = fitLogisticRegression(X, Int32Array.from(c.y), c.num_classes, paramsOf(c), {
        sampleWeight: c.sample_weight === null ? undefined : Float64Array.from(c.sample_weight),
      });
      const want = expectedCoef(c);
      expect(model.converged).toBe(true);
      expectClose(model.coef, want.coef, 1e-4);
      expectClose(model.intercept, want.intercept, 1e-4);
      expectClose(predictProbaLogistic(model, X), c.proba.flat(), 1e-4);
      // The same objective as sklearn's LinearModelLoss: equal at the optimum to ~1e-9 relative.
      expect(Math.abs(model.loss - c.objective) / c.objective).toBeLessThan(1e-8);
    });
  }

  it("takes sklearn's n_iter_ iterations: the same L-BFGS path, ended by scipy's ftol test", () => {
    // tol=1e-10 is never reached; scipy's relative-decrease test (ftol 2.2e-9) stops both, and our
    // minimiser follows L-BFGS-B's iterates (same memory, initial step and line search).
    for (const c of golden.cases) {
      const model = fitLogisticRegression(
        matrixOf(c),
        Int32Array.from(c.y),
        c.num_classes,
        paramsOf(c),
        {
          sampleWeight: c.sample_weight === null ? undefined : Float64Array.from(c.sample_weight),
        },
      );
      expect(Math.abs(model.iterations - c.n_iter), c.name).toBeLessThanOrEqual(1);
    }
  });
});

describe('fitLogisticRegression inputs', () => {
  const { X, y } = blobs(40, 3, 3, 7);

  it('throws LearnerInputError for one class, no rows, bad labels and non-finite features', () => {
    const one = new Int32Array(40).fill(1);
    expect(() => fitLogisticRegression(X, one, 3)).toThrow(/at least two classes; only class 1/);
    expect(() => fitLogisticRegression(X, one, 3)).toThrow(LearnerInputError);
    const empty: DenseMatrix = { kind: 'dense', rows: 0, cols: 3, values: new Float32Array(0) };
    expect(() => fitLogisticRegression(empty, new Int32Array(0), 2)).toThrow(/no rows/);
    const bad = Int32Array.from(y);
    bad[5] = 3;
    expect(() => fitLogisticRegression(X, bad, 3)).toThrow(/Label 3 at row 5/);
    expect(() => fitLogisticRegression(X, y.subarray(0, 39), 3)).toThrow(LearnerInputError);
    expect(() => fitLogisticRegression(X, y, 1)).toThrow(LearnerInputError);
    for (const v of [NaN, Infinity, -Infinity]) {
      const values = Float64Array.from(X.values);
      values[4 * 3 + 2] = v;
      expect(() => fitLogisticRegression({ ...X, values }, y, 3)).toThrow(/at row 4, column 2/);
    }
    const csr: CsrMatrix = {
      kind: 'csr',
      rows: 2,
      cols: 3,
      indptr: Int32Array.from([0, 1, 2]),
      indices: Int32Array.from([0, 2]),
      values: Float32Array.from([1, NaN]),
    };
    expect(() => fitLogisticRegression(csr, Int32Array.from([0, 1]), 2)).toThrow(
      /NaN at row 1, column 2/,
    );
    expect(() =>
      fitLogisticRegression(X, y, 3, {}, { sampleWeight: new Float64Array(40).fill(-1) }),
    ).toThrow(/Sample weight -1 at row 0/);
    expect(() => fitLogisticRegression(X, y, 3, { C: 0 })).toThrow(/C must be/);
  });

  it('fits a constant column (its weight stays 0) and never returns NaN probabilities', () => {
    const values = Float64Array.from(X.values);
    for (let i = 0; i < 40; i++) values[i * 3 + 1] = 5;
    const Xc: DenseMatrix = { ...X, values };
    const model = fitLogisticRegression(Xc, y, 3, { tol: 1e-8, maxIter: 1000 });
    expect(model.converged).toBe(true);
    // With an intercept the constant column is collinear with it; the L2 penalty splits the
    // shift between them, but probabilities are finite and sum to 1.
    const prob = predictProbaLogistic(model, Xc);
    for (let i = 0; i < 40; i++) {
      const row = prob.subarray(i * 3, i * 3 + 3);
      expect(row.every((p) => Number.isFinite(p))).toBe(true);
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 12);
    }
    const huge: DenseMatrix = {
      kind: 'dense',
      rows: 1,
      cols: 3,
      values: Float64Array.from([1e300, -1e300, 1e300]),
    };
    expect(Array.from(predictProbaLogistic(model, huge)).every((p) => Number.isFinite(p))).toBe(
      true,
    );
  });

  it('gives a class without rows a zero probability and fits the others as sklearn would', () => {
    // Classes 0 and 2 of 4 have rows: the binary fit on them, as sklearn on labels {0, 2}.
    const b = golden.cases.find((c) => c.name === 'binary');
    if (b === undefined) throw new Error('no binary case');
    const Xb = matrixOf(b);
    const y4 = Int32Array.from(b.y.map((v) => (v === 1 ? 2 : 0)));
    const model = fitLogisticRegression(Xb, y4, 4, paramsOf(b));
    expect(model.intercept[1]!).toBe(ABSENT_CLASS_INTERCEPT);
    expect(model.intercept[3]!).toBe(ABSENT_CLASS_INTERCEPT);
    expectClose(model.coef.slice(2 * b.cols, 3 * b.cols), b.coef[0]!, 1e-4);
    const prob = predictProbaLogistic(model, Xb);
    for (let i = 0; i < b.rows; i++) {
      expect(prob[i * 4 + 1]!).toBe(0);
      expect(prob[i * 4 + 2]!).toBeCloseTo(b.proba[i]![1]!, 4);
    }
  });

  it('fits three present classes of five as sklearn fits them alone', () => {
    const c = golden.cases.find((g) => g.name === 'multi3');
    if (c === undefined) throw new Error('no multi3 case');
    const X = matrixOf(c);
    // Labels 0, 1, 2 become 0, 2, 4 of 5 classes.
    const y5 = Int32Array.from(c.y.map((v) => 2 * v));
    const model = fitLogisticRegression(X, y5, 5, paramsOf(c));
    for (let k = 0; k < 3; k++) {
      expectClose(model.coef.slice(2 * k * c.cols, (2 * k + 1) * c.cols), c.coef[k]!, 1e-4);
      expect(model.intercept[2 * k]).toBeCloseTo(c.intercept[k]!, 4);
    }
    expect([model.intercept[1], model.intercept[3]]).toEqual([
      ABSENT_CLASS_INTERCEPT,
      ABSENT_CLASS_INTERCEPT,
    ]);
    // A later fit where class 1 has rows warm-starts from that model without its placeholder.
    const y5b = Int32Array.from(y5);
    for (let i = 0; i < 10; i++) y5b[i] = 1;
    const next = fitLogisticRegression(X, y5b, 5, paramsOf(c), { warmStart: model });
    const cold = fitLogisticRegression(X, y5b, 5, paramsOf(c));
    expect(next.converged).toBe(true);
    expectClose(next.coef, cold.coef, 1e-4);
    expect(next.intercept[1]).toBeGreaterThan(-50);
  });

  it('treats Float32 and Float64 features alike and CSR like the same dense matrix', () => {
    const c = golden.cases.find((g) => g.name === 'sparse_tfidf');
    if (c === undefined) throw new Error('no sparse case');
    const csr = matrixOf(c) as CsrMatrix;
    const values = new Float64Array(c.rows * c.cols);
    for (let r = 0; r < c.rows; r++) {
      for (let q = csr.indptr[r]!; q < csr.indptr[r + 1]!; q++)
        values[r * c.cols + csr.indices[q]!] = csr.values[q]!;
    }
    const yc = Int32Array.from(c.y);
    const a = fitLogisticRegression(csr, yc, 3, paramsOf(c));
    const d = fitLogisticRegression(
      { kind: 'dense', rows: c.rows, cols: c.cols, values },
      yc,
      3,
      paramsOf(c),
    );
    expectClose(a.coef, d.coef, 1e-9);
    expect(a.iterations).toBe(d.iterations);
  });
});

describe('fitLogisticRegression hooks', () => {
  const { X, y } = blobs(300, 5, 4, 11);

  it('reports progress every iteration and stops with FitCancelledError when asked', () => {
    const seen: number[] = [];
    const model = fitLogisticRegression(X, y, 4, {}, { onProgress: (p) => seen.push(p.iteration) });
    expect(seen).toEqual(Array.from({ length: model.iterations }, (_, i) => i + 1));
    let polls = 0;
    expect(() => fitLogisticRegression(X, y, 4, {}, { shouldStop: () => ++polls > 3 })).toThrow(
      FitCancelledError,
    );
    expect(polls).toBe(4);
  });

  it('maxIter caps the iterations and reports not converged', () => {
    const model = fitLogisticRegression(X, y, 4, { maxIter: 3, tol: 1e-10 });
    expect(model.iterations).toBe(3);
    expect(model.converged).toBe(false);
  });

  it('a warm start from a converged model converges in fewer iterations to the same weights', () => {
    const params = { tol: 1e-6, maxIter: 1000 };
    const cold = fitLogisticRegression(X, y, 4, params);
    // Warm start from the fit on 80% of the rows, then fit all of them.
    const part = 240;
    const X80: DenseMatrix = { ...X, rows: part, values: X.values.subarray(0, part * 5) };
    const first = fitLogisticRegression(X80, y.subarray(0, part), 4, params);
    const warm = fitLogisticRegression(X, y, 4, params, { warmStart: first });
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expectClose(warm.coef, cold.coef, 1e-4);
    const again = fitLogisticRegression(X, y, 4, params, { warmStart: cold });
    expect(again.iterations).toBeLessThanOrEqual(2);
  });

  it('the EWC prior pulls the weights toward the prior, more with more strength', () => {
    const { X: X2, y: y2 } = blobs(200, 5, 4, 99);
    const old = fitLogisticRegression(X, y, 4, { tol: 1e-8, maxIter: 1000 });
    const precision = logisticFisherDiagonal(old, X).map((f) => f * X.rows);
    const priorOf = (strength: number) => ({
      coef: old.coef,
      intercept: old.intercept,
      precision,
      strength,
    });
    const distance = (m: LogisticRegressionModel) =>
      Math.hypot(
        ...m.coef.map((w, t) => w - old.coef[t]!),
        ...m.intercept.map((b, k) => b - old.intercept[k]!),
      );
    const fitWith = (strength: number) =>
      fitLogisticRegression(X2, y2, 4, { tol: 1e-8, maxIter: 1000 }, { prior: priorOf(strength) });
    const free = fitWith(0);
    const some = fitWith(1);
    const strong = fitWith(1e4);
    expect(distance(some)).toBeLessThan(distance(free));
    expect(distance(strong)).toBeLessThan(0.05 * distance(free));
    // At the optimum, the prior's gradient balances the data's: check the stationarity the prior
    // adds on a hand-computable case, one coefficient, no penalty to speak of.
    const tiny = dense([[1], [-1], [2], [-2]]);
    const yt = Int32Array.from([1, 0, 1, 1]);
    const prior = { coef: [0, 3], intercept: [0, 0], precision: [0, 5, 0, 0], strength: 2 };
    const m = fitLogisticRegression(
      tiny,
      yt,
      2,
      { C: 1e12, fitIntercept: false, tol: 1e-12, maxIter: 500 },
      { prior },
    );
    const w = m.coef[1]!;
    // d/dw [Σ log(1+e^{w x}) − y w x] + 2·5·(w − 3) = 0
    const rows = [1, -1, 2, -2];
    let g = 10 * (w - 3);
    rows.forEach((xv, i) => (g += (1 / (1 + Math.exp(-w * xv)) - yt[i]!) * xv));
    // scipy's relative-decrease test (ftol 2.2e-9) ends the fit, not tol: |g| ~ 1e-8.
    expect(Math.abs(g)).toBeLessThan(1e-6);
    expect(w).toBeGreaterThan(1);
  });
});

describe('logisticFisherDiagonal', () => {
  it('equals the second difference of the mean cross-entropy in each parameter', () => {
    const { X, y } = blobs(30, 3, 3, 5);
    const model = fitLogisticRegression(X, y, 3, { maxIter: 5 });
    const fisher = logisticFisherDiagonal(model, X);
    const K = 3;
    const D = 3;
    // Mean cross-entropy for a labelling; the Fisher is label-free, so any labels do.
    const meanLoss = (m: LogisticRegressionModel): number => {
      const p = predictProbaLogistic(m, X);
      let s = 0;
      for (let i = 0; i < X.rows; i++) s -= Math.log(p[i * K + y[i]!]!);
      return s / X.rows;
    };
    const h = 1e-4;
    for (let t = 0; t < K * D + K; t++) {
      const shifted = (delta: number): LogisticRegressionModel => {
        const coef = [...model.coef];
        const intercept = [...model.intercept];
        if (t < K * D) coef[t]! += delta;
        else intercept[t - K * D]! += delta;
        return { ...model, coef, intercept };
      };
      const second = (meanLoss(shifted(h)) - 2 * meanLoss(model) + meanLoss(shifted(-h))) / (h * h);
      expect(fisher[t]!).toBeCloseTo(second, 5);
    }
  });

  it('matches p(1 − p) x² by hand on two rows', () => {
    const model: LogisticRegressionModel = {
      kind: 'logistic',
      numClasses: 2,
      numFeatures: 1,
      coef: [0, 1],
      intercept: [0, 0],
      iterations: 0,
      converged: true,
      loss: 0,
    };
    const X = dense([[2], [0]]);
    const p = 1 / (1 + Math.exp(-2));
    // Row 0: p(1−p)·4 for both classes; row 1: x = 0 adds nothing to the weights, 1/4 to the intercepts.
    const want = [
      (p * (1 - p) * 4) / 2,
      (p * (1 - p) * 4) / 2,
      (p * (1 - p) + 0.25) / 2,
      (p * (1 - p) + 0.25) / 2,
    ];
    expectClose(logisticFisherDiagonal(model, X), want, 1e-14);
    expectClose(decisionFunction(model, X), [0, 2, 0, 0], 0);
  });
});

describe('minimizeLbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosen = (x: Float64Array, g: Float64Array): number => {
      const a = x[0]!;
      const b = x[1]!;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const r = minimizeLbfgs(rosen, Float64Array.from([-1.2, 1]), {
      maxIterations: 200,
      gradientTolerance: 1e-9,
      functionTolerance: 0,
    });
    expect(r.converged).toBe(true);
    expect(r.x[0]!).toBeCloseTo(1, 6);
    expect(r.x[1]!).toBeCloseTo(1, 6);
  });

  it('uses the documented defaults', () => {
    expect(DEFAULT_LOGISTIC_PARAMS).toEqual({
      C: 1,
      fitIntercept: true,
      maxIter: 100,
      tol: 1e-4,
      classWeight: null,
    });
  });
});
