import type { BackendName, BackendReport, BackendTiming, JobKind } from './types';

/** A backend's name as a user reads it. */
export function backendTitle(name: BackendName, report?: BackendReport): string {
  switch (name) {
    case 'webgpu': {
      const gpu = report?.adapter?.architecture || report?.adapter?.vendor;
      const fallback = report?.adapter?.isFallbackAdapter ? ' (fallback)' : '';
      return gpu ? `WebGPU · ${gpu}${fallback}` : `WebGPU${fallback}`;
    }
    case 'webgl':
      return report?.webgl ? `WebGL ${report.webgl.version}` : 'WebGL';
    case 'wasm': {
      if (!report?.wasm) return 'CPU (wasm)';
      const { simd, threads } = report.wasm;
      const parts = [simd ? 'SIMD' : null, `${threads} thread${threads === 1 ? '' : 's'}`];
      return `CPU (wasm, ${parts.filter(Boolean).join(', ')})`;
    }
    case 'cpu':
      return 'CPU';
  }
}

/**
 * The short text of the backend badge: 'WebGPU · swiftshader', 'WebGL 2', 'CPU (wasm, SIMD, 1
 * thread)', 'CPU'. The GPU part is the adapter's architecture (or vendor, when the browser hides
 * the architecture), because that is what tells a user "real GPU" from "software fallback".
 */
export function describeBackend(report: BackendReport | undefined): string {
  if (!report) return 'Starting…';
  return backendTitle(report.backend, report);
}

const KIND_VERB: Record<JobKind, string> = {
  train: 'trains',
  infer: 'predicts',
  poolScoring: 'scores a pool',
};

const KIND_UNIT: Record<JobKind, string> = {
  train: 'a training step takes',
  infer: 'predicting 256 rows takes',
  poolScoring: 'scoring 8,192 rows takes',
};

function describeAlternative(t: BackendTiming, report: BackendReport): string {
  const name = t.backend === 'webgpu' ? 'WebGPU' : backendTitle(t.backend, report);
  if (t.software) {
    return t.backend === 'webgpu'
      ? `${name} on this device's software adapter`
      : `${name} on a software renderer`;
  }
  return name;
}

function times(ratio: number): string {
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
}

/**
 * Why the active backend was chosen, in one sentence: "CPU (wasm, SIMD, 1 thread) trains 31×
 * faster than WebGPU on this device's software adapter." The comparison is with the slowest
 * measured GPU backend that lost (that is the one a user would have expected to win), else with
 * the runner-up; a GPU backend that ran past its budget is named as such.
 */
export function explainChoice(report: BackendReport | undefined, kind: JobKind = 'train'): string {
  if (!report) return '';
  const choice = report.choice;
  if (!choice) return `Forced in Settings: ${backendTitle(report.backend, report)}.`;
  const winnerName = choice.chosen[kind];
  const winner = choice.timings.find((t) => t.backend === winnerName);
  const winnerMs = winner?.ms[kind];
  const title = backendTitle(winnerName, report);
  if (winnerMs === undefined) return `${title} (no backend finished the measurement).`;
  const losers = choice.timings.filter((t) => t.backend !== winnerName);
  const gpuLoser =
    losers.find((t) => t.backend === 'webgpu') ?? losers.find((t) => t.backend === 'webgl');
  const rival = gpuLoser ?? losers[0];
  if (!rival) return `${title}: the only backend that started.`;
  const rivalMs = rival.ms[kind];
  if (rivalMs === undefined) {
    const what = `${title}: ${KIND_UNIT[kind]} ${winnerMs.toFixed(1)} ms; ${describeAlternative(rival, report)}`;
    return rival.stoppedAfterMs !== undefined
      ? `${what} had not finished its first steps after ${Math.round(rival.stoppedAfterMs)} ms, so it was stopped.`
      : `${what} ${rival.note ?? 'was not measured'}.`;
  }
  const ratio = rivalMs / winnerMs;
  if (ratio < 1.05) return `${title}: as fast as ${describeAlternative(rival, report)} here.`;
  return `${title} ${KIND_VERB[kind]} ${times(ratio)} faster than ${describeAlternative(rival, report)}.`;
}

/** Per job kind, every measured backend's milliseconds (null where it has none), for a table. */
export function timingRows(
  report: BackendReport | undefined,
): { backend: BackendName; title: string; ms: Record<JobKind, number | null>; note?: string }[] {
  if (!report?.choice) return [];
  return report.choice.timings.map((t) => ({
    backend: t.backend,
    title: backendTitle(t.backend, report) + (t.software ? ' — software' : ''),
    ms: {
      train: t.ms.train ?? null,
      infer: t.ms.infer ?? null,
      poolScoring: t.ms.poolScoring ?? null,
    },
    ...(t.note ? { note: t.note } : {}),
  }));
}
