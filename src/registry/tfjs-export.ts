// The standard TF.js layers files of a stored model, written without TF.js: `model.json` (the
// topology plus a weights manifest naming one weights file) and the flat weights buffer as it is
// stored. `tf.loadLayersModel` reads the pair unchanged; the registry's version export and the
// workspace file both write models through this one function.
import type { ModelWeightsRecord } from '../persistence/schema';

/** The TF.js version that trained and stored every model (package.json pins it). */
export const TFJS_LAYERS_VERSION = '4.22.0';

/** `model.json` of the TF.js layers format (`tf.io.ModelJSON`, without importing TF.js). */
export interface LayersModelJson {
  modelTopology: unknown;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  weightsManifest: { paths: string[]; weights: ModelWeightsRecord['weightSpecs'] }[];
}

/** The model.json of a stored model, naming its weights file `weightsPath`. */
export function layersModelJson(
  record: Pick<ModelWeightsRecord, 'topology' | 'weightSpecs'>,
  weightsPath = 'weights.bin',
): LayersModelJson {
  return {
    modelTopology: record.topology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${TFJS_LAYERS_VERSION}`,
    convertedBy: null,
    weightsManifest: [
      {
        paths: [weightsPath],
        weights: record.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
      },
    ],
  };
}
