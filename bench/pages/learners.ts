// The in-browser half of the `learners` suite (bench/suites/learners.mjs). The suite reads the
// datasets in Node (birdstrikes, SpamAssassin, Digits; see the suite's header for the exact rules,
// which bench/learners-sklearn.py implements too) and passes plain rows here. This page:
// - featurises them as the scikit-learn reference does and fits the pure learners
//   (src/learners) on the main thread: logistic regression, histogram gradient boosting, TF-IDF;
// - writes a project into a fresh IndexedDB database and trains it through the real ML bridge
//   and worker (Auto, and the TF.js network family for the old default's fit time);
// - runs the label-efficiency protocol (simulated oracle, margin vs random) on the linear learner.
import { fitHistGradientBoosting, predictProbaHgb } from '../../src/learners/hist-gbdt';
import {
  fitLogisticRegression,
  predictProbaLogistic,
} from '../../src/learners/logistic-regression';
import { fitTransformTfidf, transformTfidf, type TfidfParams } from '../../src/learners/tfidf';
import type { CsrMatrix, DenseMatrix, FeatureMatrix } from '../../src/learners/types';
import { createRng, type Rng } from '../../src/lib/rng';
import { openDatabase } from '../../src/persistence/db';
import type { ChunkColumn, ChunkRecord, ColumnSchema } from '../../src/persistence/schema';
import { MlBridge, presetConfig, type TrainConfig } from '../../src/training';
import type { Split } from '../../src/data/types';
import { buildProject } from '../../tests/fixtures/db/builders';

const log = (s: string) => console.log(`[bench] ${s}`);

/** Birdstrikes as the suite passes it: one array per column, `null` for a missing number. */
export interface TabularData {
  numeric: Record<string, (number | null)[]>;
  categorical: Record<string, string[]>;
  labels: number[];
  classNames: string[];
  /** Per row: 'train' | 'validation' | 'test' (validation is only used by the worker's Auto). */
  split: Split[];
}

export interface TextData {
  docs: string[];
  labels: number[];
  classNames: string[];
  split: Split[];
}

export interface Scores {
  accuracy: number;
  macroF1: number;
}

/** The vectoriser the sklearn reference uses: TfidfVectorizer(ngram (1,2), min_df 2, sublinear_tf). */
const TFIDF: Partial<TfidfParams> = {
  ngramRange: [1, 2],
  minDf: 2,
  sublinearTf: true,
  maxFeatures: null,
};
/** LogisticRegression(C=1, max_iter=1000) on both sides. */
const LINEAR = { C: 1, maxIter: 1000 };

function argmaxRows(probs: Float64Array | Float32Array, K: number): Int32Array {
  const n = probs.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[i * K + k]! > probs[i * K + best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** Accuracy and sklearn's f1_score(average='macro'): over the classes in y_true ∪ y_pred. */
export function scores(y: ArrayLike<number>, pred: ArrayLike<number>, K: number): Scores {
  const tp = new Float64Array(K);
  const fp = new Float64Array(K);
  const fn = new Float64Array(K);
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === pred[i]) {
      correct++;
      tp[y[i]!]!++;
    } else {
      fp[pred[i]!]!++;
      fn[y[i]!]!++;
    }
  }
  let f1 = 0;
  let present = 0;
  for (let k = 0; k < K; k++) {
    if (tp[k]! + fp[k]! + fn[k]! === 0) continue;
    present++;
    const d = 2 * tp[k]! + fp[k]! + fn[k]!;
    f1 += d > 0 ? (2 * tp[k]!) / d : 0;
  }
  return { accuracy: correct / y.length, macroF1: f1 / present };
}

const indicesOf = (split: Split[], test: boolean) =>
  split.flatMap((s, i) => ((s === 'test') === test ? [i] : []));

// ---------------------------------------------------------------------------------------------
// Tabular featurisation, as the sklearn reference:
// linear: numeric → SimpleImputer(mean, add_indicator) → StandardScaler; categorical →
//   OneHotEncoder(handle_unknown='ignore') over the training rows' categories.
// trees: numeric as is (NaN missing); categorical → code = index in the sorted training
//   categories, unknown → NaN (HistGradientBoostingClassifier's categorical_features).

interface TabularFeaturiser {
  linear: (rows: number[]) => DenseMatrix;
  linearCsr: (rows: number[]) => CsrMatrix;
  trees: (rows: number[]) => DenseMatrix;
  categoricalMask: boolean[];
}

function tabularFeaturiser(data: TabularData, trainRows: number[]): TabularFeaturiser {
  const numNames = Object.keys(data.numeric);
  const catNames = Object.keys(data.categorical);
  const num = numNames.map((name) => {
    const v = data.numeric[name]!;
    let sum = 0;
    let n = 0;
    for (const r of trainRows) {
      const x = v[r];
      if (x !== null && x !== undefined) {
        sum += x;
        n++;
      }
    }
    const mean = sum / n;
    let ss = 0;
    for (const r of trainRows) ss += ((v[r] ?? mean) - mean) ** 2;
    const std = Math.sqrt(ss / trainRows.length) || 1;
    const anyMissing = n < trainRows.length;
    const pm = 1 - n / trainRows.length;
    const pstd = Math.sqrt(pm * (1 - pm)) || 1;
    return { v, mean, std, anyMissing, pm, pstd };
  });
  const cats = catNames.map((name) => {
    const v = data.categorical[name]!;
    const seen = [...new Set(trainRows.map((r) => v[r]!))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return { v, code: new Map(seen.map((c, i) => [c, i])) };
  });
  const linearCols =
    num.length + num.filter((c) => c.anyMissing).length + cats.reduce((s, c) => s + c.code.size, 0);
  return {
    categoricalMask: [...numNames.map(() => false), ...catNames.map(() => true)],
    linear(rows) {
      const values = new Float64Array(rows.length * linearCols);
      rows.forEach((r, i) => {
        let j = i * linearCols;
        for (const c of num) values[j++] = ((c.v[r] ?? c.mean) - c.mean) / c.std;
        // SimpleImputer puts the indicators after the imputed columns; StandardScaler scales them.
        for (const c of num) {
          if (c.anyMissing) values[j++] = ((c.v[r] === null ? 1 : 0) - c.pm) / c.pstd;
        }
        for (const c of cats) {
          const code = c.code.get(c.v[r]!);
          if (code !== undefined) values[j + code] = 1;
          j += c.code.size;
        }
      });
      return { kind: 'dense', rows: rows.length, cols: linearCols, values };
    },
    linearCsr(rows) {
      // sklearn's ColumnTransformer returns this sparse (density < 0.3): numbers and indicators
      // stored, then one 1 per categorical column whose category was seen in training.
      const width = linearCols;
      const indptr = new Int32Array(rows.length + 1);
      const perRow = num.length + num.filter((c) => c.anyMissing).length + cats.length;
      const indices = new Int32Array(rows.length * perRow);
      const values = new Float64Array(rows.length * perRow);
      let nnz = 0;
      rows.forEach((r, i) => {
        let j = 0;
        for (const c of num) {
          indices[nnz] = j++;
          values[nnz++] = ((c.v[r] ?? c.mean) - c.mean) / c.std;
        }
        for (const c of num) {
          if (!c.anyMissing) continue;
          indices[nnz] = j++;
          values[nnz++] = ((c.v[r] === null ? 1 : 0) - c.pm) / c.pstd;
        }
        for (const c of cats) {
          const code = c.code.get(c.v[r]!);
          if (code !== undefined) {
            indices[nnz] = j + code;
            values[nnz++] = 1;
          }
          j += c.code.size;
        }
        indptr[i + 1] = nnz;
      });
      return {
        kind: 'csr',
        rows: rows.length,
        cols: width,
        indptr,
        indices: indices.slice(0, nnz),
        values: values.slice(0, nnz),
      };
    },
    trees(rows) {
      const cols = num.length + cats.length;
      const values = new Float64Array(rows.length * cols);
      rows.forEach((r, i) => {
        let j = i * cols;
        for (const c of num) values[j++] = c.v[r] ?? Number.NaN;
        for (const c of cats) values[j++] = c.code.get(c.v[r]!) ?? Number.NaN;
      });
      return { kind: 'dense', rows: rows.length, cols, values };
    },
  };
}

const labelsOf = (data: { labels: number[] }, rows: number[]) =>
  Int32Array.from(rows, (r) => data.labels[r]!);

function fitLinearScores(
  xTrain: FeatureMatrix,
  yTrain: Int32Array,
  xTest: FeatureMatrix,
  yTest: Int32Array,
  K: number,
) {
  const t0 = performance.now();
  const model = fitLogisticRegression(xTrain, yTrain, K, LINEAR);
  const fitMs = performance.now() - t0;
  const pred = argmaxRows(predictProbaLogistic(model, xTest), K);
  return { ...scores(yTest, pred, K), fitMs, iterations: model.iterations };
}

// ---------------------------------------------------------------------------------------------
// A project in a fresh database, trained through the real worker.

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}

interface WorkerRunOptions {
  family: 'auto' | 'linear' | 'network';
  /** Caps the network's epochs (no early stopping then); the preset's count otherwise. */
  epochs?: number;
}

interface WorkerRunFigures extends Scores {
  backend: string;
  family: string;
  /** bridge.trainModel wall time, reading the chunks and featurising included. */
  totalMs: number;
  /** The run's own duration (TrainResult.durationMs). */
  durationMs: number;
  epochsRun: number;
  presetEpochs: number;
  counts: { train: number; validation: number; test: number };
  learner: unknown;
}

async function workerRun(
  modality: 'tabular' | 'text',
  columns: ColumnSchema[],
  chunkColumns: (rows: number[]) => Record<string, ChunkColumn>,
  labels: number[],
  classNames: string[],
  split: Split[] | null,
  options: WorkerRunOptions,
): Promise<WorkerRunFigures> {
  const dbName = `inloop-bench-learners-${crypto.randomUUID()}`;
  const db = openDatabase(dbName);
  const bridge = new MlBridge({ prefer: 'auto' });
  const projectId = 'learners';
  const sourceId = `${projectId}/pool`;
  const n = labels.length;
  const itemIds = Array.from({ length: n }, (_, i) => `${sourceId}#${i}`);
  try {
    const chunks: ChunkRecord[] = [];
    const chunkRows = 4096;
    for (let start = 0, index = 0; start < n; start += chunkRows, index++) {
      const rows = Array.from({ length: Math.min(chunkRows, n - start) }, (_, i) => start + i);
      chunks.push({
        sourceId,
        index,
        rowStart: start,
        rowCount: rows.length,
        columns: chunkColumns(rows),
        itemIds: rows.map((i) => itemIds[i]!),
      });
    }
    const classIds = classNames.map((_, i) => `c${i}`);
    await db.transaction('rw', db.tables, async () => {
      await db.projects.add(
        buildProject({
          id: projectId,
          name: projectId,
          modality,
          targetColumn: null,
          classes: classNames.map((name, i) => ({
            id: classIds[i]!,
            name,
            hotkey: String(i + 1),
            color: '#2f7d4a',
          })),
        }),
      );
      await db.sources.add({
        id: sourceId,
        projectId,
        name: `${modality}.bench`,
        modality,
        role: 'pool',
        status: 'ready',
        rowCount: n,
        columns,
        createdAt: 1_700_000_000_000,
      });
      await db.chunks.bulkAdd(chunks);
      await db.annotations.bulkAdd(
        itemIds.map((itemId, i) => ({
          projectId,
          itemId,
          label: classIds[labels[i]!]!,
          annotator: 'bench',
          sessionId: `${projectId}/session`,
          kind: 'human' as const,
          at: 1_700_000_000_000 + i,
        })),
      );
    });
    const report = await bridge.ready();
    const preset = presetConfig(modality, 'balanced', 42);
    const config: TrainConfig = {
      ...preset,
      family: options.family,
      ...(options.epochs !== undefined ? { epochs: options.epochs, earlyStopping: null } : {}),
    };
    const splitAssignment = split
      ? Object.fromEntries(itemIds.map((id, i) => [id, split[i]!]))
      : undefined;
    const t0 = performance.now();
    const result = await bridge.trainModel({
      dbName,
      projectId,
      runId: 'bench',
      config,
      appVersion: 'bench',
      ...(splitAssignment ? { splitAssignment } : {}),
    });
    const totalMs = performance.now() - t0;
    const run = await db.runs.get('bench');
    log(
      `${modality} ${options.family} (${report.backend}) n=${n}: ${Math.round(totalMs)} ms, ${result.epochsRun} epochs, test acc ${result.metrics.testAccuracy?.toFixed(4)}`,
    );
    return {
      backend: report.backend,
      family: options.family,
      accuracy: result.metrics.testAccuracy ?? Number.NaN,
      macroF1: result.metrics.testMacroF1 ?? Number.NaN,
      totalMs,
      durationMs: result.durationMs,
      epochsRun: result.epochsRun,
      presetEpochs: preset.epochs,
      counts: {
        train: result.counts.train,
        validation: result.counts.validation,
        test: result.counts.test,
      },
      learner: run?.learner ?? null,
    };
  } finally {
    await bridge.closeDatabases().catch(() => undefined);
    bridge.dispose();
    db.close();
    await deleteDatabase(dbName);
  }
}

function tabularWorkerRun(
  data: TabularData,
  rows: number[],
  split: Split[] | null,
  options: WorkerRunOptions,
) {
  const numNames = Object.keys(data.numeric);
  const catNames = Object.keys(data.categorical);
  const vocabs = Object.fromEntries(
    catNames.map((name) => [name, [...new Set(data.categorical[name])].sort()]),
  );
  const columns: ColumnSchema[] = [
    ...numNames.map((name): ColumnSchema => ({
      name,
      type: 'numeric',
      storage: 'f32',
      role: 'feature',
    })),
    ...catNames.map((name): ColumnSchema => ({
      name,
      type: 'categorical',
      storage: 'i32',
      role: 'feature',
      vocab: vocabs[name]!,
    })),
  ];
  const codeMaps = Object.fromEntries(
    catNames.map((name) => [name, new Map(vocabs[name]!.map((c, i) => [c, i]))]),
  );
  return workerRun(
    'tabular',
    columns,
    (chunk) => {
      const out: Record<string, ChunkColumn> = {};
      for (const name of numNames) {
        const v = data.numeric[name]!;
        const values = new Float32Array(chunk.length);
        const missing = new Uint8Array(chunk.length);
        chunk.forEach((i, j) => {
          const x = v[rows[i]!];
          if (x === null || x === undefined) missing[j] = 1;
          else values[j] = x;
        });
        out[name] = { kind: 'f32', values, missing };
      }
      for (const name of catNames) {
        const v = data.categorical[name]!;
        const codes = Int32Array.from(chunk, (i) => codeMaps[name]!.get(v[rows[i]!]!)!);
        out[name] = { kind: 'i32', codes, vocab: vocabs[name]! };
      }
      return out;
    },
    rows.map((r) => data.labels[r]!),
    data.classNames,
    split,
    options,
  );
}

function textWorkerRun(
  data: TextData,
  rows: number[],
  split: Split[] | null,
  options: WorkerRunOptions,
) {
  return workerRun(
    'text',
    [{ name: 'text', type: 'text', storage: 'str', role: 'feature' }],
    (chunk) => ({ text: { kind: 'str', values: chunk.map((i) => data.docs[rows[i]!]!) } }),
    rows.map((r) => data.labels[r]!),
    data.classNames,
    split,
    options,
  );
}

const allRows = (n: number) => Array.from({ length: n }, (_, i) => i);

function resample(n: number, size: number, rng: Rng): number[] {
  return Array.from({ length: size }, () => Math.floor(rng.next() * n));
}

// ---------------------------------------------------------------------------------------------
// Label efficiency: a simulated oracle on the linear learner.

export interface EfficiencyOptions {
  initialPerClass: number;
  batch: number;
  maxLabels: number;
  seeds: number[];
  strategies: ('random' | 'margin')[];
}

function subsetRows(X: FeatureMatrix, rows: number[]): FeatureMatrix {
  if (X.kind === 'dense') {
    const values = new Float64Array(rows.length * X.cols);
    rows.forEach((r, i) => values.set(X.values.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
    return { kind: 'dense', rows: rows.length, cols: X.cols, values };
  }
  const indptr = new Int32Array(rows.length + 1);
  let nnz = 0;
  rows.forEach((r, i) => {
    nnz += X.indptr[r + 1]! - X.indptr[r]!;
    indptr[i + 1] = nnz;
  });
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  rows.forEach((r, i) => {
    indices.set(X.indices.subarray(X.indptr[r], X.indptr[r + 1]), indptr[i]);
    values.set(X.values.subarray(X.indptr[r], X.indptr[r + 1]), indptr[i]);
  });
  return { kind: 'csr', rows: rows.length, cols: X.cols, indptr, indices, values };
}

function efficiency(
  X: FeatureMatrix,
  labels: number[],
  K: number,
  split: Split[],
  options: EfficiencyOptions,
) {
  const poolRows = indicesOf(split, false);
  const testRows = indicesOf(split, true);
  const xTest = subsetRows(X, testRows);
  const yTest = labelsOf({ labels }, testRows);
  const xPool = subsetRows(X, poolRows);
  const yPool = labelsOf({ labels }, poolRows);
  const full = fitLinearScores(xPool, yPool, xTest, yTest, K);
  const target = 0.9 * full.accuracy;
  log(`efficiency: full-data accuracy ${full.accuracy.toFixed(4)}, target ${target.toFixed(4)}`);
  const runs: {
    seed: number;
    strategy: string;
    labelsToTarget: number | null;
    reached: boolean;
    curve: [number, number][];
  }[] = [];
  for (const seed of options.seeds) {
    // The initial set: `initialPerClass` random pool rows of each class, the same for every strategy.
    const rng = createRng(seed);
    const order = poolRows.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const initial: number[] = [];
    const taken = new Float64Array(K);
    for (const i of order) {
      if (taken[yPool[i]!]! < options.initialPerClass) {
        taken[yPool[i]!]!++;
        initial.push(i);
      }
    }
    for (const strategy of options.strategies) {
      const pickRng = createRng(seed * 1000 + 1);
      const labelled = new Set(initial);
      const curve: [number, number][] = [];
      let labelsToTarget: number | null = null;
      for (;;) {
        const rows = [...labelled];
        const model = fitLogisticRegression(
          subsetRows(xPool, rows),
          labelsOf({ labels: Array.from(yPool) }, rows),
          K,
          LINEAR,
        );
        const acc = scores(yTest, argmaxRows(predictProbaLogistic(model, xTest), K), K).accuracy;
        curve.push([rows.length, acc]);
        if (acc >= target) {
          labelsToTarget = rows.length;
          break;
        }
        if (rows.length >= options.maxLabels) break;
        const rest = poolRows.map((_, i) => i).filter((i) => !labelled.has(i));
        const take = Math.min(options.batch, options.maxLabels - rows.length, rest.length);
        if (take <= 0) break;
        if (strategy === 'random') {
          for (let t = 0; t < take; t++) {
            const j = t + Math.floor(pickRng.next() * (rest.length - t));
            [rest[t], rest[j]] = [rest[j]!, rest[t]!];
            labelled.add(rest[t]!);
          }
        } else {
          const probs = predictProbaLogistic(model, subsetRows(xPool, rest));
          const margin = rest.map((_, r) => {
            let a = -1;
            let b = -1;
            for (let k = 0; k < K; k++) {
              const p = probs[r * K + k]!;
              if (p > a) {
                b = a;
                a = p;
              } else if (p > b) b = p;
            }
            return a - b;
          });
          const byMargin = rest.map((_, r) => r).sort((p, q) => margin[p]! - margin[q]! || p - q);
          for (let t = 0; t < take; t++) labelled.add(rest[byMargin[t]!]!);
        }
      }
      log(`efficiency seed ${seed} ${strategy}: ${labelsToTarget ?? `>${options.maxLabels}`}`);
      runs.push({
        seed,
        strategy,
        labelsToTarget,
        reached: labelsToTarget !== null,
        curve: curve.map(([l, a]) => [l, Math.round(a * 1e4) / 1e4]),
      });
    }
  }
  return {
    poolRows: poolRows.length,
    testRows: testRows.length,
    fullDataAccuracy: full.accuracy,
    target,
    runs,
  };
}

// ---------------------------------------------------------------------------------------------

export const learnersBench = {
  /** Part 1, tabular: our linear and boosted trees on the reference's featurisation, and Auto. */
  async learnersTabularAccuracy(data: TabularData) {
    const K = data.classNames.length;
    const trainRows = indicesOf(data.split, false);
    const testRows = indicesOf(data.split, true);
    const f = tabularFeaturiser(data, trainRows);
    const yTrain = labelsOf(data, trainRows);
    const yTest = labelsOf(data, testRows);
    const linear = fitLinearScores(f.linearCsr(trainRows), yTrain, f.linearCsr(testRows), yTest, K);
    log(`tabular linear: acc ${linear.accuracy.toFixed(4)} in ${Math.round(linear.fitMs)} ms`);
    const t0 = performance.now();
    const hgb = fitHistGradientBoosting(f.trees(trainRows), yTrain, K, {
      categoricalFeatures: f.categoricalMask,
      seed: 0,
    });
    const treesMs = performance.now() - t0;
    const trees = {
      ...scores(yTest, argmaxRows(predictProbaHgb(hgb, f.trees(testRows)), K), K),
      fitMs: treesMs,
      iterations: hgb.iterations,
    };
    log(`tabular trees: acc ${trees.accuracy.toFixed(4)} in ${Math.round(treesMs)} ms`);
    const auto = await tabularWorkerRun(data, allRows(data.labels.length), data.split, {
      family: 'auto',
    });
    return { trainRows: trainRows.length, testRows: testRows.length, linear, trees, auto };
  },

  /** Part 1, text: TF-IDF + our linear, and Auto through the worker. */
  async learnersTextAccuracy(data: TextData) {
    const K = data.classNames.length;
    const trainRows = indicesOf(data.split, false);
    const testRows = indicesOf(data.split, true);
    const t0 = performance.now();
    const { vocabulary, matrix } = fitTransformTfidf(
      trainRows.map((r) => data.docs[r]!),
      TFIDF,
    );
    const tfidfMs = performance.now() - t0;
    const xTest: CsrMatrix = transformTfidf(
      vocabulary,
      testRows.map((r) => data.docs[r]!),
    );
    const linear = {
      ...fitLinearScores(matrix, labelsOf(data, trainRows), xTest, labelsOf(data, testRows), K),
      tfidfMs,
      vocabulary: vocabulary.terms.length,
    };
    log(
      `text linear: acc ${linear.accuracy.toFixed(4)} (tf-idf ${Math.round(tfidfMs)} ms, fit ${Math.round(linear.fitMs)} ms)`,
    );
    const auto = await textWorkerRun(data, allRows(data.labels.length), data.split, {
      family: 'auto',
    });
    return { trainRows: trainRows.length, testRows: testRows.length, linear, auto };
  },

  /** Part 2, tabular: fit time of our learners at `sizes` rows resampled with replacement. */
  learnersTabularFitTime(data: TabularData, sizes: number[], seed: number) {
    const K = data.classNames.length;
    const out = [];
    for (const size of sizes) {
      const rows = resample(data.labels.length, size, createRng(seed + size));
      const t0 = performance.now();
      const f = tabularFeaturiser(data, rows);
      const xl = f.linearCsr(rows);
      const featuriseMs = performance.now() - t0;
      const y = labelsOf(data, rows);
      const t1 = performance.now();
      const lr = fitLogisticRegression(xl, y, K, LINEAR);
      const linearMs = performance.now() - t1;
      // The same fit on the dense one-hot matrix (what a dense featurisation hands the learner),
      // up to 10k rows: it costs rows × columns per pass instead of rows × non-zeros.
      let linearDenseMs: number | null = null;
      if (size <= 10000) {
        const xd = f.linear(rows);
        const t = performance.now();
        fitLogisticRegression(xd, y, K, LINEAR);
        linearDenseMs = performance.now() - t;
      }
      const xt = f.trees(rows);
      const t2 = performance.now();
      const hgb = fitHistGradientBoosting(xt, y, K, {
        categoricalFeatures: f.categoricalMask,
        seed: 0,
      });
      const treesMs = performance.now() - t2;
      log(
        `tabular fit ${size}: linear ${Math.round(linearMs)} ms, trees ${Math.round(treesMs)} ms`,
      );
      out.push({
        rows: size,
        featuriseMs,
        linearMs,
        linearDenseMs,
        linearIterations: lr.iterations,
        linearColumns: xl.cols,
        treesMs,
        treesIterations: hgb.iterations,
      });
    }
    return out;
  },

  /** Part 2, text: TF-IDF fit + our linear fit at `sizes` documents resampled with replacement. */
  learnersTextFitTime(data: TextData, sizes: number[], seed: number) {
    const K = data.classNames.length;
    const out = [];
    for (const size of sizes) {
      const rows = resample(data.labels.length, size, createRng(seed + size));
      const t0 = performance.now();
      const { matrix, vocabulary } = fitTransformTfidf(
        rows.map((r) => data.docs[r]!),
        TFIDF,
      );
      const tfidfMs = performance.now() - t0;
      const t1 = performance.now();
      const lr = fitLogisticRegression(matrix, labelsOf(data, rows), K, LINEAR);
      const linearMs = performance.now() - t1;
      log(`text fit ${size}: tf-idf ${Math.round(tfidfMs)} ms, linear ${Math.round(linearMs)} ms`);
      out.push({
        documents: size,
        vocabulary: vocabulary.terms.length,
        tfidfMs,
        linearMs,
        linearIterations: lr.iterations,
      });
    }
    return out;
  },

  /** Part 2, the old default: the network family through the worker, `epochs` capped. */
  async learnersNetworkFitTime(
    kind: 'tabular' | 'text',
    data: TabularData | TextData,
    size: number,
    epochs: number,
    seed: number,
  ) {
    const rows = resample(data.labels.length, size, createRng(seed + size));
    const run =
      kind === 'tabular'
        ? await tabularWorkerRun(data as TabularData, rows, null, { family: 'network', epochs })
        : await textWorkerRun(data as TextData, rows, null, { family: 'network', epochs });
    return { size, ...run };
  },

  /** Part 3 on text: TF-IDF fitted on the whole pool (unlabelled text is there to learn from). */
  learnersTextEfficiency(data: TextData, options: EfficiencyOptions) {
    const { matrix } = fitTransformTfidf(data.docs, TFIDF);
    return efficiency(matrix, data.labels, data.classNames.length, data.split, options);
  },

  /** Part 3 on Digits: pixels / 255. */
  learnersDigitsEfficiency(
    pixels: number[][],
    labels: number[],
    split: Split[],
    options: EfficiencyOptions,
  ) {
    const cols = pixels[0]!.length;
    const values = new Float64Array(pixels.length * cols);
    pixels.forEach((p, i) => p.forEach((v, j) => (values[i * cols + j] = v / 255)));
    const X: DenseMatrix = { kind: 'dense', rows: pixels.length, cols, values };
    return efficiency(X, labels, 10, split, options);
  },
};
