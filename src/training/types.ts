// Plain types shared by the page and the ML worker (workers/ml.worker.ts). No TF.js, Svelte or DOM
// imports here: the worker type-checks against the WebWorker lib and imports this file too.

/** A TF.js backend the ML worker can run on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the user asked for: `auto` measures every backend that starts and picks the fastest. */
export type BackendPreference = 'auto' | BackendName;

export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * The kinds of TF.js work the worker chooses a backend for: a training step of a small network,
 * a small inference batch (try it, a batch of scoring) and a whole-pool forward pass (active
 * learning, monitoring references) — the three are dominated by different costs (per-dispatch
 * overhead vs arithmetic), so the fastest backend can differ between them.
 */
export type JobKind = 'train' | 'infer' | 'poolScoring';
export const JOB_KINDS: readonly JobKind[] = ['train', 'infer', 'poolScoring'];

/** One backend's measured times for the representative workloads (see workers/backend-measure.ts). */
export interface BackendTiming {
  backend: BackendName;
  /** Milliseconds per job kind; absent when the backend was not measured for it (or failed). */
  ms: Partial<Record<JobKind, number>>;
  /** A software rasteriser or fallback adapter (SwiftShader, llvmpipe, `isFallbackAdapter`). */
  software?: boolean;
  /** Why this backend has no (complete) figures: did not start, failed, or ran past its budget. */
  note?: string;
  /** Set when the backend ran past its budget: how long it had run when it was stopped. */
  stoppedAfterMs?: number;
}

/** The measured choice: what was chosen per job kind, from which figures, on which device. */
export interface BackendChoice {
  /** What identifies the device and build the figures hold for (adapter, threads, TF.js). */
  fingerprint: string;
  measuredAt: number;
  /** Wall time the measurement took inside the worker. */
  measureMs: number;
  timings: BackendTiming[];
  chosen: Record<JobKind, BackendName>;
  /** Where the user forced a backend: the figures are still shown, the choice is theirs. */
  forced?: BackendName;
}

/** One backend the worker tried while starting, and why it was rejected if it was. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** A sentence saying why this backend could not be used; absent when `ok`. */
  reason?: string;
}

/** `GPUAdapterInfo` as plain data (the live object does not survive structured cloning). */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software/fallback adapter; absent where the browser does not report it. */
  isFallbackAdapter?: boolean;
}

/** The `GPUSupportedLimits` that bound what a model can allocate and dispatch on WebGPU. */
export interface GpuLimitsSummary {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

export interface WasmSummary {
  simd: boolean;
  threads: number;
}

export interface WebGlSummary {
  /** 1 or 2, as TF.js detected it. */
  version: number;
  maxTextureSize: number;
  /** The unmasked renderer string, where the browser exposes it (tells SwiftShader from a GPU). */
  renderer?: string;
}

/** What the worker reports after `init`: the backend in use and how it got there. */
export interface BackendReport {
  /** The backend active after init: the one chosen for training steps. */
  backend: BackendName;
  requested: BackendPreference;
  /** Every backend tried, in order; the last one with `ok` is `backend`. */
  tried: BackendAttempt[];
  adapter?: GpuAdapterSummary;
  limits?: GpuLimitsSummary;
  webgl?: WebGlSummary;
  /** The wasm backend's build: SIMD and the number of threads (1 without cross-origin isolation). */
  wasm?: WasmSummary;
  /** Per job kind, the backend chosen by measurement (absent when the user forced one). */
  choice?: BackendChoice;
  /** Whether the choice was measured in this start (false: reused from the cache). */
  measured?: boolean;
  /** Time inside the worker from `init` being called to `tf.ready()` on the chosen backend. */
  initMs: number;
  tfVersion: string;
}

export interface SelfTestResult {
  ok: boolean;
  backend: BackendName;
  /** Largest absolute difference between the backend's matmul and a float64 JS reference. */
  maxAbsError: number;
  ms: number;
}

export interface MatmulBenchOptions {
  /** Square matrix sizes n (n×n · n×n) to time, in order. */
  sizes: number[];
  /**
   * Timed iterations per size. With `targetMs` this is the upper bound: the worker times one
   * iteration after warm-up and runs as many as fit in `targetMs` (at least one).
   */
  iterations: number;
  /** Aim for roughly this much timed work per size; keeps slow backends (SwiftShader) in budget. */
  targetMs?: number;
}

export interface MatmulSizeResult {
  size: number;
  iterations: number;
  /** First run, which includes shader compilation / kernel upload; not part of the throughput. */
  warmupMs: number;
  /** Wall time of the timed loop, ending when the last result was read back. */
  ms: number;
  msPerIteration: number;
  /** 2·n³ floating-point operations per matmul. */
  gflops: number;
}

export interface MatmulBenchResult {
  backend: BackendName;
  results: MatmulSizeResult[];
}

export interface MatmulProgress {
  size: number;
  /** Sizes done so far, including this one. */
  done: number;
  total: number;
  result: MatmulSizeResult;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
}
