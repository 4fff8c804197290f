// GPU benchmark for the `device` machine (an NVIDIA GPU, no browser): runs the ML worker's own
// backend probe, self-test and matmul benchmark, plus the reference MLP/CNN of shared/BROWSER.md,
// on TF.js's WebGPU backend in Node through Dawn (the `webgpu` npm package). Built into one file
// by bench/gpu/build.sh; not part of `npm run bench` (no GPU here or in CI).
//
// Output: one JSON document on stdout (and in $OUT/gpu-bench.json when OUT is set).
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { create, globals } from 'webgpu';
import { emit, machineOf, round } from './report';

Object.assign(globalThis, globals);
(globalThis as unknown as { navigator: unknown }).navigator = { gpu: create([]) };

// Imported after navigator.gpu exists: the WebGPU backend registers itself only if it does.
const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import('../../workers/backend');
const { matmulBenchmark, matmulSelfTest } = await import('../../workers/matmul');
const { beginJob, endJob } = await import('../../workers/jobs');

const started = performance.now();
const report = await initBackend('webgpu');
const startupMs = performance.now() - started;
if (report.backend !== 'webgpu')
  throw new Error(`WebGPU unavailable: ${JSON.stringify(report.tried)}`);
const selfTest = await matmulSelfTest('webgpu');

const job = beginJob(undefined);
const matmul = await matmulBenchmark(
  { sizes: [256, 512, 1024, 2048, 4096], iterations: 50, targetMs: 2000 },
  job,
);
endJob(job);

/** model.fit samples/s and predict samples/s for one model, as in shared/BROWSER.md's table. */
async function fitAndPredict(
  name: string,
  build: () => LayersModel,
  inputShape: number[],
  classes: number,
  batchSize: number,
  samples: number,
) {
  const model = build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([samples, ...inputShape], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([samples], 0, classes, 'int32', 2), classes);
  const fit = (epochs: number) =>
    model.fit(x, y, { batchSize, epochs, shuffle: false, verbose: 0, yieldEvery: 'never' });
  await fit(1); // warm-up: shader compilation
  const t0 = performance.now();
  const epochs = 3;
  await fit(epochs);
  const trainMs = performance.now() - t0;
  const predictBatch = Math.min(8192, samples);
  const input = x.slice(0, predictBatch);
  const warm = model.predict(input, {
    batchSize: predictBatch,
  }) as Tensor;
  await warm.data();
  warm.dispose();
  const t1 = performance.now();
  const reps = 10;
  for (let i = 0; i < reps; i++) {
    const p = model.predict(input, {
      batchSize: predictBatch,
    }) as Tensor;
    await p.data();
    p.dispose();
  }
  const predictMs = performance.now() - t1;
  input.dispose();
  x.dispose();
  y.dispose();
  model.dispose();
  return {
    model: name,
    batchSize,
    trainSamplesPerSecond: round((samples * epochs) / (trainMs / 1000)),
    msPerStep: round(trainMs / (epochs * Math.ceil(samples / batchSize)), 2),
    inferenceSamplesPerSecond: round((predictBatch * reps) / (predictMs / 1000)),
  };
}

const mlp = await fitAndPredict(
  'MLP 32→128→64→10',
  () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [32], units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  [32],
  10,
  256,
  16384,
);
const cnn = await fitAndPredict(
  'CNN 2×conv + 2 dense on 28×28',
  () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 16,
          kernelSize: 3,
          activation: 'relu',
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    }),
  [28, 28, 1],
  10,
  128,
  4096,
);

/**
 * Where does a training step's time go? The same MLP step measured four ways: `fit` as is,
 * `fit` with 8× the batch (per-step overhead amortised), a hand-written loop of
 * `optimizer.minimize` with no read-back until the end, and that loop with more kernels batched
 * into one GPU submit (TF.js's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE, default 15).
 */
async function stepOverhead() {
  const rows: Record<string, number | string>[] = [];
  const samples = 16384;
  const x = tf.randomNormal([samples, 32], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([samples], 0, 10, 'int32', 4), 10);
  const build = () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [32], units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
  for (const batchSize of [256, 2048]) {
    const model = build();
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const fit = () =>
      model.fit(x, y, { batchSize, epochs: 1, shuffle: false, verbose: 0, yieldEvery: 'never' });
    await fit();
    const t0 = performance.now();
    await fit();
    const ms = performance.now() - t0;
    const steps = Math.ceil(samples / batchSize);
    rows.push({
      variant: `fit, batch ${batchSize}`,
      msPerStep: round(ms / steps, 2),
      samplesPerSecond: round(samples / (ms / 1000)),
    });
    model.dispose();
  }
  for (const deferred of [15, 128]) {
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', deferred);
    const model = build();
    const optimizer = tf.train.adam(1e-3);
    const batchSize = 256;
    const steps = samples / batchSize;
    const xs = Array.from({ length: steps }, (_, i) => x.slice(i * batchSize, batchSize));
    const ys = Array.from({ length: steps }, (_, i) => y.slice(i * batchSize, batchSize));
    const epoch = async () => {
      let last: Tensor | null = null;
      for (let i = 0; i < steps; i++) {
        last?.dispose();
        last = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(ys[i]!, model.apply(xs[i]!) as Tensor),
          true,
        );
      }
      await last!.data();
      last!.dispose();
    };
    await epoch();
    const t0 = performance.now();
    await epoch();
    const ms = performance.now() - t0;
    rows.push({
      variant: `minimize loop, batch ${batchSize}, deferred submit ${deferred}`,
      msPerStep: round(ms / steps, 2),
      samplesPerSecond: round(samples / (ms / 1000)),
    });
    xs.forEach((t) => t.dispose());
    ys.forEach((t) => t.dispose());
    optimizer.dispose();
    model.dispose();
  }
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 15);
  x.dispose();
  y.dispose();
  return rows;
}

const overhead = await stepOverhead();

const result = {
  benchmark: 'gpu-node-webgpu',
  date: new Date().toISOString(),
  machine: machineOf('Node + Dawn (npm webgpu 0.6.2), TF.js 4.22 WebGPU backend', report.adapter),

  results: {
    startupMs: round(startupMs),
    initMs: round(report.initMs),
    selfTest,
    matmul: matmul.map((m) => ({
      size: m.size,
      iterations: m.iterations,
      gflops: round(m.gflops, 1),
    })),
    training: [mlp, cnn],
    stepOverhead: overhead,
    tensorsLeft: tf.memory().numTensors,
  },
};
emit('gpu-bench.json', result);
