// Histogram gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier), the front
// door of src/learners/hist-gbdt. See README.md for the stored model format.

export {
  DEFAULT_HGB_PARAMS,
  fitHistGradientBoosting,
  leafIndices,
  predictProbaHgb,
  rawPredictHgb,
  type HistGradientBoostingModel,
  type HistGradientBoostingParams,
  type HgbValidationSet,
} from './gbdt';
export type { SerializedTree } from './predictor';
