// The page's only door to the ML worker (workers/ml.worker.ts), after GoogleChromeLabs/squoosh's
// worker bridge: the worker starts lazily on the first call and initialises its backend once per
// start; calls run one at a time in call order; every call takes an AbortSignal. Aborting a running
// job first asks the worker to stop (cooperative cancel); a job still busy after the grace period is
// assumed stuck in synchronous code and the worker is terminated. The next call starts a fresh one.
import * as Comlink from 'comlink';
import { trackJob } from '../lib/jobs';
import { delay, startWorker, terminateWorker, type LiveWorker as Host } from '../lib/worker-host';
import type { MlApi } from '../../workers/ml.worker';
import type {
  BackendChoice,
  BackendPreference,
  BackendReport,
  MatmulBenchOptions,
  MatmulBenchResult,
  MatmulProgress,
  MemoryInfo,
  SelfTestResult,
} from './types';
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
} from './train-types';

export interface MlBridgeOptions {
  /** Backend to ask the worker for; `auto` (the default) tries webgpu → webgl → cpu. */
  prefer?: BackendPreference;
  /**
   * How long an aborted job may take to notice its cancel flag before the worker is terminated.
   * Cooperative jobs check between steps (a few ms on a GPU, one big CPU kernel at worst), and a
   * terminated worker loses its compiled shaders and loaded models, so err on the generous side.
   */
  cancelGraceMs?: number;
  /** Creates the worker; for tests that need a different entry. Defaults to the ML worker. */
  createWorker?: () => Worker;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ProgressCallOptions<P> extends CallOptions {
  /** Called in the page with each progress report; must be cheap (it runs on the main thread). */
  onProgress?: (progress: P) => void;
}

export type BackendListener = (report: BackendReport | undefined) => void;

const DEFAULT_CANCEL_GRACE_MS = 2000;
/** Training on software WebGPU may have a few seconds of batches queued when a cancel arrives. */
const TRAIN_CANCEL_GRACE_MS = 15_000;

/** Buffers a predict request can hand over instead of copying (features for a big pool). */
function transferablesOf(request: PredictRequest): Transferable[] {
  const { input } = request;
  if (input.kind === 'features') return [input.x.buffer as ArrayBuffer];
  return [];
}

/** The error every aborted call rejects with, whatever `signal.reason` was. */
export function abortError(message = 'The ML job was aborted'): DOMException {
  return new DOMException(message, 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AbortError'
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

type LiveWorker = Host<MlApi, BackendReport>;

/** A job gets the worker's API, its cancel id and the report of the backend it runs on. */
type Job<T> = (api: Comlink.Remote<MlApi>, jobId: number, report: BackendReport) => Promise<T>;

export class MlBridge {
  #prefer: BackendPreference;
  /** Figures of an earlier measurement on this device, offered to the next worker start. */
  #cachedChoice: BackendChoice | undefined;
  /** The next start measures every backend in full (set by `remeasure`, cleared by the start). */
  #thorough = false;
  readonly #cancelGraceMs: number;
  readonly #createWorker: () => Worker;
  /** Tail of the job queue; it settles when the worker is free again, never with an error. */
  #queue: Promise<void> = Promise.resolve();
  #live: LiveWorker | undefined;
  #report: BackendReport | undefined;
  readonly #listeners = new Set<BackendListener>();
  #nextJobId = 1;
  #workerStarts = 0;
  #disposed = false;

  constructor(options: MlBridgeOptions = {}) {
    this.#prefer = options.prefer ?? 'auto';
    this.#cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
    this.#createWorker =
      options.createWorker ??
      (() =>
        new Worker(new URL('../../workers/ml.worker.ts', import.meta.url), {
          type: 'module',
          name: 'inloop-ml',
        }));
  }

  get preferredBackend(): BackendPreference {
    return this.#prefer;
  }

  /** The report of the current worker's backend; undefined before the first start or after a switch. */
  get report(): BackendReport | undefined {
    return this.#report;
  }

  /** How many workers this bridge has started; a restart after a stuck job shows up here. */
  get workerStarts(): number {
    return this.#workerStarts;
  }

  /**
   * Calls `listener` now with the current report and again whenever it changes (a worker finished
   * init, or the preferred backend changed). Returns the unsubscribe function.
   */
  subscribe(listener: BackendListener): () => void {
    this.#listeners.add(listener);
    listener(this.#report);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Offers an earlier measurement to the next worker start; the worker reuses it only when its
   * fingerprint matches this device (otherwise it measures again). `undefined` forgets it.
   */
  setCachedChoice(choice: BackendChoice | undefined): void {
    this.#cachedChoice = choice;
  }

  /**
   * Forgets the cached figures and restarts the worker, which measures every backend again, in
   * full (no start-up budget).
   */
  remeasure(): void {
    this.#cachedChoice = undefined;
    this.#thorough = true;
    this.#terminate(abortError('The ML worker was restarted to measure the backends again'));
    this.#setReport(undefined);
  }

  /**
   * Switches backend: the current worker (and any job running on it, which rejects with an
   * AbortError) is terminated now; the next call starts a worker with the new preference.
   */
  setPreferredBackend(prefer: BackendPreference): void {
    this.#prefer = prefer;
    this.#terminate(abortError(`The ML worker was restarted to switch to '${prefer}'`));
    this.#setReport(undefined);
  }

  /** Starts the worker if needed and resolves with its backend report. */
  ready(options: CallOptions = {}): Promise<BackendReport> {
    return this.#enqueue(options.signal, (_api, _jobId, report) => Promise.resolve(report));
  }

  selfTest(options: CallOptions = {}): Promise<SelfTestResult> {
    return this.#enqueue(options.signal, (api) => api.selfTest());
  }

  benchMatmul(
    bench: MatmulBenchOptions,
    options: ProgressCallOptions<MatmulProgress> = {},
  ): Promise<MatmulBenchResult> {
    const { onProgress } = options;
    return this.#enqueue(options.signal, (api, jobId) =>
      api.benchMatmul(bench, onProgress ? Comlink.proxy(onProgress) : undefined, jobId),
    );
  }

  memory(options: CallOptions = {}): Promise<MemoryInfo> {
    return this.#enqueue(options.signal, (api) => api.memory());
  }

  /** Asks the worker itself, rather than returning the cached `report`. */
  backendInfo(options: CallOptions = {}): Promise<BackendReport | undefined> {
    return this.#enqueue(options.signal, (api) => api.backendInfo());
  }

  /**
   * Blocks the worker thread for `ms` (see the worker's `busyLoop`): a job that cannot be cancelled
   * cooperatively, for exercising the terminate-after-grace path.
   */
  busyLoop(ms: number, options: CallOptions = {}): Promise<number> {
    return this.#enqueue(options.signal, (api) => api.busyLoop(ms));
  }

  /** Classes and counts per split a training run would use, or why it cannot start. */
  trainingPlan(ref: DatasetRef, options: CallOptions = {}): Promise<TrainingPlan> {
    return this.#enqueue(options.signal, (api) => api.trainingPlan(ref));
  }

  /**
   * Trains and records a run (see workers/ml-train.ts). Aborting cancels between batches; the run
   * is then recorded as 'cancelled'. A slow GPU may still be finishing queued batches when the
   * cancel arrives, so the grace period before terminating is longer than for other jobs.
   */
  trainModel(
    request: TrainRequest,
    options: ProgressCallOptions<TrainProgress> = {},
  ): Promise<TrainResult> {
    const { onProgress } = options;
    return this.#enqueue(
      options.signal,
      (api, jobId) =>
        api.trainModel(request, onProgress ? Comlink.proxy(onProgress) : undefined, jobId),
      TRAIN_CANCEL_GRACE_MS,
    );
  }

  /**
   * Class probabilities of a run's model; `onProgress` receives slices as they are scored. A
   * `features` input's buffer is transferred to the worker (it is detached here afterwards).
   */
  predict(
    request: PredictRequest,
    options: ProgressCallOptions<PredictPartial> = {},
  ): Promise<PredictResult> {
    const { onProgress } = options;
    const transferable = transferablesOf(request);
    return this.#enqueue(options.signal, (api, jobId) =>
      api.predict(
        transferable.length > 0 ? Comlink.transfer(request, transferable) : request,
        onProgress ? Comlink.proxy(onProgress) : undefined,
        jobId,
      ),
    );
  }

  /** Penultimate-layer activations of a run's model. */
  embed(request: PredictRequest, options: CallOptions = {}): Promise<EmbedResult> {
    return this.#enqueue(options.signal, (api, jobId) => api.embed(request, jobId));
  }

  /** `passes` forward passes with dropout on (MC dropout), reproducible for a given `seed`. */
  mcDropout(
    request: PredictRequest,
    passes: number,
    options: CallOptions & { seed?: number } = {},
  ): Promise<McDropoutResult> {
    return this.#enqueue(options.signal, (api, jobId) =>
      api.mcDropout(request, passes, options.seed, jobId),
    );
  }

  /**
   * Permutation feature importance of a run's tabular model (workers/ml-importance.ts): one
   * scoring pass per column and repeat, progress after each; aborting cancels between passes.
   */
  permutationImportance(
    request: ImportanceRequest,
    options: ProgressCallOptions<ImportanceProgress> = {},
  ): Promise<FeatureImportanceResult> {
    const { onProgress } = options;
    return this.#enqueue(options.signal, (api, jobId) =>
      api.permutationImportance(request, onProgress ? Comlink.proxy(onProgress) : undefined, jobId),
    );
  }

  modelInfo(ref: ModelRef, options: CallOptions = {}): Promise<ModelInfo> {
    return this.#enqueue(options.signal, (api) => api.modelInfo(ref));
  }

  /** Disposes the worker's cached models (one run's, or all). */
  evictModels(runId?: string, options: CallOptions = {}): Promise<number> {
    return this.#enqueue(options.signal, (api) => api.evictModels(runId));
  }

  /** Closes the worker's IndexedDB connections, e.g. before deleting a database. */
  closeDatabases(options: CallOptions = {}): Promise<void> {
    return this.#enqueue(options.signal, (api) => api.closeDatabases());
  }

  /** Terminates the worker; running and queued calls reject, later calls reject at once. */
  dispose(): void {
    this.#disposed = true;
    this.#terminate(abortError('The ML bridge was disposed'));
    this.#listeners.clear();
  }

  #setReport(report: BackendReport | undefined): void {
    if (report === this.#report) return;
    this.#report = report;
    for (const listener of this.#listeners) listener(report);
  }

  #start(): LiveWorker {
    const live = startWorker<MlApi, BackendReport>(
      this.#createWorker,
      'ML worker',
      (api) => {
        const thorough = this.#thorough;
        this.#thorough = false;
        return api.init({
          prefer: this.#prefer,
          ...(this.#cachedChoice ? { cached: this.#cachedChoice } : {}),
          ...(thorough ? { thorough } : {}),
        });
      },
      (failed, reason) => this.#terminate(reason, failed),
    );
    live.ready = live.ready.then(
      (report) => {
        if (this.#live === live) this.#setReport(report);
        return report;
      },
      (error: unknown) => {
        this.#terminate(toError(error), live);
        throw error;
      },
    );
    this.#live = live;
    this.#workerStarts++;
    return live;
  }

  /** Terminates `live` (default: the current worker); its pending calls reject with `reason`. */
  #terminate(reason: Error, live = this.#live): void {
    if (!live) return;
    terminateWorker(live, reason);
    if (this.#live === live) this.#live = undefined;
  }

  #enqueue<T>(
    signal: AbortSignal | undefined,
    job: Job<T>,
    cancelGraceMs = this.#cancelGraceMs,
  ): Promise<T> {
    if (this.#disposed) return Promise.reject(new Error('The ML bridge was disposed'));
    if (signal?.aborted) return Promise.reject(abortError());
    const jobId = this.#nextJobId++;

    return new Promise<T>((resolve, reject) => {
      let callerSettled = false;
      let onRunningAbort: (() => void) | undefined;
      const settle = (outcome: () => void) => {
        if (callerSettled) return;
        callerSettled = true;
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      // The caller hears about an abort at once, queued or running; the queue itself moves on only
      // when the worker is free again (the job stopped, or its worker was terminated).
      const onAbort = () => {
        settle(() => reject(abortError()));
        onRunningAbort?.();
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const turn = async (): Promise<void> => {
        if (callerSettled) return; // aborted while queued: never runs
        if (this.#disposed) return settle(() => reject(new Error('The ML bridge was disposed')));
        const live = this.#live ?? this.#start();
        const run = live.ready.then((report) => {
          if (callerSettled) throw abortError(); // aborted during init: don't start the job
          return job(live.api, jobId, report);
        });
        const outcome = Promise.race([run, live.died]);
        const finished = outcome.then(
          (value) => settle(() => resolve(value)),
          (error: unknown) => settle(() => reject(toError(error))),
        );
        const abortedWhileRunning = new Promise<void>((resolveAbort) => {
          onRunningAbort = resolveAbort;
          if (callerSettled) resolveAbort();
        });
        await Promise.race([finished, abortedWhileRunning]);
        if (!callerSettled || !signal?.aborted) return; // settled normally (or rejected by `died`)

        // Cooperative cancel first; a job that doesn't settle within the grace period is stuck in
        // synchronous code, and only terminating its thread gets it back.
        live.api.cancel(jobId).catch(() => undefined);
        const grace = delay(cancelGraceMs);
        const stopped = await Promise.race([
          finished.then(() => true),
          grace.promise.then(() => false),
        ]);
        grace.cancel();
        if (!stopped) {
          this.#terminate(
            abortError(`ML job ${jobId} ignored cancel for ${cancelGraceMs} ms`),
            live,
          );
        }
      };

      // `turn` never rejects (every outcome goes to the caller), so the queue never breaks.
      const tracked = () => trackJob(turn);
      this.#queue = this.#queue.then(tracked, tracked).catch(() => undefined);
    });
  }
}
