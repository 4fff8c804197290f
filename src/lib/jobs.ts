// A page-wide count of long jobs in flight (worker calls, stream replays), so whatever must not
// interrupt them — the app update, a reload prompt — can wait until the page is idle. Framework-
// free; the shell turns it into state (src/app/updates.svelte.ts).

type Listener = (running: number) => void;

let running = 0;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener(running);
}

/** Counts a job as running; call the returned function once when it ends (extra calls are ignored). */
export function jobStarted(): () => void {
  running++;
  notify();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    running--;
    notify();
  };
}

/** Runs `job` counted as running until it settles. */
export async function trackJob<T>(job: () => Promise<T>): Promise<T> {
  const end = jobStarted();
  try {
    return await job();
  } finally {
    end();
  }
}

export function runningJobs(): number {
  return running;
}

/** Calls `listener` with the count whenever it changes; returns the unsubscribe function. */
export function onRunningJobsChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
