// Query latency on a real GPU (the `device` machine; no browser there): one queue refill per
// strategy over a 100,000-row pool — the model's forward passes on TF.js's WebGPU backend in Node
// through Dawn, then the Label page's own selection code (src/labeling) on the CPU — the same
// pool and model shape as the browser bench's `latency` part (10 Gaussian classes, 16 features,
// the tabular `balanced` preset's MLP 16→64→32→10 with dropout 0.1, trained on 0.5% of the rows),
// without IndexedDB (rows are generated in memory). Built by bench/gpu/build.sh into
// .device/pool.mjs; prints one JSON document (and writes $OUT/gpu-pool-scoring.json).
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { create, globals } from 'webgpu';
import { emit, machineOf, round } from './report';

Object.assign(globalThis, globals);
(globalThis as unknown as { navigator: unknown }).navigator = { gpu: create([]) };

// Imported after navigator.gpu exists: the WebGPU backend registers itself only if it does.
const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import('../../workers/backend');
const { buildModel, embeddingModel, makeOptimizer, setDropoutSeeds } =
  await import('../../workers/ml-models');
const { presetConfig } = await import('../../src/training/config');
const { getStrategy, candidateRows, DEFAULT_MAX_CANDIDATES } =
  await import('../../src/labeling/strategies');
const { gradientEmbedding } = await import('../../src/labeling/kmeans');
const { BALD_CANDIDATES, MC_PASSES } = await import('../../src/labeling/pool-scoring');
const { createRng, deriveSeed } = await import('../../src/lib/rng');

const report = await initBackend('webgpu');
// BENCH_GPU_ALLOW_CPU=1: a dry run of this script on a machine without a GPU.
if (report.backend !== 'webgpu' && !process.env.BENCH_GPU_ALLOW_CPU)
  throw new Error(`WebGPU unavailable: ${JSON.stringify(report.tried)}`);

const ROWS = 100_000;
const D = 16;
const K = 10;
const rng = createRng(42);
const gauss = () => {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
};
const centers = Array.from({ length: K }, () => Array.from({ length: D }, () => gauss() * 3));
const x = new Float32Array(ROWS * D);
const y = new Int32Array(ROWS);
for (let i = 0; i < ROWS; i++) {
  const c = Math.floor(rng.next() * K);
  y[i] = c;
  for (let j = 0; j < D; j++) x[i * D + j] = centers[c]![j]! + gauss() * 1.5;
}
const labelled = Int32Array.from({ length: ROWS / 200 }, (_, i) => i * 200);

const config = presetConfig('tabular', 'balanced', 1);
const model = buildModel(config, { inputShape: [D], numClasses: K });
model.compile({ optimizer: makeOptimizer(config), loss: 'categoricalCrossentropy' });
{
  const lx = new Float32Array(labelled.length * D);
  labelled.forEach((r, i) => lx.set(x.subarray(r * D, (r + 1) * D), i * D));
  const xs = tf.tensor2d(lx, [labelled.length, D]);
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from(labelled, (r) => y[r]!),
      'int32',
    ),
    K,
  );
  await model.fit(xs, ys, { epochs: 30, batchSize: 32, verbose: 0, yieldEvery: 'never' });
  tf.dispose([xs, ys]);
}
const embedder = embeddingModel(model)!;

/** Rows per forward pass (BENCH_GPU_BATCH): what the app's scoreRows uses for 16 features. */
const BATCH = Number(process.env.BENCH_GPU_BATCH ?? 8192);

/** Forward passes over `rows` pool rows in batches of BATCH, read back once (as scoreRows does). */
async function forward(
  net: LayersModel | ((t: Tensor) => Tensor),
  rows: Int32Array | null,
): Promise<Float32Array> {
  const n = rows ? rows.length : ROWS;
  const parts: Tensor[] = [];
  for (let b = 0; b < n; b += BATCH) {
    const count = Math.min(BATCH, n - b);
    const chunk = new Float32Array(count * D);
    if (rows)
      for (let i = 0; i < count; i++)
        chunk.set(x.subarray(rows[b + i]! * D, (rows[b + i]! + 1) * D), i * D);
    else chunk.set(x.subarray(b * D, (b + count) * D));
    parts.push(
      tf.tidy(() => {
        const t = tf.tensor2d(chunk, [count, D]);
        return typeof net === 'function'
          ? net(t)
          : (net.predict(t, { batchSize: count }) as Tensor);
      }),
    );
  }
  const joined = tf.concat(parts);
  const out = (await joined.data()) as Float32Array;
  tf.dispose([...parts, joined]);
  return out;
}

const exclude = new Uint8Array(ROWS);
for (const r of labelled) exclude[r] = 1;

async function refill(strategy: string): Promise<{ inferenceMs: number; selectionMs: number }> {
  const t0 = performance.now();
  const input: Parameters<ReturnType<typeof getStrategy>['selectBatch']>[0] = {
    rows: ROWS,
    exclude,
  };
  const s = getStrategy(strategy as Parameters<typeof getStrategy>[0]);
  if (s.needs === 'probs') {
    input.probs = { data: await forward(model, null), classes: K };
  } else if (s.needs === 'mc') {
    const sub = candidateRows(ROWS, exclude, BALD_CANDIDATES, deriveSeed(1, 13));
    const data = new Float32Array(MC_PASSES * sub.length * K);
    for (let p = 0; p < MC_PASSES; p++) {
      setDropoutSeeds(model, deriveSeed(7, p));
      data.set(
        await forward((t) => model.apply(t, { training: true }) as Tensor, sub),
        p * sub.length * K,
      );
    }
    setDropoutSeeds(model, undefined);
    input.rows = sub.length;
    delete input.exclude;
    input.mc = { data, passes: MC_PASSES, classes: K };
  } else if (s.needs === 'embeddings') {
    const e = await forward(embedder, null);
    input.embeddings = { data: e, dim: e.length / ROWS, labelled };
  } else if (s.needs === 'gradients') {
    const probs = await forward(model, null);
    const e = await forward(embedder, null);
    const dim = e.length / ROWS;
    const sub = candidateRows(ROWS, exclude, DEFAULT_MAX_CANDIDATES, deriveSeed(1, 11));
    input.rows = sub.length;
    delete input.exclude;
    input.gradients = { data: gradientEmbedding(probs, e, ROWS, K, dim, sub), dim: K * dim };
  }
  const t1 = performance.now();
  const picked = s.selectBatch(input, 100, 1);
  if (!picked.ok || picked.value.indices.length !== 100) throw new Error(`${strategy}: no batch`);
  return { inferenceMs: t1 - t0, selectionMs: performance.now() - t1 };
}

await refill('margin'); // warm-up: shader compilation
const strategies = ['random', 'least-confidence', 'margin', 'entropy', 'bald', 'core-set', 'badge'];
const latency = [];
for (const strategy of strategies) {
  const { inferenceMs, selectionMs } = await refill(strategy);
  latency.push({
    strategy,
    k: 100,
    ms: round(inferenceMs + selectionMs),
    inferenceMs: round(inferenceMs),
    selectionMs: round(selectionMs),
  });
}

const result = {
  benchmark: 'gpu-node-pool-scoring',
  date: new Date().toISOString(),
  machine: machineOf(
    `Node + Dawn (npm webgpu 0.6.2), TF.js 4.22 ${report.backend} backend; selection on the CPU`,
    report.adapter,
  ),

  method:
    'One refill per strategy after a warm-up refill: forward passes of the MLP over the 100k pool ' +
    '(BALD: 10 MC-dropout passes over a 10,000-row subsample; core-set and BADGE: penultimate-layer ' +
    'embeddings, BADGE on a 10,000-row candidate subsample), read back once, then the Label ' +
    "page's selectBatch(k = 100) in Node. No IndexedDB and no featurisation: rows are in memory.",
  results: {
    rows: ROWS,
    features: D,
    classes: K,
    labelled: labelled.length,
    batch: BATCH,
    latency,
  },
};
emit('gpu-pool-scoring.json', result);
