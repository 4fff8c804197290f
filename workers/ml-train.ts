// Training in the ML worker: read the project's labelled items from IndexedDB, fit the
// featurisation on the training split, build the model of the modality, and fit it one epoch at a
// time with our own seeded shuffling (TF.js' `shuffle` uses Math.random), seeded dropout masks,
// cooperative cancel between batches, per-epoch validation with early stopping (best weights
// restored) and class weighting on the device. The run record is created at the start, gains a
// curve point per epoch, and ends exactly once: completed together with its weights, or
// cancelled / failed with the reason and no weights.
//
// GPU reads: none per batch. Each epoch reads the epoch's mean loss/accuracy (fitDataset's logs)
// and the validation probabilities once; progress within an epoch is reported by batch count.
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, epochOrder } from '../src/lib/rng';
import {
  configHash,
  describeTrainConfigError,
  validateTrainConfig,
  type ModelFamily,
  type TrainConfig,
} from '../src/training/config';
import type { FeaturisationSpec } from '../src/training/featurize-types';
import type { LogisticRegressionModel } from '../src/learners/logistic-regression';
import { FitCancelledError, type FeatureMatrix } from '../src/learners/types';
import { fitLinear, linearOf, setLinearWeights, softmaxModel, splitMatrix } from './ml-linear';
import { classificationMetrics, type ClassificationMetrics } from '../src/training/metrics';
import type {
  EpochPoint,
  SplitName,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from '../src/training/train-types';
import type { BackendReport } from '../src/training/types';
import type { LearnerRecord, LearnerTrial, RunRecord } from '../src/persistence/schema';
import { JobCancelledError, yieldToEventLoop, type JobToken } from './jobs';
import {
  augmentBatch,
  dataDigestOf,
  fitSpec,
  labelDigestOf,
  loadDataset,
  reposFor,
  splitData,
  type LoadedDataset,
  type SplitData,
} from './ml-data';
import { captureArtifacts, type StoredArtifacts } from './ml-io';
import { fitTrees } from './ml-trees';
import { autoCandidates, TREES_PARAMS, type Candidate } from '../src/training/learner-defaults';
import { treeInputLayout, type TreesTopology } from '../src/training/tree-inputs';
import {
  buildModel,
  makeOptimizer,
  SEED_STREAM,
  setDropoutSeeds,
  weightedCrossEntropy,
} from './ml-models';
import { cacheModel, inputShapeOf, modelFor, scoreRows, scoreTrees } from './ml-infer';
import {
  copyWeightsChecked,
  datasetOfItems,
  estimateImportance,
  restrictTraining,
  trainableVariables,
  withImportancePenalty,
} from './ml-continual';

/** Longest stretch of batches without letting a cancel message in. */
const YIELD_EVERY_MS = 50;
/**
 * An epoch is at least this many batches: a small training set (the first rounds of active
 * learning, a few dozen labels) is repeated within the epoch — fresh shuffles back to back, as
 * Keras' `steps_per_epoch` over a repeated dataset — so that `epochs` and early stopping's
 * `patience` mean enough optimiser steps to fit it. Sets of `MIN_BATCHES_PER_EPOCH × batchSize`
 * rows or more are unaffected.
 */
export const MIN_BATCHES_PER_EPOCH = 16;

/** `balanced` class weights n / (K · n_k), as sklearn; classes absent from training get 1. */
export function balancedClassWeights(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labels) if (y >= 0) counts[y]!++;
  const n = labels.length;
  return counts.map((c) => (c > 0 ? n / (numClasses * c) : 1));
}

function adapterOf(report: BackendReport): string | undefined {
  // Under `auto` every backend started, so say only what belongs to the one this run used.
  if (report.backend === 'webgpu' && report.adapter) {
    return [report.adapter.vendor, report.adapter.architecture].filter(Boolean).join(' · ');
  }
  if (report.backend === 'webgl' && report.webgl) return `WebGL ${report.webgl.version}`;
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Is `candidate` better than `best` on the early-stopping metric by at least `minDelta`? */
function improves(
  metric: 'val_loss' | 'val_macro_f1',
  candidate: number,
  best: number,
  minDelta: number,
): boolean {
  return metric === 'val_loss' ? candidate < best - minDelta : candidate > best + minDelta;
}

export type ProgressEmit = (progress: TrainProgress) => void;

/** Trains one run; see the file header. Rejects with an AbortError when cancelled. */
export async function trainModel(
  request: TrainRequest,
  job: JobToken,
  emit: ProgressEmit,
  backend: BackendReport,
): Promise<TrainResult> {
  const { runs } = reposFor(request.dbName);
  const startedAt = Date.now();
  const t0 = performance.now();
  const config = request.config;
  const adapter = adapterOf(backend);
  const baseRun: Omit<RunRecord, 'status' | 'finishedAt' | 'curves' | 'metrics'> = {
    id: request.runId,
    projectId: request.projectId,
    config: config as unknown as Record<string, unknown>,
    seed: config.seed,
    backend: backend.backend,
    dataDigest: '',
    labelDigest: '',
    appVersion: request.appVersion,
    startedAt,
    ...(adapter ? { adapter } : {}),
    ...(backend.choice
      ? {
          backendChoice: {
            chosen: backend.choice.chosen,
            timings: backend.choice.timings,
            measuredAt: backend.choice.measuredAt,
          },
        }
      : {}),
    ...(request.purpose ? { purpose: request.purpose } : {}),
    ...(request.continual
      ? {
          continual: {
            baseRunId: request.continual.baseRunId,
            ...(request.continual.penalty
              ? {
                  penalty: request.continual.penalty.kind,
                  lambda: request.continual.penalty.lambda,
                  importanceSamples: request.continual.penalty.itemIds.length,
                }
              : {}),
          },
        }
      : {}),
  };
  let created = false;
  const owned: tf.Tensor[] = [];
  let model: tf.Sequential | undefined;
  // A boosted-trees run's model (plain JSON) instead of `model`.
  let trees: TreesTopology | undefined;
  let optimizer: tf.Optimizer | undefined;
  let kept = false;
  try {
    const valid = validateTrainConfig(config);
    if (!valid.ok) throw new Error(describeTrainConfigError(valid.error));
    baseRun.configHash = await configHash(config);

    const ds = await loadDataset({ ...request, splitBy: config.splitBy });
    job.throwIfCancelled();
    if (request.trainItemIds) restrictTraining(ds, request.trainItemIds);
    baseRun.sourceIds = ds.sources.map((s) => s.id);
    baseRun.splitCounts = {
      train: ds.counts.train,
      validation: ds.counts.validation,
      test: ds.counts.test,
      holdout: ds.counts.holdout,
    };
    if (ds.problem) throw new Error(ds.problem);
    if (ds.project.modality !== config.modality) {
      throw new Error(
        `The config is for ${config.modality} data but the project is ${ds.project.modality}`,
      );
    }
    baseRun.dataDigest = await dataDigestOf(ds);
    baseRun.labelDigest = await labelDigestOf(ds);
    await runs.create(baseRun);
    created = true;

    // A fine-tune keeps the base model's featurisation: its weights only mean something on it.
    const base = request.continual
      ? await modelFor({ dbName: request.dbName, runId: request.continual.baseRunId })
      : undefined;
    const family = config.family ?? 'network';
    if (base?.kind === 'trees' && family === 'network') {
      throw new Error(
        'The base model is boosted trees: a network fine-tune needs a network base model. Train from scratch instead.',
      );
    }
    if (base) {
      const missing = ds.classIds.filter((id) => !base.spec.labels.classIds.includes(id));
      if (missing.length > 0 || base.spec.modality !== config.modality) {
        throw new Error(
          `The base model does not predict ${missing.join(', ') || config.modality}: a fine-tune keeps its classes; train from scratch instead`,
        );
      }
    }
    const spec = base ? base.spec : fitSpec(ds, config);
    const train = await splitData(ds, spec, 'train');
    const validation = await splitData(ds, spec, 'validation');
    const test = await splitData(ds, spec, 'test');
    job.throwIfCancelled();

    const numClasses = spec.labels.classIds.length;
    const inputShape = inputShapeOf(spec);
    const batchSize = Math.min(config.batchSize, train.rows);
    const batchesPerEpoch = Math.max(Math.ceil(train.rows / batchSize), MIN_BATCHES_PER_EPOCH);
    const samplesPerEpoch = Math.max(train.rows, batchesPerEpoch * batchSize);
    const progressEvery =
      request.progressEveryBatches ?? Math.max(1, Math.ceil(batchesPerEpoch / 10));
    emit({
      kind: 'prepared',
      runId: request.runId,
      backend: backend.backend,
      classIds: spec.labels.classIds,
      counts: ds.counts,
      featureDim: spec.featureDim,
      epochs: config.epochs,
      batchesPerEpoch,
    });

    const curves: EpochPoint[] = [];
    let bestEpoch = 0;
    let stoppedEarly = false;
    let trainMs = 0;
    let samplesTrained = 0;
    if (family !== 'network') {
      const exact = await trainExact({
        family,
        config,
        spec,
        ds,
        train,
        validation,
        inputShape,
        job,
        emit,
        base,
        penalty: request.continual?.penalty,
        t0,
      });
      if (exact.trained.kind === 'trees') trees = exact.trained.trees;
      else model = exact.trained.model;
      curves.push(exact.point);
      trainMs = exact.trainMs;
      samplesTrained = train.rows;
      baseRun.learner = exact.learner;
      await runs.appendEpoch(request.runId, { ...exact.point });
      emit({ kind: 'epoch', point: exact.point, epochs: 1, best: true });
    } else {
      model = buildModel(config, { inputShape, numClasses });
      if (base?.kind === 'layers') copyWeightsChecked(base.model, model);
      optimizer = makeOptimizer(config);
      let loss: string | ReturnType<typeof weightedCrossEntropy> = 'categoricalCrossentropy';
      if (config.classWeighting === 'balanced') {
        const weights = tf.tensor1d(balancedClassWeights(train.labels, numClasses));
        owned.push(weights);
        loss = weightedCrossEntropy(weights);
      }
      const penalty = request.continual?.penalty;
      if (base && penalty && penalty.lambda > 0) {
        // Importance on the old concept's items, from the base weights (the model holds them now).
        const old = await splitData(datasetOfItems(ds, penalty.itemIds), spec, 'train');
        const x = new Float32Array(old.rows * old.dim);
        old.fill(
          Int32Array.from({ length: old.rows }, (_, i) => i),
          0,
          old.rows,
          x,
        );
        const importance = await estimateImportance(
          model,
          penalty.kind,
          x,
          old.rows,
          inputShape,
          old.labels,
          () => job.cancelled,
        );
        owned.push(...importance);
        job.throwIfCancelled();
        const anchor = trainableVariables(model).map((v) => tf.clone(v));
        owned.push(...anchor);
        const baseLoss =
          typeof loss === 'string'
            ? (yTrue: tf.Tensor, yPred: tf.Tensor) =>
                tf.metrics.categoricalCrossentropy(yTrue, yPred)
            : loss;
        loss = withImportancePenalty(baseLoss, model, { anchor, importance }, penalty.lambda);
      }
      model.compile({ optimizer, loss, metrics: ['accuracy'] });

      const shuffleRng = createRng(deriveSeed(config.seed, SEED_STREAM.shuffle));
      const augmentRng = createRng(deriveSeed(config.seed, SEED_STREAM.augment));
      const dropoutSeed = deriveSeed(config.seed, SEED_STREAM.dropout);
      const stopping = config.earlyStopping;
      let best = Number.NaN;
      let bestWeights: tf.Tensor[] | undefined;
      let waited = 0;
      let lastYield = performance.now();

      for (let epoch = 0; epoch < config.epochs; epoch++) {
        const order = epochOrder(train.rows, samplesPerEpoch, shuffleRng);
        const trainedModel = model;
        const batches = async function* () {
          for (let b = 0; b < batchesPerEpoch; b++) {
            if (performance.now() - lastYield > YIELD_EVERY_MS) {
              await yieldToEventLoop();
              lastYield = performance.now();
            }
            // Ending the generator ends the epoch cleanly; the caller then sees the cancel flag.
            if (job.cancelled) return;
            const start = b * batchSize;
            const count = Math.min(batchSize, samplesPerEpoch - start);
            // Fresh arrays per batch: backends may keep a reference to a tensor's source array.
            const x = new Float32Array(count * train.dim);
            train.fill(order, start, count, x);
            augmentBatch(spec, x, count, augmentRng);
            const y = new Float32Array(count * numClasses);
            for (let i = 0; i < count; i++)
              y[i * numClasses + train.labels[order[start + i]!]!] = 1;
            setDropoutSeeds(trainedModel, deriveSeed(dropoutSeed, epoch * batchesPerEpoch + b));
            if (b > 0 && b % progressEvery === 0) {
              emit({ kind: 'batch', epoch, batch: b, batchesPerEpoch });
            }
            yield {
              xs: tf.tensor(x, [count, ...inputShape]),
              ys: tf.tensor2d(y, [count, numClasses]),
            };
          }
        };
        const epochStart = performance.now();
        const history = await model.fitDataset(tf.data.generator(batches), {
          epochs: 1,
          verbose: 0,
          yieldEvery: 'never',
        });
        trainMs += performance.now() - epochStart;
        job.throwIfCancelled();

        setDropoutSeeds(model, undefined);
        const valProbs = await predictSplit(model, validation, inputShape);
        const val = classificationMetrics(validation.labels, valProbs, spec.labels.classIds);
        const point: EpochPoint = {
          epoch,
          loss: Number(history.history.loss?.[0] ?? Number.NaN),
          accuracy: Number(history.history.acc?.[0] ?? history.history.accuracy?.[0] ?? Number.NaN),
          valLoss: val.logLoss,
          valAccuracy: val.accuracy,
          valMacroF1: val.macroF1,
          seconds: (performance.now() - t0) / 1000,
        };
        curves.push(point);

        let isBest = true;
        if (stopping) {
          const value = stopping.metric === 'val_loss' ? val.logLoss : val.macroF1;
          isBest = Number.isNaN(best) || improves(stopping.metric, value, best, stopping.minDelta);
          if (isBest) {
            best = value;
            bestEpoch = epoch;
            waited = 0;
            const snapshot = tf.tidy(() => model!.getWeights().map((w) => tf.clone(w)));
            if (bestWeights) tf.dispose(bestWeights);
            bestWeights = snapshot;
          } else {
            waited++;
          }
        } else {
          bestEpoch = epoch;
        }
        await runs.appendEpoch(request.runId, { ...point });
        emit({ kind: 'epoch', point, epochs: config.epochs, best: isBest });
        job.throwIfCancelled();
        if (stopping && waited >= stopping.patience) {
          stoppedEarly = true;
          break;
        }
      }
      if (bestWeights) {
        model.setWeights(bestWeights);
        tf.dispose(bestWeights);
        bestWeights = undefined;
      }
      samplesTrained = samplesPerEpoch * curves.length;
    }
    emit({ kind: 'evaluating' });
    const trained: Trained = trees ? { kind: 'trees', trees } : { kind: 'layers', model: model! };
    const evaluation: Record<SplitName, ClassificationMetrics> = {
      validation: classificationMetrics(
        validation.labels,
        await predictTrained(trained, validation, spec, inputShape),
        spec.labels.classIds,
      ),
      test: classificationMetrics(
        test.labels,
        await predictTrained(trained, test, spec, inputShape),
        spec.labels.classIds,
      ),
    };
    job.throwIfCancelled();

    const trainSamplesPerSecond = samplesTrained / (trainMs / 1000);
    const metrics = flatMetrics(evaluation);
    metrics.epochs = curves.length;
    metrics.bestEpoch = bestEpoch;

    const artifacts = trees ? treesArtifacts(trees) : await captureArtifacts(model!);
    await runs.complete(
      request.runId,
      {
        metrics,
        evaluation: evaluation,
        featurisation: spec as unknown as Record<string, unknown>,
        bestEpoch,
        ...(baseRun.learner ? { learner: baseRun.learner } : {}),
      },
      artifacts,
    );
    optimizer?.dispose();
    optimizer = undefined;
    cacheModel(request.dbName, request.runId, trees ?? model!, spec);
    kept = true;

    return {
      runId: request.runId,
      backend: backend.backend,
      classIds: spec.labels.classIds,
      counts: ds.counts,
      metrics,
      evaluation,
      curves,
      bestEpoch,
      epochsRun: curves.length,
      stoppedEarly,
      durationMs: performance.now() - t0,
      trainSamplesPerSecond,
    };
  } catch (error) {
    const cancelled = job.cancelled || (error instanceof Error && error.name === 'AbortError');
    await runs
      .end(
        request.runId,
        cancelled ? 'cancelled' : 'failed',
        cancelled ? 'cancelled by the user' : errorMessage(error),
        created ? undefined : baseRun,
      )
      .catch(() => undefined);
    if (cancelled && !(error instanceof JobCancelledError)) throw new JobCancelledError(job.id);
    throw error;
  } finally {
    optimizer?.dispose();
    if (model && !kept) model.dispose();
    tf.dispose(owned);
  }
}

/** Flat metrics as stored on the run: `valAccuracy`, `testMacroF1`… (splits with no rows left out). */
function flatMetrics(evaluation: Record<SplitName, ClassificationMetrics>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [split, m] of Object.entries(evaluation)) {
    if (m.count === 0) continue;
    const prefix = split === 'validation' ? 'val' : 'test';
    out[`${prefix}Accuracy`] = m.accuracy;
    out[`${prefix}MacroF1`] = m.macroF1;
    out[`${prefix}LogLoss`] = m.logLoss;
    out[`${prefix}Ece`] = m.ece;
    out[`${prefix}Count`] = m.count;
  }
  return out;
}

/** Class probabilities of a whole split (dropout off), read back once. */
async function predictSplit(
  model: tf.LayersModel,
  data: SplitData,
  inputShape: number[],
): Promise<Float32Array> {
  const order = Int32Array.from({ length: data.rows }, (_, i) => i);
  return scoreRows(model, inputShape, data.rows, (start, count, out) =>
    data.fill(order, start, count, out),
  );
}

/** A trained model of either kind the worker serves. */
type Trained = { kind: 'layers'; model: tf.Sequential } | { kind: 'trees'; trees: TreesTopology };

/** Class probabilities of a whole split from either kind of model. */
function predictTrained(
  trained: Trained,
  data: SplitData,
  spec: FeaturisationSpec,
  inputShape: number[],
): Promise<Float32Array> {
  if (trained.kind === 'layers') return predictSplit(trained.model, data, inputShape);
  const order = Int32Array.from({ length: data.rows }, (_, i) => i);
  return scoreTrees(
    { trees: trained.trees, layout: treeInputLayout(spec), spec },
    data.rows,
    (start, count, out) => data.fill(order, start, count, out),
  );
}

/**
 * The `modelWeights` record of a trees model: the model JSON as its topology, no weight tensors
 * (src/training/tree-inputs.ts). Not indexed by these fields, so no schema version bump.
 */
function treesArtifacts(trees: TreesTopology): StoredArtifacts {
  return { topology: trees, weightSpecs: [], weightData: new ArrayBuffer(0) };
}

/** Least time between two progress messages of an exact fit. */
const PROGRESS_EVERY_MS = 100;

/** Auto stops trying further candidates once this much time has gone into the ones before. */
const AUTO_BUDGET_MS = 20_000;

interface ExactTraining {
  family: Exclude<ModelFamily, 'network'>;
  config: TrainConfig;
  spec: FeaturisationSpec;
  ds: LoadedDataset;
  train: SplitData;
  validation: SplitData;
  inputShape: number[];
  job: JobToken;
  emit: ProgressEmit;
  base: Awaited<ReturnType<typeof modelFor>> | undefined;
  penalty: NonNullable<TrainRequest['continual']>['penalty'];
  t0: number;
}

/** Is trial `a` better than `b`: lower validation log-loss, then higher macro-F1. */
function betterTrial(a: LearnerTrial, b: LearnerTrial | undefined): boolean {
  if (!b) return true;
  const la = a.valLogLoss ?? Infinity;
  const lb = b.valLogLoss ?? Infinity;
  if (la !== lb) return la < lb;
  return (a.valMacroF1 ?? -Infinity) > (b.valMacroF1 ?? -Infinity);
}

/**
 * Fits an exact learner (or Auto's candidates): the linear family as a one-layer TF.js softmax
 * model, boosted trees as their JSON model. Returns the model, the single curve point and the
 * learner record. Auto keeps the candidate with the best validation log-loss (then macro-F1); the
 * test split is never looked at here. A fine-tune of a trees model refits trees from scratch on
 * the base model's featurisation (trees have no warm start), so its classes and inputs stay.
 */
async function trainExact(t: ExactTraining): Promise<{
  trained: Trained;
  point: EpochPoint;
  trainMs: number;
  learner: LearnerRecord;
}> {
  const { config, spec, train, validation, job, emit } = t;
  const numClasses = spec.labels.classIds.length;

  let base: LogisticRegressionModel | undefined;
  let penalty: { lambda: number; oldItems: FeatureMatrix } | undefined;
  let candidates: Candidate[];
  if (t.base?.kind === 'trees') {
    if (t.family === 'linear') {
      throw new Error(
        'The base model is boosted trees: a linear fine-tune needs a linear base model. Train from scratch, or fine-tune with the Boosted trees family.',
      );
    }
    candidates = [{ family: 'boosted-trees' }];
  } else if (t.base) {
    if (t.family === 'boosted-trees') {
      throw new Error(
        'Boosted trees cannot fine-tune a linear or network model: train them from scratch, or fine-tune with the family of the base model.',
      );
    }
    base = (await linearOf(t.base.model)) ?? undefined;
    if (!base) {
      throw new Error(
        'The base model is a network: a linear fine-tune needs a linear base model. Train from scratch, or fine-tune with the Network family.',
      );
    }
    if (t.penalty && t.penalty.lambda > 0) {
      const old = await splitData(datasetOfItems(t.ds, t.penalty.itemIds), spec, 'train');
      penalty = { lambda: t.penalty.lambda, oldItems: splitMatrix(old, spec) };
    }
    candidates = [{ family: 'linear', C: config.C ?? 1 }];
  } else if (t.family === 'linear') {
    candidates = [{ family: 'linear', C: config.C ?? 1 }];
  } else if (t.family === 'boosted-trees') {
    if (spec.modality !== 'tabular') {
      throw new Error(
        `Boosted trees need tabular columns; this project is ${spec.modality}. Choose Auto, Linear or Network.`,
      );
    }
    candidates = [{ family: 'boosted-trees' }];
  } else {
    candidates = autoCandidates(config.modality);
  }
  const x = candidates.some((c) => c.family === 'linear') ? splitMatrix(train, spec) : undefined;
  await yieldToEventLoop();
  job.throwIfCancelled();

  // A solver iteration can take well under a millisecond: report at most every 100 ms, or the
  // page's message queue fills with progress (each one a re-render) ahead of the result itself.
  let lastProgress = -Infinity;
  const onIteration = (iteration: number, maxIterations: number) => {
    const now = performance.now();
    if (now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    emit({ kind: 'batch', epoch: 0, batch: iteration, batchesPerEpoch: maxIterations });
  };
  const trials: LearnerTrial[] = [];
  let best: { trained: Trained; learner: LearnerRecord; trial: LearnerTrial } | undefined;
  const release = (trained: Trained | undefined) => {
    if (trained?.kind === 'layers') trained.model.dispose();
  };
  const started = performance.now();
  let trainMs = 0;
  let previous: LogisticRegressionModel | undefined;
  try {
    for (const [i, candidate] of candidates.entries()) {
      const params: Record<string, number | string> =
        candidate.family === 'linear' ? { C: candidate.C } : {};
      if (i > 0 && performance.now() - started > AUTO_BUDGET_MS) {
        trials.push({
          family: candidate.family,
          params,
          chosen: false,
          note: `skipped: the ${Math.round(AUTO_BUDGET_MS / 1000)} s budget was spent`,
        });
        continue;
      }
      let trained: Trained;
      let learner: LearnerRecord;
      let ms: number;
      if (candidate.family === 'linear') {
        const fit = fitLinear(x!, train.labels, numClasses, config, {
          C: candidate.C,
          shouldStop: () => job.cancelled,
          onIteration,
          // Along the C path, the previous solution is a close start (sklearn's warm_start idea).
          ...(base ? { base } : previous ? { base: previous } : {}),
          ...(penalty ? { penalty } : {}),
        });
        previous = fit.lr;
        const model = softmaxModel(t.inputShape, numClasses);
        setLinearWeights(model, fit.lr);
        trained = { kind: 'layers', model };
        learner = {
          family: 'linear',
          params: { C: fit.C },
          iterations: fit.lr.iterations,
          converged: fit.lr.converged,
        };
        ms = fit.ms;
      } else {
        const fit = fitTrees(train, validation, spec, config, {
          shouldStop: () => job.cancelled,
          onIteration,
        });
        Object.assign(params, fit.params);
        trained = { kind: 'trees', trees: fit.topology };
        const model = fit.topology.model;
        learner = {
          family: 'boosted-trees',
          params: {
            ...fit.params,
            ...(t.base ? { fineTune: 'refit from scratch (trees have no warm start)' } : {}),
          },
          iterations: model.iterations,
          // Stopped before max_iter: the validation loss stopped improving (sklearn's n_iter_).
          converged: model.iterations < TREES_PARAMS.maxIter,
        };
        ms = fit.ms;
      }
      trainMs += ms;
      const trial: LearnerTrial = { family: candidate.family, params, ms, chosen: false };
      if (validation.rows > 0) {
        const val = classificationMetrics(
          validation.labels,
          await predictTrained(trained, validation, spec, t.inputShape),
          spec.labels.classIds,
        );
        trial.valLogLoss = val.logLoss;
        trial.valMacroF1 = val.macroF1;
      } else {
        trial.note = 'no validation items: the first candidate is kept';
      }
      trials.push(trial);
      if ((validation.rows > 0 || !best) && betterTrial(trial, best?.trial)) {
        release(best?.trained);
        best = { trained, learner, trial };
      } else {
        release(trained);
      }
      await yieldToEventLoop();
      job.throwIfCancelled();
    }
  } catch (error) {
    release(best?.trained);
    if (error instanceof FitCancelledError) throw new JobCancelledError(job.id);
    throw error;
  }
  const chosen = best!;
  chosen.trial.chosen = true;
  const trainProbs = await predictTrained(chosen.trained, train, spec, t.inputShape);
  const trainMetrics = classificationMetrics(train.labels, trainProbs, spec.labels.classIds);
  const point: EpochPoint = {
    epoch: 0,
    loss: trainMetrics.logLoss,
    accuracy: trainMetrics.accuracy,
    valLoss: chosen.trial.valLogLoss ?? Number.NaN,
    valAccuracy: Number.NaN,
    valMacroF1: chosen.trial.valMacroF1 ?? Number.NaN,
    seconds: (performance.now() - t.t0) / 1000,
  };
  if (validation.rows > 0) {
    const val = classificationMetrics(
      validation.labels,
      await predictTrained(chosen.trained, validation, spec, t.inputShape),
      spec.labels.classIds,
    );
    point.valAccuracy = val.accuracy;
  }
  return {
    trained: chosen.trained,
    point,
    trainMs,
    learner: { ...chosen.learner, ...(t.family === 'auto' ? { trials } : {}) },
  };
}
