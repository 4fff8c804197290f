// The ML worker's view of a project's data: it reads sources, chunks, pixels and the annotation log
// straight from IndexedDB (the page never copies a dataset into the worker), assigns the
// deterministic train/validation/test splits, fits the featurisation on the training split only,
// and serves feature batches in any row order. No TF.js here: batches are plain Float32Arrays.
import { DEFAULT_SPLIT, type Split } from '../src/data/types';
import { assignSplits, isHoldout } from '../src/data/splits';
import { chunkDigest, labelSetDigest, sourceDigest } from '../src/data/digest';
import { openDatabase, type InloopDB } from '../src/persistence/db';
import { createAnnotationsRepo } from '../src/persistence/annotations-repo';
import { createProjectsRepo } from '../src/persistence/projects-repo';
import { createRunsRepo, type RunsRepo } from '../src/persistence/runs-repo';
import { createSourcesRepo, type SourcesRepo } from '../src/persistence/sources-repo';
import type { ChunkRecord, Project, SourceRecord } from '../src/persistence/schema';
import {
  applyFeaturisation,
  applyImagePixels,
  augmentImageBatch,
  FeaturisationFitter,
} from '../src/training/featurize';
import type { FeaturisationSpec, FitFeaturisationOptions } from '../src/training/featurize-types';
import type { TrainConfig } from '../src/training/config';
import type { DatasetRef, SplitCounts, TrainingPlan } from '../src/training/train-types';
import { assignSplitsByTime, timeAt, timeColumnOf } from '../src/training/time-split';
import type { Rng } from '../src/lib/rng';

/** The repositories of one database, as the worker uses them. */
export interface Repos {
  db: InloopDB;
  sources: SourcesRepo;
  runs: RunsRepo;
  projects: ReturnType<typeof createProjectsRepo>;
  annotations: ReturnType<typeof createAnnotationsRepo>;
}

const connections = new Map<string, Repos>();

/** One connection per database name for the worker's life (Dexie reopens it if needed). */
export function reposFor(dbName: string): Repos {
  let repos = connections.get(dbName);
  if (!repos) {
    const db = openDatabase(dbName);
    const get = () => db;
    repos = {
      db,
      sources: createSourcesRepo(get),
      runs: createRunsRepo(get),
      projects: createProjectsRepo(get),
      annotations: createAnnotationsRepo(get),
    };
    connections.set(dbName, repos);
  }
  return repos;
}

/** Closes the worker's connections (tests delete their databases afterwards). */
export function closeConnections(): void {
  for (const repos of connections.values()) repos.db.close();
  connections.clear();
}

/** One labelled (or not) row: where it lives and where it goes. */
interface ItemRef {
  chunk: ChunkRecord;
  row: number;
  itemId: string;
}

/** A project's data as training sees it, before featurisation. */
export interface LoadedDataset {
  dbName: string;
  project: Project;
  sources: SourceRecord[];
  chunks: ChunkRecord[];
  /** Item id → class id, for items of the chosen sources whose class the project knows. */
  labels: Map<string, string>;
  /** Labelled classes in the project's order: the model's outputs. */
  classIds: string[];
  /** Labelled items per split (holdout items are in none). */
  items: Record<Split, ItemRef[]>;
  counts: SplitCounts;
  /** Time columns of the sources read, in source order, without repeats. */
  timeColumns: string[];
  /** With a time split: labelled items without a readable time (they train). */
  untimedItems?: number;
  problem?: string;
}

async function readChunks(sources: SourcesRepo, sourceId: string): Promise<ChunkRecord[]> {
  const n = await sources.chunkCount(sourceId);
  const out: ChunkRecord[] = [];
  for (let i = 0; i < n; i++) {
    const chunk = await sources.getChunk(sourceId, i);
    if (!chunk) throw new Error(`Chunk ${i} of source ${sourceId} is missing`);
    out.push(chunk);
  }
  return out;
}

/** Reads the chosen pool sources, the current labels and the splits. */
export async function loadDataset(ref: DatasetRef): Promise<LoadedDataset> {
  const repos = reposFor(ref.dbName);
  const project = await repos.projects.get(ref.projectId);
  if (!project) throw new Error(`Project ${ref.projectId} does not exist`);
  const ready = await repos.sources.listSources(ref.projectId);
  let sources: SourceRecord[];
  if (ref.sourceIds) {
    sources = ref.sourceIds.map((id) => {
      const s = ready.find((r) => r.id === id);
      if (!s) throw new Error(`Source ${id} is not a ready source of this project`);
      return s;
    });
  } else {
    // Oldest first, so adding a source appends to the data rather than reordering it.
    sources = ready.filter((s) => s.role === 'pool').reverse();
  }
  const chunks: ChunkRecord[] = [];
  for (const s of sources) chunks.push(...(await readChunks(repos.sources, s.id)));

  const known = new Set(project.classes.map((c) => c.id));
  const allLabels = await repos.annotations.currentLabels(ref.projectId);
  const labels = new Map<string, string>();
  const refs = new Map<string, ItemRef>();
  let unlabelled = 0;
  for (const chunk of chunks) {
    for (let row = 0; row < chunk.rowCount; row++) {
      const itemId = chunk.itemIds[row]!;
      const label = allLabels.get(itemId);
      if (label === undefined || !known.has(label)) {
        unlabelled++;
        continue;
      }
      labels.set(itemId, label);
      refs.set(itemId, { chunk, row, itemId });
    }
  }
  const present = new Set(labels.values());
  const classIds = project.classes.map((c) => c.id).filter((id) => present.has(id));

  const timeColumnBySource = new Map<string, string>();
  for (const source of sources) {
    const column = timeColumnOf(source);
    if (column !== undefined) timeColumnBySource.set(source.id, column);
  }
  const timeColumns = [...new Set(timeColumnBySource.values())];
  const byTime = ref.splitBy === 'time' && !ref.splitAssignment && !ref.heldOutItemIds;
  let untimedItems: number | undefined;
  let timeProblem: string | undefined;

  const assigned = ref.splitAssignment;
  let splits: Map<string, Split>;
  if (assigned) splits = new Map(Object.entries(assigned));
  else if (ref.heldOutItemIds) splits = foldSplits(labels.keys(), new Set(ref.heldOutItemIds));
  else if (byTime) {
    const timed = [...refs.values()].map(({ chunk, row, itemId }) => {
      const column = timeColumnBySource.get(chunk.sourceId);
      return { itemId, time: column === undefined ? null : timeAt(chunk.columns[column], row) };
    });
    const result = assignSplitsByTime(timed, project.seed, ref.splitFractions ?? DEFAULT_SPLIT);
    splits = result.splits;
    untimedItems = result.untimed;
    if (timeColumns.length === 0) {
      timeProblem =
        'Split by time needs a time column, and none of the sources read has one. Split at random, or import the data with a column given the role Time.';
    }
  } else {
    splits = assignSplits(
      [...labels].map(([itemId, label]) => ({ itemId, label })),
      project.seed,
      ref.splitFractions ?? DEFAULT_SPLIT,
    );
  }
  const items: Record<Split, ItemRef[]> = { train: [], validation: [], test: [] };
  const perClass: SplitCounts['perClass'] = {};
  for (const id of classIds) perClass[id] = { train: 0, validation: 0, test: 0, holdout: 0 };
  let holdout = 0;
  // Chunk order, not label order: the dataset's order must not depend on when items were labelled.
  for (const chunk of chunks) {
    for (const itemId of chunk.itemIds) {
      const itemRef = refs.get(itemId);
      if (!itemRef) continue;
      const cls = perClass[labels.get(itemId)!]!;
      const split = splits.get(itemId);
      if (split === undefined || (!assigned && isHoldout(itemId, project.seed))) {
        holdout++;
        cls.holdout++;
        continue;
      }
      items[split].push(itemRef);
      cls[split]++;
    }
  }
  const counts: SplitCounts = {
    train: items.train.length,
    validation: items.validation.length,
    test: items.test.length,
    holdout,
    unlabelled,
    perClass,
  };
  let problem: string | undefined = timeProblem;
  if (problem !== undefined) {
    // No time to order by: said first, since training on that split would be a random one.
  } else if (classIds.length < 2) {
    problem = `Training needs labelled items of at least two classes; this project has ${classIds.length === 0 ? 'none' : 'one'}. Label some items first.`;
  } else if (items.train.length === 0 || items.validation.length === 0) {
    problem =
      'Too few labelled items to split into training and validation sets. Label some more items.';
  }
  return {
    dbName: ref.dbName,
    project,
    sources,
    chunks,
    labels,
    classIds,
    items,
    counts,
    timeColumns,
    ...(untimedItems !== undefined ? { untimedItems } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** One cross-validation fold: the held-out items validate, every other labelled item trains. */
function foldSplits(itemIds: Iterable<string>, heldOut: ReadonlySet<string>): Map<string, Split> {
  const out = new Map<string, Split>();
  for (const id of itemIds) out.set(id, heldOut.has(id) ? 'validation' : 'train');
  return out;
}

export function planOf(ds: LoadedDataset): TrainingPlan {
  return {
    classIds: ds.classIds,
    counts: ds.counts,
    sources: ds.sources.map((s) => ({ id: s.id, name: s.name, rowCount: s.rowCount })),
    timeColumns: ds.timeColumns,
    ...(ds.untimedItems !== undefined ? { untimedItems: ds.untimedItems } : {}),
    ...(ds.problem ? { problem: ds.problem } : {}),
  };
}

/** SHA-256 of the sources' content digests (computed from the chunks when a source has none). */
export async function dataDigestOf(ds: LoadedDataset): Promise<string> {
  const digests: string[] = [];
  for (const s of ds.sources) {
    if (s.digest) {
      digests.push(s.digest);
      continue;
    }
    const own = ds.chunks.filter((c) => c.sourceId === s.id);
    digests.push(await sourceDigest(await Promise.all(own.map((c) => chunkDigest(c)))));
  }
  return sourceDigest(digests);
}

export function labelDigestOf(ds: LoadedDataset): Promise<string> {
  return labelSetDigest(ds.labels);
}

/** Fits the featurisation on the training split only: validation and test rows are never read. */
export function fitSpec(ds: LoadedDataset, config: TrainConfig): FeaturisationSpec {
  const train = new Set(ds.items.train.map((r) => r.itemId));
  const opts: FitFeaturisationOptions = {};
  if (config.modality === 'text') {
    if (config.textDim !== undefined) opts.textDim = config.textDim;
    if (config.charNgrams !== undefined) opts.charNgrams = config.charNgrams;
    if (config.textFeatures !== undefined) opts.textFeatures = config.textFeatures;
    // The vocabulary learns words from the unlabelled pool too (never labels), so the first
    // models of active learning can weigh the words of the items they will be asked about;
    // labelled validation, test and holdout items never contribute.
    opts.vocabularyRowFilter = (id) => !ds.labels.has(id);
  }
  if (config.modality === 'image') {
    opts.imageSize = ds.project.imageSize;
    if (config.augment) opts.augment = config.augment;
  }
  const columns = ds.sources[0]?.columns ?? [];
  const fitter = new FeaturisationFitter(
    config.modality,
    columns,
    (id) => train.has(id),
    ds.classIds,
    opts,
  );
  for (const chunk of ds.chunks) fitter.addChunk(chunk);
  const spec = fitter.finish();
  if (spec.featureDim === 0) {
    throw new Error('The data has no feature columns the model can use');
  }
  return spec;
}

/** Reads an image's stored pixels (RGB bytes at the project's size). */
export async function readPixels(
  sources: SourcesRepo,
  itemId: string,
  size: number,
): Promise<Uint8Array> {
  const blob = await sources.getBlob(itemId, 'pixels');
  if (!blob) throw new Error(`Item ${itemId} has no stored pixels`);
  if (blob.width !== size || blob.height !== size) {
    throw new Error(
      `Item ${itemId} is stored at ${blob.width}×${blob.height}, the model expects ${size}×${size}`,
    );
  }
  const data = blob.data instanceof Blob ? await blob.data.arrayBuffer() : blob.data;
  return new Uint8Array(data);
}

/**
 * One split, ready to batch: `fill(order, start, count, out)` writes the feature vectors of rows
 * `order[start .. start+count)` into `out`. Tabular and text features are computed once (unless
 * that would take more than {@link MATERIALISE_BUDGET_FLOATS}); image pixels are kept as bytes and
 * scaled per batch.
 */
export interface SplitData {
  rows: number;
  dim: number;
  labels: Int32Array;
  itemIds: string[];
  fill(order: ArrayLike<number>, start: number, count: number, out: Float32Array): void;
}

/** 32 Mi floats (128 MiB): above it, text features are recomputed per batch instead of stored. */
const MATERIALISE_BUDGET_FLOATS = 32 * 1024 * 1024;

/** Feature rows of arbitrary items of chunks, grouped per chunk (applyFeaturisation works per chunk). */
function featuriseRefs(
  spec: FeaturisationSpec,
  refs: readonly ItemRef[],
  out: Float32Array,
  rowOffset = 0,
): void {
  let i = 0;
  while (i < refs.length) {
    const chunk = refs[i]!.chunk;
    let j = i;
    while (j < refs.length && refs[j]!.chunk === chunk) j++;
    const rows = refs.slice(i, j).map((r) => r.row);
    applyFeaturisation(spec, chunk, rows, { out, rowOffset: rowOffset + i });
    i = j;
  }
}

export async function splitData(
  ds: LoadedDataset,
  spec: FeaturisationSpec,
  split: Split,
): Promise<SplitData> {
  const refs = ds.items[split];
  const dim = spec.featureDim;
  const classIndex = new Map(spec.labels.classIds.map((id, k) => [id, k]));
  const labels = Int32Array.from(refs, (r) => classIndex.get(ds.labels.get(r.itemId)!) ?? -1);
  const itemIds = refs.map((r) => r.itemId);
  const base = { rows: refs.length, dim, labels, itemIds };

  if (spec.modality === 'image') {
    const sources = reposFor(ds.dbName).sources;
    const size = spec.image!.size;
    const pixels: Uint8Array[] = [];
    for (const r of refs) pixels.push(await readPixels(sources, r.itemId, size));
    return {
      ...base,
      fill(order, start, count, out) {
        const batch: Uint8Array[] = [];
        for (let i = 0; i < count; i++) batch.push(pixels[order[start + i]!]!);
        applyImagePixels(spec, batch, { out });
      },
    };
  }

  if (refs.length * dim <= MATERIALISE_BUDGET_FLOATS) {
    const x = new Float32Array(refs.length * dim);
    featuriseRefs(spec, refs, x);
    return {
      ...base,
      fill(order, start, count, out) {
        for (let i = 0; i < count; i++) {
          const r = order[start + i]!;
          out.set(x.subarray(r * dim, (r + 1) * dim), i * dim);
        }
      },
    };
  }
  return {
    ...base,
    fill(order, start, count, out) {
      const batch: ItemRef[] = [];
      for (let i = 0; i < count; i++) batch.push(refs[order[start + i]!]!);
      // Group rows of the same chunk together for applyFeaturisation, keeping the batch order.
      for (let i = 0; i < count; i++) featuriseRefs(spec, [batch[i]!], out, i);
    },
  };
}

/** Applies the spec's training augmentation (images only) to a filled batch. */
export function augmentBatch(
  spec: FeaturisationSpec,
  x: Float32Array,
  rows: number,
  rng: Rng,
): void {
  if (spec.modality === 'image') augmentImageBatch(spec, x, rows, rng);
}
