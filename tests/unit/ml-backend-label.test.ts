import { describe, expect, it } from 'vitest';
import { describeBackend, explainChoice } from '../../src/training/backend-label';
import type { BackendChoice, BackendReport, GpuAdapterSummary } from '../../src/training/types';

function report(overrides: Partial<BackendReport>): BackendReport {
  return {
    backend: 'cpu',
    requested: 'auto',
    tried: [{ backend: 'cpu', ok: true }],
    initMs: 12,
    tfVersion: '4.22.0',
    ...overrides,
  };
}

function adapter(overrides: Partial<GpuAdapterSummary> = {}): GpuAdapterSummary {
  return {
    vendor: 'google',
    architecture: 'swiftshader',
    device: '',
    description: '',
    ...overrides,
  };
}

describe('describeBackend', () => {
  it('names the WebGPU adapter architecture', () => {
    expect(describeBackend(report({ backend: 'webgpu', adapter: adapter() }))).toBe(
      'WebGPU · swiftshader',
    );
  });

  it('falls back to the vendor when the browser hides the architecture', () => {
    const hidden = adapter({ vendor: 'nvidia', architecture: '' });
    expect(describeBackend(report({ backend: 'webgpu', adapter: hidden }))).toBe('WebGPU · nvidia');
  });

  it('marks fallback adapters', () => {
    const fallback = adapter({ isFallbackAdapter: true });
    expect(describeBackend(report({ backend: 'webgpu', adapter: fallback }))).toBe(
      'WebGPU · swiftshader (fallback)',
    );
  });

  it('says plain WebGPU when nothing is known about the adapter', () => {
    expect(describeBackend(report({ backend: 'webgpu' }))).toBe('WebGPU');
  });

  it('gives the WebGL version', () => {
    const webgl = { version: 2, maxTextureSize: 8192 };
    expect(describeBackend(report({ backend: 'webgl', webgl }))).toBe('WebGL 2');
    expect(describeBackend(report({ backend: 'webgl', webgl: { ...webgl, version: 1 } }))).toBe(
      'WebGL 1',
    );
    expect(describeBackend(report({ backend: 'webgl' }))).toBe('WebGL');
  });

  it('says CPU for the CPU backend, whatever was requested', () => {
    expect(describeBackend(report({ backend: 'cpu', requested: 'webgpu' }))).toBe('CPU');
  });

  it('says the worker is starting before there is a report', () => {
    expect(describeBackend(undefined)).toBe('Starting…');
  });
});

describe('the wasm backend and the measured choice', () => {
  const choice = (overrides: Partial<BackendChoice> = {}): BackendChoice => ({
    fingerprint: 'device',
    measuredAt: 0,
    measureMs: 390,
    timings: [
      { backend: 'wasm', ms: { train: 3.4, infer: 1.2, poolScoring: 9.7 } },
      { backend: 'cpu', ms: { train: 21.5 }, note: 'stopped after 125 ms (budget 120 ms)' },
      {
        backend: 'webgpu',
        ms: { train: 105, infer: 40 },
        software: true,
        note: 'stopped after 160 ms (budget 120 ms)',
        stoppedAfterMs: 160,
      },
    ],
    chosen: { train: 'wasm', infer: 'wasm', poolScoring: 'wasm' },
    ...overrides,
  });
  const wasm = { simd: true, threads: 1 };

  it('names the wasm build: SIMD and its threads', () => {
    expect(describeBackend(report({ backend: 'wasm', wasm }))).toBe('CPU (wasm, SIMD, 1 thread)');
    expect(describeBackend(report({ backend: 'wasm', wasm: { simd: false, threads: 4 } }))).toBe(
      'CPU (wasm, 4 threads)',
    );
  });

  it('says how much faster the choice is than the software WebGPU adapter it beat', () => {
    const r = report({
      backend: 'wasm',
      wasm,
      adapter: adapter({ isFallbackAdapter: true }),
      choice: choice(),
    });
    // 105 / 3.4 = 30.9
    expect(explainChoice(r)).toBe(
      "CPU (wasm, SIMD, 1 thread) trains 31× faster than WebGPU on this device's software adapter.",
    );
    // 40 / 1.2 = 33.3
    expect(explainChoice(r, 'infer')).toBe(
      "CPU (wasm, SIMD, 1 thread) predicts 33× faster than WebGPU on this device's software adapter.",
    );
  });

  it('says so when the GPU backend ran past its budget instead of inventing a ratio', () => {
    const r = report({ backend: 'wasm', wasm, choice: choice() });
    expect(explainChoice(r, 'poolScoring')).toBe(
      "CPU (wasm, SIMD, 1 thread): scoring 8,192 rows takes 9.7 ms; WebGPU on this device's software adapter had not finished its first steps after 160 ms, so it was stopped.",
    );
  });

  it('says when the user forced the backend', () => {
    expect(explainChoice(report({ backend: 'cpu', requested: 'cpu' }))).toBe(
      'Forced in Settings: CPU.',
    );
  });

  it('gives small ratios with one decimal and near-ties as ties', () => {
    const timings = [
      { backend: 'webgpu' as const, ms: { train: 2, infer: 1, poolScoring: 1 } },
      { backend: 'wasm' as const, ms: { train: 5, infer: 1.02, poolScoring: 3 } },
    ];
    const chosen = {
      train: 'webgpu' as const,
      infer: 'webgpu' as const,
      poolScoring: 'webgpu' as const,
    };
    const r = report({
      backend: 'webgpu',
      adapter: adapter({ architecture: 'hopper', vendor: 'nvidia' }),
      wasm,
      choice: choice({ timings, chosen }),
    });
    expect(explainChoice(r)).toBe(
      'WebGPU · hopper trains 2.5× faster than CPU (wasm, SIMD, 1 thread).',
    );
    expect(explainChoice(r, 'infer')).toBe(
      'WebGPU · hopper: as fast as CPU (wasm, SIMD, 1 thread) here.',
    );
  });
});
