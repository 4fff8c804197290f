// The Monitor page's state: the champion, its reference profile (computed lazily when missing),
// the monitor settings of the project, the stored windows of the current series (live: they
// update as the worker appends them) and the selection (window, feature). New predictions in the
// log (a stream replay, a batch score) and new labels (a labels file imported on Serve, the
// labeling panel, a replay's revealed labels) trigger a run of the monitor worker: labels join
// their predictions' windows, so stored windows get their performance part superseded.
import {
  annotationsRepo,
  getDb,
  LiveQuery,
  monitorRepo,
  predictionsRepo,
  registryRepo,
  settingsRepo,
  sourcesRepo,
  type StoredMonitorWindow,
} from '../persistence';
import type { Project } from '../projects/types';
import type { ModelVersion } from '../registry/types';
import type { MlBridge } from '../training';
import { DEFAULT_MONITOR_SETTINGS, normaliseSettings, type MonitorSettings } from './engine';
import { MonitorBridge } from './monitor-bridge';
import { reportOf, windowKeyOf } from './monitor-runner';
import { isReferenceProfile } from './reference-profile';
import { ensureReferenceProfile, type ReferenceDeps } from './reference-service';

/** Settings key of a project's monitor settings. */
export function monitorSettingsKey(projectId: string): string {
  return `monitor:${projectId}`;
}

/** Predict/embed for the reference profile through the page's ML bridge. */
export function mlReferenceDeps(
  bridge: MlBridge,
  version: Pick<ModelVersion, 'runId'>,
  signal?: AbortSignal,
): ReferenceDeps {
  const model = { dbName: getDb().name, runId: version.runId };
  return {
    sources: sourcesRepo,
    monitor: monitorRepo,
    predict: async (sourceId, itemIds, s) => {
      const r = await bridge.predict(
        { model, input: { kind: 'items', sourceId, itemIds } },
        { signal: s ?? signal },
      );
      return { classIds: r.classIds, probabilities: r.probabilities };
    },
    embed: async (sourceId, itemIds, s) => {
      const r = await bridge.embed(
        { model, input: { kind: 'items', sourceId, itemIds } },
        { signal: s ?? signal },
      );
      return { dim: r.dim, embeddings: r.embeddings };
    },
    ...(signal ? { signal } : {}),
  };
}

let sharedBridge: MonitorBridge | null = null;
/** One monitor worker for the page. */
export function monitorBridge(): MonitorBridge {
  sharedBridge ??= new MonitorBridge();
  return sharedBridge;
}

export type MonitorStatus = 'idle' | 'profiling' | 'running';

export class MonitorState {
  readonly project: Project;
  readonly #bridge: MlBridge;
  readonly champion: LiveQuery<ModelVersion | undefined>;
  settings = $state.raw<MonitorSettings>(DEFAULT_MONITOR_SETTINGS);
  settingsLoaded = $state(false);
  status = $state<MonitorStatus>('idle');
  error = $state<string | null>(null);
  /** Predictions after the last window that do not fill one yet. */
  pending = $state(0);
  selectedIndex = $state<number | null>(null);
  selectedFeature = $state<string | null>(null);
  #controller: AbortController | null = null;
  #again = false;

  constructor(project: Project, bridge: MlBridge) {
    this.project = project;
    this.#bridge = bridge;
    this.champion = new LiveQuery(() => registryRepo.getByAlias(project.id, 'champion'), undefined);
    void settingsRepo
      .get<unknown>(monitorSettingsKey(project.id), null)
      .then((v) => {
        this.settings = normaliseSettings(v);
      })
      .finally(() => (this.settingsLoaded = true));
  }

  get windowKey(): string {
    return windowKeyOf(this.settings);
  }

  /** The windows of the champion under the current settings (a new LiveQuery per series). */
  readonly windows = $derived.by(() => {
    const id = this.champion.current?.id;
    const key = this.windowKey;
    const projectId = this.project.id;
    return new LiveQuery<StoredMonitorWindow[]>(
      () => (id ? monitorRepo.listWindows(projectId, id, key) : Promise.resolve([])),
      [],
    );
  });

  /** How many predictions the champion has logged (live: a replay makes it grow). */
  readonly predictionCount = $derived.by(() => {
    const id = this.champion.current?.id;
    const projectId = this.project.id;
    return new LiveQuery<number>(
      () => (id ? predictionsRepo.count(projectId, { modelId: id }) : Promise.resolve(0)),
      0,
    );
  });

  /** How many entries the project's annotation log holds (live: new labels make it grow). */
  readonly labelLogCount = $derived.by(() => {
    const projectId = this.project.id;
    return new LiveQuery<number>(
      () => annotationsRepo.logTail(projectId, Number.MAX_SAFE_INTEGER).then((t) => t.count),
      0,
    );
  });

  get hasProfile(): boolean {
    return isReferenceProfile(this.champion.current?.referenceProfile);
  }

  /** The selected window (default: the newest). */
  get selected(): StoredMonitorWindow | null {
    const list = this.windows.current;
    if (list.length === 0) return null;
    const i = this.selectedIndex;
    return list.find((w) => w.index === i) ?? list[list.length - 1]!;
  }

  async saveSettings(settings: MonitorSettings): Promise<void> {
    const clean = normaliseSettings(settings);
    await settingsRepo.set(monitorSettingsKey(this.project.id), clean);
    this.settings = clean;
    this.selectedIndex = null;
    void this.refresh();
  }

  /**
   * Computes the champion's reference profile if it is missing, then the windows complete since
   * the last run. Calls while one runs are merged into one more run after it.
   */
  async refresh(): Promise<void> {
    const champion = this.champion.current;
    if (!champion || !this.settingsLoaded) return;
    if (this.status !== 'idle') {
      this.#again = true;
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    try {
      this.error = null;
      // Computes a missing profile (status 'profiling'); a stored one only gets its accuracy
      // reference brought up to date.
      if (!isReferenceProfile(champion.referenceProfile)) this.status = 'profiling';
      await ensureReferenceProfile(
        champion,
        mlReferenceDeps(this.#bridge, champion, controller.signal),
      );
      this.status = 'running';
      const fresh = await registryRepo.getVersion(champion.id);
      const profile = fresh?.referenceProfile;
      const deps = mlReferenceDeps(this.#bridge, champion, controller.signal);
      const embed =
        isReferenceProfile(profile) && profile.embedding && deps.embed ? deps.embed : undefined;
      const reply = await monitorBridge().run(
        {
          dbName: getDb().name,
          projectId: this.project.id,
          modelId: champion.id,
          settings: $state.snapshot(this.settings),
        },
        { signal: controller.signal, ...(embed ? { embed } : {}) },
      );
      this.pending = reply.pending;
    } catch (e) {
      if (!controller.signal.aborted) this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.status = 'idle';
      this.#controller = null;
      if (this.#again && !controller.signal.aborted) {
        this.#again = false;
        void this.refresh();
      }
    }
  }

  cancel(): void {
    this.#again = false;
    this.#controller?.abort();
  }

  dispose(): void {
    this.cancel();
  }
}

export { reportOf };
