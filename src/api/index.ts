// Inloop's headless API: the labeling loop as plain async functions, for a script in a browser
// page (and the benchmarks) — create a project, import a file, ask a strategy for queries, answer
// them (an oracle), retrain, read metrics. It drives the same modules the UI does (the ingest and
// ML workers, the annotation log, LabelingState), against the page's database. See README.md.
import type { IngestBridge } from '../data/ingest-bridge';
import { sharedIngestBridge } from '../data/import-state.svelte';
import type {
  ImageImportInput,
  ImageImportPlan,
  ImportError,
  ImportSummary,
  TabularImportPlan,
} from '../data/import-types';
import { LabelingState } from '../labeling/labeling.svelte';
import { learningCurve } from '../labeling/progress.svelte';
import type { CurvePoint, QueueStrategyId } from '../labeling/types';
import type { Result } from '../lib/result';
import { projectsRepo, runsRepo } from '../persistence';
import type { Project, RunRecord } from '../persistence/schema';
import { buildClasses, newSeed } from '../projects/defaults';
import { validateProjectDraft, type ProjectDraft } from '../projects/validate';
import { MlBridge } from '../training';

export type { Project, QueueStrategyId, CurvePoint };
export { QUEUE_STRATEGIES } from '../labeling/strategies';

export interface CreateProjectOptions extends ProjectDraft {
  seed?: number;
  imageSize?: number;
  targetColumn?: string | null;
}

/** Creates a project (validated as the New project form validates it). Throws on a bad draft. */
export async function createProject(options: CreateProjectOptions): Promise<Project> {
  const existing = (await projectsRepo.list()).map((p) => p.name);
  const valid = validateProjectDraft(options, existing);
  if (!valid.ok) throw new Error(`Invalid project: ${valid.error.kind}`);
  const now = Date.now();
  const project: Project = {
    id: crypto.randomUUID(),
    name: valid.value.name,
    modality: valid.value.modality,
    classes: buildClasses(valid.value.classes),
    targetColumn: options.targetColumn ?? null,
    imageSize: options.imageSize ?? 28,
    seed: options.seed ?? newSeed(),
    createdAt: now,
    updatedAt: now,
  };
  await projectsRepo.create(project);
  return project;
}

/**
 * Imports a CSV/TSV/JSON Lines file (tabular or text) through the ingest worker. The plan is the
 * one the import panel builds (columns, roles, id column, labels to import).
 */
export function importFile(
  file: File,
  plan: TabularImportPlan,
  bridge: IngestBridge = sharedIngestBridge(),
): Promise<Result<ImportSummary, ImportError>> {
  return bridge.importTabular(file, plan);
}

/** Imports images (files, a folder or a zip) through the ingest worker. */
export function importImages(
  input: ImageImportInput,
  plan: ImageImportPlan,
  bridge: IngestBridge = sharedIngestBridge(),
): Promise<Result<ImportSummary, ImportError>> {
  return bridge.importImages(input, plan);
}

export interface LoopOptions {
  /** Annotator name written on every label (default 'headless'). */
  annotator?: string;
  /** An ML bridge to share (default: a new one, with its own worker). */
  bridge?: MlBridge;
}

/** One project's labeling loop. Call `close()` when done. */
export class LabelingLoop {
  readonly state: LabelingState;
  readonly bridge: MlBridge;
  readonly #ownBridge: boolean;

  private constructor(state: LabelingState, bridge: MlBridge, own: boolean) {
    this.state = state;
    this.bridge = bridge;
    this.#ownBridge = own;
  }

  static async open(project: Project, options: LoopOptions = {}): Promise<LabelingLoop> {
    const bridge = options.bridge ?? new MlBridge();
    const state = new LabelingState(project, {
      bridge,
      annotator: options.annotator ?? 'headless',
    });
    // Headless loops retrain only when asked (`train()`).
    state.settings = { ...state.settings, autoRetrain: false };
    const loop = new LabelingLoop(state, bridge, options.bridge === undefined);
    await state.open();
    return loop;
  }

  /**
   * The next `k` items a strategy picks among the unlabelled, non-holdout pool. A model-based
   * strategy with no model yet falls back to diversity sampling (cold start).
   */
  async selectQueries(strategy: QueueStrategyId, k: number): Promise<string[]> {
    this.state.settings = { ...this.state.settings, strategy, batchSize: k, autoRetrain: false };
    await this.state.refill({ size: k });
    if (this.state.refillError) throw new Error(this.state.refillError);
    return this.state.upcoming(k).map((e) => e.itemId);
  }

  /** Labels one item (a 'human' annotation, written in order with the others). */
  label(itemId: string, classId: string): void {
    this.state.label(classId, 'human', [itemId]);
  }

  /** Waits until every label is written. */
  flush(): Promise<void> {
    return this.state.flush();
  }

  /** Trains a model on the current labels (default preset) and waits for it. */
  async train(): Promise<RunRecord | null> {
    await this.state.flush();
    await this.state.retrain();
    if (this.state.retrainError) throw new Error(this.state.retrainError);
    const runs = await runsRepo.list(this.state.project.id);
    return runs.find((r) => r.status === 'completed' && r.purpose !== 'cross-validation') ?? null;
  }

  /** The latest model's metrics and the learning curve so far. */
  async metrics(): Promise<{
    labels: number;
    latest: Record<string, number> | null;
    curve: CurvePoint[];
  }> {
    await this.state.flush();
    const runs = await runsRepo.list(this.state.project.id);
    const curve = learningCurve(runs).map(({ labels, metric }) => ({ labels, metric }));
    const latest = runs.find((r) => r.status === 'completed' && r.purpose !== 'cross-validation');
    return { labels: this.state.labels.size, latest: latest?.metrics ?? null, curve };
  }

  close(): void {
    this.state.dispose();
    if (this.#ownBridge) this.bridge.dispose();
  }
}

/** Opens the labeling loop of a project (see {@link LabelingLoop}). */
export function openLoop(project: Project, options?: LoopOptions): Promise<LabelingLoop> {
  return LabelingLoop.open(project, options);
}
