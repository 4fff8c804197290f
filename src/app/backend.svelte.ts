import { settingsRepo } from '../persistence';
import {
  describeBackend,
  isAbortError,
  type BackendPreference,
  type BackendReport,
  type MlBridge,
} from '../training';

const PREFERENCE_KEY = 'backendPreference';

/** The backend badge and the backend setting: which backend the ML worker runs on, and whether it works. */
export class BackendStatus {
  #bridge: MlBridge;
  report = $state.raw<BackendReport | undefined>(undefined);
  preference = $state<BackendPreference>('auto');
  starting = $state(false);
  error = $state<string | null>(null);

  readonly label = $derived(this.error ? 'No ML backend' : describeBackend(this.report));
  /** ok: a GPU backend passed its self-test; warn: CPU only (works, slowly); error: nothing works. */
  readonly tone = $derived.by(() => {
    if (this.error) return 'error';
    if (!this.report) return 'idle';
    return this.report.backend === 'cpu' ? 'warn' : 'ok';
  });

  constructor(bridge: MlBridge) {
    this.#bridge = bridge;
    bridge.subscribe((report) => {
      this.report = report;
    });
  }

  /** Starts the worker on the saved preference and checks its arithmetic with the self-test. */
  async start(): Promise<void> {
    this.preference = await settingsRepo.get<BackendPreference>(PREFERENCE_KEY, 'auto');
    this.#bridge.setPreferredBackend(this.preference);
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
}
