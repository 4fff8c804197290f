// The front door of src/workspace: workspace files (export/import), annotation sessions and their
// merge with agreement, standard exports. See README.md.
export {
  describeWorkspaceError,
  WorkspaceFailure,
  type WorkspaceError,
  type WorkspaceErrorKind,
} from './errors';
export {
  exportWorkspace,
  normaliseSeqs,
  workspaceFileName,
  type ExportOptions,
  type ExportProgress,
  type ExportResult,
} from './export';
export { readWorkspace, type ImportOptions, type WorkspaceContent } from './import';
export {
  WORKSPACE_FORMAT,
  WORKSPACE_FORMAT_VERSION,
  WORKSPACE_MIGRATIONS,
  migrateWorkspace,
  type ManifestEntry,
  type WorkspaceManifest,
  type WorkspaceMigration,
} from './format';
export { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-reader';
export { parseJsonSafely } from './safe-json';
export {
  annotatorsOf,
  buildSession,
  itemDigests,
  parseSession,
  SESSION_FORMAT,
  type AnnotationSession,
} from './session';
export { agreementOf, categoryKappa, planMerge, type MergePlan } from './merge';
export {
  currentLabelRows,
  float32Shortest,
  labelStudioItemData,
  labelStudioTasks,
  labelsCsv,
  labelsJsonl,
  mlflowZip,
} from './standard-exports';
