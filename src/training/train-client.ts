// The page's helpers for training through the ML bridge: run ids, the request for a run, and the
// sentences the Train page shows for a run's state. Pure (no Svelte); TrainState builds on it.
import type { RunRecord } from '../persistence/schema';
import type { TrainConfig } from './config';
import type { TrainRequest } from './train-types';

/**
 * The app's version (package.json, defined by Vite). Workers get it from the page in the request;
 * outside a Vite build (Node tools) it reads 'dev'.
 */
export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev';

/** A run id that sorts by creation time and does not collide across tabs. */
export function newRunId(now = Date.now()): string {
  return `run-${now.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
}

/** `config` must be plain data (a `$state.snapshot`, not a reactive proxy): it is posted to the worker. */
export function trainRequest(
  dbName: string,
  projectId: string,
  config: TrainConfig,
  appVersion = APP_VERSION,
  runId = newRunId(),
): TrainRequest {
  return { dbName, projectId, runId, config, appVersion };
}

/** Wall time of a run, or of a run still going (up to `now`). */
export function runDurationMs(run: RunRecord, now = Date.now()): number {
  return (run.finishedAt ?? now) - run.startedAt;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** Metrics the run list and the comparison table show, in order, with their labels. */
export const RUN_METRICS: readonly { key: string; label: string; digits: number }[] = [
  { key: 'valAccuracy', label: 'Val. accuracy', digits: 3 },
  { key: 'valMacroF1', label: 'Val. macro-F1', digits: 3 },
  { key: 'testAccuracy', label: 'Test accuracy', digits: 3 },
  { key: 'testMacroF1', label: 'Test macro-F1', digits: 3 },
  { key: 'testLogLoss', label: 'Test log-loss', digits: 3 },
  { key: 'testEce', label: 'Test ECE', digits: 3 },
  { key: 'epochs', label: 'Epochs', digits: 0 },
];

export function formatMetric(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}
