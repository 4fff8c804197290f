// TF.js model artifacts ⇄ IndexedDB `modelWeights` records. Models are kept in the standard TF.js
// layers format (the `modelTopology` of model.json, the weights manifest and one flat weights
// buffer), so an export can write them out as model.json + weights.bin (src/registry/tfjs-export.ts) that
// `tf.loadLayersModel` reads unchanged. Two ways in: `captureArtifacts` (save to memory, so the
// caller can write the weights in the same transaction as the run that produced them) and
// `modelWeightsHandler` (a full `tf.io.IOHandler` over the runs repository).
import * as tf from '@tensorflow/tfjs';
import type { RunsRepo } from '../src/persistence/runs-repo';
import type { ModelWeightsRecord, WeightSpec } from '../src/persistence/schema';

/** A `modelWeights` record without its key. */
export type StoredArtifacts = Omit<ModelWeightsRecord, 'modelId'>;

function toStored(artifacts: tf.io.ModelArtifacts): StoredArtifacts {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('Only layers models (JSON topology) can be stored, not graph models');
  }
  if (!artifacts.weightSpecs || !artifacts.weightData) {
    throw new Error('The model artifacts have no weights');
  }
  return {
    topology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs.map(({ name, shape, dtype }): WeightSpec => ({
      name,
      shape: [...shape],
      dtype,
    })),
    // TF.js 4.x may hand over the weights as several buffers (one per shard); we keep one.
    weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  };
}

function fromStored(record: StoredArtifacts): tf.io.ModelArtifacts {
  return {
    modelTopology: record.topology as object,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightSpecs: record.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
    weightData: record.weightData,
  };
}

function saveResult(artifacts: tf.io.ModelArtifacts): tf.io.SaveResult {
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

/** The model's layers-format artifacts in memory (no optimizer state), ready to store. */
export async function captureArtifacts(model: tf.LayersModel): Promise<StoredArtifacts> {
  let captured: StoredArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = toStored(artifacts);
      return Promise.resolve(saveResult(artifacts));
    }),
  );
  if (!captured) throw new Error('TF.js did not hand over the model artifacts');
  return captured;
}

/** Rebuilds a model from stored artifacts (see `modelWeightsHandler` for loading by key). */
export function loadStoredModel(record: StoredArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(fromStored(record)));
}

/**
 * A `tf.io.IOHandler` that saves a model into `modelWeights` under `key` and loads it back:
 * `model.save(modelWeightsHandler(repo, 'run:42'))`, `tf.loadLayersModel(modelWeightsHandler(…))`.
 */
export function modelWeightsHandler(
  repo: Pick<RunsRepo, 'getWeights' | 'putWeights'>,
  key: string,
): tf.io.IOHandler {
  return {
    async save(artifacts) {
      await repo.putWeights({ modelId: key, ...toStored(artifacts) });
      return saveResult(artifacts);
    },
    async load() {
      const record = await repo.getWeights(key);
      if (!record) throw new Error(`No model weights are stored under '${key}'`);
      return fromStored(record);
    },
  };
}
