// The ML worker through its bridge, in real Chromium: a real module worker, real TF.js and real
// WebGPU on SwiftShader. SwiftShader is slow, so WebGPU work stays tiny; these tests prove that the
// backend choice (measured, never the software adapter while something is faster) is truthful, results are right, tensors are not leaked and cancellation works.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOB_KINDS, MlBridge, isAbortError, type BackendReport } from '../../src/training';

/** Settles with the rejection reason (or fails the test if the promise resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

// Tests prove cancellation by outcome (an endless job that ends, a fresh worker), never by
// wall-clock time: speed belongs to the benchmarks.
function abortAfter(ms: number): { signal: AbortSignal } {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return { signal: controller.signal };
}

/** A benchmark that would run for minutes: only cancellation ends it within the test. */
const endlessBench = { sizes: [32], iterations: 1_000_000 };

describe('ML worker on auto: every backend measured, the fastest chosen per job kind', () => {
  const bridge = new MlBridge({ prefer: 'auto' });
  let report: BackendReport;

  beforeAll(async () => {
    report = await bridge.ready();
  });
  afterAll(() => bridge.dispose());

  it('starts and measures every backend, and never picks the software WebGPU adapter while another is faster', () => {
    expect(report.requested).toBe('auto');
    expect(report.measured).toBe(true);
    const choice = report.choice!;
    const started = report.tried.filter((t) => t.ok).map((t) => t.backend);
    // The test browser has SwiftShader WebGPU (a software adapter), TF.js' CPU and wasm backends.
    expect(started).toEqual(expect.arrayContaining(['wasm', 'cpu']));
    const webgpu = choice.timings.find((t) => t.backend === 'webgpu');
    if (webgpu) {
      expect(report.adapter?.architecture).toBe('swiftshader');
      expect(webgpu.software).toBe(true);
    } else {
      // SwiftShader's adapter is occasionally refused under load: then the report says why.
      expect(report.tried.find((t) => t.backend === 'webgpu')?.reason).toMatch(/\S/);
    }
    for (const kind of JOB_KINDS) {
      const chosen = choice.timings.find((t) => t.backend === choice.chosen[kind])!;
      const chosenMs = chosen.ms[kind]!;
      expect(chosenMs).toBeGreaterThan(0);
      // The chosen one is the fastest measured for this kind (a backend past its budget has no figure).
      for (const t of choice.timings) {
        if (t.ms[kind] !== undefined) expect(chosenMs).toBeLessThanOrEqual(t.ms[kind]);
      }
      if (choice.chosen[kind] === 'webgpu') {
        // Only allowed if it really measured faster than every other backend.
        expect(webgpu?.ms[kind]).toBeDefined();
      }
    }
    // The active backend is the one chosen for training steps.
    expect(report.backend).toBe(choice.chosen.train);
    expect(bridge.report).toEqual(report);
  });

  it('reuses a cached measurement of the same device, and measures again when it does not match', async () => {
    const again = new MlBridge({ prefer: 'auto' });
    try {
      again.setCachedChoice(report.choice);
      const reused = await again.ready();
      expect(reused.measured).toBe(false);
      expect(reused.choice).toEqual(report.choice);

      again.setCachedChoice({ ...report.choice!, fingerprint: 'another device' });
      again.setPreferredBackend('auto');
      const fresh = await again.ready();
      expect(fresh.measured).toBe(true);
      expect(fresh.choice!.fingerprint).toBe(report.choice!.fingerprint);
    } finally {
      again.dispose();
    }
  });

  it('tells subscribers the current report', () => {
    const seen: (BackendReport | undefined)[] = [];
    const unsubscribe = bridge.subscribe((r) => seen.push(r));
    unsubscribe();
    expect(seen).toEqual([report]);
  });

  it('passes the matmul self-test without leaking tensors', async () => {
    const before = await bridge.memory();
    const result = await bridge.selfTest();
    const after = await bridge.memory();
    expect(result.ok).toBe(true);
    expect(result.backend).toBe(report.backend);
    expect(after.numTensors).toBe(before.numTensors);
  });

  it('runs calls one at a time, in call order', async () => {
    const order: string[] = [];
    await Promise.all([
      bridge.selfTest().then(() => order.push('selfTest')),
      bridge.memory().then(() => order.push('memory')),
      bridge.backendInfo().then(() => order.push('backendInfo')),
    ]);
    expect(order).toEqual(['selfTest', 'memory', 'backendInfo']);
  });
});

describe('ML worker forced onto WebGPU (SwiftShader)', () => {
  const bridge = new MlBridge({ prefer: 'webgpu' });
  let report: BackendReport;

  beforeAll(async () => {
    report = await bridge.ready();
  });
  afterAll(() => bridge.dispose());

  it('initialises WebGPU and reports the adapter and its limits, without measuring', () => {
    expect(report.backend).toBe('webgpu');
    expect(report.requested).toBe('webgpu');
    expect(report.tried).toEqual([{ backend: 'webgpu', ok: true }]);
    expect(report.choice).toBeUndefined();
    expect(report.adapter?.architecture).toBeTruthy();
    expect(report.limits?.maxBufferSize).toBeGreaterThan(0);
    expect(report.limits?.maxComputeInvocationsPerWorkgroup).toBeGreaterThan(0);
    expect(report.tfVersion).toBe('4.22.0');
    expect(report.initMs).toBeGreaterThan(0);
  });

  it('passes the matmul self-test without leaking tensors', async () => {
    const before = await bridge.memory();
    const result = await bridge.selfTest();
    const after = await bridge.memory();
    expect(result.ok).toBe(true);
    expect(result.backend).toBe('webgpu');
    expect(result.maxAbsError).toBeLessThan(1e-3);
    expect(after.numTensors).toBe(before.numTensors);
  });

  it('reports benchmark progress and measures throughput', async () => {
    const progress: number[] = [];
    const result = await bridge.benchMatmul(
      { sizes: [16, 32], iterations: 2 },
      { onProgress: (p) => progress.push(p.size) },
    );
    expect(result.backend).toBe('webgpu');
    expect(result.results.map((r) => r.size)).toEqual([16, 32]);
    expect(result.results.every((r) => r.gflops > 0 && r.iterations === 2)).toBe(true);
    expect(progress).toEqual([16, 32]);
  });

  it('cancels a long benchmark cooperatively: AbortError at once, same worker, no leaks', async () => {
    const before = await bridge.memory();
    const starts = bridge.workerStarts;
    const { signal } = abortAfter(500);
    const error = await rejectionOf(bridge.benchMatmul(endlessBench, { signal }));
    expect(isAbortError(error)).toBe(true);

    // The worker stopped by itself: it serves the next call and was never restarted.
    const after = await bridge.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(bridge.workerStarts).toBe(starts);
    expect((await bridge.selfTest()).ok).toBe(true);
  });
});

describe('ML worker on a forced backend', () => {
  let bridge: MlBridge;
  afterEach(() => bridge.dispose());

  it('uses the wasm backend when asked: SIMD, and the matmul self-test is right', async () => {
    bridge = new MlBridge({ prefer: 'wasm' });
    const report = await bridge.ready();
    expect(report.backend).toBe('wasm');
    expect(report.tried).toEqual([{ backend: 'wasm', ok: true }]);
    expect(report.wasm?.simd).toBe(true);
    expect(report.wasm?.threads).toBeGreaterThanOrEqual(1);
    const result = await bridge.selfTest();
    expect(result).toMatchObject({ ok: true, backend: 'wasm' });
    expect(result.maxAbsError).toBeLessThan(1e-4);
  });

  it('uses the CPU backend when asked, and passes the self-test', async () => {
    bridge = new MlBridge({ prefer: 'cpu' });
    const report = await bridge.ready();
    expect(report.backend).toBe('cpu');
    expect(report.tried).toEqual([{ backend: 'cpu', ok: true }]);
    expect(report.adapter).toBeUndefined();
    const result = await bridge.selfTest();
    expect(result).toMatchObject({ ok: true, backend: 'cpu' });
  });

  it('switches to WebGL on a fresh worker, or says truthfully why it could not', async () => {
    bridge = new MlBridge({ prefer: 'cpu' });
    await bridge.ready();
    const seen: (BackendReport | undefined)[] = [];
    bridge.subscribe((r) => seen.push(r));

    bridge.setPreferredBackend('webgl');
    expect(bridge.report).toBeUndefined();
    const report = await bridge.ready();
    expect(bridge.workerStarts).toBe(2);
    expect(report.requested).toBe('webgl');
    expect(report.tried[0]?.backend).toBe('webgl');
    if (report.backend === 'webgl') {
      expect(report.tried).toEqual([{ backend: 'webgl', ok: true }]);
      expect(report.webgl?.version).toBeGreaterThanOrEqual(1);
      expect(report.webgl?.maxTextureSize).toBeGreaterThan(0);
    } else {
      // Headless Chromium may have no WebGL in workers: then it must say why and fall back to CPU.
      expect(report.backend).toBe('cpu');
      expect(report.tried[0]?.ok).toBe(false);
      expect(report.tried[0]?.reason).toMatch(/\S/);
      expect(report.tried[1]).toEqual({ backend: 'cpu', ok: true });
    }
    expect(seen).toEqual([expect.objectContaining({ backend: 'cpu' }), undefined, report]);
    expect((await bridge.selfTest()).ok).toBe(true);
  });
});

describe('aborting and stuck jobs', () => {
  let bridge: MlBridge;
  afterEach(() => bridge.dispose());

  it('never starts a call whose signal is already aborted', async () => {
    bridge = new MlBridge({ prefer: 'cpu' });
    const error = await rejectionOf(bridge.selfTest({ signal: AbortSignal.abort() }));
    expect(isAbortError(error)).toBe(true);
    expect(bridge.workerStarts).toBe(0);
  });

  it('rejects a queued call at once when aborted, and never runs it', async () => {
    bridge = new MlBridge({ prefer: 'cpu' });
    await bridge.ready();
    const blocker = bridge.busyLoop(1500);
    const controller = new AbortController();
    let ran = false;
    const queued = bridge.benchMatmul(
      { sizes: [8], iterations: 1 },
      { signal: controller.signal, onProgress: () => (ran = true) },
    );
    controller.abort();
    expect(isAbortError(await rejectionOf(queued))).toBe(true);
    await blocker;
    await bridge.memory(); // a later call still runs, after the blocker
    expect(ran).toBe(false);
  });

  it('terminates a worker that ignores cancel, and serves the next call from a fresh one', async () => {
    bridge = new MlBridge({ prefer: 'cpu', cancelGraceMs: 300 });
    await bridge.ready();
    expect(bridge.workerStarts).toBe(1);

    const { signal } = abortAfter(200);
    const error = await rejectionOf(bridge.busyLoop(30_000, { signal }));
    expect(isAbortError(error)).toBe(true);

    // Had the stuck worker been kept, this would wait out the 30 s loop; a second worker start
    // shows it was replaced.
    const memory = await bridge.memory();
    expect(memory.numTensors).toBe(0);
    expect(bridge.workerStarts).toBe(2);
    expect(bridge.report?.backend).toBe('cpu');
  });

  it('rejects the running call when the backend is switched under it', async () => {
    bridge = new MlBridge({ prefer: 'cpu' });
    await bridge.ready();
    const running = bridge.benchMatmul(endlessBench);
    setTimeout(() => bridge.setPreferredBackend('cpu'), 200);
    expect(isAbortError(await rejectionOf(running))).toBe(true);
    expect((await bridge.ready()).backend).toBe('cpu');
    expect(bridge.workerStarts).toBe(2);
  });
});
