// Front door of src/training: the page trains, scores and benchmarks through the ML bridge; it never
// imports TF.js or the worker module itself (only the worker's API type, inside ml-bridge.ts).
export { MlBridge, abortError, isAbortError } from './ml-bridge';
export type {
  BackendListener,
  CallOptions,
  MlBridgeOptions,
  ProgressCallOptions,
} from './ml-bridge';
export { backendTitle, describeBackend, explainChoice, timingRows } from './backend-label';
export { BACKEND_NAMES, JOB_KINDS } from './types';
export type * from './types';
export {
  PRESETS,
  TRAIN_PRESETS,
  OPTIMIZERS,
  CLASS_WEIGHTINGS,
  EARLY_STOPPING_METRICS,
  TRAIN_CONFIG_LIMITS,
  MAX_LAYERS,
  DEFAULT_PRESET,
  presetConfig,
  trainConfigErrors,
  validateTrainConfig,
  describeTrainConfigError,
  canonicalJson,
  configHash,
} from './config';
export type * from './config';
export { FEATURISATION_SPEC_VERSION } from './featurize-types';
export type * from './featurize-types';
export {
  DEFAULT_MIN_CATEGORY_COUNT,
  DEFAULT_TEXT_DIM,
  DEFAULT_NGRAM_RANGE,
  FeaturisationFitter,
  fitFeaturisation,
  featureColumns,
  featureDimOf,
  featureNames,
  encodeLabels,
  applyFeaturisation,
  applyToRaw,
  applyImagePixels,
  augmentImageBatch,
} from './featurize';
export type { ApplyTarget } from './featurize';
export {
  ECE_BINS,
  LOG_LOSS_EPS,
  argmaxRow,
  predictClasses,
  eceBin,
  expectedCalibrationError,
  classificationMetrics,
} from './metrics';
export type { ClassMetrics, ClassificationMetrics } from './metrics';
export { murmurhash3X86_32, murmurhash3String, hashTerm, tokenize } from './text-hashing';
export type * from './train-types';
export {
  APP_VERSION,
  RUN_METRICS,
  formatDuration,
  formatMetric,
  newRunId,
  runDurationMs,
  trainRequest,
} from './train-client';
