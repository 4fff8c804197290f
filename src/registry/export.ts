// Export of one model version as standard TF.js layers files, zipped (fflate): `model.json` (via
// the shared writer in tfjs-export.ts) and `weights.bin` (the stored weight bytes as they are),
// which `tf.loadLayersModel` reads unchanged, plus `featurisation.json` (how raw records become
// the model's input: apply it before predicting), `labels.json` (the output classes in order) and
// the model card. Pure: the Models page's "Download" and the export test build the same bytes.
// A boosted-trees version has no TF.js files: it exports `hist-gbdt.json` (the learner's
// documented JSON format, src/learners/hist-gbdt/README.md) and `tree-inputs.json` (which entries
// of the featurised vector become each tree column, src/training/tree-inputs.ts) instead.
import { zipSync, strToU8 } from 'fflate';
import type { ModelWeightsRecord } from '../persistence/schema';
import type { FeaturisationSpec } from '../training/featurize-types';
import { isTreesTopology, treeInputLayout } from '../training/tree-inputs';
import { layersModelJson } from './tfjs-export';
import type { ModelVersion } from './types';

export interface VersionExportInput {
  version: Pick<ModelVersion, 'id' | 'version' | 'featurisation' | 'labels'>;
  weights: Pick<ModelWeightsRecord, 'topology' | 'weightSpecs' | 'weightData'>;
  /** The version's model card (Markdown). */
  card: string;
}

/** File names inside the export, and what each holds. */
export const EXPORT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  featurisation: 'featurisation.json',
  labels: 'labels.json',
  card: 'MODEL_CARD.md',
  trees: 'hist-gbdt.json',
  treeInputs: 'tree-inputs.json',
} as const;

const json = (value: unknown): Uint8Array => strToU8(`${JSON.stringify(value, null, 2)}\n`);

/** The export's files, name → bytes. */
export function versionExportFiles(input: VersionExportInput): Record<string, Uint8Array> {
  const { version, weights } = input;
  if (isTreesTopology(weights.topology)) {
    const spec = version.featurisation as unknown as FeaturisationSpec;
    return {
      [EXPORT_FILES.trees]: json(weights.topology.model),
      [EXPORT_FILES.treeInputs]: json({ input: weights.topology.input, ...treeInputLayout(spec) }),
      [EXPORT_FILES.featurisation]: json(version.featurisation),
      [EXPORT_FILES.labels]: json(version.labels),
      [EXPORT_FILES.card]: strToU8(input.card),
    };
  }
  const bytesPer = { float32: 4, int32: 4, bool: 1, complex64: 8, string: Number.NaN };
  const expected = weights.weightSpecs.reduce(
    (n, s) => n + s.shape.reduce((a, b) => a * b, 1) * bytesPer[s.dtype],
    0,
  );
  // String weights have no fixed size; every model Inloop trains is float32.
  if (!Number.isNaN(expected) && weights.weightData.byteLength !== expected) {
    throw new Error(
      `The stored weights of version ${version.version} hold ${weights.weightData.byteLength} bytes ` +
        `but their manifest describes ${expected}; the export would not load.`,
    );
  }
  return {
    [EXPORT_FILES.model]: json(layersModelJson(weights, EXPORT_FILES.weights)),
    [EXPORT_FILES.weights]: new Uint8Array(weights.weightData.slice(0)),
    [EXPORT_FILES.featurisation]: json(version.featurisation),
    [EXPORT_FILES.labels]: json(version.labels),
    [EXPORT_FILES.card]: strToU8(input.card),
  };
}

/** The zip of {@link versionExportFiles}. */
export function versionExportZip(input: VersionExportInput): Uint8Array {
  return zipSync(versionExportFiles(input), { level: 6 });
}

/** A file name for the export: `<project>-v<version>-tfjs.zip`, safe on every file system. */
export function versionExportName(projectName: string, version: number, ext = 'tfjs.zip'): string {
  const base =
    projectName
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'model';
  return `${base}-v${version}-${ext}`;
}
