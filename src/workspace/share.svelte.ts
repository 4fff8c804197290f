/* eslint-disable svelte/prefer-svelte-reactivity -- the Sets, Maps and Dates here are local working values of one call, never reactive state */
// State of the Share page: workspace export and import, annotation sessions (export, merge with
// agreement, adjudication), standard exports and the storage meter. Components render this and
// forward clicks; every operation reports failures as sentences (notices or `error` fields).
import {
  SCHEMA_VERSION,
  StorageFailure,
  annotationsRepo,
  describeStorageError,
  predictionsRepo,
  registryRepo,
  settingsRepo,
  workspaceRepo,
  ProjectWriteFailure,
} from '../persistence';
import type { Project } from '../persistence/schema';
import type { Notices } from '../app/notices.svelte';
import { ANNOTATOR_SETTING } from '../labeling/labeling.svelte';
import { saveFile } from './download';
import { exportPredictionLog, predictionExportName } from '../serving/prediction-export';
import { describeWorkspaceError, WorkspaceFailure, type WorkspaceError } from './errors';
import { exportWorkspace, type ExportProgress } from './export';
import { readWorkspace, type WorkspaceContent } from './import';
import { planMerge, type MergePlan } from './merge';
import { DEFAULT_ZIP_LIMITS } from './zip-reader';
import {
  annotatorsOf,
  buildSession,
  itemDigests,
  parseSession,
  sessionFileName,
  type AnnotationSession,
} from './session';
import {
  currentLabelRows,
  labelStudioItemData,
  labelStudioTasks,
  labelsCsv,
  labelsJsonl,
  mlflowZip,
} from './standard-exports';

export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev';

export interface ImportReport {
  fileName: string;
  /** Set when the file was refused. */
  error: string | null;
  errorKind: WorkspaceError['kind'] | null;
  project: { id: string; name: string } | null;
  counts: Record<string, number>;
  appVersion: string | null;
  createdAt: number | null;
  bytes: number;
  inflatedBytes: number;
  /** The project id is already here: the user must confirm replacing it. */
  exists: string | null;
  imported: boolean;
}

export interface LoadedSession {
  fileName: string;
  session: AnnotationSession;
}

function failureText(e: unknown): string {
  if (e instanceof WorkspaceFailure) return describeWorkspaceError(e.error);
  if (e instanceof StorageFailure) return describeStorageError(e.error);
  return e instanceof Error ? e.message : String(e);
}

export class ShareState {
  readonly #notices: Notices;

  exporting = $state(false);
  exportProgress = $state<ExportProgress | null>(null);
  lastExport = $state<{ fileName: string; bytes: number; seconds: number } | null>(null);
  #exportController: AbortController | null = null;

  importing = $state(false);
  importProgress = $state(0);
  report = $state<ImportReport | null>(null);
  /** Rows written by the prediction-log export in progress, or null. */
  predictionExportRows = $state<number | null>(null);
  #pending: WorkspaceContent | null = null;
  #importController: AbortController | null = null;

  annotators = $state<string[]>([]);
  sessions = $state.raw<LoadedSession[]>([]);
  sessionErrors = $state<string[]>([]);
  plan = $state.raw<MergePlan | null>(null);
  merging = $state(false);

  storage = $state<{ usage: number; quota: number } | null>(null);
  persisted = $state<boolean | null>(null);
  persistMessage = $state<string | null>(null);

  constructor(notices: Notices) {
    this.#notices = notices;
  }

  // -------------------------------------------------------------------------------------------
  // Workspace export

  async exportProject(project: Project): Promise<void> {
    if (this.exporting) return;
    this.exporting = true;
    this.exportProgress = { fraction: 0, phase: 'Reading the project' };
    const controller = new AbortController();
    this.#exportController = controller;
    const started = performance.now();
    try {
      const rows = await workspaceRepo.readProject(project.id);
      if (!rows) throw new Error(`Project "${project.name}" no longer exists.`);
      const out = await exportWorkspace(rows, {
        appVersion: APP_VERSION,
        schemaVersion: SCHEMA_VERSION,
        signal: controller.signal,
        onProgress: (p) => (this.exportProgress = p),
      });
      saveFile(out.blob, out.fileName, 'application/zip');
      this.lastExport = {
        fileName: out.fileName,
        bytes: out.blob.size,
        seconds: (performance.now() - started) / 1000,
      };
      this.#notices.push('ok', `Exported "${project.name}" as ${out.fileName}.`);
    } catch (e) {
      if (e instanceof WorkspaceFailure && e.error.kind === 'cancelled') {
        this.#notices.push('info', 'Export cancelled.');
      } else {
        this.#notices.push('error', `Export failed: ${failureText(e)}`);
      }
    } finally {
      this.exporting = false;
      this.exportProgress = null;
      this.#exportController = null;
    }
  }

  cancelExport(): void {
    this.#exportController?.abort();
  }

  // -------------------------------------------------------------------------------------------
  // Workspace import

  /** Reads and checks a file; writes it at once when its project is new here. */
  async importFile(file: File): Promise<string | null> {
    if (this.importing) return null;
    this.importing = true;
    this.importProgress = 0;
    this.#pending = null;
    const controller = new AbortController();
    this.#importController = controller;
    const report: ImportReport = {
      fileName: file.name,
      error: null,
      errorKind: null,
      project: null,
      counts: {},
      appVersion: null,
      createdAt: null,
      bytes: file.size,
      inflatedBytes: 0,
      exists: null,
      imported: false,
    };
    try {
      // A zip is never larger than what it unpacks to (plus headers): refuse before reading it in.
      if (file.size > DEFAULT_ZIP_LIMITS.maxTotalBytes) {
        report.error = describeWorkspaceError({
          kind: 'too-large',
          limit: DEFAULT_ZIP_LIMITS.maxTotalBytes,
        });
        report.errorKind = 'too-large';
        return null;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await readWorkspace(bytes, {
        schemaVersion: SCHEMA_VERSION,
        signal: controller.signal,
        onProgress: (f) => (this.importProgress = f),
      });
      if (!result.ok) {
        report.error = describeWorkspaceError(result.error);
        report.errorKind = result.error.kind;
        return null;
      }
      const { manifest, rows } = result.value;
      // The name the project row carries is the one the import writes; the manifest's copy is only
      // a label of the file and could differ in a hand-edited file.
      report.project = {
        id: manifest.project.id,
        name: rows.projects[0]?.name ?? manifest.project.name,
      };
      report.counts = Object.fromEntries(
        Object.entries(result.value.rows).map(([t, list]) => [t, (list as unknown[]).length]),
      );
      report.appVersion = manifest.appVersion;
      report.createdAt = manifest.createdAt;
      report.inflatedBytes = result.value.inflatedBytes;
      const existing = await workspaceRepo.projectName(manifest.project.id);
      this.#pending = result.value;
      if (existing !== undefined) {
        report.exists = existing;
        return null;
      }
      return await this.#write(report, false);
    } catch (e) {
      report.error = failureText(e);
      return null;
    } finally {
      this.report = report;
      this.importing = false;
      this.#importController = null;
    }
  }

  cancelImport(): void {
    this.#importController?.abort();
  }

  /** After the user confirmed: replaces the existing project with the checked file. */
  async confirmReplace(): Promise<string | null> {
    if (!this.report || !this.#pending) return null;
    const report = { ...this.report };
    this.importing = true;
    try {
      return await this.#write(report, true);
    } finally {
      this.report = report;
      this.importing = false;
    }
  }

  dismissReplace(): void {
    if (this.report?.exists)
      this.report = {
        ...this.report,
        exists: null,
        error: 'Not imported: the project here was kept.',
      };
    this.#pending = null;
  }

  async #write(report: ImportReport, replace: boolean): Promise<string | null> {
    const content = this.#pending;
    if (!content) return null;
    try {
      await workspaceRepo.writeProject(content.rows, { replace });
      report.imported = true;
      report.exists = null;
      this.#pending = null;
      const name = content.rows.projects[0]?.name ?? content.manifest.project.name;
      this.#notices.push(
        'ok',
        replace
          ? `Imported the project "${name}", replacing the copy that was here.`
          : `Imported the project "${name}" as a new project.`,
      );
      return content.manifest.project.id;
    } catch (e) {
      if (e instanceof ProjectWriteFailure) {
        report.error = describeWorkspaceError(e.error);
        report.errorKind = e.error.kind;
      } else report.error = failureText(e);
      report.exists = null;
      return null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Annotation sessions

  async loadAnnotators(project: Project): Promise<void> {
    try {
      this.annotators = annotatorsOf(await annotationsRepo.log(project.id));
    } catch (e) {
      this.#notices.push('error', failureText(e));
    }
  }

  async myName(): Promise<string> {
    const name = await settingsRepo.get<string>(ANNOTATOR_SETTING, '');
    return typeof name === 'string' && name.trim() ? name.trim() : 'adjudicator';
  }

  async exportSession(project: Project, annotator: string): Promise<void> {
    try {
      const log = await annotationsRepo.log(project.id);
      const items = new Set(log.filter((e) => e.annotator === annotator).map((e) => e.itemId));
      const data = await workspaceRepo.readProject(project.id, ['sources', 'chunks', 'blobs']);
      const digests = await itemDigests(data!, items);
      const now = Date.now();
      const session = buildSession(project, log, annotator, digests, {
        appVersion: APP_VERSION,
        now,
      });
      saveFile(
        JSON.stringify(session),
        sessionFileName(project.name, annotator, now),
        'application/json',
      );
      this.#notices.push('ok', `Exported ${session.events.length} entries of ${annotator}.`);
    } catch (e) {
      this.#notices.push('error', `Session export failed: ${failureText(e)}`);
    }
  }

  async addSessionFiles(project: Project, files: readonly File[]): Promise<void> {
    const errors: string[] = [];
    const loaded = [...this.sessions];
    for (const file of files) {
      if (file.size > 64 * 1024 * 1024) {
        errors.push(`${file.name}: the file is larger than 64 MiB, more than a session holds.`);
        continue;
      }
      const parsed = parseSession(await file.text(), file.name);
      if (!parsed.ok) errors.push(`${file.name}: ${describeWorkspaceError(parsed.error)}`);
      else if (parsed.value.project.id !== project.id) {
        errors.push(
          `${file.name}: this session is for project "${parsed.value.project.name}", not "${project.name}".`,
        );
      } else loaded.push({ fileName: file.name, session: parsed.value });
    }
    this.sessions = loaded;
    this.sessionErrors = errors;
    await this.replan(project);
  }

  removeSession(project: Project, index: number): Promise<void> {
    this.sessions = this.sessions.filter((_, i) => i !== index);
    return this.replan(project);
  }

  /** Recomputes matching, agreement and conflicts from the log and the loaded sessions. */
  async replan(project: Project): Promise<void> {
    try {
      const log = await annotationsRepo.log(project.id);
      const ids = new Set(this.sessions.flatMap((s) => s.session.items.map((i) => i.id)));
      const data = await workspaceRepo.readProject(project.id, ['sources', 'chunks', 'blobs']);
      const digests = ids.size ? await itemDigests(data!, ids) : new Map<string, string>();
      this.plan = planMerge(
        project,
        log,
        digests,
        this.sessions.map((s) => s.session),
      );
      this.annotators = annotatorsOf(log);
    } catch (e) {
      this.#notices.push('error', failureText(e));
    }
  }

  /** Appends the sessions' new entries to the log (one transaction). */
  async commitMerge(project: Project): Promise<void> {
    const plan = this.plan;
    if (!plan || plan.append.length === 0 || this.merging) return;
    this.merging = true;
    try {
      await workspaceRepo.appendAnnotations(plan.append);
      this.#notices.push(
        'ok',
        `Merged ${plan.append.length} entries from ${plan.sessions.length} session(s).`,
      );
      await this.replan(project);
    } catch (e) {
      this.#notices.push('error', `Merge failed: ${failureText(e)}`);
    } finally {
      this.merging = false;
    }
  }

  /** Settles a conflict: an `adjudication` entry that becomes the item's label. */
  async adjudicate(project: Project, itemId: string, label: string): Promise<void> {
    try {
      const annotator = await this.myName();
      await annotationsRepo.append([
        {
          projectId: project.id,
          itemId,
          label,
          annotator,
          sessionId: `adjudication-${new Date().toISOString().slice(0, 10)}`,
          kind: 'adjudication',
          at: Date.now(),
        },
      ]);
      await this.replan(project);
    } catch (e) {
      this.#notices.push('error', failureText(e));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Standard exports

  async exportLabels(project: Project, kind: 'csv' | 'jsonl' | 'label-studio'): Promise<void> {
    try {
      const rows = currentLabelRows(project, await annotationsRepo.log(project.id));
      const base = project.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'labels';
      if (kind === 'csv') saveFile(labelsCsv(rows), `${base}-labels.csv`, 'text/csv');
      else if (kind === 'jsonl')
        saveFile(labelsJsonl(rows), `${base}-labels.jsonl`, 'application/jsonl');
      else {
        const wanted = new Set(rows.map((r) => r.itemId));
        const data = await workspaceRepo.readProject(project.id, ['sources', 'chunks']);
        const itemData = labelStudioItemData(project, data?.chunks ?? [], wanted);
        const { tasks, labelConfig, annotators } = labelStudioTasks(project, rows, itemData);
        saveFile(JSON.stringify(tasks, null, 1), `${base}-label-studio.json`, 'application/json');
        saveFile(
          JSON.stringify(annotators, null, 1),
          `${base}-label-studio-annotators.json`,
          'application/json',
        );
        saveFile(labelConfig, `${base}-label-studio-config.xml`, 'application/xml');
      }
      this.#notices.push('ok', `Exported ${rows.length} labels.`);
    } catch (e) {
      this.#notices.push('error', `Label export failed: ${failureText(e)}`);
    }
  }

  /** The whole prediction log, class names and probabilities per class, built page by page. */
  async exportPredictions(project: Project, format: 'csv' | 'jsonl'): Promise<void> {
    if (this.predictionExportRows !== null) return;
    this.predictionExportRows = 0;
    try {
      const versions = await registryRepo.listVersions(project.id);
      const { blob, rows } = await exportPredictionLog(predictionsRepo, project, format, {
        versions: new Map(versions.map((v) => [v.id, v.version])),
        onProgress: (n) => (this.predictionExportRows = n),
      });
      saveFile(blob, predictionExportName(project, format), blob.type);
      this.#notices.push('ok', `Exported ${rows.toLocaleString()} predictions.`);
    } catch (e) {
      this.#notices.push('error', `Prediction export failed: ${failureText(e)}`);
    } finally {
      this.predictionExportRows = null;
    }
  }

  async exportMlflow(project: Project): Promise<void> {
    try {
      const data = await workspaceRepo.readProject(project.id, ['runs', 'modelWeights']);
      const runs = data?.runs ?? [];
      const weights = new Map((data?.modelWeights ?? []).map((w) => [w.modelId, w]));
      const zip = await mlflowZip(project, runs, weights);
      const base = project.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'runs';
      saveFile(zip, `${base}-mlruns.zip`, 'application/zip');
      this.#notices.push('ok', `Exported ${runs.length} runs in MLflow's layout.`);
    } catch (e) {
      this.#notices.push('error', `MLflow export failed: ${failureText(e)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Storage

  async refreshStorage(): Promise<void> {
    if (!navigator.storage?.estimate) return;
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.storage = { usage, quota };
    this.persisted = navigator.storage.persisted ? await navigator.storage.persisted() : null;
  }

  async requestPersist(): Promise<void> {
    if (!navigator.storage?.persist) {
      this.persistMessage = 'This browser cannot make storage persistent.';
      return;
    }
    const granted = await navigator.storage.persist();
    this.persisted = granted;
    this.persistMessage = granted
      ? 'Granted: the browser will not evict Inloop’s data when space runs low.'
      : 'Not granted: the browser may evict Inloop’s data under storage pressure. Export workspaces to keep copies (installing the app or bookmarking it can help).';
    await this.refreshStorage();
  }
}
