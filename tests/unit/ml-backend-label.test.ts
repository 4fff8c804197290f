import { describe, expect, it } from 'vitest';
import { describeBackend } from '../../src/training/backend-label';
import type { BackendReport, GpuAdapterSummary } from '../../src/training/types';

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
