// State of the Serve page: the champion, Try it, batch scoring, stream replay, delayed-labels files
// and the prediction log view. Components render this and forward events; the work is done by
// serving.ts and StreamReplay. A replay outlives the page view (it is tracked by `servingHub`),
// so leaving Serve for Monitor keeps the stream flowing.
import type { PredictionMode, PredictionRecord, SourceRecord } from '../persistence/schema';
import type { GroundTruth } from '../persistence/predictions-repo';
import type { Project } from '../projects/types';
import type { ModelVersion } from '../registry/types';
import type { FeaturisationSpec, RawRecord } from '../training/featurize-types';
import { isAbortError, type MlBridge } from '../training/ml-bridge';
import { describeLabelsProblem } from './labels-file';
import { servingHub, type ServingHub } from './hub';
import type { ReplayState, StreamReplay } from './replay';
import {
  createSourceReplay,
  hasTargetColumn,
  importLabelsFile,
  pageServingDeps,
  productionSources,
  scoreSource,
  specOf,
  tryIt,
  type BatchProgress,
  type LabelsImportSummary,
  type ServingDeps,
  type TryItResult,
} from './serving';
import type { ScoringSummary } from './types';
import {
  exportPredictionLog,
  predictionExportName,
  type PredictionExportFormat,
} from './prediction-export';
import { saveFile } from '../workspace/download';

/** Replay speeds offered, items per second (`Infinity` = as fast as possible). */
export const REPLAY_SPEEDS: readonly number[] = [10, 100, 1000, Infinity];

/** Rows per page of the prediction log view. */
export const LOG_PAGE_ROWS = 25;

export interface LogRow {
  record: PredictionRecord;
  truth: GroundTruth | undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class ServeState {
  readonly project: Project;
  readonly #deps: ServingDeps;
  readonly #hub: ServingHub;
  readonly #unsubscribe: () => void;
  #disposed = false;

  /** `undefined` while loading; `null` when the project has no champion. */
  champion = $state.raw<ModelVersion | null | undefined>(undefined);
  versions = $state.raw<ModelVersion[]>([]);
  sources = $state.raw<SourceRecord[]>([]);
  loadError = $state<string | null>(null);

  // Try it
  tryBusy = $state(false);
  tryResult = $state.raw<TryItResult | null>(null);
  /** Features left empty in the last Try-it form sent; non-empty means nothing was predicted. */
  tryMissing = $state.raw<string[]>([]);
  tryError = $state<string | null>(null);

  // Batch scoring
  batchSourceId = $state('');
  batchRunning = $state(false);
  batchProgress = $state.raw<BatchProgress | null>(null);
  batchSummary = $state.raw<ScoringSummary | null>(null);
  batchError = $state<string | null>(null);
  #batchAbort: AbortController | undefined;

  // Replay
  replaySourceId = $state('');
  replaySpeed = $state(100);
  replayRevealLabels = $state(false);
  replayLag = $state(50);
  replay = $state.raw<StreamReplay | null>(null);
  replayState = $state<ReplayState>('idle');
  replayPosition = $state(0);
  replayTotal = $state(0);
  replayLabels = $state(0);
  replayError = $state<string | null>(null);
  #replayOff: (() => void) | undefined;

  // Delayed-labels file
  labelsBusy = $state(false);
  labelsSummary = $state.raw<(LabelsImportSummary & { fileName: string }) | null>(null);
  labelsProblems = $state.raw<string[]>([]);

  // Prediction log
  logRows = $state.raw<LogRow[]>([]);
  logTotal = $state(0);
  logPage = $state(0);
  logModelId = $state('');
  logMode = $state<PredictionMode | ''>('');
  /** Rows written by the export in progress, or null. */
  exportRows = $state<number | null>(null);
  exportError = $state<string | null>(null);
  #logTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    project: Project,
    bridge: MlBridge,
    options: { deps?: ServingDeps; hub?: ServingHub } = {},
  ) {
    this.project = project;
    this.#deps = options.deps ?? pageServingDeps(bridge);
    this.#hub = options.hub ?? servingHub;
    this.#unsubscribe = this.#hub.subscribe((event) => {
      if (event.projectId !== this.project.id) return;
      if (event.kind === 'predictions-logged' || event.kind === 'labels-written') {
        this.#refreshLogSoon();
      }
    });
  }

  get spec(): FeaturisationSpec | null {
    return this.champion ? specOf(this.champion) : null;
  }

  get replaySource(): SourceRecord | undefined {
    return this.sources.find((s) => s.id === this.replaySourceId);
  }

  get replayHasTargets(): boolean {
    const source = this.replaySource;
    return source !== undefined && hasTargetColumn(source);
  }

  get replayActive(): boolean {
    return this.replayState === 'running' || this.replayState === 'paused';
  }

  get logPages(): number {
    return Math.max(1, Math.ceil(this.logTotal / LOG_PAGE_ROWS));
  }

  className(classId: string | undefined): string {
    return this.project.classes.find((c) => c.id === classId)?.name ?? classId ?? '—';
  }

  async open(): Promise<void> {
    try {
      const [champion, versions, sources] = await Promise.all([
        this.#deps.registry.getByAlias(this.project.id, 'champion'),
        this.#deps.registry.listVersions(this.project.id),
        productionSources(this.#deps, this.project.id),
      ]);
      if (this.#disposed) return;
      this.champion = champion ?? null;
      this.versions = versions;
      this.sources = sources;
      this.batchSourceId ||= sources[0]?.id ?? '';
      this.replaySourceId ||= (sources.find((s) => s.timeColumn) ?? sources[0])?.id ?? '';
      const running = this.#hub.activeReplay(this.project.id);
      if (running) this.#attachReplay(running);
      await this.refreshLog();
    } catch (e) {
      this.loadError = message(e);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe();
    this.#replayOff?.();
    this.#batchAbort?.abort();
    clearTimeout(this.#logTimer);
  }

  // -------------------------------------------------------------------------------------------
  // Try it

  /**
   * Predicts one form record. Empty fields are missing features: the model would fill them with
   * its training means and still print a confident-looking number, so the first call only lists
   * them (`tryMissing`) and predicts nothing; `anyway` predicts and logs it as asked.
   */
  async predictRecord(record: RawRecord, options: { anyway?: boolean } = {}): Promise<void> {
    const missing = Object.entries(record)
      .filter(([, v]) => v === null || v === undefined || String(v).trim() === '')
      .map(([k]) => k);
    if (missing.length > 0 && !options.anyway) {
      this.tryMissing = missing;
      this.tryResult = null;
      return;
    }
    this.tryMissing = [];
    await this.#try({ kind: 'raw', record });
  }

  async predictPixels(pixels: Uint8Array): Promise<void> {
    await this.#try({ kind: 'pixels', pixels });
  }

  /**
   * Decodes an image file and resizes it to the model's input size exactly as the image import
   * does (the ingest worker's ImageDecoder: stretched to a square, RGB), then predicts it.
   */
  async predictImageFile(file: File): Promise<void> {
    const size = this.spec?.image?.size;
    if (!size) return;
    // Loaded on first use: the decoder module also brings the zip reader of the import.
    const { ImageDecoder } = await import('../../workers/ingest-images');
    const decoded = await new ImageDecoder(size).decode(file);
    if (!decoded) {
      this.tryError = `${file.name} is not an image this browser can read.`;
      return;
    }
    await this.predictPixels(decoded.pixels);
  }

  async #try(
    input: { kind: 'raw'; record: RawRecord } | { kind: 'pixels'; pixels: Uint8Array },
  ): Promise<void> {
    const champion = this.champion;
    if (!champion || this.tryBusy) return;
    this.tryBusy = true;
    this.tryError = null;
    try {
      this.tryResult = await tryIt(this.#deps, this.project, champion, input);
      this.#hub.emit({
        kind: 'predictions-logged',
        projectId: this.project.id,
        mode: 'try',
        jobId: 'try-it',
        count: 1,
      });
    } catch (e) {
      this.tryError = message(e);
    } finally {
      this.tryBusy = false;
    }
  }

  setTryError(text: string | null): void {
    this.tryError = text;
  }

  // -------------------------------------------------------------------------------------------
  // Batch scoring

  async scoreBatch(): Promise<void> {
    const champion = this.champion;
    const source = this.sources.find((s) => s.id === this.batchSourceId);
    if (!champion || !source || this.batchRunning) return;
    const abort = new AbortController();
    this.#batchAbort = abort;
    this.batchRunning = true;
    this.batchError = null;
    this.batchSummary = null;
    this.batchProgress = { done: 0, total: source.rowCount, logged: 0 };
    try {
      const summary = await scoreSource(this.#deps, this.project, champion, source, {
        signal: abort.signal,
        onProgress: (p) => {
          this.batchProgress = p;
          this.#refreshLogSoon();
        },
      });
      this.batchSummary = summary;
      this.#hub.emit({
        kind: 'predictions-logged',
        projectId: this.project.id,
        mode: 'batch',
        jobId: summary.jobId,
        count: summary.logged,
      });
    } catch (e) {
      if (!isAbortError(e)) this.batchError = message(e);
    } finally {
      this.batchRunning = false;
      this.#batchAbort = undefined;
      void this.refreshLog();
    }
  }

  cancelBatch(): void {
    this.#batchAbort?.abort();
  }

  // -------------------------------------------------------------------------------------------
  // Replay

  async startReplay(): Promise<void> {
    const champion = this.champion;
    const source = this.replaySource;
    if (!champion || !source || this.replayActive) return;
    this.replayError = null;
    try {
      const replay = await createSourceReplay(this.#deps, this.project, champion, source, {
        speed: this.replaySpeed,
        labelLag: this.replayRevealLabels && this.replayHasTargets ? this.replayLag : null,
      });
      this.#hub.track(this.project.id, replay);
      this.#attachReplay(replay);
      void replay.start();
    } catch (e) {
      this.replayError = message(e);
    }
  }

  #attachReplay(replay: StreamReplay): void {
    this.#replayOff?.();
    this.replay = replay;
    const sync = () => {
      this.replayState = replay.state;
      this.replayPosition = replay.position;
      this.replayTotal = replay.total;
      this.replayLabels = replay.labelsRevealed;
      this.replaySpeed = replay.speed;
      this.replayError = replay.error ?? null;
    };
    sync();
    this.#replayOff = replay.on(sync);
  }

  pauseReplay(): void {
    this.replay?.pause();
  }

  resumeReplay(): void {
    this.replay?.resume();
  }

  stopReplay(): void {
    this.replay?.stop();
  }

  setReplaySpeed(speed: number): void {
    this.replaySpeed = speed;
    if (this.replayActive) this.replay?.setSpeed(speed);
  }

  // -------------------------------------------------------------------------------------------
  // Delayed labels from a file

  async importLabels(file: File): Promise<void> {
    if (this.labelsBusy) return;
    this.labelsBusy = true;
    this.labelsSummary = null;
    this.labelsProblems = [];
    try {
      const text = await file.text();
      const result = await importLabelsFile(this.#deps, this.project, { name: file.name, text });
      if (result.ok) {
        this.labelsSummary = { ...result.value, fileName: file.name };
        this.#hub.emit({
          kind: 'labels-written',
          projectId: this.project.id,
          count: result.value.written,
          source: 'file',
        });
      } else {
        this.labelsProblems = result.error.map(describeLabelsProblem);
      }
    } catch (e) {
      this.labelsProblems = [`The labels could not be written: ${message(e)}`];
    } finally {
      this.labelsBusy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Prediction log

  setLogFilter(filter: { modelId?: string; mode?: PredictionMode | '' }): void {
    if (filter.modelId !== undefined) this.logModelId = filter.modelId;
    if (filter.mode !== undefined) this.logMode = filter.mode;
    this.logPage = 0;
    void this.refreshLog();
  }

  setLogPage(page: number): void {
    this.logPage = Math.max(0, Math.min(this.logPages - 1, page));
    void this.refreshLog();
  }

  #refreshLogSoon(): void {
    if (this.#logTimer !== undefined) return;
    this.#logTimer = setTimeout(() => {
      this.#logTimer = undefined;
      void this.refreshLog();
    }, 400);
  }

  /**
   * Downloads the log as the filter shows it (`scope: 'log'`) or the last batch run's predictions
   * (`scope: 'batch'`), built page by page so a long log does not freeze the page.
   */
  async exportLog(format: PredictionExportFormat, scope: 'log' | 'batch' = 'log'): Promise<void> {
    if (this.exportRows !== null) return;
    const jobId = this.batchSummary?.jobId;
    if (scope === 'batch' && !jobId) return;
    const filter =
      scope === 'batch'
        ? { jobId: jobId! }
        : {
            ...(this.logModelId ? { modelId: this.logModelId } : {}),
            ...(this.logMode ? { mode: this.logMode } : {}),
          };
    this.exportRows = 0;
    this.exportError = null;
    try {
      const { blob } = await exportPredictionLog(this.#deps.predictions, this.project, format, {
        filter,
        // A lookup for this one call, never reactive state.
        // eslint-disable-next-line svelte/prefer-svelte-reactivity
        versions: new Map(this.versions.map((v) => [v.id, v.version])),
        onProgress: (rows) => (this.exportRows = rows),
      });
      const what =
        scope === 'batch'
          ? `batch-${this.sources.find((s) => s.id === this.batchSourceId)?.name ?? 'source'}`
          : undefined;
      saveFile(blob, predictionExportName(this.project, format, what), blob.type);
    } catch (e) {
      this.exportError = `The export failed: ${message(e)}`;
    } finally {
      this.exportRows = null;
    }
  }

  async refreshLog(): Promise<void> {
    if (this.#disposed) return;
    const filter = {
      ...(this.logModelId ? { modelId: this.logModelId } : {}),
      ...(this.logMode ? { mode: this.logMode } : {}),
    };
    try {
      const [total, records] = await Promise.all([
        this.#deps.predictions.count(this.project.id, filter),
        this.#deps.predictions.list(this.project.id, {
          ...filter,
          order: 'desc',
          offset: this.logPage * LOG_PAGE_ROWS,
          limit: LOG_PAGE_ROWS,
        }),
      ]);
      const truth = await this.#deps.predictions.delayedLabels(
        this.project.id,
        records.map((r) => r.itemId),
      );
      if (this.#disposed) return;
      this.logTotal = total;
      this.logRows = records.map((record) => ({ record, truth: truth.get(record.itemId) }));
    } catch (e) {
      this.loadError = message(e);
    }
  }
}
