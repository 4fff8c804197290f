// The page's handle on the monitor worker (workers/monitor.worker.ts): started on first use,
// one run at a time (a run asked for while one is going joins the queue), an AbortSignal per
// call (the worker stops after the window it is on and stores the windows finished before it:
// windows are contiguous, so the next run goes on from there), idle shutdown.
import * as Comlink from 'comlink';
import { startWorker, terminateWorker, type LiveWorker } from '../lib/worker-host';
import type {
  EmbedItems,
  MonitorApi,
  MonitorRunReply,
  MonitorRunRequest,
} from '../../workers/monitor.worker';

export type { EmbedItems, MonitorRunReply, MonitorRunRequest };

/** The worker is stopped after this long without a call. */
export const MONITOR_IDLE_MS = 60_000;

export class MonitorBridge {
  #live: LiveWorker<MonitorApi, boolean> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #idle: ReturnType<typeof setTimeout> | undefined;
  #jobs = 0;
  readonly #create: () => Worker;

  constructor(create?: () => Worker) {
    this.#create =
      create ??
      (() =>
        new Worker(new URL('../../workers/monitor.worker.ts', import.meta.url), {
          type: 'module',
          name: 'monitor',
        }));
  }

  #start(): LiveWorker<MonitorApi, boolean> {
    if (this.#live) return this.#live;
    const live = startWorker<MonitorApi, boolean>(
      this.#create,
      'monitor worker',
      (api) => api.init(),
      (failed, reason) => {
        terminateWorker(failed, reason);
        if (this.#live === failed) this.#live = null;
      },
    );
    this.#live = live;
    return live;
  }

  /**
   * Computes the windows that are complete since the last stored one. `embed` (image/text
   * versions) is called back from the worker for each window's items: TF.js lives in the ML
   * worker, so the page forwards it to the ML bridge.
   */
  run(
    request: MonitorRunRequest,
    options: { signal?: AbortSignal; embed?: EmbedItems } = {},
  ): Promise<MonitorRunReply> {
    const job = ++this.#jobs;
    const next = this.#queue.then(async () => {
      clearTimeout(this.#idle);
      options.signal?.throwIfAborted();
      const live = this.#start();
      await live.ready;
      const onAbort = () => void live.api.cancel(job);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await Promise.race([
          live.api.run(request, job, options.embed ? Comlink.proxy(options.embed) : undefined),
          live.died,
        ]);
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        this.#idle = setTimeout(() => this.dispose(), MONITOR_IDLE_MS);
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    clearTimeout(this.#idle);
    if (this.#live) terminateWorker(this.#live, new Error('The monitor worker was stopped.'));
    this.#live = null;
  }
}
