// Front door of src/labeling's algorithmic core: queue strategies, label-error detection,
// agreement and stopping. Pure TypeScript over typed arrays: the ML worker and the page both
// import it.
export { leastConfidence, margin, entropy, bald } from './scores';
export { topK, isExcluded } from './top-k';
export {
  kMeansPlusPlus,
  diversityKMeansPP,
  badge,
  gradientEmbedding,
  coreSetKCenterGreedy,
  eligibleRows,
} from './kmeans';
export type { CandidateOptions, KMeansPlusPlusOptions, KCenterOptions } from './kmeans';
export {
  DEFAULT_MAX_CANDIDATES,
  QUEUE_STRATEGIES,
  randomSampling,
  leastConfidenceSampling,
  marginSampling,
  entropySampling,
  baldSampling,
  candidateRows,
  getStrategy,
  selectBatch,
  describeStrategyError,
} from './strategies';
export {
  findLabelIssues,
  confidentThresholds,
  confidentJoint,
  calibrateConfidentJoint,
  pruneCounts,
  roundPreservingSum,
  roundHalfEven,
} from './confident-learning';
export type { ConfidentLearningOptions } from './confident-learning';
export { cohensKappa, fleissKappa } from './agreement';
export type { KappaWeights } from './agreement';
export {
  STOPPING_KAPPA,
  STOPPING_WINDOW,
  stoppingHint,
  roundKappa,
  labelsToReach,
  labelSavings,
} from './stopping';
export type { StoppingOptions } from './stopping';
export type * from './types';
