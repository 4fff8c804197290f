// Cooperative cancellation for long worker jobs. The page's bridge gives every job an id and, when
// its AbortSignal fires, calls `cancel(id)` over Comlink. That message is only processed while the
// job is suspended at an `await`, so long jobs must `await yieldToEventLoop()` between steps and
// call `throwIfCancelled()` after it. Jobs that never yield are terminated by the bridge instead.

/** Thrown inside the worker when a job notices it was cancelled. Comlink keeps `name` on the way out. */
export class JobCancelledError extends Error {
  override name = 'AbortError';
  constructor(jobId: number) {
    super(`Job ${jobId} was cancelled`);
  }
}

export interface JobToken {
  readonly id: number;
  readonly cancelled: boolean;
  throwIfCancelled(): void;
}

const running = new Map<number, { cancelled: boolean }>();
// A cancel can in principle overtake the start of its job (e.g. a job queued behind init); remember
// it so the job starts out cancelled. Bounded so stray ids cannot grow it forever.
const cancelledEarly = new Set<number>();
const MAX_EARLY_CANCELS = 64;

/** Registers a job; pair with `endJob` in a `finally`. Jobs without an id cannot be cancelled. */
export function beginJob(jobId: number | undefined): JobToken {
  const id = jobId ?? -1;
  const state = { cancelled: cancelledEarly.delete(id) };
  if (jobId !== undefined) running.set(id, state);
  return {
    id,
    get cancelled() {
      return state.cancelled;
    },
    throwIfCancelled() {
      if (state.cancelled) throw new JobCancelledError(id);
    },
  };
}

export function endJob(token: JobToken): void {
  running.delete(token.id);
}

/** Marks a job cancelled. Returns whether it was running (false: remembered for when it starts). */
export function cancelJob(jobId: number): boolean {
  const state = running.get(jobId);
  if (state) {
    state.cancelled = true;
    return true;
  }
  if (cancelledEarly.size >= MAX_EARLY_CANCELS) cancelledEarly.clear();
  cancelledEarly.add(jobId);
  return false;
}

/**
 * Lets queued messages (such as a cancel) run. A MessageChannel round trip rather than
 * `setTimeout(0)`: nested timeouts are clamped to 4 ms, which would distort short benchmark steps.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
