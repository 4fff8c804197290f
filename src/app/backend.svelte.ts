import { settingsRepo } from '../persistence';
import {
  describeBackend,
  explainChoice,
  isAbortError,
  type BackendChoice,
  type BackendPreference,
  type BackendReport,
  type MlBridge,
} from '../training';

const PREFERENCE_KEY = 'backendPreference';
/** The last measurement of the backends on this device (workers/backend.ts reuses it if it still applies). */
const CHOICE_KEY = 'backendChoice';

/** The backend badge and the backend setting: which backend the ML worker runs on, why, and whether it works. */
export class BackendStatus {
  #bridge: MlBridge;
  report = $state.raw<BackendReport | undefined>(undefined);
  preference = $state<BackendPreference>('auto');
  starting = $state(false);
  error = $state<string | null>(null);

  readonly label = $derived(this.error ? 'No ML backend' : describeBackend(this.report));
  /** "CPU (wasm, SIMD, 1 thread) trains 31× faster than WebGPU on this device's software adapter." */
  readonly reason = $derived(this.error ? '' : explainChoice(this.report));
  /**
   * ok: the backend was chosen by measurement (the fastest here) or is a GPU; warn: CPU forced by
   * the user while faster ones may exist; error: nothing works.
   */
  readonly tone = $derived.by(() => {
    if (this.error) return 'error';
    if (!this.report) return 'idle';
    if (this.report.choice) return 'ok';
    return this.report.backend === 'cpu' ? 'warn' : 'ok';
  });

  constructor(bridge: MlBridge) {
    this.#bridge = bridge;
    bridge.subscribe((report) => {
      this.report = report;
      // A fresh measurement is kept for the next start on this device.
      if (report?.measured && report.choice) void settingsRepo.set(CHOICE_KEY, report.choice);
    });
  }

  /** Starts the worker on the saved preference and checks its arithmetic with the self-test. */
  async start(): Promise<void> {
    this.preference = await settingsRepo.get<BackendPreference>(PREFERENCE_KEY, 'auto');
    const cached = await settingsRepo.get<BackendChoice | null>(CHOICE_KEY, null);
    this.#bridge.setCachedChoice(cached ?? undefined);
    this.#bridge.setPreferredBackend(this.preference);
    await this.#selfTest();
  }

  async #selfTest(): Promise<void> {
    this.starting = true;
    this.error = null;
    try {
      const test = await this.#bridge.selfTest();
      if (!test.ok) {
        this.error = `The ${test.backend} backend computed wrong numbers in its self-test (error ${test.maxAbsError.toExponential(1)}). Choose another backend in Settings.`;
      }
    } catch (e) {
      // A switch of backend aborts the start in flight; the new start reports for itself.
      if (isAbortError(e)) return;
      this.error = `The ML worker could not start: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.starting = false;
    }
  }

  async setPreference(preference: BackendPreference): Promise<void> {
    await settingsRepo.set(PREFERENCE_KEY, preference);
    await this.start();
  }

  /** Forgets the cached figures and measures every backend again (Settings → Measure again). */
  async remeasure(): Promise<void> {
    await settingsRepo.set(CHOICE_KEY, null);
    this.#bridge.remeasure();
    await this.#selfTest();
  }
}
