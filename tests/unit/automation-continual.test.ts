// The continual-learning penalty of the ML worker (workers/ml-continual.ts) on TF.js' CPU backend
// in Node: the penalty λ/2·Σ Ω (θ − θ*)² and its gradient, and the EWC / MAS importances, each
// against finite differences computed here in float64 from the model's own forward pass.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  estimateImportance,
  importancePenalty,
  importancePenaltyGradient,
  trainableVariables,
  withImportancePenalty,
} from '../../workers/ml-continual';
import { createRng } from '../../src/lib/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale),
    shape,
  );
}

/** A tiny 3 → 4 (tanh) → 3 (softmax) model with seeded weights; smooth, so differences are clean. */
function tinyModel(seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  model.setWeights(model.getWeights().map((w, i) => seededTensor(w.shape, seed + i, 0.8)));
  return model;
}

describe('importance penalty', () => {
  const weights = [seededTensor([3, 2], 1), seededTensor([2], 2)];
  const anchor = [seededTensor([3, 2], 3), seededTensor([2], 4)];
  const importance = [tf.abs(seededTensor([3, 2], 5)), tf.abs(seededTensor([2], 6))];
  const lambda = 7;

  it('equals λ/2·Σ Ω (θ − θ*)² computed by hand', () => {
    let expected = 0;
    weights.forEach((w, k) => {
      const a = anchor[k]!.dataSync();
      const o = importance[k]!.dataSync();
      w.dataSync().forEach((v, i) => (expected += o[i]! * (v - a[i]!) ** 2));
    });
    expected *= lambda / 2;
    const got = importancePenalty(weights, { anchor, importance }, lambda).dataSync()[0]!;
    expect(got).toBeCloseTo(expected, 4);
  });

  it('has gradient λ Ω (θ − θ*): autodiff, the analytic form and central differences agree', () => {
    const f = (ws: tf.Tensor[]) => importancePenalty(ws, { anchor, importance }, lambda);
    const auto = tf.grads((...ws: tf.Tensor[]) => f(ws))(weights);
    const analytic = importancePenaltyGradient(weights, { anchor, importance }, lambda);
    const h = 1e-2; // the penalty is quadratic: central differences are exact up to rounding
    weights.forEach((w, k) => {
      const values = w.dataSync();
      const a = auto[k]!.dataSync();
      const b = analytic[k]!.dataSync();
      for (let i = 0; i < values.length; i++) {
        const plus = Float32Array.from(values);
        const minus = Float32Array.from(values);
        plus[i]! += h;
        minus[i]! -= h;
        const at = (v: Float32Array) =>
          f(weights.map((x, j) => (j === k ? tf.tensor(v, w.shape) : x))).dataSync()[0]!;
        const numeric = (at(plus) - at(minus)) / (2 * h);
        expect(a[i]).toBeCloseTo(numeric, 2);
        expect(b[i]).toBeCloseTo(a[i]!, 5);
      }
    });
  });

  it('is zero at the anchor and does not leak tensors', () => {
    const before = tf.memory().numTensors;
    const p = importancePenalty(anchor, { anchor, importance }, lambda);
    expect(p.dataSync()[0]).toBe(0);
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** Per-sample objective in float64 from the model's weights (forward pass written out by hand). */
function objective64(
  ws: Float64Array[],
  shapes: number[][],
  x: number[],
  kind: 'ewc' | 'mas',
  y: number,
) {
  const [w1, b1, w2, b2] = ws as [Float64Array, Float64Array, Float64Array, Float64Array];
  const hidden = shapes[0]![1]!;
  const out = shapes[2]![1]!;
  const h = Array.from({ length: hidden }, (_, j) =>
    Math.tanh(x.reduce((s, xi, i) => s + xi * w1[i * hidden + j]!, b1[j]!)),
  );
  const z = Array.from({ length: out }, (_, k) =>
    h.reduce((s, hj, j) => s + hj * w2[j * out + k]!, b2[k]!),
  );
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / sum);
  return kind === 'mas' ? p.reduce((s, v) => s + v * v, 0) : Math.log(p[y]!);
}

describe('EWC and MAS importance', () => {
  const xs = [
    [0.3, -1.2, 0.8],
    [1.1, 0.4, -0.5],
    [-0.7, 0.9, 0.2],
    [0.05, -0.3, -1.4],
  ];
  const labels = Int32Array.from([0, 2, 1, 2]);

  for (const kind of ['ewc', 'mas'] as const) {
    it(`${kind.toUpperCase()}: Ω matches the mean ${kind === 'ewc' ? 'squared' : 'absolute'} per-sample finite-difference gradient`, async () => {
      const model = tinyModel(11);
      const before = tf.memory().numTensors;
      const omega = await estimateImportance(
        model,
        kind,
        Float32Array.from(xs.flat()),
        xs.length,
        [3],
        labels,
      );
      const got = omega.map((t) => t.dataSync());
      tf.dispose(omega);
      expect(tf.memory().numTensors).toBe(before);

      const shapes = model.getWeights().map((w) => w.shape);
      const ws = model.getWeights().map((w) => Float64Array.from(w.dataSync()));
      const h = 1e-5;
      ws.forEach((w, k) => {
        for (let i = 0; i < w.length; i++) {
          let expected = 0;
          xs.forEach((x, n) => {
            const orig = w[i]!;
            w[i] = orig + h;
            const up = objective64(ws, shapes, x, kind, labels[n]!);
            w[i] = orig - h;
            const down = objective64(ws, shapes, x, kind, labels[n]!);
            w[i] = orig;
            const g = (up - down) / (2 * h);
            expected += kind === 'ewc' ? g * g : Math.abs(g);
          });
          expected /= xs.length;
          expect(Math.abs(got[k]![i]! - expected)).toBeLessThan(1e-4 + 1e-3 * expected);
        }
      });
      model.dispose();
    });
  }

  it('EWC refuses to run without labels', async () => {
    const model = tinyModel(1);
    await expect(estimateImportance(model, 'ewc', new Float32Array(3), 1, [3])).rejects.toThrow(
      /labels/,
    );
    model.dispose();
  });
});

describe('training with the penalty', () => {
  it('a strong penalty keeps important weights near the anchor; λ = 0 lets them move', async () => {
    const x = seededTensor([64, 3], 21, 2);
    // Labels of a different concept than the model's: plain fine-tuning moves the weights.
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, (_, i) => i % 3),
        'int32',
      ),
      3,
    );
    const drift = async (lambda: number) => {
      const model = tinyModel(5);
      const anchor = trainableVariables(model).map((v) => tf.clone(v));
      const importance = anchor.map((a) => tf.onesLike(a));
      const loss = withImportancePenalty(
        (t, p) => tf.metrics.categoricalCrossentropy(t, p),
        model,
        { anchor, importance },
        lambda,
      );
      model.compile({ optimizer: tf.train.sgd(0.5), loss });
      await model.fit(x, y, { epochs: 20, batchSize: 64, verbose: 0, shuffle: false });
      const moved = tf.tidy(() =>
        trainableVariables(model)
          .map((v, i) => tf.sum(tf.square(tf.sub(v, anchor[i]!))).dataSync()[0]!)
          .reduce((a, b) => a + b, 0),
      );
      tf.dispose([...anchor, ...importance]);
      model.dispose();
      return moved;
    };
    const free = await drift(0);
    // lr·λ = 1 < 2: SGD on the quadratic penalty is stable (and pulls straight to the anchor).
    const held = await drift(2);
    expect(free).toBeGreaterThan(0);
    expect(held).toBeLessThan(free / 5);
  });
});
