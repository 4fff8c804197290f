// The front door of src/persistence: everything the page and the other modules may use. Dexie
// itself stays behind it (see eslint.config.js).
import { getDb } from './db';
import { createAnnotationsRepo } from './annotations-repo';
import { createPredictionsRepo } from './predictions-repo';
import { createProjectsRepo } from './projects-repo';
import { createRegistryRepo } from './registry-repo';
import { createRunsRepo } from './runs-repo';
import { createSettingsRepo } from './settings-repo';
import { createMonitorRepo } from './monitor-repo';

export { DEFAULT_DATABASE_NAME, SCHEMA_VERSION, getDb, openDatabase, type InloopDB } from './db';
export { onDatabaseEvent, type DatabaseEvent, type DatabaseEventListener } from './events';
export {
  StorageFailure,
  describeStorageError,
  isQuotaExceeded,
  toStorageError,
  type StorageError,
} from './errors';
export { LiveQuery } from './live.svelte';
export { createProjectsRepo, type ProjectPatch, type ProjectsRepo } from './projects-repo';
export { createSettingsRepo, type SettingsRepo } from './settings-repo';
export {
  createAnnotationsRepo,
  currentLabelEntriesOf,
  currentLabelsOf,
  type AnnotationsRepo,
  type NewAnnotation,
} from './annotations-repo';
export type * from './schema';
export {
  createPredictionsRepo,
  type GroundTruth,
  type NewPrediction,
  type PredictionFilter,
  type PredictionPage,
  type PredictionsRepo,
} from './predictions-repo';
export {
  INTERRUPTED_REASON,
  createRunsRepo,
  runWeightsKey,
  type RunCompletion,
  type RunsRepo,
} from './runs-repo';
export {
  RegistryFailure,
  createRegistryRepo,
  describeRegistryError,
  type AuditOptions,
  type PromoteOptions,
  type RegisterOptions,
  type RegisterStep,
  type RegistryError,
  type RegistryRepo,
} from './registry-repo';
export {
  blobId,
  createSourcesRepo,
  importSessionId,
  sourcesRepo,
  type SourceCommit,
  type SourcesRepo,
} from './sources-repo';

/** Projects of the page's database. */
export const projectsRepo = createProjectsRepo(getDb);
/** Settings of the page's database. */
export const settingsRepo = createSettingsRepo(getDb);
/** The annotation log of the page's database. */
export const annotationsRepo = createAnnotationsRepo(getDb);
/** Training runs and their weights in the page's database. */
export const runsRepo = createRunsRepo(getDb);
/** The model registry (versions, aliases, audit log) of the page's database. */
export const registryRepo = createRegistryRepo(getDb);
/** The prediction log (and delayed-label joins) of the page's database. */
export const predictionsRepo = createPredictionsRepo(getDb);
export {
  PROJECT_TABLES,
  ProjectWriteFailure,
  SEQ_TABLES,
  createWorkspaceRepo,
  type ProjectRows,
  type ProjectTable,
  type ProjectWriteError,
  type WorkspaceRepo,
} from './workspace-repo';
import { createWorkspaceRepo } from './workspace-repo';
/** Whole projects in and out (workspace files) of the page's database. */
export const workspaceRepo = createWorkspaceRepo(getDb);
export {
  createMonitorRepo,
  type MonitorRepo,
  type NewMonitorWindow,
  type StoredMonitorWindow,
} from './monitor-repo';
/** Drift windows, reference profiles and the prediction log read of the page's database. */
export const monitorRepo = createMonitorRepo(getDb);
export {
  PIPELINE_INTERRUPTED_REASON,
  PipelineBusyError,
  createAutomationRepo,
  type AutomationRepo,
  type AutomationWindow,
} from './automation-repo';
import { createAutomationRepo } from './automation-repo';
/** Retraining policies and pipeline runs of the page's database. */
export const automationRepo = createAutomationRepo(getDb);
