// Chooses and initialises the TF.js backends inside the ML worker, and reports truthfully what was
// tried, what was measured and why anything was rejected. TF.js itself is a poor witness here:
// `tf.setBackend()` resolves to `false` instead of throwing, logs the cause with console.warn, and
// the WebGPU backend crashes on a null adapter (shared/BROWSER.md). So we probe first and check
// afterwards.
//
// `auto` starts every backend that can start here, times the representative workload of each job
// kind on each (workers/backend-measure.ts) and runs each kind on the fastest — so a software
// WebGPU adapter (SwiftShader: ~35× slower than the CPU backends on a small MLP) is never chosen
// while something faster exists. The figures are cached by the page per device fingerprint and
// handed back on the next start, which then skips the measurement.
import * as tf from '@tensorflow/tfjs';
import type {
  BackendAttempt,
  BackendChoice,
  BackendName,
  BackendPreference,
  BackendReport,
  BackendTiming,
  GpuAdapterSummary,
  GpuLimitsSummary,
  JobKind,
  WasmSummary,
  WebGlSummary,
} from '../src/training/types';
import { JOB_KINDS } from '../src/training/types';
import { measureActiveBackend } from './backend-measure';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Fallback order: from the preferred backend onwards, towards the one that always works. */
export function backendOrder(prefer: BackendPreference): BackendName[] {
  switch (prefer) {
    case 'auto':
    case 'webgpu':
      return ['webgpu', 'webgl', 'wasm', 'cpu'];
    case 'webgl':
      return ['webgl', 'wasm', 'cpu'];
    case 'wasm':
      return ['wasm', 'cpu'];
    case 'cpu':
      return ['cpu'];
  }
}

/**
 * The order `auto` starts and measures backends in: the CPU-side ones first, so their (bounded,
 * quick) figures set the budget a GPU backend gets before it is stopped as slower.
 */
const MEASURE_ORDER: readonly BackendName[] = ['wasm', 'cpu', 'webgpu', 'webgl'];

/** The same power preference the TF.js WebGPU backend asks for, so we probe the adapter it gets. */
const adapterOptions: GPURequestAdapterOptions = { powerPreference: 'high-performance' };

type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

interface WebGpuProbe {
  adapter: GpuAdapterSummary;
  limits: GpuLimitsSummary;
}

async function probeWebGpu(): Promise<Probe<WebGpuProbe>> {
  // `gpu` is missing from WorkerNavigator where WebGPU is disabled or not shipped.
  const gpu = (navigator as WorkerNavigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is not available in this worker' };
  const adapter = await gpu.requestAdapter(adapterOptions);
  if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned null' };
  const { info, limits } = adapter;
  return {
    ok: true,
    value: {
      adapter: {
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
        // Newer than the rest of GPUAdapterInfo; older Chromium lacks it.
        ...(typeof info.isFallbackAdapter === 'boolean'
          ? { isFallbackAdapter: info.isFallbackAdapter }
          : {}),
      },
      limits: {
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    },
  };
}

/** Explains a failed WebGL init: TF.js only says it failed, not whether a context exists at all. */
function diagnoseWebGl(): string {
  if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is not available in workers';
  const canvas = new OffscreenCanvas(1, 1);
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return 'no WebGL context could be created on an OffscreenCanvas';
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return 'a WebGL context exists but TF.js could not initialise on it';
}

let webGpuImported: Promise<unknown> | undefined;

/**
 * The WebGPU backend registers itself at import time, and only if `navigator.gpu` exists then.
 * Importing it lazily keeps it out of CPU/WebGL start-up.
 */
function importWebGpuBackend(): Promise<unknown> {
  webGpuImported ??= import('@tensorflow/tfjs-backend-webgpu');
  return webGpuImported;
}

/**
 * `tf.setBackend` with the failure made visible: returns why it failed, or undefined on success.
 * TF.js reports the cause only through `console.warn`, so we listen to it for the duration.
 */
async function setBackendExplained(name: BackendName): Promise<string | undefined> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn.apply(console, args);
  };
  try {
    const ok = await tf.setBackend(name);
    if (ok && tf.getBackend() === name) {
      await tf.ready();
      return undefined;
    }
    const cause = warnings.find((w) => !w.startsWith('Initialization of backend'));
    const firstLine = cause?.split('\n')[0];
    return `tf.setBackend('${name}') returned false${firstLine ? `: ${firstLine}` : ''}`;
  } catch (error) {
    return `tf.setBackend('${name}') threw: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    console.warn = warn;
  }
}

let wasmImported: Promise<void> | undefined;

/**
 * Threads need SharedArrayBuffer (a cross-origin isolated page) and blob: workers, which the
 * Content-Security-Policy does not allow (worker-src 'self', src/app/csp.ts): TF.js' threaded build
 * spawns its pthreads from a Blob. So the wasm backend runs single-threaded with SIMD; TF.js would
 * otherwise pick the threaded build whenever the page is isolated and fail to start.
 */
const WASM_THREADS = false;

/** Registers the wasm backend with its binaries' bundled URLs (precached; never fetched elsewhere). */
function importWasmBackend(): Promise<void> {
  wasmImported ??= import('@tensorflow/tfjs-backend-wasm').then((wasm) => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', WASM_THREADS);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
  });
  return wasmImported;
}

async function wasmSummary(): Promise<WasmSummary> {
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const backend = tf.findBackend('wasm') as unknown as
    { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | undefined;
  const threads = backend?.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  return { simd, threads };
}

async function tryBackend(
  name: BackendName,
): Promise<{ attempt: BackendAttempt; extra?: Partial<BackendReport> }> {
  let extra: Partial<BackendReport> | undefined;
  if (name === 'webgpu') {
    const probe = await probeWebGpu();
    if (!probe.ok) return { attempt: { backend: name, ok: false, reason: probe.reason } };
    await importWebGpuBackend();
    extra = probe.value;
  }
  if (name === 'wasm') await importWasmBackend();
  if (tf.findBackendFactory(name) == null) {
    return {
      attempt: { backend: name, ok: false, reason: `TF.js has no '${name}' backend registered` },
    };
  }
  const failure = await setBackendExplained(name);
  if (failure !== undefined) {
    const reason = name === 'webgl' ? `${failure} (${diagnoseWebGl()})` : failure;
    return { attempt: { backend: name, ok: false, reason } };
  }
  if (name === 'webgl') extra = { webgl: webGlSummary() };
  if (name === 'wasm') extra = { wasm: await wasmSummary() };
  return { attempt: { backend: name, ok: true }, ...(extra ? { extra } : {}) };
}

function webGlSummary(): WebGlSummary {
  const renderer = webGlRenderer();
  return {
    version: tf.env().getNumber('WEBGL_VERSION'),
    maxTextureSize: tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'),
    ...(renderer ? { renderer } : {}),
  };
}

/** The unmasked renderer string ('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))'), if exposed. */
function webGlRenderer(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return undefined;
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const value: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    return typeof value === 'string' && value ? value : undefined;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render|lavapipe/i;

/** A software rasteriser or WebGPU fallback adapter: never worth choosing over a faster CPU path. */
export function isSoftware(report: Partial<BackendReport>, name: BackendName): boolean {
  if (name === 'webgpu' && report.adapter) {
    const a = report.adapter;
    return (
      a.isFallbackAdapter === true ||
      SOFTWARE_RENDERER.test([a.vendor, a.architecture, a.device, a.description].join(' '))
    );
  }
  if (name === 'webgl') return SOFTWARE_RENDERER.test(report.webgl?.renderer ?? '');
  return false;
}

async function attempt(name: BackendName): Promise<Awaited<ReturnType<typeof tryBackend>>> {
  try {
    return await tryBackend(name);
  } catch (error) {
    // e.g. requestAdapter() rejecting, or the backend module failing to load.
    const reason = error instanceof Error ? error.message : String(error);
    return { attempt: { backend: name, ok: false, reason } };
  }
}

/** What the cached figures must have been measured on to be reused. */
function fingerprintOf(report: Partial<BackendReport>, started: BackendName[]): string {
  return JSON.stringify({
    tf: tf.version.tfjs,
    started,
    adapter: report.adapter ?? null,
    webgl: report.webgl?.renderer ?? null,
    wasm: report.wasm ?? null,
    cores: navigator.hardwareConcurrency,
    isolated: self.crossOriginIsolated,
    ua: navigator.userAgent,
  });
}

/** Least milliseconds for `kind`; ties go to the earlier (CPU-side) backend in MEASURE_ORDER. */
export function fastestFor(
  kind: JobKind,
  timings: readonly BackendTiming[],
  exclude: readonly BackendName[] = [],
): BackendName | undefined {
  let best: BackendTiming | undefined;
  for (const t of timings) {
    const ms = t.ms[kind];
    if (ms === undefined || exclude.includes(t.backend)) continue;
    const bestMs = best?.ms[kind];
    if (bestMs === undefined || ms < bestMs) best = t;
  }
  return best?.backend;
}

/** Per job kind, the fastest measured backend (the CPU backend, which always runs, if none has figures). */
export function chooseBackends(timings: readonly BackendTiming[]): Record<JobKind, BackendName> {
  const chosen = {} as Record<JobKind, BackendName>;
  for (const kind of JOB_KINDS) chosen[kind] = fastestFor(kind, timings) ?? 'cpu';
  return chosen;
}

/**
 * After the first backend, each gets this long to finish the workloads: a few times what the
 * fastest so far needed in all, and never less than a floor that covers a real GPU's first
 * dispatch. Past it, it cannot win, and a cold start must not wait for a software adapter to
 * compile its shaders (the whole measurement is meant to cost well under a second).
 */
const BUDGET_FLOOR_MS = 120;
const BUDGET_FACTOR = 3;
/** The first backend measured (wasm, else the CPU one) has no rival yet: only this bound. */
const FIRST_BUDGET_MS = 5000;

/**
 * Every backend that starts, each measured (or the cache's figures when they still apply).
 * A software GPU (SwiftShader's WebGPU adapter or WebGL renderer) is measured only when the user
 * asks (`thorough`, Settings → Measure again): it compiles its shaders on the very CPU cores the
 * other backends run on, and work it was given keeps them busy after its budget stops the
 * measurement — a cold start that measured it trained the chosen wasm backend 4× slower for the
 * next seconds (bench/results/backend-choice.json) — while it has never been the fastest (~35×
 * slower than the CPU side here). WebGL compiles synchronously, so no budget could stop it.
 */
async function initAuto(
  cached: BackendChoice | undefined,
  thorough: boolean,
): Promise<BackendReport> {
  const started = performance.now();
  const tried: BackendAttempt[] = [];
  const extras: Partial<BackendReport> = {};
  const running: BackendName[] = [];
  for (const name of MEASURE_ORDER) {
    const outcome = await attempt(name);
    tried.push(outcome.attempt);
    if (outcome.attempt.ok) {
      running.push(name);
      Object.assign(extras, outcome.extra);
    }
  }
  if (running.length === 0) {
    throw new Error(
      `No TF.js backend could be initialised: ${tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')}`,
    );
  }
  const fingerprint = fingerprintOf(extras, running);
  let choice: BackendChoice;
  let measured = false;
  if (cached && cached.fingerprint === fingerprint && !cached.forced) {
    choice = cached;
  } else {
    const t0 = performance.now();
    const timings: BackendTiming[] = [];
    let bestTotal = Infinity;
    for (const name of running) {
      const software = isSoftware(extras, name);
      if (software && !thorough) {
        timings.push({
          backend: name,
          ms: {},
          software,
          note: 'was not measured at start-up: a software GPU slows the CPU the other backends run on (Measure again includes it)',
        });
        continue;
      }
      const budget = Number.isFinite(bestTotal)
        ? Math.max(BUDGET_FLOOR_MS, BUDGET_FACTOR * bestTotal)
        : FIRST_BUDGET_MS;
      await setBackendExplained(name);
      const timing = await measureActiveBackend(name, thorough ? FIRST_BUDGET_MS : budget);
      if (software) timing.software = true;
      timings.push(timing);
      const { train, infer, poolScoring } = timing.ms;
      if (train !== undefined && infer !== undefined && poolScoring !== undefined) {
        bestTotal = Math.min(bestTotal, 4 * train + 3 * infer + poolScoring);
      }
    }
    choice = {
      fingerprint,
      measuredAt: Date.now(),
      measureMs: performance.now() - t0,
      timings,
      chosen: chooseBackends(timings),
    };
    measured = true;
  }
  const active = choice.chosen.train;
  const failure = await setBackendExplained(active);
  if (failure !== undefined) throw new Error(failure);
  return {
    backend: active,
    requested: 'auto',
    tried,
    ...extras,
    choice,
    measured,
    initMs: performance.now() - started,
    tfVersion: tf.version.tfjs,
  };
}

/**
 * Initialises the backends: `auto` measures (see `initAuto`); a forced preference takes the first
 * backend that works in `backendOrder(prefer)`.
 */
export async function initBackend(
  prefer: BackendPreference,
  cached?: BackendChoice,
  thorough = false,
): Promise<BackendReport> {
  if (prefer === 'auto') return initAuto(cached, thorough);
  const started = performance.now();
  const tried: BackendAttempt[] = [];
  for (const name of backendOrder(prefer)) {
    const outcome = await attempt(name);
    tried.push(outcome.attempt);
    if (outcome.attempt.ok) {
      return {
        backend: name,
        requested: prefer,
        tried,
        ...outcome.extra,
        initMs: performance.now() - started,
        tfVersion: tf.version.tfjs,
      };
    }
  }
  // The CPU backend is plain JS; reaching this means TF.js itself is broken.
  throw new Error(
    `No TF.js backend could be initialised: ${tried.map((t) => `${t.backend}: ${t.reason}`).join('; ')}`,
  );
}

/** Backends that cannot compute a convolution's weight gradient (no Conv2DBackpropFilter kernel). */
const NO_CONV_TRAINING: readonly BackendName[] = ['wasm'];

/**
 * The backend a job of `kind` runs on under `report` — the measured choice for `auto`, else the one
 * backend started. Convolutional training skips backends that cannot train convolutions.
 */
export function backendFor(
  report: BackendReport,
  kind: JobKind,
  options: { convolutional?: boolean } = {},
): BackendName {
  if (!report.choice) {
    return options.convolutional && NO_CONV_TRAINING.includes(report.backend)
      ? 'cpu'
      : report.backend;
  }
  const chosen = report.choice.chosen[kind];
  if (options.convolutional && NO_CONV_TRAINING.includes(chosen)) {
    return fastestFor(kind, report.choice.timings, NO_CONV_TRAINING) ?? 'cpu';
  }
  return chosen;
}

/**
 * Makes the backend for a job of `kind` the active one. Models cached on another backend are
 * reloaded by the inference cache (workers/ml-infer.ts) rather than read across backends.
 */
export async function useBackendFor(
  report: BackendReport,
  kind: JobKind,
  options: { convolutional?: boolean } = {},
): Promise<BackendName> {
  const name = backendFor(report, kind, options);
  if (tf.getBackend() !== name) {
    if (name === 'cpu' && tf.findBackend('cpu') == null) await attempt('cpu');
    const failure = await setBackendExplained(name);
    if (failure !== undefined) throw new Error(failure);
  }
  return name;
}
