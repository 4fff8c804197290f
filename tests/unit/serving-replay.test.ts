// Stream replay with a virtual clock: ordering, pacing, micro-batches, pause/resume/stop and the
// delayed-label lag, without a worker and without wall-clock time.
import { describe, expect, it } from 'vitest';
import type { NewAnnotation } from '../../src/persistence/annotations-repo';
import type { NewPrediction } from '../../src/persistence/predictions-repo';
import { predictionRecords, toProjectOrder } from '../../src/serving/records';
import {
  StreamReplay,
  type ReplayClock,
  type ReplayEvent,
  type StreamReplayOptions,
} from '../../src/serving/replay';
import { batchDueMs, dueLabels, microBatchSize, replayOrder } from '../../src/serving/stream-order';
import type { ScoreItems, StreamRow } from '../../src/serving/types';

const T0 = 1_000_000;

/** Time only moves when the replay sleeps (or the test advances it). */
class VirtualClock implements ReplayClock {
  t = T0;
  sleeps: number[] = [];
  now = () => this.t;
  sleep = (ms: number, signal: AbortSignal) => {
    this.sleeps.push(ms);
    if (!signal.aborted) this.t += ms;
    return Promise.resolve();
  };
}

function streamRows(n: number, patch: (i: number) => Partial<StreamRow> = () => ({})): StreamRow[] {
  return Array.from({ length: n }, (_, i) => ({
    itemId: `s:${i}`,
    row: i,
    time: 10_000 + i * 1000,
    target: i % 2 === 0 ? 'a' : 'b',
    ...patch(i),
  }));
}

/** Class 'a' with probability 0.75 for even rows, 'b' with 0.6 for odd ones. */
const score: ScoreItems = (itemIds) =>
  Promise.resolve({
    classIds: ['a', 'b'],
    itemIds,
    probabilities: Float32Array.from(
      itemIds.flatMap((id) => (Number(id.split(':')[1]) % 2 === 0 ? [0.75, 0.25] : [0.4, 0.6])),
    ),
  });

function harness(options: Partial<StreamReplayOptions> & { rows: StreamRow[] }) {
  const clock = new VirtualClock();
  const logged: NewPrediction[] = [];
  const labels: NewAnnotation[] = [];
  const events: ReplayEvent[] = [];
  let seq = 0;
  const replay = new StreamReplay({
    context: {
      projectId: 'p',
      modelId: 'm',
      version: 3,
      sourceId: 's',
      jobId: 'job',
      projectClassIds: ['a', 'b', 'c'],
    },
    score,
    log: (records) => {
      logged.push(...records);
      return Promise.resolve(records.map(() => ++seq));
    },
    writeLabels: (entries) => {
      labels.push(...entries);
      return Promise.resolve();
    },
    clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { replay, clock, logged, labels, events };
}

describe('replay order and timing rules', () => {
  it('orders by time, stable on ties, rows without a time last', () => {
    const rows = streamRows(6, (i) => ({ time: [30, null, 10, 30, null, 20][i]! }));
    expect(replayOrder(rows, true).map((r) => r.row)).toEqual([2, 5, 0, 3, 1, 4]);
    expect(replayOrder([...rows].reverse(), false).map((r) => r.row)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reveals item i once item i + lag is predicted', () => {
    expect(dueLabels(0, 2, 3)).toEqual({ from: 0, to: 0 });
    expect(dueLabels(0, 4, 3)).toEqual({ from: 0, to: 1 });
    expect(dueLabels(1, 6, 3)).toEqual({ from: 1, to: 3 });
    expect(dueLabels(0, 5, 0)).toEqual({ from: 0, to: 5 });
  });

  it('paces batches by their last item and sizes them to about ten a second', () => {
    expect(batchDueMs(1, 10)).toBe(0);
    expect(batchDueMs(2, 10)).toBe(100);
    expect(batchDueMs(50, Infinity)).toBe(0);
    expect(microBatchSize(10)).toBe(1);
    expect(microBatchSize(100)).toBe(10);
    expect(microBatchSize(1000)).toBe(100);
    expect(microBatchSize(1e6)).toBe(256);
    expect(microBatchSize(Infinity)).toBe(256);
  });

  it('logs probabilities in the project class order with the event time as `at`', () => {
    expect(toProjectOrder(['b', 'a'], ['a', 'b', 'c'], [0.3, 0.7])).toEqual([0.7, 0.3, 0]);
    const [r] = predictionRecords(
      {
        projectId: 'p',
        modelId: 'm',
        version: 1,
        sourceId: 's',
        mode: 'batch',
        jobId: 'j',
        projectClassIds: ['a', 'b'],
      },
      { classIds: ['b', 'a'], itemIds: ['x'], probabilities: Float32Array.from([0.25, 0.75]) },
      () => null,
      42,
    );
    expect(r).toMatchObject({ label: 'a', probabilities: [0.75, 0.25], at: 42, scoredAt: 42 });
    expect(r!.confidence).toBeCloseTo(0.75);
  });
});

describe('StreamReplay', () => {
  it('scores micro-batches at the chosen speed and logs them in stream order', async () => {
    const rows = replayOrder(
      streamRows(10, (i) => ({ time: 10_000 + (9 - i) * 1000 })),
      true,
    );
    const { replay, clock, logged, events } = harness({ rows, speed: 10, batchSize: 2 });
    const summary = await replay.start();
    expect(summary).toMatchObject({ state: 'finished', logged: 10, total: 10, labelsRevealed: 0 });
    expect(logged.map((r) => r.itemId)).toEqual(rows.map((r) => r.itemId));
    // Batch [2k, 2k + 2) is due when item 2k + 1 arrives: (2k + 1) / 10 s after the start.
    expect(clock.sleeps).toEqual([100, 200, 200, 200, 200]);
    expect([...new Set(logged.map((r) => r.scoredAt))]).toEqual(
      [100, 300, 500, 700, 900].map((ms) => T0 + ms),
    );
    expect(logged.map((r) => r.at)).toEqual(rows.map((r) => r.time));
    expect(logged[0]).toMatchObject({ mode: 'replay', jobId: 'job', version: 3, modelId: 'm' });
    expect(logged[0]!.probabilities).toHaveLength(3);
    expect(summary.distribution).toEqual({ a: 5, b: 5 });
    const batches = events.filter((e) => e.kind === 'batch');
    expect(batches.map((e) => e.position)).toEqual([2, 4, 6, 8, 10]);
    expect(batches[0]!.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(events.at(-1)).toEqual({ kind: 'state', state: 'finished' });
  });

  it('runs without sleeping as fast as possible', async () => {
    const { replay, clock, logged } = harness({ rows: streamRows(600), speed: Infinity });
    expect(replay.batchSize).toBe(256);
    await replay.start();
    expect(clock.sleeps).toEqual([]);
    expect(logged).toHaveLength(600);
  });

  it('reveals targets lag items later, timed at the revealing item, skipping unknown targets', async () => {
    const rows = streamRows(7, (i) => ({ target: i === 1 ? null : i % 2 === 0 ? 'a' : 'b' }));
    const { replay, labels, events, logged } = harness({
      rows,
      speed: Infinity,
      batchSize: 2,
      labelLag: 3,
    });
    const summary = await replay.start();
    expect(labels.map((l) => [l.itemId, l.label, l.at])).toEqual([
      ['s:0', 'a', rows[3]!.time],
      ['s:2', 'a', rows[5]!.time],
      ['s:3', 'b', rows[6]!.time],
    ]);
    expect(labels[0]).toMatchObject({
      annotator: 'delayed-labels',
      kind: 'import',
      sessionId: 'replay:job',
      projectId: 'p',
    });
    expect(summary.labelsRevealed).toBe(3);
    const perBatch = events.flatMap((e) => (e.kind === 'batch' ? [e.labels.length] : []));
    expect(perBatch).toEqual([0, 1, 1, 1]);
    // Every revealed label follows its prediction in the log.
    for (const l of labels) expect(logged.some((r) => r.itemId === l.itemId)).toBe(true);
  });

  it('pauses after the batch in flight, excludes paused time, resumes and stops', async () => {
    const { replay, clock, logged, events } = harness({
      rows: streamRows(8),
      speed: 10,
      batchSize: 2,
    });
    let paused = false;
    replay.on((e) => {
      if (e.kind === 'batch' && e.position === 2 && !paused) {
        paused = true;
        replay.pause();
      }
    });
    const run = replay.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(replay.state).toBe('paused');
    expect(replay.position).toBe(2);
    clock.t += 60_000; // a minute passes while paused: it does not count
    replay.resume();
    await new Promise((r) => setTimeout(r, 0));
    expect(replay.position).toBe(8);
    const summary = await run;
    expect(summary.state).toBe('finished');
    expect(clock.sleeps).toEqual([100, 200, 200, 200]);
    expect(logged[2]!.scoredAt).toBe(T0 + 60_000 + 300);
    expect(events.filter((e) => e.kind === 'state').map((e) => e.state)).toEqual([
      'running',
      'paused',
      'running',
      'finished',
    ]);
  });

  it('stops mid-batch: the batch in flight is cancelled and not logged', async () => {
    let calls = 0;
    const slowScore: ScoreItems = (itemIds, signal) => {
      calls++;
      if (calls === 1) return score(itemIds);
      return new Promise((_, reject) =>
        signal!.addEventListener('abort', () => reject(new DOMException('stop', 'AbortError'))),
      );
    };
    const { replay, logged } = harness({
      rows: streamRows(6),
      speed: Infinity,
      batchSize: 2,
      score: slowScore,
    });
    const run = replay.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(2);
    replay.stop();
    const summary = await run;
    expect(summary).toMatchObject({ state: 'stopped', logged: 2 });
    expect(logged).toHaveLength(2);
  });

  it('changes speed from the current position on', async () => {
    const { replay, clock } = harness({ rows: streamRows(6), speed: 10, batchSize: 2 });
    replay.on((e) => {
      if (e.kind === 'batch' && e.position === 2) replay.setSpeed(100);
    });
    await replay.start();
    // First batch due at 100 ms; from position 2 at 100 items/s: item 3 at +10 ms, item 5 at +30 ms.
    expect(clock.sleeps).toEqual([100, 10, 20]);
  });

  it('keeps the asked order when the scorer answers in source order', async () => {
    const rows = replayOrder(
      streamRows(4, (i) => ({ time: 100 - i })),
      true,
    );
    const sourceOrder: ScoreItems = async (itemIds) => {
      const sorted = [...itemIds].sort();
      return score(sorted);
    };
    const { replay, logged } = harness({ rows, speed: Infinity, batchSize: 4, score: sourceOrder });
    await replay.start();
    expect(logged.map((r) => r.itemId)).toEqual(['s:3', 's:2', 's:1', 's:0']);
    expect(logged.map((r) => r.label)).toEqual(['b', 'a', 'b', 'a']);
  });

  it('fails cleanly when the log cannot be written', async () => {
    const { replay } = harness({
      rows: streamRows(4),
      speed: Infinity,
      batchSize: 2,
      log: () => Promise.reject(new Error('disk full')),
    });
    const summary = await replay.start();
    expect(summary).toMatchObject({ state: 'failed', logged: 0, error: 'disk full' });
  });

  it('refuses a lag without a label writer and a bad speed', () => {
    const base = harness({ rows: streamRows(1) });
    expect(
      () =>
        new StreamReplay({
          context: {
            projectId: 'p',
            modelId: 'm',
            version: 1,
            sourceId: 's',
            jobId: 'j',
            projectClassIds: [],
          },
          rows: [],
          score,
          log: () => Promise.resolve([]),
          labelLag: 5,
        }),
    ).toThrow(/writeLabels/);
    expect(() => base.replay.setSpeed(0)).toThrow(/positive/);
  });
});
