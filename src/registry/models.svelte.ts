// The Models page's state: the project's versions, runs and registry audit log (live from
// IndexedDB), the selected version, and every registry action the page offers — register a run,
// check a version against the champion on the frozen holdout and promote it (or override with a
// reason), roll back, set/clear challenger, edit tags and notes, archive, delete, export. The
// components render this and call its methods.
import type { Notices } from '../app/notices.svelte';
import {
  LiveQuery,
  annotationsRepo,
  describeStorageError,
  getDb,
  registryRepo,
  runsRepo,
  sourcesRepo,
  RegistryFailure,
  StorageFailure,
} from '../persistence';
import type { EventRecord, Project, RunRecord } from '../persistence/schema';
import type { MlBridge } from '../training/ml-bridge';
import { isAbortError } from '../training/ml-bridge';
import { runPurpose } from './experiments';
import { versionExportName, versionExportZip } from './export';
import { isTreesTopology } from '../training/tree-inputs';
import { DEFAULT_GATE_CONFIG, type GateConfig } from './gate';
import { evaluateOnHoldout, type HoldoutEvaluation, type HoldoutProgress } from './holdout';
import { ancestry, versionsUsingLabels, versionsUsingSource } from './lineage';
import { modelCard } from './model-card';
import { parseTags, registerRun, type RegisterRunOptions } from './register';
import type { ModelVersion } from './types';
import type { FeatureImportanceResult, ImportanceProgress } from '../training/train-types';

export type DetailTab = 'overview' | 'lineage' | 'card' | 'history';

/** A promotion check in progress or done, for one version. */
export interface GateCheck {
  modelId: string;
  phase: 'scoring' | 'done' | 'failed';
  progress: HoldoutProgress | null;
  evaluation: HoldoutEvaluation | null;
  /** Version number of the champion it was compared with; null for a first champion. */
  championVersion: number | null;
  error: string | null;
}

export function errorText(error: unknown): string {
  if (error instanceof RegistryFailure) return error.message;
  if (error instanceof StorageFailure) return describeStorageError(error.error);
  return error instanceof Error ? error.message : String(error);
}

/** Saves bytes as a file through a temporary link (the app sends nothing anywhere). */
export function saveFile(bytes: Uint8Array | string, name: string, type: string): void {
  const blob = new Blob([typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>)], {
    type,
  });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A permutation-importance computation in progress (or failed), for one version. */
export interface ImportanceJob {
  modelId: string;
  phase: 'running' | 'failed';
  progress: ImportanceProgress | null;
  error: string | null;
}

/**
 * Stores a version's importance on its `models` row (only that field changes; not indexed, so no
 * schema bump — as monitoring stores `referenceProfile`). The live version list re-reads the row.
 */
async function saveFeatureImportance(
  modelId: string,
  result: FeatureImportanceResult,
): Promise<void> {
  const updated = await getDb().models.update(modelId, (row) => {
    (row as ModelVersion).featureImportance = result;
  });
  if (updated === 0) throw new Error(`Model version ${modelId} does not exist`);
}

export class ModelsState {
  readonly project: Project;
  readonly #bridge: MlBridge;
  readonly #notices: Notices;
  #gateController: AbortController | null = null;
  #importanceController: AbortController | null = null;

  // The queries read `this.project` only when they run, after the constructor set it.
  readonly versions = new LiveQuery<ModelVersion[]>(
    () => registryRepo.listVersions(this.project.id),
    [],
  );
  readonly runs = new LiveQuery<RunRecord[]>(() => runsRepo.list(this.project.id), []);
  readonly audit = new LiveQuery<EventRecord[]>(() => registryRepo.auditLog(this.project.id), []);

  selectedId = $state<string | null>(null);
  tab = $state<DetailTab>('overview');
  busy = $state(false);
  gate = $state.raw<GateCheck | null>(null);
  importance = $state.raw<ImportanceJob | null>(null);
  /** Gate settings the next check uses (the page offers the metric, margin, test and level). */
  gateConfig = $state<GateConfig>({ ...DEFAULT_GATE_CONFIG });

  readonly champion = $derived(this.versions.current.find((v) => v.aliases.includes('champion')));
  readonly selected = $derived.by(() => {
    const all = this.versions.current;
    return all.find((v) => v.id === this.selectedId) ?? this.champion ?? all[0] ?? null;
  });
  // Rebuilt whole by $derived and never mutated: a plain Map is right here.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly runById = $derived(new Map(this.runs.current.map((r) => [r.id, r])));
  readonly selectedRun = $derived(
    this.selected ? this.runById.get(this.selected.runId) : undefined,
  );
  /** Completed, ordinary runs that are not a version yet, newest first. */
  readonly registrable = $derived.by(() => {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never mutated after
    const taken = new Set(this.versions.current.map((v) => v.runId));
    return this.runs.current.filter(
      (r) => r.status === 'completed' && runPurpose(r) === 'train' && !taken.has(r.id),
    );
  });
  readonly card = $derived.by(() => {
    const v = this.selected;
    const run = this.selectedRun;
    return v && run ? modelCard({ projectName: this.project.name, version: v, run }) : '';
  });

  constructor(project: Project, bridge: MlBridge, notices: Notices) {
    this.project = project;
    this.#bridge = bridge;
    this.#notices = notices;
  }

  select(modelId: string): void {
    this.selectedId = modelId;
    if (this.gate?.modelId !== modelId) this.cancelGate();
  }

  versionById(modelId: unknown): ModelVersion | undefined {
    return this.versions.current.find((v) => v.id === modelId);
  }

  className(classId: string): string {
    return this.project.classes.find((c) => c.id === classId)?.name ?? classId;
  }

  /** Versions trained on this source / on this exact label snapshot, and the version's parents. */
  usingSource(sourceId: string): ModelVersion[] {
    return versionsUsingSource(this.versions.current, sourceId);
  }
  usingLabels(digest: string): ModelVersion[] {
    return versionsUsingLabels(this.versions.current, digest);
  }
  parentsOf(modelId: string): ModelVersion[] {
    return ancestry(this.versions.current, modelId);
  }

  async #act<T>(action: () => Promise<T>, done: string): Promise<T | undefined> {
    this.busy = true;
    try {
      const result = await action();
      this.#notices.push('ok', done);
      return result;
    } catch (e) {
      this.#notices.push('error', errorText(e));
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** The register flow of the page: see `registerRun` (src/registry/register.ts). */
  async register(
    runId: string,
    input: { tags: string; notes: string },
    options: Pick<RegisterRunOptions, 'afterRegister'> = {},
  ): Promise<ModelVersion | undefined> {
    const run = this.runs.current.find((r) => r.id === runId);
    if (!run) {
      this.#notices.push('error', 'Choose a completed run to register.');
      return undefined;
    }
    const version = await this.#act(
      () =>
        registerRun({ registry: registryRepo, annotations: annotationsRepo }, run, {
          tags: parseTags(input.tags),
          notes: input.notes,
          ...options,
        }),
      'Run registered as a new version.',
    );
    if (version) {
      this.selectedId = version.id;
      this.tab = 'overview';
    }
    return version;
  }

  /** Scores the version and the champion on the frozen holdout and keeps the gate's verdict. */
  async checkPromotion(version: ModelVersion): Promise<void> {
    this.cancelGate();
    const controller = new AbortController();
    this.#gateController = controller;
    const champion = this.champion && this.champion.id !== version.id ? this.champion : null;
    const check: GateCheck = {
      modelId: version.id,
      phase: 'scoring',
      progress: null,
      evaluation: null,
      championVersion: champion?.version ?? null,
      error: null,
    };
    this.gate = check;
    try {
      const evaluation = await evaluateOnHoldout(
        {
          bridge: this.#bridge,
          dbName: getDb().name,
          sources: sourcesRepo,
          annotations: annotationsRepo,
        },
        this.project,
        version,
        champion,
        {
          config: $state.snapshot(this.gateConfig),
          signal: controller.signal,
          onProgress: (progress) => {
            if (this.gate?.modelId === version.id) this.gate = { ...this.gate, progress };
          },
        },
      );
      if (this.#gateController === controller) {
        this.gate = { ...check, phase: 'done', evaluation };
      }
    } catch (e) {
      if (this.#gateController !== controller) return;
      this.gate = isAbortError(e) ? null : { ...check, phase: 'failed', error: errorText(e) };
    } finally {
      if (this.#gateController === controller) this.#gateController = null;
    }
  }

  resetGateConfig(): void {
    this.gateConfig = { ...DEFAULT_GATE_CONFIG };
  }

  /**
   * Computes permutation feature importance of `version` on the frozen holdout in the ML worker
   * (workers/ml-importance.ts) and stores it on the version, so it is computed once.
   */
  async computeImportance(version: ModelVersion): Promise<void> {
    this.cancelImportance();
    const controller = new AbortController();
    this.#importanceController = controller;
    const job: ImportanceJob = {
      modelId: version.id,
      phase: 'running',
      progress: null,
      error: null,
    };
    this.importance = job;
    try {
      const result = await this.#bridge.permutationImportance(
        { model: { dbName: getDb().name, runId: version.runId }, projectId: this.project.id },
        {
          signal: controller.signal,
          onProgress: (progress) => {
            if (this.importance?.modelId === version.id) {
              this.importance = { ...this.importance, progress };
            }
          },
        },
      );
      if (this.#importanceController !== controller) return;
      await saveFeatureImportance(version.id, result);
      this.importance = null;
    } catch (e) {
      if (this.#importanceController !== controller) return;
      this.importance = isAbortError(e) ? null : { ...job, phase: 'failed', error: errorText(e) };
    } finally {
      if (this.#importanceController === controller) this.#importanceController = null;
    }
  }

  cancelImportance(): void {
    this.#importanceController?.abort();
    this.#importanceController = null;
    this.importance = null;
  }

  cancelGate(): void {
    this.#gateController?.abort();
    this.#gateController = null;
    this.gate = null;
  }

  /** Promotes the checked version with its verdict; a failed verdict needs `overrideReason`. */
  async promote(overrideReason?: string): Promise<void> {
    const check = this.gate;
    const verdict = check?.evaluation?.verdict;
    if (!check || !verdict) return;
    const promoted = await this.#act(
      () =>
        registryRepo.promote(
          check.modelId,
          verdict,
          overrideReason !== undefined ? { overrideReason } : {},
        ),
      verdict.passed
        ? 'Promoted to champion.'
        : 'Promoted to champion past the gate (override recorded).',
    );
    if (promoted) this.gate = null;
  }

  rollback(version: ModelVersion, reason: string): Promise<unknown> {
    return this.#act(
      () => registryRepo.rollback(version.id, reason.trim() ? { reason: reason.trim() } : {}),
      `Champion rolled back to version ${version.version}.`,
    );
  }

  setChallenger(version: ModelVersion): Promise<unknown> {
    return this.#act(
      () => registryRepo.setAlias(version.id, 'challenger'),
      `Version ${version.version} is the challenger.`,
    );
  }

  clearChallenger(version: ModelVersion): Promise<unknown> {
    return this.#act(
      () => registryRepo.clearAlias(version.id, 'challenger'),
      `Version ${version.version} is no longer the challenger.`,
    );
  }

  saveDetails(version: ModelVersion, tags: string, notes: string): Promise<unknown> {
    return this.#act(
      () => registryRepo.updateDetails(version.id, { tags: parseTags(tags), notes }),
      'Tags and notes saved.',
    );
  }

  archive(version: ModelVersion): Promise<unknown> {
    return this.#act(
      () => registryRepo.archive(version.id),
      `Version ${version.version} archived.`,
    );
  }

  async remove(version: ModelVersion): Promise<void> {
    const removed = await this.#act(
      () => registryRepo.remove(version.id).then(() => true),
      `Version ${version.version} deleted.`,
    );
    if (removed && this.selectedId === version.id) this.selectedId = null;
  }

  /** Builds the TF.js export of a version (zip bytes), as the "Download" button saves it. */
  async exportBytes(version: ModelVersion): Promise<Uint8Array> {
    const weights = await registryRepo.getWeights(version.id);
    if (!weights) throw new Error(`The weights of version ${version.version} are missing.`);
    const run = this.runById.get(version.runId) ?? (await runsRepo.get(version.runId));
    if (!run) throw new Error(`The run of version ${version.version} is missing.`);
    const card = modelCard({ projectName: this.project.name, version, run });
    return versionExportZip({ version, weights, card });
  }

  async download(version: ModelVersion): Promise<void> {
    try {
      const bytes = await this.exportBytes(version);
      // A boosted-trees version holds hist-gbdt.json, not TF.js files: its name says so.
      const weights = await registryRepo.getWeights(version.id);
      const ext = weights && isTreesTopology(weights.topology) ? 'hist-gbdt.zip' : 'tfjs.zip';
      saveFile(
        bytes,
        versionExportName(this.project.name, version.version, ext),
        'application/zip',
      );
    } catch (e) {
      this.#notices.push('error', errorText(e));
    }
  }

  downloadCard(version: ModelVersion): void {
    if (!this.card) return;
    saveFile(
      this.card,
      versionExportName(this.project.name, version.version, 'model-card.md'),
      'text/markdown',
    );
  }

  dispose(): void {
    this.cancelGate();
    this.cancelImportance();
  }
}
