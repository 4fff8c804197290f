// Matmul self-test and throughput benchmark for the ML worker. Both read results back with
// `await t.data()`: `dataSync()` blocks the worker and on WebGPU has returned zeros on fallback
// adapters (shared/BROWSER.md).
import * as tf from '@tensorflow/tfjs';
import type {
  BackendName,
  MatmulBenchOptions,
  MatmulProgress,
  MatmulSizeResult,
  SelfTestResult,
} from '../src/training/types';
import { yieldToEventLoop, type JobToken } from './jobs';

/** Mulberry32: a tiny seeded generator, so the self-test inputs are the same on every run. */
function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let a = seed >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Row-major (m×k)·(k×n) in float64, the reference the backend is held to. */
function referenceMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += aip * b[p * n + j]!;
    }
  }
  return out;
}

// Non-square on purpose, so a transposed or mis-strided kernel cannot pass by symmetry.
const SELF_TEST = { m: 64, k: 48, n: 32 } as const;
/**
 * Allowed error relative to the largest reference value. fp32 accumulation over k = 48 terms of
 * magnitude ≤ 1 stays around 1e-6; WebGL on some GPUs computes in fp16-ish precision, which
 * 1e-3 still tolerates while a wrong kernel (errors of order 1) does not.
 */
const SELF_TEST_RELATIVE_TOLERANCE = 1e-3;

export async function matmulSelfTest(backend: BackendName): Promise<SelfTestResult> {
  const { m, k, n } = SELF_TEST;
  const aValues = seededValues(m * k, 1);
  const bValues = seededValues(k * n, 2);
  const started = performance.now();
  const product = tf.tidy(() =>
    tf.matMul(tf.tensor2d(aValues, [m, k]), tf.tensor2d(bValues, [k, n])),
  );
  let actual: Float32Array;
  try {
    actual = (await product.data()) as Float32Array;
  } finally {
    product.dispose();
  }
  const ms = performance.now() - started;

  const expected = referenceMatmul(aValues, bValues, m, k, n);
  let maxAbsError = 0;
  let maxAbsExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(actual[i]! - expected[i]!));
    maxAbsExpected = Math.max(maxAbsExpected, Math.abs(expected[i]!));
  }
  // NaN fails this comparison, as it should.
  const ok =
    actual.length === expected.length &&
    maxAbsError <= SELF_TEST_RELATIVE_TOLERANCE * Math.max(1, maxAbsExpected);
  return { ok, backend, maxAbsError, ms };
}

async function timeOneSize(
  size: number,
  options: MatmulBenchOptions,
  job: JobToken,
): Promise<MatmulSizeResult> {
  // Fixed seeds: every backend multiplies the same matrices.
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  try {
    // Warm-up: compiles the shader / uploads inputs; reported, but not part of the throughput.
    let started = performance.now();
    await readAndDispose(tf.matMul(a, b));
    const warmupMs = performance.now() - started;
    job.throwIfCancelled();

    let iterations = Math.max(1, Math.floor(options.iterations));
    if (options.targetMs !== undefined) {
      // One synchronised iteration tells how many fit in the target.
      started = performance.now();
      await readAndDispose(tf.matMul(a, b));
      const oneMs = Math.max(performance.now() - started, 0.01);
      job.throwIfCancelled();
      iterations = Math.max(1, Math.min(iterations, Math.floor(options.targetMs / oneMs)));
    }

    // The timed loop only dispatches; on GPU backends the work queues up and the final read waits
    // for all of it. Yielding between iterations lets a cancel message in (see jobs.ts).
    started = performance.now();
    let last: tf.Tensor | undefined;
    try {
      for (let i = 0; i < iterations; i++) {
        last?.dispose();
        last = tf.matMul(a, b);
        await yieldToEventLoop();
        job.throwIfCancelled();
      }
      await last?.data();
    } finally {
      last?.dispose();
    }
    const ms = performance.now() - started;
    return {
      size,
      iterations,
      warmupMs,
      ms,
      msPerIteration: ms / iterations,
      gflops: (2 * size ** 3 * iterations) / (ms * 1e6),
    };
  } finally {
    a.dispose();
    b.dispose();
  }
}

async function readAndDispose(t: tf.Tensor): Promise<void> {
  try {
    await t.data();
  } finally {
    t.dispose();
  }
}

export async function matmulBenchmark(
  options: MatmulBenchOptions,
  job: JobToken,
  onProgress?: (progress: MatmulProgress) => void,
): Promise<MatmulSizeResult[]> {
  const results: MatmulSizeResult[] = [];
  for (const size of options.sizes) {
    job.throwIfCancelled();
    const result = await timeOneSize(size, options, job);
    results.push(result);
    onProgress?.({ size, done: results.length, total: options.sizes.length, result });
  }
  return results;
}
