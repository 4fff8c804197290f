// The model file `inloop train` writes and the other commands read: one JSON document with the
// featurisation spec (so serving applies exactly what training fitted), the exact learner's plain
// model, the input columns' types, the split counts and the metrics. Versioned like the workspace
// file: parse = check the envelope → reject a newer format → check the parts.
import type { FeaturisationSpec } from '../training/featurize-types';
import type { ClassificationMetrics } from '../training/metrics';
import type { LogisticRegressionModel } from '../learners/logistic-regression';
import type { HistGradientBoostingModel } from '../learners/hist-gbdt';
import { FEATURISATION_SPEC_VERSION } from '../training/featurize-types';
import { COLUMN_TYPES } from '../data/types';
import type { ColumnChoice } from './table';

export const MODEL_FILE_FORMAT = 'inloop-cli-model';
export const MODEL_FILE_VERSION = 1;

export type CliFamily = 'auto' | 'linear' | 'boosted-trees';

export type CliLearner =
  | { family: 'linear'; params: { C: number }; model: LogisticRegressionModel }
  | { family: 'boosted-trees'; params: Record<string, number>; model: HistGradientBoostingModel };

/** One candidate Auto tried (the page's LearnerTrial, without timings: the file is reproducible). */
export interface CliTrial {
  family: 'linear' | 'boosted-trees';
  params: Record<string, number>;
  valLogLoss: number;
  valMacroF1: number;
  chosen: boolean;
}

export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
  holdout: number;
  unlabelled: number;
}

export interface CliModelFile {
  format: typeof MODEL_FILE_FORMAT;
  formatVersion: typeof MODEL_FILE_VERSION;
  target: string;
  idColumn: string | null;
  seed: number;
  requestedFamily: CliFamily;
  /** The spec's input columns with their training types (how new files are read). */
  inputColumns: ColumnChoice[];
  spec: FeaturisationSpec;
  learner: CliLearner;
  trials: CliTrial[];
  splits: SplitSizes;
  metrics: {
    train: ClassificationMetrics;
    validation: ClassificationMetrics;
    test: ClassificationMetrics | null;
    holdout: ClassificationMetrics | null;
  };
}

export type ModelFileResult = { ok: true; model: CliModelFile } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a parsed model file; the reason names the first thing that is wrong. */
export function parseModelFile(value: unknown): ModelFileResult {
  const no = (reason: string): ModelFileResult => ({ ok: false, reason });
  if (!isObject(value)) return no('not a JSON object');
  if (value.format !== MODEL_FILE_FORMAT) return no(`format is not “${MODEL_FILE_FORMAT}”`);
  const version = value.formatVersion;
  if (typeof version !== 'number') return no('no format version');
  if (version > MODEL_FILE_VERSION) {
    return no(`format version ${version} is newer than this inloop reads (${MODEL_FILE_VERSION})`);
  }
  if (version !== MODEL_FILE_VERSION) return no(`unknown format version ${version}`);
  if (typeof value.target !== 'string') return no('no target column');
  if (value.idColumn !== null && typeof value.idColumn !== 'string') return no('bad id column');
  if (!Array.isArray(value.inputColumns)) return no('no input columns');
  for (const c of value.inputColumns as unknown[]) {
    if (!isObject(c) || typeof c.name !== 'string' || !COLUMN_TYPES.some((t) => t === c.type)) {
      return no('an input column has no name or an unknown type');
    }
  }
  const spec = value.spec;
  if (!isObject(spec) || spec.version !== FEATURISATION_SPEC_VERSION) {
    return no('no featurisation spec of a known version');
  }
  if (spec.modality !== 'tabular' || !isObject(spec.tabular) || !isObject(spec.labels)) {
    return no('the spec is not a tabular spec with classes');
  }
  const learner = value.learner;
  if (!isObject(learner) || !isObject(learner.model)) return no('no learner');
  const kind = learner.model.kind;
  if (
    !(learner.family === 'linear' && kind === 'logistic') &&
    !(learner.family === 'boosted-trees' && kind === 'hist-gbdt')
  ) {
    return no('the learner is neither logistic regression nor boosted trees');
  }
  // The rest (coefficients, trees) was written by `inloop train` and is used as it is.
  return { ok: true, model: value as unknown as CliModelFile };
}

/** The file's text: pretty-printed, so a diff in review shows what changed. */
export function serializeModelFile(model: CliModelFile): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
