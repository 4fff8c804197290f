// The in-browser half of the `automation` suite (bench/suites/automation.mjs). TF.js runs in this
// page on the requested backend (CPU by default, as the worker's tests), with the ML worker's own
// continual-learning code (workers/ml-continual.ts: the EWC/MAS penalty and importances) and the
// automation's pure parts (triggers, data selection, reservoir / EXP3 replay) on monitoring's
// seeded SEA drifting stream (src/monitoring/synthetic-streams.ts). No IndexedDB: the pipeline's
// stages are played in memory so the figures measure the learning, not the storage.
//
// 1. `stream`: windowed accuracy over the whole stream with automation off (the first model
//    serves forever) and on (a drift policy: DDM over the delayed-label errors sets each window's
//    state; the trigger fires, data selection picks by the drift's shape, a challenger is
//    fine-tuned with replay + EWC and promoted if McNemar's gate on the recent holdout passes).
// 2. `forgetting`: base model on concept A, then a challenger for concept B by full retrain, naive
//    fine-tune, fine-tune + replay, + EWC, + MAS (and penalties without replay; bandit vs uniform
//    replay): accuracy on the new concept, retention on the old one, training time.
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../src/lib/rng';
import { seaStream } from '../../src/monitoring/synthetic-streams';
import { Ddm } from '../../src/monitoring/detectors';
import { accuracyZTest } from '../../src/monitoring/engine';
import type { ReferenceAccuracy } from '../../src/monitoring/reference-profile';
import { evaluateGate } from '../../src/registry/gate';
import { evaluateTrigger, type TriggerPolicy } from '../../src/automation/triggers';
import {
  resolveSelection,
  selectTrainingItems,
  type LabelledItem,
} from '../../src/automation/data-selection';
import {
  Exp3,
  banditSample,
  lossReductionReward,
  reservoirSample,
} from '../../src/automation/replay';
import { DEFAULT_POLICY_CONFIG, type PolicyClock } from '../../src/automation/types';
import type { MonitorState } from '../../src/persistence/schema';
import {
  estimateImportance,
  trainableVariables,
  withImportancePenalty,
  type PenaltyAnchor,
} from '../../workers/ml-continual';

interface Data {
  x: Float32Array;
  y: Int32Array;
  rows: number;
}

const DIM = 3;

function slice(d: Data, idx: ArrayLike<number>): Data {
  const x = new Float32Array(idx.length * DIM);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    x.set(d.x.subarray(r * DIM, (r + 1) * DIM), i * DIM);
    y[i] = d.y[r]!;
  }
  return { x, y, rows: idx.length };
}

function concat(a: Data, b: Data): Data {
  const x = new Float32Array((a.rows + b.rows) * DIM);
  x.set(a.x);
  x.set(b.x, a.rows * DIM);
  const y = new Int32Array(a.rows + b.rows);
  y.set(a.y);
  y.set(b.y, a.rows);
  return { x, y, rows: a.rows + b.rows };
}

/** SEA rows standardised with fixed statistics (the champion's featurisation, kept by fine-tunes). */
function seaData(opts: Parameters<typeof seaStream>[0]): Data & { concept: Uint8Array } {
  const s = seaStream(opts);
  const n = s.labels.length;
  const x = new Float32Array(n * DIM);
  const cols = [s.columns.x1, s.columns.x2, s.columns.x3];
  for (let i = 0; i < n; i++) {
    // U[0, 10]: mean 5, sd 10/√12 ≈ 2.89 — the first concept's statistics.
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = (cols[j]![i]! - 5) / 2.89;
  }
  return { x, y: Int32Array.from(s.labels), rows: n, concept: s.concept };
}

function buildModel(seed: number): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      inputShape: [DIM],
      units: 32,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, 1) }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 16,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, 2) }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 2,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 3) }),
    }),
  );
  return m;
}

function cloneModel(src: tf.LayersModel, seed: number): tf.Sequential {
  const m = buildModel(seed);
  m.setWeights(src.getWeights());
  return m;
}

interface FitOptions {
  epochs: number;
  lr: number;
  seed: number;
  penalty?: { kind: 'ewc' | 'mas'; lambda: number; on: Data };
}

/** Fits with seeded shuffling; returns the training time in ms (importance estimate included). */
async function fit(model: tf.LayersModel, data: Data, o: FitOptions): Promise<number> {
  const t0 = performance.now();
  let anchor: PenaltyAnchor | undefined;
  const ce = (t: tf.Tensor, p: tf.Tensor) => tf.metrics.categoricalCrossentropy(t, p);
  let loss: (t: tf.Tensor, p: tf.Tensor) => tf.Tensor = ce;
  if (o.penalty && o.penalty.lambda > 0) {
    const importance = await estimateImportance(
      model,
      o.penalty.kind,
      o.penalty.on.x,
      o.penalty.on.rows,
      [DIM],
      o.penalty.on.y,
    );
    anchor = { anchor: trainableVariables(model).map((v) => tf.clone(v)), importance };
    loss = withImportancePenalty(ce, model, anchor, o.penalty.lambda);
  }
  model.compile({ optimizer: tf.train.adam(o.lr), loss });
  const rng = createRng(o.seed);
  const order = Array.from({ length: data.rows }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const d = slice(data, order);
  const xs = tf.tensor2d(d.x, [d.rows, DIM]);
  const ys = tf.oneHot(tf.tensor1d(d.y, 'int32'), 2);
  await model.fit(xs, ys, { epochs: o.epochs, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  if (anchor) tf.dispose([...anchor.anchor, ...anchor.importance]);
  return performance.now() - t0;
}

function predict(model: tf.LayersModel, d: Data): Int32Array {
  if (d.rows === 0) return new Int32Array(0);
  return tf.tidy(() => {
    const p = model.predict(tf.tensor2d(d.x, [d.rows, DIM])) as tf.Tensor;
    return Int32Array.from(p.argMax(-1).dataSync());
  });
}

function accuracy(model: tf.LayersModel, d: Data): number {
  const p = predict(model, d);
  let ok = 0;
  for (let i = 0; i < d.rows; i++) if (p[i] === d.y[i]) ok++;
  return d.rows ? ok / d.rows : Number.NaN;
}

/** Mean cross-entropy of a model on data (the bandit's reward signal). */
function meanLoss(model: tf.LayersModel, d: Data): number {
  return tf.tidy(() => {
    const p = model.predict(tf.tensor2d(d.x, [d.rows, DIM])) as tf.Tensor;
    const y = tf.oneHot(tf.tensor1d(d.y, 'int32'), 2);
    return tf.metrics.categoricalCrossentropy(y, p).mean().dataSync()[0]!;
  });
}

// ---------------------------------------------------------------------------------------------
// 1. The stream, automation off vs on

export interface StreamOptions {
  seed: number;
  rows: number;
  window: number;
  initialRows: number;
}

export interface StreamFigures {
  windows: number;
  accuracyOff: number[];
  accuracyOn: number[];
  states: MonitorState[];
  pipelineRuns: {
    window: number;
    selection: string;
    reason: string;
    promoted: boolean;
    ms: number;
  }[];
  meanOff: number;
  meanOn: number;
  /** Mean accuracy over the windows after each drift point (until the next one). */
  afterDrift: { from: number; off: number; on: number }[];
}

const HOLDOUT_EVERY = 10; // one delayed label in 10 is kept as the frozen holdout

export async function automationStream(opts: StreamOptions): Promise<StreamFigures> {
  await tf.ready();
  const drifts = [Math.round(opts.rows / 3), Math.round((2 * opts.rows) / 3)];
  const data = seaData({
    seed: opts.seed,
    n: opts.rows,
    driftPoints: drifts,
    gradualWidth: [0, opts.window * 2],
  });
  const init = slice(
    data,
    Array.from({ length: opts.initialRows }, (_, i) => i),
  );
  const base = buildModel(opts.seed);
  await fit(base, init, { epochs: 30, lr: 0.01, seed: opts.seed });
  let champion = cloneModel(base, opts.seed);
  const policy: TriggerPolicy = {
    id: 'drift',
    name: 'drift',
    enabled: true,
    trigger: 'drift',
    config: { ...DEFAULT_POLICY_CONFIG, driftLevel: 'drift', cooldownMinutes: 0, recentWindows: 2 },
    createdAt: 0,
  };
  const clock: PolicyClock = {};
  const ddm = new Ddm();
  // The monitor's accuracy test (accuracyZTest of src/monitoring/engine.ts): one-sided pooled
  // two-proportion z-test of a window's accuracy against the serving model's accuracy on its
  // held-out rows; p < 0.01 drift, p < 0.05 warning. Unlike DDM (which resets after an alarm and
  // adopts the new error level), it keeps flagging a model that stays worse than it was, so a
  // failed gate is retried on the next window.
  let reference: ReferenceAccuracy = {
    value: accuracy(
      champion,
      slice(
        data,
        Array.from({ length: 250 }, (_, i) => i),
      ),
    ),
    count: 250,
  };
  const accuracyState = (correct: number, n: number): MonitorState =>
    accuracyZTest(correct, n, reference).state;
  const worst = (a: MonitorState, b: MonitorState): MonitorState =>
    a === 'drift' || b === 'drift'
      ? 'drift'
      : a === 'warning' || b === 'warning'
        ? 'warning'
        : 'ok';
  const states: MonitorState[] = [];
  const labelled: LabelledItem[] = [];
  for (let i = 0; i < opts.initialRows; i++) {
    labelled.push({ itemId: String(i), window: -1, label: String(data.y[i]) });
  }
  const accuracyOff: number[] = [];
  const accuracyOn: number[] = [];
  const runs: StreamFigures['pipelineRuns'] = [];
  let w = 0;
  for (let start = opts.initialRows; start + opts.window <= opts.rows; start += opts.window, w++) {
    const idx = Array.from({ length: opts.window }, (_, i) => start + i);
    const win = slice(data, idx);
    accuracyOff.push(accuracy(base, win));
    const pred = predict(champion, win);
    let ok = 0;
    let state: MonitorState = 'ok';
    for (let i = 0; i < win.rows; i++) {
      const err = pred[i] === win.y[i] ? 0 : 1;
      ok += 1 - err;
      const s = ddm.update(err);
      if (s === 'drift') state = 'drift';
      else if (s === 'warning' && state === 'ok') state = 'warning';
    }
    accuracyOn.push(ok / win.rows);
    state = worst(state, accuracyState(ok, win.rows));
    states.push(state);
    // Delayed labels of this window arrive at its end.
    for (const r of idx) labelled.push({ itemId: String(r), window: w, label: String(data.y[r]) });

    const decision = evaluateTrigger(
      policy,
      clock,
      { newLabelsSinceLastRun: 0, latestWindow: { seq: w, end: w, state, labelCount: win.rows } },
      { now: w * 60_000, busy: false },
    );
    if (decision.outcome !== 'fire') continue;
    clock.lastRunAt = w * 60_000;
    clock.lastWindowSeq = w;
    const t0 = performance.now();
    const resolved = resolveSelection('auto', { recentStates: states.slice(-3) });
    const isHold = (id: string) => Number(id) % HOLDOUT_EVERY === 0;
    const sel = selectTrainingItems(
      labelled.filter((i) => !isHold(i.itemId)),
      resolved.selection,
      { recentWindows: 2, replay: 'reservoir', replayRatio: 0.5, seed: opts.seed + w },
    );
    const train = slice(data, sel.trainItemIds.map(Number));
    const old = slice(data, sel.importanceItemIds.map(Number));
    const challenger = cloneModel(champion, opts.seed);
    await fit(challenger, train, {
      epochs: 20,
      lr: 0.005,
      seed: opts.seed + w,
      ...(old.rows > 0 && resolved.selection !== 'recent-windows'
        ? { penalty: { kind: 'ewc' as const, lambda: 100, on: old } }
        : {}),
    });
    // Gate on the frozen holdout of the recent windows (as the app's pipeline after a drift).
    const recent = new Set([w - 1, w]);
    const holdIds = labelled
      .filter(
        (i) => isHold(i.itemId) && (resolved.selection === 'full-history' || recent.has(i.window)),
      )
      .map((i) => Number(i.itemId));
    const hold = slice(data, holdIds);
    const yTrue = Array.from(hold.y);
    const verdict = evaluateGate(
      { metric: 'accuracy', margin: 0.01 },
      { classIds: ['0', '1'], yTrue, yPred: Array.from(predict(champion, hold)) },
      { classIds: ['0', '1'], yTrue, yPred: Array.from(predict(challenger, hold)) },
    );
    if (verdict.passed) {
      champion.dispose();
      champion = challenger;
      ddm.reset();
      reference = { value: accuracy(champion, hold), count: hold.rows };
    } else {
      challenger.dispose();
    }
    runs.push({
      window: w,
      selection: resolved.selection,
      reason: resolved.reason,
      promoted: verdict.passed,
      ms: Math.round(performance.now() - t0),
    });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const windowOf = (row: number) => Math.floor((row - opts.initialRows) / opts.window);
  const afterDrift = drifts.map((d, k) => {
    const from = windowOf(d);
    const to = k + 1 < drifts.length ? windowOf(drifts[k + 1]!) : accuracyOn.length;
    return {
      from,
      off: mean(accuracyOff.slice(from, to)),
      on: mean(accuracyOn.slice(from, to)),
    };
  });
  base.dispose();
  champion.dispose();
  return {
    windows: accuracyOn.length,
    accuracyOff,
    accuracyOn,
    states,
    pipelineRuns: runs,
    meanOff: mean(accuracyOff),
    meanOn: mean(accuracyOn),
    afterDrift,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Forgetting: full retrain vs fine-tunes

export interface ForgettingOptions {
  seed: number;
  oldRows: number;
  newRows: number;
  replay: number;
  lambda: number;
  /** Concept index of the new concept (0 is the old one). */
  newConcept: number;
}

export interface MethodFigures {
  method: string;
  newAccuracy: number;
  oldRetention: number;
  trainMs: number;
}

export async function automationForgetting(opts: ForgettingOptions): Promise<{
  baseOld: number;
  baseNew: number;
  methods: MethodFigures[];
}> {
  await tf.ready();
  const s = opts.seed;
  const old = seaData({ seed: deriveSeed(s, 1), n: opts.oldRows + 1000, noise: 0.05 });
  const concepts = [
    { theta: 8, shift: [0, 0, 0] as [number, number, number] },
    { theta: 9.5, shift: [4, 1, -2] as [number, number, number] },
    { theta: 7, shift: [0, 0, 0] as [number, number, number] },
  ];
  const fresh = seaData({
    seed: deriveSeed(s, 2),
    n: opts.newRows + 1000,
    noise: 0.05,
    driftPoints: [0],
    concepts: [concepts[0]!, concepts[opts.newConcept]!],
  });
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const oldTrain = slice(old, range(0, opts.oldRows));
  const oldTest = slice(old, range(opts.oldRows, opts.oldRows + 1000));
  const newTrain = slice(fresh, range(0, opts.newRows));
  const newTest = slice(fresh, range(opts.newRows, opts.newRows + 1000));
  const base = buildModel(s);
  await fit(base, oldTrain, { epochs: 30, lr: 0.01, seed: s });
  const replayIdx = reservoirSample(range(0, opts.oldRows), opts.replay, deriveSeed(s, 3));
  const replay = slice(oldTrain, replayIdx);
  const importanceOn = slice(
    oldTrain,
    reservoirSample(range(0, opts.oldRows), 256, deriveSeed(s, 4)),
  );

  const methods: MethodFigures[] = [];
  const run = async (method: string, make: () => tf.Sequential, data: Data, o: FitOptions) => {
    const m = make();
    const ms = await fit(m, data, o);
    methods.push({
      method,
      newAccuracy: accuracy(m, newTest),
      oldRetention: accuracy(m, oldTest),
      trainMs: Math.round(ms),
    });
    m.dispose();
  };
  const ft = { epochs: 20, lr: 0.005, seed: s };
  await run(
    'full retrain (scratch, all data)',
    () => buildModel(s + 7),
    concat(oldTrain, newTrain),
    {
      epochs: 30,
      lr: 0.01,
      seed: s,
    },
  );
  await run('naive fine-tune', () => cloneModel(base, s), newTrain, ft);
  await run('fine-tune + EWC', () => cloneModel(base, s), newTrain, {
    ...ft,
    penalty: { kind: 'ewc', lambda: opts.lambda, on: importanceOn },
  });
  for (const lambda of [opts.lambda * 10, opts.lambda * 100]) {
    await run(`fine-tune + EWC (λ = ${lambda})`, () => cloneModel(base, s), newTrain, {
      ...ft,
      penalty: { kind: 'ewc', lambda, on: importanceOn },
    });
  }
  await run('fine-tune + MAS', () => cloneModel(base, s), newTrain, {
    ...ft,
    penalty: { kind: 'mas', lambda: opts.lambda, on: importanceOn },
  });
  const withReplay = concat(newTrain, replay);
  await run('fine-tune + replay (reservoir)', () => cloneModel(base, s), withReplay, ft);
  await run('fine-tune + replay + EWC', () => cloneModel(base, s), withReplay, {
    ...ft,
    penalty: { kind: 'ewc', lambda: opts.lambda, on: importanceOn },
  });
  await run('fine-tune + replay + MAS', () => cloneModel(base, s), withReplay, {
    ...ft,
    penalty: { kind: 'mas', lambda: opts.lambda, on: importanceOn },
  });

  // Bandit replay: old data in 4 groups (quadrants of x1+x2 and x3, i.e. regions of the input);
  // EXP3 picks groups for the same replay budget, rewarded by the loss reduction one short
  // fine-tune round buys on the group's own held-back samples, over 3 rounds.
  const groups: number[][] = [[], [], [], []];
  for (let i = 0; i < opts.oldRows; i++) {
    const a = oldTrain.x[i * DIM]! + oldTrain.x[i * DIM + 1]! > 0 ? 1 : 0;
    const b = oldTrain.x[i * DIM + 2]! > 0 ? 1 : 0;
    groups[a * 2 + b]!.push(i);
  }
  const bandit = new Exp3(groups.length, { gamma: 0.2, seed: s });
  const t0 = performance.now();
  const m = cloneModel(base, s);
  const rounds = 3;
  for (let r = 0; r < rounds; r++) {
    const pick = banditSample(
      groups,
      Math.round(opts.replay / rounds),
      bandit,
      deriveSeed(s, 10 + r),
    );
    const before = groups.map((g) => meanLoss(m, slice(oldTrain, g.slice(0, 64))));
    await fit(m, concat(newTrain, slice(oldTrain, pick.items)), {
      ...ft,
      epochs: Math.round(ft.epochs / rounds),
      seed: s + r,
    });
    groups.forEach((g, k) => {
      if (pick.perGroup[k]! > 0) {
        const after = meanLoss(m, slice(oldTrain, g.slice(0, 64)));
        bandit.update(k, lossReductionReward(before[k]!, after));
      }
    });
  }
  methods.push({
    method: 'fine-tune + replay (EXP3 bandit over input regions)',
    newAccuracy: accuracy(m, newTest),
    oldRetention: accuracy(m, oldTest),
    trainMs: Math.round(performance.now() - t0),
  });
  m.dispose();
  const figures = { baseOld: accuracy(base, oldTest), baseNew: accuracy(base, newTest), methods };
  base.dispose();
  return figures;
}

export async function automationBackend(prefer: 'cpu' | 'webgl'): Promise<string> {
  await tf.setBackend(prefer);
  await tf.ready();
  return tf.getBackend();
}

export const automationBench = { automationStream, automationForgetting, automationBackend };
