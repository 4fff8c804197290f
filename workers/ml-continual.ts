// Continual learning in the ML worker: a challenger fine-tuned from a stored model (the champion)
// without forgetting what it knew, by a weight-importance penalty added to the training loss
//
//     L(θ) = CE(θ) + λ/2 · Σ_i Ω_i (θ_i − θ*_i)²,        θ* = the champion's weights,
//
// with Ω from one of:
// - EWC (Kirkpatrick et al., PNAS 2017): the diagonal of the empirical Fisher information on the
//   champion's data, Ω_i = mean_n (∂ log p_θ*(y_n | x_n) / ∂θ_i)², with y_n the stored labels;
// - MAS (Aljundi et al., ECCV 2018): output sensitivity, Ω_i = mean_n |∂ ‖f_θ*(x_n)‖² / ∂θ_i|,
//   f the softmax output. Needs no labels.
// Replay (old samples mixed into the training set) is chosen page-side (src/automation/replay.ts);
// here the training split is only restricted to the chosen items.
//
// The penalty reads the model's variables inside the loss function, so TF.js' `minimize` (inside
// `fitDataset`) differentiates it together with the cross-entropy: no custom training loop.
import * as tf from '@tensorflow/tfjs';
import type { ContinualRequest } from '../src/training/train-types';
import { yieldToEventLoop } from './jobs';
import type { LoadedDataset } from './ml-data';

export type ImportanceKind = 'ewc' | 'mas';

/** Anchor weights θ* and importances Ω, one tensor per trainable weight (same order). */
export interface PenaltyAnchor {
  anchor: tf.Tensor[];
  importance: tf.Tensor[];
}

/** Trainable variables of a model, in `model.trainableWeights` order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Per-sample log-likelihood of `label` (EWC) or squared output norm (MAS): the differentiated scalar. */
function sampleObjective(
  model: tf.LayersModel,
  x: tf.Tensor,
  kind: ImportanceKind,
  label: number,
): tf.Scalar {
  // `apply` with training off: dropout inactive, as when the champion serves.
  const p = model.apply(x, { training: false }) as tf.Tensor2D;
  if (kind === 'mas') return tf.sum(tf.square(p));
  const picked = tf.slice(p, [0, label], [1, 1]);
  return tf.sum(tf.log(tf.clipByValue(picked, 1e-7, 1)));
}

/**
 * Diagonal importance of every trainable weight, estimated on `rows` samples (`x`: rows × dim,
 * row-major; `labels` needed for EWC). One backward pass per sample, since Ω averages squares or
 * absolute values of per-sample gradients, which a batch gradient cannot give.
 */
export async function estimateImportance(
  model: tf.LayersModel,
  kind: ImportanceKind,
  x: Float32Array,
  rows: number,
  inputShape: number[],
  labels?: Int32Array,
  shouldStop?: () => boolean,
): Promise<tf.Tensor[]> {
  if (kind === 'ewc' && !labels) throw new Error('EWC importance needs the samples’ labels');
  const vars = trainableVariables(model);
  const dim = inputShape.reduce((a, b) => a * b, 1);
  let sums: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  try {
    for (let n = 0; n < rows; n++) {
      if (shouldStop?.()) break;
      const next = tf.tidy(() => {
        const xi = tf.tensor(x.subarray(n * dim, (n + 1) * dim), [1, ...inputShape]);
        const { grads } = tf.variableGrads(
          () => sampleObjective(model, xi, kind, labels ? labels[n]! : 0),
          vars,
        );
        return vars.map((v, i) => {
          const g = grads[v.name]!;
          return tf.add(sums[i]!, kind === 'ewc' ? tf.square(g) : tf.abs(g));
        });
      });
      tf.dispose(sums);
      sums = next;
      // Let a cancel in every few samples (an estimate over 256 samples takes a moment on a GPU).
      if (n % 32 === 31) await yieldToEventLoop();
    }
    const count = Math.max(1, rows);
    const out = sums.map((s) => tf.div(s, count));
    tf.dispose(sums);
    return out;
  } catch (error) {
    tf.dispose(sums);
    throw error;
  }
}

/** λ/2 · Σ_i Ω_i (θ_i − θ*_i)², as a scalar tensor (differentiable in `weights`). */
export function importancePenalty(
  weights: readonly tf.Tensor[],
  { anchor, importance }: PenaltyAnchor,
  lambda: number,
): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    weights.forEach((w, i) => {
      const d = tf.sub(w, anchor[i]!);
      total = tf.add(total, tf.sum(tf.mul(importance[i]!, tf.square(d))));
    });
    return tf.mul(total, lambda / 2);
  });
}

/** The penalty's analytic gradient λ · Ω_i (θ_i − θ*_i), for tests and diagnostics. */
export function importancePenaltyGradient(
  weights: readonly tf.Tensor[],
  { anchor, importance }: PenaltyAnchor,
  lambda: number,
): tf.Tensor[] {
  return weights.map((w, i) =>
    tf.tidy(() => tf.mul(tf.mul(importance[i]!, tf.sub(w, anchor[i]!)), lambda)),
  );
}

/**
 * A Keras-style loss `(yTrue, yPred) → per-sample loss` that adds the penalty on `model`'s current
 * weights to `base`. The penalty is a scalar: broadcast over the batch, then averaged by TF.js, it
 * contributes exactly once per step.
 */
export function withImportancePenalty(
  base: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  model: tf.LayersModel,
  anchor: PenaltyAnchor,
  lambda: number,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  return (yTrue, yPred) =>
    tf.add(
      base(yTrue, yPred),
      importancePenalty(
        model.trainableWeights.map((w) => w.read()),
        anchor,
        lambda,
      ),
    );
}

/** Copies `from`'s weights into `to` after checking both have the same architecture. */
export function copyWeightsChecked(from: tf.LayersModel, to: tf.LayersModel): void {
  const a = from.getWeights();
  const b = to.getWeights();
  const same =
    a.length === b.length && a.every((w, i) => w.shape.join('×') === b[i]!.shape.join('×'));
  if (!same) {
    throw new Error(
      'The challenger’s architecture differs from the base model’s: a fine-tune must keep the hidden layers and input features; train from scratch instead',
    );
  }
  to.setWeights(a);
}

/**
 * Restricts the training split to `request.trainItemIds` (validation and test stay as they are,
 * so metrics remain comparable), and checks the labelled classes are the base model's outputs.
 */
export function restrictTraining(ds: LoadedDataset, trainItemIds: readonly string[]): void {
  const keep = new Set(trainItemIds);
  ds.items.train = ds.items.train.filter((r) => keep.has(r.itemId));
  ds.counts.train = ds.items.train.length;
  for (const cls of Object.values(ds.counts.perClass)) cls.train = 0;
  for (const r of ds.items.train) {
    const cls = ds.counts.perClass[ds.labels.get(r.itemId)!];
    if (cls) cls.train++;
  }
  if (ds.items.train.length === 0 && !ds.problem) {
    ds.problem = 'None of the selected training items is labelled and in the training split.';
  }
}

/** Items (any split) of `ids` that are labelled, as a dataset whose training split they form. */
export function datasetOfItems(ds: LoadedDataset, ids: readonly string[]): LoadedDataset {
  const want = new Set(ids);
  const all = [...ds.items.train, ...ds.items.validation, ...ds.items.test];
  return {
    ...ds,
    items: { train: all.filter((r) => want.has(r.itemId)), validation: [], test: [] },
  };
}

/** Describes a continual request in words (stored on the run's config for lineage). */
export function describeContinual(c: ContinualRequest): string {
  const p = c.penalty ? ` + ${c.penalty.kind.toUpperCase()} (λ = ${c.penalty.lambda})` : '';
  return `fine-tuned from run ${c.baseRunId}${p}`;
}
