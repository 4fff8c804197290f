// Stream replay: a time-ordered production source played back as live traffic at a chosen speed.
// Micro-batches are scored (the champion through the ML bridge, or any `ScoreItems`), logged to the
// prediction log (mode 'replay'), and — when a label lag is set — the ground truth of earlier items
// is revealed as delayed-label annotations. Plain TypeScript with every dependency injected (clock
// included), so the page, e2e helpers, benchmarks and unit tests drive the same class headless.
import type { NewAnnotation } from '../persistence/annotations-repo';
import type { NewPrediction } from '../persistence/predictions-repo';
import type { PredictionRecord } from '../persistence/schema';
import { classDistribution, predictionRecords } from './records';
import { batchDueMs, dueLabels, microBatchSize } from './stream-order';
import type { PredictionContext, ScoreItems, StreamRow } from './types';

/** Time for pacing: `now()` in epoch ms; `sleep` resolves after `ms`, or early when aborted. */
export interface ReplayClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: ReplayClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    }),
};

export type ReplayState = 'idle' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Annotator name (and label-log marker) of labels revealed by a replay or read from a file. */
export const DELAYED_LABELS_ANNOTATOR = 'delayed-labels';

export interface StreamReplayOptions {
  /** Model, source, job and class order of the logged predictions (`mode` is always 'replay'). */
  context: Omit<PredictionContext, 'mode'>;
  /** The stream, already in replay order (see `replayOrder`). */
  rows: readonly StreamRow[];
  score: ScoreItems;
  /** Appends prediction rows in one transaction; returns their `seq`s. */
  log: (records: NewPrediction[]) => Promise<number[]>;
  /** Appends revealed labels in one transaction. Required when `labelLag` is set. */
  writeLabels?: (entries: NewAnnotation[]) => Promise<unknown>;
  /** Items per second; `Infinity` = as fast as possible. Default 100. */
  speed?: number;
  /** Items per micro-batch; default `microBatchSize(speed)` (about ten batches a second). */
  batchSize?: number;
  /** Reveal each item's target `labelLag` items after its prediction; null/undefined = never. */
  labelLag?: number | null;
  clock?: ReplayClock;
  /** Called with every event, before listeners added with `on`. */
  onEvent?: (event: ReplayEvent) => void;
}

/** One micro-batch scored and logged (and the labels it revealed written). */
export interface ReplayBatchEvent {
  kind: 'batch';
  /** The logged rows, with their `seq`. */
  records: PredictionRecord[];
  /** Labels revealed after this batch (already written). */
  labels: NewAnnotation[];
  /** Items predicted so far (stream position after this batch). */
  position: number;
  total: number;
}

export type ReplayEvent = ReplayBatchEvent | { kind: 'state'; state: ReplayState; error?: string };

export interface ReplaySummary {
  jobId: string;
  state: ReplayState;
  /** Predictions logged. */
  logged: number;
  total: number;
  labelsRevealed: number;
  distribution: Record<string, number>;
  error?: string;
}

export class StreamReplay {
  readonly #options: StreamReplayOptions;
  readonly #clock: ReplayClock;
  readonly #rows: readonly StreamRow[];
  readonly #listeners = new Set<(event: ReplayEvent) => void>();
  readonly #lag: number | null;
  readonly #fixedBatch: number | undefined;
  #speed: number;
  #state: ReplayState = 'idle';
  #position = 0;
  #revealedUpTo = 0;
  #labelsRevealed = 0;
  #distribution: Record<string, number> = {};
  #error: string | undefined;
  /** Running time (ms, pauses excluded) accumulated before the current running segment. */
  #elapsedBefore = 0;
  #segmentStart = 0;
  /** Pacing restarts from here after a speed change: position and running time then. */
  #anchor = { position: 0, ms: 0 };
  /** Aborted on stop: cancels the scoring call in flight. */
  readonly #stop = new AbortController();
  /** Aborted on pause / stop / speed change: wakes the pacing sleep. */
  #wake = new AbortController();
  #resumed: (() => void) | undefined;
  #run: Promise<ReplaySummary> | undefined;

  constructor(options: StreamReplayOptions) {
    if (options.labelLag != null && !options.writeLabels) {
      throw new Error('A label lag needs writeLabels to write the revealed labels');
    }
    if (options.labelLag != null && (!Number.isInteger(options.labelLag) || options.labelLag < 0)) {
      throw new Error(`The label lag must be a whole number of items ≥ 0, not ${options.labelLag}`);
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#rows = options.rows;
    this.#lag = options.labelLag ?? null;
    this.#fixedBatch = options.batchSize;
    this.#speed = validSpeed(options.speed ?? 100);
  }

  get state(): ReplayState {
    return this.#state;
  }
  /** Items predicted and logged so far. */
  get position(): number {
    return this.#position;
  }
  get total(): number {
    return this.#rows.length;
  }
  get speed(): number {
    return this.#speed;
  }
  get labelsRevealed(): number {
    return this.#labelsRevealed;
  }
  get jobId(): string {
    return this.#options.context.jobId;
  }
  get error(): string | undefined {
    return this.#error;
  }
  /** Items per micro-batch at the current speed. */
  get batchSize(): number {
    return this.#fixedBatch ?? microBatchSize(this.#speed);
  }

  summary(): ReplaySummary {
    return {
      jobId: this.jobId,
      state: this.#state,
      logged: this.#position,
      total: this.total,
      labelsRevealed: this.#labelsRevealed,
      distribution: { ...this.#distribution },
      ...(this.#error !== undefined ? { error: this.#error } : {}),
    };
  }

  /** Adds a listener for batch and state events; returns the function that removes it. */
  on(listener: (event: ReplayEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the replay; resolves when it finishes, is stopped, or fails (never rejects). */
  start(): Promise<ReplaySummary> {
    if (this.#run) return this.#run;
    this.#segmentStart = this.#clock.now();
    this.#setState('running');
    this.#run = this.#loop();
    return this.#run;
  }

  /** Lets the batch in flight finish, then waits. */
  pause(): void {
    if (this.#state !== 'running') return;
    this.#elapsedBefore += this.#clock.now() - this.#segmentStart;
    this.#setState('paused');
    this.#wake.abort();
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    this.#segmentStart = this.#clock.now();
    this.#setState('running');
    this.#resumed?.();
  }

  /** Ends the replay: the batch in flight is cancelled and not logged. */
  stop(): void {
    if (this.#state !== 'running' && this.#state !== 'paused' && this.#state !== 'idle') return;
    const wasIdle = this.#state === 'idle';
    this.#setState('stopped');
    this.#stop.abort();
    this.#wake.abort();
    this.#resumed?.();
    if (wasIdle) this.#run = Promise.resolve(this.summary());
  }

  /** Changes the speed from the current position on (items per second; Infinity = max). */
  setSpeed(itemsPerSecond: number): void {
    this.#speed = validSpeed(itemsPerSecond);
    this.#anchor = { position: this.#position, ms: this.#runningMs() };
    this.#wake.abort();
  }

  #runningMs(): number {
    return this.#state === 'running'
      ? this.#elapsedBefore + (this.#clock.now() - this.#segmentStart)
      : this.#elapsedBefore;
  }

  #setState(state: ReplayState, error?: string): void {
    this.#state = state;
    this.#emit({ kind: 'state', state, ...(error !== undefined ? { error } : {}) });
  }

  #emit(event: ReplayEvent): void {
    this.#options.onEvent?.(event);
    for (const listener of this.#listeners) listener(event);
  }

  /** Waits until the batch ending at `end` is due; false when the replay should re-check state. */
  async #pace(end: number): Promise<boolean> {
    const due = this.#anchor.ms + batchDueMs(end - this.#anchor.position, this.#speed);
    const wait = due - this.#runningMs();
    if (wait <= 0) return true;
    this.#wake = new AbortController();
    await this.#clock.sleep(wait, this.#wake.signal);
    return !this.#wake.signal.aborted;
  }

  async #loop(): Promise<ReplaySummary> {
    const { context } = this.#options;
    const timeOf = new Map<string, number | null>();
    for (const row of this.#rows) timeOf.set(row.itemId, row.time);
    try {
      while (this.#position < this.#rows.length) {
        if (this.#state === 'stopped') break;
        if (this.#state === 'paused') {
          await new Promise<void>((resolve) => (this.#resumed = resolve));
          this.#resumed = undefined;
          continue;
        }
        const start = this.#position;
        const end = Math.min(this.#rows.length, start + this.batchSize);
        if (!(await this.#pace(end))) continue;
        if (this.#state !== 'running') continue;

        const itemIds = this.#rows.slice(start, end).map((r) => r.itemId);
        let scored;
        try {
          scored = await this.#options.score(itemIds, this.#stop.signal);
        } catch (e) {
          if (this.#stop.signal.aborted) break;
          throw e;
        }
        if (this.#stop.signal.aborted) break;
        const records = predictionRecords(
          { ...context, mode: 'replay' },
          orderLike(scored, itemIds),
          (id) => timeOf.get(id) ?? null,
          this.#clock.now(),
        );
        const seqs = await this.#options.log(records);
        this.#position = end;
        classDistribution(records, this.#distribution);
        const labels = await this.#revealLabels();
        this.#emit({
          kind: 'batch',
          records: records.map((r, i) => ({ ...r, seq: seqs[i]! })),
          labels,
          position: this.#position,
          total: this.#rows.length,
        });
      }
      if (this.#state === 'running' || this.#state === 'paused') this.#setState('finished');
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
      this.#setState('failed', this.#error);
    }
    return this.summary();
  }

  async #revealLabels(): Promise<NewAnnotation[]> {
    if (this.#lag === null) return [];
    const { from, to } = dueLabels(this.#revealedUpTo, this.#position, this.#lag);
    if (to <= from) return [];
    const { context } = this.#options;
    const entries: NewAnnotation[] = [];
    for (let i = from; i < to; i++) {
      const row = this.#rows[i]!;
      if (row.target === null) continue;
      // The label becomes known when the item `lag` positions later arrives: its event time.
      const revealer = this.#rows[i + this.#lag];
      entries.push({
        projectId: context.projectId,
        itemId: row.itemId,
        label: row.target,
        annotator: DELAYED_LABELS_ANNOTATOR,
        sessionId: `replay:${context.jobId}`,
        kind: 'import',
        at: revealer?.time ?? row.time ?? this.#clock.now(),
      });
    }
    if (entries.length > 0) await this.#options.writeLabels!(entries);
    this.#revealedUpTo = to;
    this.#labelsRevealed += entries.length;
    return entries;
  }
}

function validSpeed(itemsPerSecond: number): number {
  if (!(itemsPerSecond > 0)) {
    throw new Error(`The replay speed must be a positive number of items per second`);
  }
  return itemsPerSecond;
}

/** The scored batch in the order the items were asked for (the worker returns source order). */
function orderLike(
  scored: { classIds: string[]; itemIds: string[]; probabilities: Float32Array },
  itemIds: readonly string[],
): { classIds: string[]; itemIds: string[]; probabilities: Float32Array } {
  const k = scored.classIds.length;
  if (scored.itemIds.every((id, i) => id === itemIds[i])) return scored;
  const rowOf = new Map(scored.itemIds.map((id, i) => [id, i]));
  const kept = itemIds.filter((id) => rowOf.has(id));
  const probabilities = new Float32Array(kept.length * k);
  kept.forEach((id, i) => {
    const r = rowOf.get(id)!;
    probabilities.set(scored.probabilities.subarray(r * k, (r + 1) * k), i * k);
  });
  return { classIds: scored.classIds, itemIds: kept, probabilities };
}
