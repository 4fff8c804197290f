// The app's own updates. A new build's service worker installs in the background and waits; the
// user is told and chooses when to reload. While a job runs (training, import, scoring, a replay)
// the reload waits for it, so an update never cuts work off midway.
import { onRunningJobsChange, runningJobs } from '../lib/jobs';

/** What `vite-plugin-pwa`'s `registerSW` returns: activates the waiting worker and reloads. */
export type ApplyUpdate = (reloadPage?: boolean) => Promise<void>;

export class AppUpdate {
  /** A new version is installed and waiting. */
  available = $state(false);
  /** The user asked to update; it happens as soon as no job runs. */
  pending = $state(false);
  /** Jobs in flight now. */
  busy = $state(runningJobs());
  /** The app is cached and works offline (said once, after the first install). */
  offlineReady = $state(false);

  #apply: ApplyUpdate | undefined;

  constructor() {
    onRunningJobsChange((n) => {
      this.busy = n;
      if (n === 0 && this.pending) void this.#applyNow();
    });
  }

  /** Wires the service worker's registration; `apply` activates the waiting worker. */
  attach(apply: ApplyUpdate): void {
    this.#apply = apply;
  }

  needRefresh(): void {
    this.available = true;
  }

  /** Updates now when idle, else as soon as the running jobs end. */
  request(): void {
    this.pending = true;
    if (this.busy === 0) void this.#applyNow();
  }

  /** Takes back a requested update that is still waiting for jobs. */
  postpone(): void {
    this.pending = false;
  }

  async #applyNow(): Promise<void> {
    this.pending = false;
    await this.#apply?.(true);
  }
}

export const appUpdate = new AppUpdate();
