// The in-browser half of the `backends` suite (bench/suites/backends.mjs). Everything goes through
// the real ML bridge and worker, so the figures include what the app pays (Comlink, module worker
// start, TF.js init).
import {
  MlBridge,
  type BackendChoice,
  type BackendPreference,
  type BackendReport,
} from '../../src/training';
import type { MatmulBenchOptions, MatmulBenchResult } from '../../src/training';

export interface StartupSample {
  /** `new Worker` → `init` resolved, as the page sees it. */
  totalMs: number;
  /** The part spent inside the worker's `init` (backend probing and initialisation). */
  initMs: number;
  report: BackendReport;
}

export const backendsBench = {
  /** One cold worker start: a new bridge (hence a new worker) up to a ready backend. */
  async startup(prefer: BackendPreference): Promise<StartupSample> {
    const bridge = new MlBridge({ prefer });
    try {
      const started = performance.now();
      const report = await bridge.ready();
      return { totalMs: performance.now() - started, initMs: report.initMs, report };
    } finally {
      bridge.dispose();
    }
  },

  /**
   * A cold start of `auto` that is handed an earlier measurement of this device (as the page does
   * from its settings): the start-up a returning user pays.
   */
  async startupCached(choice: BackendChoice): Promise<StartupSample> {
    const bridge = new MlBridge({ prefer: 'auto' });
    bridge.setCachedChoice(choice);
    try {
      const started = performance.now();
      const report = await bridge.ready();
      return { totalMs: performance.now() - started, initMs: report.initMs, report };
    } finally {
      bridge.dispose();
    }
  },

  async matmul(
    prefer: BackendPreference,
    options: MatmulBenchOptions,
  ): Promise<{ report: BackendReport; bench: MatmulBenchResult }> {
    const bridge = new MlBridge({ prefer });
    try {
      const report = await bridge.ready();
      const selfTest = await bridge.selfTest();
      if (!selfTest.ok) throw new Error(`Self-test failed on ${report.backend}`);
      const bench = await bridge.benchMatmul(options, {
        onProgress: (p) =>
          console.log(
            `[bench] ${report.backend} n=${p.size}: ${p.result.gflops.toFixed(2)} GFLOP/s`,
          ),
      });
      return { report, bench };
    } finally {
      bridge.dispose();
    }
  },
};
