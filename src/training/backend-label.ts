import type { BackendReport } from './types';

/**
 * The short text of the backend badge: 'WebGPU · swiftshader', 'WebGL 2', 'CPU'. The GPU part is
 * the adapter's architecture (or vendor, when the browser hides the architecture), because that is
 * what tells a user "real GPU" from "software fallback" at a glance.
 */
export function describeBackend(report: BackendReport | undefined): string {
  if (!report) return 'Starting…';
  switch (report.backend) {
    case 'webgpu': {
      const gpu = report.adapter?.architecture || report.adapter?.vendor;
      const fallback = report.adapter?.isFallbackAdapter ? ' (fallback)' : '';
      return gpu ? `WebGPU · ${gpu}${fallback}` : `WebGPU${fallback}`;
    }
    case 'webgl':
      return report.webgl ? `WebGL ${report.webgl.version}` : 'WebGL';
    case 'cpu':
      return 'CPU';
  }
}
