// Training and scoring for the command line, on the same pure modules the ML worker uses:
// stratified splits by item-id hash (src/data/splits.ts), the featurisation fitted on the training
// split only (src/training/featurize.ts), the exact learners (src/learners), the metrics
// (src/training/metrics.ts). No TF.js: linear and boosted-trees models are plain JSON and score in
// typed arrays. Network training stays in the browser (WebGPU / WebGL in the ML worker) for now.
import { assignSplits } from '../data/splits';
import { DEFAULT_SPLIT, type Split } from '../data/types';
import { applyFeaturisation, FeaturisationFitter } from '../training/featurize';
import type { FeaturisationSpec } from '../training/featurize-types';
import { classificationMetrics, type ClassificationMetrics } from '../training/metrics';
import { treeInputLayout, treeMatrix } from '../training/tree-inputs';
import {
  fitLogisticRegression,
  predictProbaLogistic,
  type LogisticRegressionModel,
} from '../learners/logistic-regression';
import { fitHistGradientBoosting, predictProbaHgb } from '../learners/hist-gbdt';
import type { DenseMatrix } from '../learners/types';
import type { Table } from './table';
import type { CliFamily, CliLearner, CliTrial, SplitSizes } from './model-file';
import {
  autoCandidates,
  LINEAR_FIT_PARAMS,
  TREES_PARAMS,
  type Candidate,
} from '../training/learner-defaults';

// The worker's settings and Auto's rule come from src/training/learner-defaults.ts: one source.
export type { Candidate };

/**
 * The candidates of a family. Auto is the worker's rule for tabular data (`autoCandidates`), minus
 * its wall-clock budget: a command line run is judged by reproducibility, so every candidate is
 * always tried.
 */
export function candidatesFor(family: CliFamily): Candidate[] {
  switch (family) {
    case 'linear':
      return [{ family: 'linear', C: 1 }];
    case 'boosted-trees':
      return [{ family: 'boosted-trees' }];
    case 'auto':
      return autoCandidates('tabular');
  }
}

/** Featurised rows of a table, with their class indices under the spec (−1 = none). */
export interface SplitRows {
  rows: number;
  x: Float32Array;
  labels: Int32Array;
  itemIds: string[];
}

/** Feature vectors of the table rows that `keep` admits, in file order. */
export function featurise(
  spec: FeaturisationSpec,
  table: Table,
  keep: (itemId: string, row: number) => boolean = () => true,
): SplitRows {
  const classIndex = new Map(spec.labels.classIds.map((id, k) => [id, k]));
  const perChunk: number[][] = table.chunks.map((chunk) => {
    const rows: number[] = [];
    for (let r = 0; r < chunk.rowCount; r++) {
      if (keep(chunk.itemIds[r]!, chunk.rowStart + r)) rows.push(r);
    }
    return rows;
  });
  const n = perChunk.reduce((s, rows) => s + rows.length, 0);
  const x = new Float32Array(n * spec.featureDim);
  const labels = new Int32Array(n).fill(-1);
  const itemIds: string[] = [];
  let offset = 0;
  table.chunks.forEach((chunk, c) => {
    const rows = perChunk[c]!;
    if (rows.length === 0) return;
    applyFeaturisation(spec, chunk, rows, { out: x, rowOffset: offset });
    rows.forEach((r, i) => {
      itemIds.push(chunk.itemIds[r]!);
      const label = table.labels?.[chunk.rowStart + r];
      labels[offset + i] = label == null ? -1 : (classIndex.get(label) ?? -1);
    });
    offset += rows.length;
  });
  return { rows: n, x, labels, itemIds };
}

/** Class probabilities (rows × classes, row-major) of featurised rows. */
export function predictProba(
  learner: CliLearner,
  spec: FeaturisationSpec,
  data: SplitRows,
): Float32Array {
  if (learner.family === 'linear') {
    const X: DenseMatrix = {
      kind: 'dense',
      rows: data.rows,
      cols: spec.featureDim,
      values: data.x,
    };
    return Float32Array.from(predictProbaLogistic(learner.model, X));
  }
  const X = treeMatrix(treeInputLayout(spec), data.x, data.rows);
  return Float32Array.from(predictProbaHgb(learner.model, X));
}

export function metricsOf(
  learner: CliLearner,
  spec: FeaturisationSpec,
  data: SplitRows,
): ClassificationMetrics {
  return classificationMetrics(
    data.labels,
    predictProba(learner, spec, data),
    spec.labels.classIds,
  );
}

export interface TrainedModel {
  spec: FeaturisationSpec;
  learner: CliLearner;
  trials: CliTrial[];
  splits: SplitSizes;
  data: Record<Split | 'holdout', SplitRows>;
}

export type TrainProblem =
  | { kind: 'too-few-classes'; classes: string[] }
  | { kind: 'too-few-items'; train: number; validation: number }
  | { kind: 'no-features' };

export type TrainOutcome =
  { ok: true; trained: TrainedModel } | { ok: false; problem: TrainProblem };

/** Is trial `a` better than `b`: lower validation log-loss, then higher macro-F1 (as the worker). */
function better(a: CliTrial, b: CliTrial | undefined): boolean {
  if (!b) return true;
  if (a.valLogLoss !== b.valLogLoss) return a.valLogLoss < b.valLogLoss;
  return a.valMacroF1 > b.valMacroF1;
}

/**
 * Trains on a labelled table: classes in sorted order (sklearn's `classes_`), the project's default
 * 70/15/15 split after the frozen 10 % holdout, the spec on the training rows only, then each
 * candidate; the one with the best validation log-loss is kept. `progress` gets one line per step.
 */
export function trainOnTable(
  table: Table,
  family: CliFamily,
  seed: number,
  progress: (line: string) => void = () => undefined,
): TrainOutcome {
  const labels = table.labels ?? [];
  const classIds = [...new Set(labels.filter((l): l is string => l !== null))].sort();
  if (classIds.length < 2)
    return { ok: false, problem: { kind: 'too-few-classes', classes: classIds } };
  const labelled = table.itemIds
    .map((itemId, row) => ({ itemId, label: labels[row] ?? null }))
    .filter((i) => i.label !== null);
  const splits = assignSplits(labelled, seed, DEFAULT_SPLIT);
  const splitOf = (itemId: string): Split | 'holdout' => splits.get(itemId) ?? 'holdout';
  const isLabelled = (row: number) => labels[row] != null;
  const count = (s: Split | 'holdout') => labelled.filter((i) => splitOf(i.itemId) === s).length;
  const sizes: SplitSizes = {
    train: count('train'),
    validation: count('validation'),
    test: count('test'),
    holdout: count('holdout'),
    unlabelled: table.rowCount - labelled.length,
  };
  if (sizes.train === 0 || sizes.validation === 0) {
    return {
      ok: false,
      problem: { kind: 'too-few-items', train: sizes.train, validation: sizes.validation },
    };
  }
  progress(
    `split: ${sizes.train} train, ${sizes.validation} validation, ${sizes.test} test, ${sizes.holdout} holdout (seed ${seed})`,
  );

  const fitter = new FeaturisationFitter(
    'tabular',
    table.columns,
    (itemId) => splits.get(itemId) === 'train',
    classIds,
  );
  for (const chunk of table.chunks) fitter.addChunk(chunk);
  const spec = fitter.finish();
  if (spec.featureDim === 0) return { ok: false, problem: { kind: 'no-features' } };
  progress(`features: ${spec.inputColumns.length} columns → ${spec.featureDim} inputs`);

  const rowsOf = (s: Split | 'holdout') =>
    featurise(spec, table, (itemId, row) => isLabelled(row) && splitOf(itemId) === s);
  const data = {
    train: rowsOf('train'),
    validation: rowsOf('validation'),
    test: rowsOf('test'),
    holdout: rowsOf('holdout'),
  };
  const K = classIds.length;
  const trials: CliTrial[] = [];
  let best: { learner: CliLearner; trial: CliTrial } | undefined;
  let previous: LogisticRegressionModel | undefined;
  for (const candidate of candidatesFor(family)) {
    let learner: CliLearner;
    if (candidate.family === 'linear') {
      const X: DenseMatrix = {
        kind: 'dense',
        rows: data.train.rows,
        cols: spec.featureDim,
        values: data.train.x,
      };
      // Along the C path the previous solution is the warm start, as in the worker's Auto.
      const model = fitLogisticRegression(
        X,
        data.train.labels,
        K,
        { C: candidate.C, classWeight: null, ...LINEAR_FIT_PARAMS },
        previous ? { warmStart: previous } : {},
      );
      previous = model;
      learner = { family: 'linear', params: { C: candidate.C }, model };
    } else {
      const layout = treeInputLayout(spec);
      const model = fitHistGradientBoosting(
        treeMatrix(layout, data.train.x, data.train.rows),
        data.train.labels,
        K,
        {
          ...TREES_PARAMS,
          earlyStopping: true,
          validationFraction: 0.1,
          categoricalFeatures: layout.categorical,
          seed,
          classWeight: null,
        },
        {
          validation: {
            X: treeMatrix(layout, data.validation.x, data.validation.rows),
            y: data.validation.labels,
          },
        },
      );
      learner = { family: 'boosted-trees', params: { ...TREES_PARAMS }, model };
    }
    const val = metricsOf(learner, spec, data.validation);
    const trial: CliTrial = {
      family: learner.family,
      params: { ...learner.params },
      valLogLoss: val.logLoss,
      valMacroF1: val.macroF1,
      chosen: false,
    };
    trials.push(trial);
    progress(
      `${trial.family}${candidate.family === 'linear' ? ` C=${candidate.C}` : ''}: validation log-loss ${val.logLoss.toFixed(4)}, macro-F1 ${val.macroF1.toFixed(4)}`,
    );
    if (better(trial, best?.trial)) best = { learner, trial };
  }
  best!.trial.chosen = true;
  return { ok: true, trained: { spec, learner: best!.learner, trials, splits: sizes, data } };
}
