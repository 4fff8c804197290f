// What every worker bridge (src/training/ml-bridge.ts, src/data/ingest-bridge.ts) does with a
// worker it starts: wrap it with Comlink, watch it die, initialise it, terminate it. The bridges
// keep their own queues and cancel rules; this is only the shared life cycle.
import * as Comlink from 'comlink';

/** One started worker and what we know about it. */
export interface LiveWorker<Api, Ready> {
  worker: Worker;
  api: Comlink.Remote<Api>;
  /** Settles with the worker's `init`; rejects if init fails or the worker dies first. */
  ready: Promise<Ready>;
  /** Rejects when the worker dies or is terminated, so no call waits on a dead worker forever. */
  died: Promise<never>;
  kill: (reason: Error) => void;
}

/**
 * Starts a worker and runs `init` on it. `onFailure` is told when the worker reports an uncaught
 * error (a module that failed to load, a crash): its state is then unknown and Comlink calls may
 * never answer, so the caller should terminate and replace it.
 */
export function startWorker<Api, Ready>(
  create: () => Worker,
  label: string,
  init: (api: Comlink.Remote<Api>) => Promise<Ready>,
  onFailure: (live: LiveWorker<Api, Ready>, reason: Error) => void,
): LiveWorker<Api, Ready> {
  const worker = create();
  const api = Comlink.wrap<Api>(worker);
  let kill!: (reason: Error) => void;
  const died = new Promise<never>((_, reject) => (kill = reject));
  // Nobody may be racing `died` when it fires; that is not an unhandled rejection.
  died.catch(() => undefined);
  const live: LiveWorker<Api, Ready> = { worker, api, died, kill, ready: undefined! };
  worker.addEventListener('error', (event) => {
    const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : '';
    onFailure(live, new Error(`The ${label} failed${detail}`));
  });
  live.ready = Promise.race([init(api), died]);
  return live;
}

/** Terminates the worker; its pending calls reject with `reason` through `died`. */
export function terminateWorker(live: LiveWorker<unknown, unknown>, reason: Error): void {
  live.worker.terminate();
  live.kill(reason);
}

/** A cancellable timer, for cancel grace periods. */
export function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}
