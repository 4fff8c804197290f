// The ML worker: the one place TensorFlow.js and the GPU device live. The page talks to it only
// through src/training/ml-bridge.ts, which owns this worker's life cycle (lazy start, one job at a
// time, cancel, terminate). Every function here is part of the typed Comlink API.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import type {
  BackendPreference,
  BackendReport,
  MatmulBenchOptions,
  MatmulBenchResult,
  MatmulProgress,
  MemoryInfo,
  SelfTestResult,
} from '../src/training/types';
import { initBackend } from './backend';
import { beginJob, cancelJob, endJob } from './jobs';
import { matmulBenchmark, matmulSelfTest } from './matmul';

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
  /** Picks the first working backend from `prefer` onwards (webgpu → webgl → cpu). */
  async init({ prefer }: { prefer: BackendPreference }): Promise<BackendReport> {
    report = await initBackend(prefer);
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
