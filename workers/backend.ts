// Chooses and initialises the TF.js backend inside the ML worker, and reports truthfully what was
// tried and why anything was rejected. TF.js itself is a poor witness here: `tf.setBackend()`
// resolves to `false` instead of throwing, logs the cause with console.warn, and the WebGPU
// backend crashes on a null adapter (shared/BROWSER.md). So we probe first and check afterwards.
import * as tf from '@tensorflow/tfjs';
import type {
  BackendAttempt,
  BackendName,
  BackendPreference,
  BackendReport,
  GpuAdapterSummary,
  GpuLimitsSummary,
  WebGlSummary,
} from '../src/training/types';

/** Fallback order: from the preferred backend onwards, towards the one that always works. */
export function backendOrder(prefer: BackendPreference): BackendName[] {
  switch (prefer) {
    case 'auto':
    case 'webgpu':
      return ['webgpu', 'webgl', 'cpu'];
    case 'webgl':
      return ['webgl', 'cpu'];
    case 'cpu':
      return ['cpu'];
  }
}

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
  return { attempt: { backend: name, ok: true }, ...(extra ? { extra } : {}) };
}

function webGlSummary(): WebGlSummary {
  return {
    version: tf.env().getNumber('WEBGL_VERSION'),
    maxTextureSize: tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE'),
  };
}

/** Initialises the first backend that works, in `backendOrder(prefer)`. */
export async function initBackend(prefer: BackendPreference): Promise<BackendReport> {
  const started = performance.now();
  const tried: BackendAttempt[] = [];
  for (const name of backendOrder(prefer)) {
    let outcome: Awaited<ReturnType<typeof tryBackend>>;
    try {
      outcome = await tryBackend(name);
    } catch (error) {
      // e.g. requestAdapter() rejecting, or the backend module failing to load.
      const reason = error instanceof Error ? error.message : String(error);
      outcome = { attempt: { backend: name, ok: false, reason } };
    }
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
