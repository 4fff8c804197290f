// The three model families, built from a TrainConfig: a tabular MLP, a small image CNN and a text
// linear/MLP model over hashed TF-IDF features. Every random initialiser gets its own seed derived
// from the run's seed, so the same seed gives the same initial weights on every machine.
//
// Layer names are part of the contract with the inference code: the last hidden layer is called
// `embedding` (its activations are the "penultimate-layer embedding"), the output `probabilities`.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../src/training/config';
import { deriveSeed } from '../src/lib/rng';

export const EMBEDDING_LAYER = 'embedding';
export const OUTPUT_LAYER = 'probabilities';

/** Seed streams of one run (see `deriveSeed`): separate so that one purpose never shifts another. */
export const SEED_STREAM = { init: 1, shuffle: 2, dropout: 3, augment: 4, mcDropout: 5 } as const;

export interface ModelShape {
  /** `[featureDim]` for tabular and text, `[size, size, channels]` for images. */
  inputShape: number[];
  numClasses: number;
}

/** Builds (uncompiled) the model of `config.modality`. */
export function buildModel(config: TrainConfig, shape: ModelShape): tf.Sequential {
  const initSeed = deriveSeed(config.seed, SEED_STREAM.init);
  let layerNo = 0;
  // He initialisation for ReLU layers, Glorot for the softmax (the Keras defaults' reasoning).
  const he = () => tf.initializers.heNormal({ seed: deriveSeed(initSeed, ++layerNo) });
  const glorot = () => tf.initializers.glorotUniform({ seed: deriveSeed(initSeed, ++layerNo) });
  const regularizer =
    config.weightDecay > 0 ? tf.regularizers.l2({ l2: config.weightDecay }) : undefined;

  const model = tf.sequential();
  const size = shape.inputShape[0] ?? 0;
  if (config.modality === 'image') {
    const filters = config.convFilters ?? [16, 32];
    filters.forEach((f, i) => {
      model.add(
        tf.layers.conv2d({
          ...(i === 0 ? { inputShape: shape.inputShape } : {}),
          filters: f,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: he(),
          ...(regularizer ? { kernelRegularizer: regularizer } : {}),
        }),
      );
      // Pool only while the map is still larger than 1×1 (tiny test images).
      if (size >> (i + 1) >= 1) model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    });
    model.add(tf.layers.flatten());
  }

  const hidden = config.hiddenUnits;
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        ...(model.layers.length === 0 ? { inputShape: shape.inputShape } : {}),
        units,
        activation: 'relu',
        kernelInitializer: he(),
        ...(regularizer ? { kernelRegularizer: regularizer } : {}),
        ...(i === hidden.length - 1 ? { name: EMBEDDING_LAYER } : {}),
      }),
    );
    if (config.dropout > 0) model.add(tf.layers.dropout({ rate: config.dropout }));
  });

  model.add(
    tf.layers.dense({
      ...(model.layers.length === 0 ? { inputShape: shape.inputShape } : {}),
      units: shape.numClasses,
      activation: 'softmax',
      kernelInitializer: glorot(),
      ...(regularizer ? { kernelRegularizer: regularizer } : {}),
      name: OUTPUT_LAYER,
    }),
  );
  return model;
}

export function makeOptimizer(config: TrainConfig): tf.Optimizer {
  switch (config.optimizer) {
    case 'adam':
      return tf.train.adam(config.learningRate);
    case 'sgd':
      // Plain SGD with momentum 0.9, the usual companion of SGD for small nets.
      return tf.train.momentum(config.learningRate, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(config.learningRate);
  }
}

/** Keras' epsilon for clipping probabilities before the log. */
const EPSILON = 1e-7;

/**
 * Categorical cross-entropy with per-class weights (Keras `class_weight` semantics: each sample's
 * loss is multiplied by its class's weight, then averaged over the batch). TF.js' own
 * `classWeight` option reads every batch's labels back to the CPU (`await y.data()`), stalling the
 * GPU pipeline, so the weights are applied on the device instead.
 */
export function weightedCrossEntropy(classWeights: tf.Tensor1D) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
      const ce = tf.neg(tf.sum(tf.mul(yTrue, tf.log(p)), -1));
      const w = tf.sum(tf.mul(yTrue, classWeights), -1);
      return tf.mul(ce, w);
    });
}

/**
 * Dropout layers of a model. TF.js' Dropout draws its mask from `Math.random` unless the layer has
 * a seed, and a fixed seed would give the *same* mask on every batch; so the trainer sets a fresh
 * derived seed on every dropout layer before every batch (see `setDropoutSeeds`). The property is
 * private in TF.js' typings but read on every call.
 */
function dropoutLayers(model: tf.LayersModel): { seed?: number }[] {
  return model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as {
    seed?: number;
  }[];
}

/** Gives each dropout layer a seed for the next forward pass (`undefined` clears it). */
export function setDropoutSeeds(model: tf.LayersModel, seed: number | undefined): void {
  dropoutLayers(model).forEach((layer, i) => {
    layer.seed = seed === undefined ? undefined : deriveSeed(seed, i + 1);
  });
}

/**
 * The sub-model from the input to the penultimate activations: the `embedding` layer when the
 * model has hidden layers, else what feeds the output layer (the flattened conv features). `null`
 * for a linear model over the input features, whose embedding is the input itself. It shares the
 * model's weights: never dispose it, dispose the model.
 */
export function embeddingModel(model: tf.LayersModel): tf.LayersModel | null {
  const layer = model.layers.find((l) => l.name === EMBEDDING_LAYER);
  if (layer) return tf.model({ inputs: model.inputs, outputs: layer.output });
  if (model.layers.length <= 1) return null;
  const beforeOutput = model.layers.at(-2)!;
  return tf.model({ inputs: model.inputs, outputs: beforeOutput.output });
}
