// Front door of src/serving: scoring with the champion (try it, batch, stream replay), delayed
// labels (replay lag, labels files) and what the prediction log rows look like.
export type * from './types';
export { argMax, classDistribution, newJobId, predictionRecords, toProjectOrder } from './records';
export { batchDueMs, dueLabels, microBatchSize, replayOrder } from './stream-order';
export {
  DELAYED_LABELS_ANNOTATOR,
  StreamReplay,
  systemClock,
  type ReplayBatchEvent,
  type ReplayClock,
  type ReplayEvent,
  type ReplayState,
  type ReplaySummary,
  type StreamReplayOptions,
} from './replay';
export {
  csvRecords,
  describeLabelsProblem,
  labelsFormatOf,
  parseLabelsFile,
  parseTime,
  validateLabels,
  type DelayedLabel,
  type LabelsContext,
  type LabelsFileFormat,
  type LabelsFileProblem,
  type LabelsFileRow,
} from './labels-file';
export {
  TRY_IT_SOURCE,
  championScorer,
  createSourceReplay,
  featuresOf,
  hasTargetColumn,
  importLabelsFile,
  loadSource,
  modelRefOf,
  pageServingDeps,
  productionIdResolver,
  productionSources,
  readStreamRows,
  scoreSource,
  specOf,
  tryIt,
  writeDelayedLabels,
  type BatchOptions,
  type BatchProgress,
  type LabelsImportSummary,
  type LoadedSource,
  type ServingDeps,
  type SourceReplayOptions,
  type TryItResult,
} from './serving';
export {
  EXPORT_PAGE,
  exportPredictionLog,
  predictionExportName,
  probabilityColumns,
  type PredictionExport,
  type PredictionExportFormat,
  type PredictionExportOptions,
  type PredictionLogSource,
} from './prediction-export';
export { ServingHub, servingHub, type ServingEvent, type ServingListener } from './hub';
