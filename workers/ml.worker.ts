// The ML worker: the one place TensorFlow.js and the GPU device live. The page talks to it only
// through src/training/ml-bridge.ts, which owns this worker's life cycle (lazy start, one job at a
// time, cancel, terminate). Every function here is part of the typed Comlink API.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import type {
  BackendChoice,
  BackendPreference,
  BackendReport,
  MatmulBenchOptions,
  MatmulBenchResult,
  MatmulProgress,
  MemoryInfo,
  SelfTestResult,
} from '../src/training/types';
import { initBackend, useBackendFor } from './backend';
import { beginJob, cancelJob, endJob } from './jobs';
import { matmulBenchmark, matmulSelfTest } from './matmul';
import type {
  DatasetRef,
  EmbedResult,
  FeatureImportanceResult,
  ImportanceProgress,
  ImportanceRequest,
  McDropoutResult,
  ModelInfo,
  ModelRef,
  PredictPartial,
  PredictRequest,
  PredictResult,
  TrainingPlan,
  TrainProgress,
  TrainRequest,
  TrainResult,
} from '../src/training/train-types';
import { closeConnections, dataDigestOf, labelDigestOf, loadDataset, planOf } from './ml-data';
import { permutationImportance } from './ml-importance';
import { embed, evictModels, mcDropout, modelInfo, predict } from './ml-infer';
import { trainModel } from './ml-train';

let report: BackendReport | undefined;

function requireBackend(): BackendReport {
  if (!report) throw new Error('The ML worker has no backend yet: call init() first');
  return report;
}

/**
 * Progress callbacks arrive as Comlink proxies: calling one posts a message and returns a promise
 * we deliberately do not await (the job should not wait on the page). Swallow its rejection, which
 * only means the page stopped listening, and release the proxy's port when the job ends.
 */
function progressSink<T>(callback: ((value: T) => void) | undefined) {
  return {
    emit(value: T) {
      if (!callback) return;
      void Promise.resolve(callback(value) as unknown).catch(() => undefined);
    },
    release() {
      const release = (callback as Partial<Comlink.Remote<unknown>> | undefined)?.[
        Comlink.releaseProxy
      ];
      if (typeof release === 'function') release();
    },
  };
}

/** Longest synchronous block `busyLoop` accepts; a guard against a typo freezing a worker for hours. */
const MAX_BUSY_LOOP_MS = 60_000;

const api = {
  /**
   * `auto`: starts every backend, measures each job kind on each (or reuses `cached` figures of
   * this same device) and runs each kind on the fastest; a forced backend: the first that works
   * from `prefer` onwards (webgpu → webgl → wasm → cpu).
   */
  async init({
    prefer,
    cached,
    thorough,
  }: {
    prefer: BackendPreference;
    cached?: BackendChoice;
    /** Measure every backend without the start-up budgets (Settings → Measure again). */
    thorough?: boolean;
  }): Promise<BackendReport> {
    report = await initBackend(prefer, cached, thorough);
    return report;
  },

  /** A seeded 64×48 · 48×32 matmul checked against a float64 JS reference. */
  async selfTest(): Promise<SelfTestResult> {
    return matmulSelfTest(requireBackend().backend);
  },

  /** GFLOP/s for square matmuls; cancellable between iterations through `cancel(jobId)`. */
  async benchMatmul(
    options: MatmulBenchOptions,
    onProgress?: (progress: MatmulProgress) => void,
    jobId?: number,
  ): Promise<MatmulBenchResult> {
    const { backend } = requireBackend();
    const job = beginJob(jobId);
    const progress = progressSink(onProgress);
    try {
      const results = await matmulBenchmark(options, job, (p) => progress.emit(p));
      return { backend, results };
    } finally {
      endJob(job);
      progress.release();
    }
  },

  /** What a training run would read: classes, counts per split and class, or why it cannot start. */
  async trainingPlan(ref: DatasetRef): Promise<TrainingPlan> {
    const ds = await loadDataset(ref);
    // The digests a run on this data would record: the page's duplicate-run check needs them
    // before training (cheap: one SHA-256 over the sources' digests, one over the labels).
    return {
      ...planOf(ds),
      dataDigest: await dataDigestOf(ds),
      labelDigest: await labelDigestOf(ds),
    };
  },

  /**
   * Trains a model on the project's labelled items (see workers/ml-train.ts) and records the run;
   * the trained model stays cached for `predict`. Cancellable through `cancel(jobId)`.
   */
  async trainModel(
    request: TrainRequest,
    onProgress?: (progress: TrainProgress) => void,
    jobId?: number,
  ): Promise<TrainResult> {
    const started = requireBackend();
    const job = beginJob(jobId);
    const progress = progressSink(onProgress);
    try {
      const convolutional = request.config.modality === 'image';
      const backend = await useBackendFor(started, 'train', { convolutional });
      return await trainModel(request, job, (p) => progress.emit(p), { ...started, backend });
    } finally {
      endJob(job);
      progress.release();
    }
  },

  /** Class probabilities of a run's model, streamed in slices through `onPartial`. */
  async predict(
    request: PredictRequest,
    onPartial?: (partial: PredictPartial) => void,
    jobId?: number,
  ): Promise<PredictResult> {
    const started = requireBackend();
    const job = beginJob(jobId);
    const partials = progressSink(onPartial);
    try {
      const { input } = request;
      const whole = input.kind === 'items' && input.itemIds === undefined;
      await useBackendFor(started, whole ? 'poolScoring' : 'infer');
      const result = await predict(request, job, (p) => partials.emit(p));
      return Comlink.transfer(result, [result.probabilities.buffer]);
    } finally {
      endJob(job);
      partials.release();
    }
  },

  /** Penultimate-layer activations (the input features for a linear model). */
  async embed(request: PredictRequest, jobId?: number): Promise<EmbedResult> {
    const started = requireBackend();
    const job = beginJob(jobId);
    try {
      await useBackendFor(started, 'poolScoring');
      const result = await embed(request, job);
      return Comlink.transfer(result, [result.embeddings.buffer]);
    } finally {
      endJob(job);
    }
  },

  /** `passes` stochastic forward passes with dropout on (MC dropout), seeded by `seed`. */
  async mcDropout(
    request: PredictRequest,
    passes: number,
    seed?: number,
    jobId?: number,
  ): Promise<McDropoutResult> {
    const started = requireBackend();
    const job = beginJob(jobId);
    try {
      await useBackendFor(started, 'poolScoring');
      const result = await mcDropout(request, passes, job, seed);
      return Comlink.transfer(result, [result.probabilities.buffer]);
    } finally {
      endJob(job);
    }
  },

  /**
   * Permutation feature importance of a run's tabular model on the frozen holdout (or the test
   * split); see workers/ml-importance.ts. Cancellable between scoring passes through `cancel(jobId)`.
   */
  async permutationImportance(
    request: ImportanceRequest,
    onProgress?: (progress: ImportanceProgress) => void,
    jobId?: number,
  ): Promise<FeatureImportanceResult> {
    const started = requireBackend();
    const job = beginJob(jobId);
    const progress = progressSink(onProgress);
    try {
      await useBackendFor(started, 'infer');
      return await permutationImportance(request, job, (p) => progress.emit(p));
    } finally {
      endJob(job);
      progress.release();
    }
  },

  /** Loads a run's model (from the cache or IndexedDB) and says what it expects and predicts. */
  async modelInfo(ref: ModelRef): Promise<ModelInfo> {
    requireBackend();
    return modelInfo(ref);
  },

  /** Disposes cached models (one run's, or all); they reload from IndexedDB when next used. */
  evictModels(runId?: string): number {
    return evictModels(runId);
  },

  /** Closes the worker's database connections (before a test deletes its database). */
  closeDatabases(): void {
    closeConnections();
  },

  /** Asks job `jobId` to stop at its next step. Returns whether it was running. */
  cancel(jobId: number): boolean {
    return cancelJob(jobId);
  },

  memory(): MemoryInfo {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes };
  },

  backendInfo(): BackendReport | undefined {
    return report;
  },

  /**
   * Blocks this thread for `ms` without ever yielding, as a long synchronous kernel (a big CPU
   * matmul, a `dataSync()`) would. It ignores `cancel` by construction, which is what the bridge's
   * terminate-after-grace path exists for; tests and diagnostics use it to exercise that path.
   */
  busyLoop(ms: number): number {
    const until = performance.now() + Math.min(Math.max(ms, 0), MAX_BUSY_LOOP_MS);
    let spins = 0;
    while (performance.now() < until) spins++;
    return spins;
  },
};

export type MlApi = typeof api;

Comlink.expose(api);
