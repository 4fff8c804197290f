// Times the representative workloads of each job kind on one TF.js backend, so the worker can run
// each kind where it is fastest on this device (workers/backend.ts). The workloads are small on
// purpose — the whole measurement of every backend has to fit in a few hundred milliseconds of a
// cold start — and shaped like the jobs they stand for:
//   train        one Adam step of a 32→64→10 MLP on a batch of 32: the tabular/text networks'
//                training step, dominated by per-kernel dispatch on GPUs (shared/BROWSER.md);
//   infer        a forward pass of 256 rows: "try it", a slice of batch scoring;
//   poolScoring  a forward pass of 8,192 rows: the largest slice a pool is scored in
//                (workers/ml-infer.ts forwardBatchRows), where arithmetic starts to count.
// Each is warmed up once (shader compilation, kernel upload), then timed until its last result is
// read back with `await data()` (never dataSync: shared/BROWSER.md).
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../src/lib/rng';
import type { BackendName, BackendTiming, JobKind } from '../src/training/types';

const INPUT = 32;
const HIDDEN = 64;
const CLASSES = 10;
const TRAIN_BATCH = 32;
const TRAIN_STEPS = 3;
const INFER_ROWS = 256;
const INFER_REPS = 2;
const POOL_ROWS = 8192;

class OverBudget extends Error {}

function seeded(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/**
 * Waits for `tensor`'s values, or throws `OverBudget` when `deadline` passes first. A read that
 * loses the race still completes on its backend; the tensor is disposed when it does.
 */
async function readBy(tensor: tf.Tensor, deadline: number): Promise<void> {
  const read = tensor.data().finally(() => tensor.dispose());
  const left = deadline - performance.now();
  if (left <= 0) {
    void read.catch(() => undefined);
    throw new OverBudget();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OverBudget()), left);
  });
  try {
    await Promise.race([read, late]);
  } catch (error) {
    void read.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Measures `backend`, which must be the active TF.js backend. Stops at `budgetMs` (a backend that
 * cannot finish the small workloads in the time the fastest one needed several times over is not
 * going to be chosen) and says so in `note`; whatever was timed by then is kept.
 */
export async function measureActiveBackend(
  backend: BackendName,
  budgetMs: number,
): Promise<BackendTiming> {
  const ms: Partial<Record<JobKind, number>> = {};
  const started = performance.now();
  const deadline = started + budgetMs;
  const w1 = tf.variable(tf.tensor2d(seeded(INPUT * HIDDEN, 1), [INPUT, HIDDEN]).mul(0.2));
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = tf.variable(tf.tensor2d(seeded(HIDDEN * CLASSES, 2), [HIDDEN, CLASSES]).mul(0.2));
  const b2 = tf.variable(tf.zeros([CLASSES]));
  const xTrain = tf.tensor2d(seeded(TRAIN_BATCH * INPUT, 3), [TRAIN_BATCH, INPUT]);
  const yTrain = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: TRAIN_BATCH }, (_, i) => i % CLASSES),
      'int32',
    ),
    CLASSES,
  );
  const xInfer = tf.tensor2d(seeded(INFER_ROWS * INPUT, 4), [INFER_ROWS, INPUT]);
  const xPool = tf.tensor2d(seeded(POOL_ROWS * INPUT, 5), [POOL_ROWS, INPUT]);
  const optimizer = tf.train.adam(1e-3);
  const forward = (x: tf.Tensor2D) =>
    tf.tidy(() => tf.softmax(tf.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2)));
  const step = () =>
    optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
          yTrain,
          tf.relu(xTrain.matMul(w1).add(b1)).matMul(w2).add(b2),
        ),
      true,
    )!;
  const timed = async (run: () => tf.Tensor, reps: number): Promise<number> => {
    await readBy(run(), deadline); // warm-up: compile and upload
    const t0 = performance.now();
    let last: tf.Tensor | undefined;
    for (let i = 0; i < reps; i++) {
      last?.dispose();
      last = run();
    }
    await readBy(last!, deadline);
    return (performance.now() - t0) / reps;
  };
  let note: string | undefined;
  let stoppedAfterMs: number | undefined;
  try {
    ms.train = await timed(step, TRAIN_STEPS);
    ms.infer = await timed(() => forward(xInfer), INFER_REPS);
    ms.poolScoring = await timed(() => forward(xPool), 1);
  } catch (error) {
    if (error instanceof OverBudget) {
      stoppedAfterMs = performance.now() - started;
      note = `stopped after ${Math.round(stoppedAfterMs)} ms (budget ${Math.round(budgetMs)} ms)`;
    } else {
      note = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  } finally {
    optimizer.dispose();
    tf.dispose([w1, b1, w2, b2, xTrain, yTrain, xInfer, xPool]);
  }
  return {
    backend,
    ms,
    ...(note ? { note } : {}),
    ...(stoppedAfterMs !== undefined ? { stoppedAfterMs } : {}),
  };
}
