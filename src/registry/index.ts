// The front door of src/registry: the promotion gate, lineage, model cards and the registry's
// types. Pure and state-free; the stored registry itself is `registryRepo` in src/persistence.
export {
  DEFAULT_GATE_CONFIG,
  MCNEMAR_EXACT_BELOW,
  discordantPairs,
  evaluateGate,
  holdoutMetric,
  mcnemar,
  mcnemarChi2,
  mcnemarExact,
  pairedBootstrap,
  pairingProblem,
  resolveGateConfig,
  type BootstrapResult,
  type GateConfig,
  type GateMetric,
  type GateNumbers,
  type GateTest,
  type GateVerdict,
  type HoldoutPredictions,
  type McNemarResult,
} from './gate';
export {
  ancestry,
  buildLineage,
  readLineage,
  versionsUsingLabels,
  versionsUsingSource,
  type LabelSnapshot,
  type Lineage,
  type SourceRef,
} from './lineage';
export {
  codeSpan,
  escapeMarkdown,
  escapeMarkdownBlock,
  modelCard,
  readEvaluation,
  type ModelCardInput,
} from './model-card';
export type * from './types';
export {
  INTERVAL_BELOW_ITEMS,
  SMALL_CLASS_ITEMS,
  SMALL_SPLIT_ITEMS,
  describeProportion,
  intervalText,
  smallClassWarning,
  smallSplitWarning,
  summariseSplitMetrics,
  wilsonInterval,
  type Interval,
  type SplitMetricsInput,
  type SplitMetricsSummary,
} from './intervals';
