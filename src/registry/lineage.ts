// Lineage of a model version: which run, config, data, labels, parent and software produced it,
// and the reverse questions ("which versions used this source / these labels?"). Built once, when
// a run is registered (src/persistence/registry-repo.ts), and stored on the model record; pure
// functions over plain records here, so the page, the model card and tests share them.
import type { Backend, ModelRecord, RunRecord, SourceRecord } from '../persistence/schema';

/** One data source the run read, with its content digest at registration time. */
export type SourceRef = {
  id: string;
  name: string;
  /** SHA-256 (hex) of the source's content; `null` when unknown (never digested, or deleted). */
  digest: string | null;
};

/** The labels a run trained on. */
export type LabelSnapshot = {
  /** Labelled items in the snapshot. */
  count: number;
  /** `labelSetDigest` of the snapshot (the run's `labelDigest`). */
  digest: string;
  /** Who labelled them (sorted, unique); empty when not known. */
  annotators: string[];
};

// Type aliases rather than interfaces: they stay assignable to the record's
// `Record<string, unknown>` lineage field.
export type Lineage = {
  runId: string;
  /** `configHash(config)`; `null` for runs recorded before hashes existed. */
  configHash: string | null;
  config: Record<string, unknown>;
  seed: number;
  dataSnapshot: {
    /** The run's data snapshot digest over every source it read. */
    digest: string;
    sources: SourceRef[];
  };
  labelSnapshot: LabelSnapshot;
  /** The version this one was fine-tuned from; `null` for a training from scratch. */
  parentModelId: string | null;
  appVersion: string | null;
  backend: Backend;
  /** WebGPU adapter or WebGL renderer, when the backend has one. */
  adapter: string | null;
};

/**
 * The lineage of a run. `sources` are the records of the run's `sourceIds` that still exist (others
 * are listed by id, digest unknown); `labelSnapshot` defaults to the run's digest and the labelled
 * count of its splits, with annotators unknown.
 */
export function buildLineage(
  run: RunRecord,
  sources: readonly Pick<SourceRecord, 'id' | 'name' | 'digest'>[],
  options: { labelSnapshot?: LabelSnapshot; parentModelId?: string | null } = {},
): Lineage {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const sourceIds = run.sourceIds ?? sources.map((s) => s.id);
  const labelCount = Object.values(run.splitCounts ?? {}).reduce((sum, n) => sum + n, 0);
  return {
    runId: run.id,
    configHash: run.configHash ?? null,
    config: run.config,
    seed: run.seed,
    dataSnapshot: {
      digest: run.dataDigest,
      sources: sourceIds.map((id) => {
        const source = byId.get(id);
        return { id, name: source?.name ?? id, digest: source?.digest ?? null };
      }),
    },
    labelSnapshot: options.labelSnapshot ?? {
      count: labelCount,
      digest: run.labelDigest,
      annotators: [],
    },
    parentModelId: options.parentModelId ?? null,
    appVersion: run.appVersion ?? null,
    backend: run.backend,
    adapter: run.adapter ?? null,
  };
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isStringOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';

/**
 * The typed lineage stored on a model record, or null when it is missing or not of this shape
 * (records written before the registry, or by a foreign workspace file).
 */
export function readLineage(model: Pick<ModelRecord, 'lineage'>): Lineage | null {
  const l = model.lineage;
  if (!isRecord(l)) return null;
  const data = l.dataSnapshot;
  const labels = l.labelSnapshot;
  if (
    typeof l.runId !== 'string' ||
    !isStringOrNull(l.configHash) ||
    !isRecord(l.config) ||
    typeof l.seed !== 'number' ||
    !isRecord(data) ||
    typeof data.digest !== 'string' ||
    !Array.isArray(data.sources) ||
    !isRecord(labels) ||
    typeof labels.count !== 'number' ||
    typeof labels.digest !== 'string' ||
    !Array.isArray(labels.annotators) ||
    !isStringOrNull(l.parentModelId) ||
    !isStringOrNull(l.appVersion) ||
    typeof l.backend !== 'string' ||
    !isStringOrNull(l.adapter)
  ) {
    return null;
  }
  const sourcesOk = data.sources.every(
    (s) => isRecord(s) && typeof s.id === 'string' && typeof s.name === 'string',
  );
  if (!sourcesOk) return null;
  return l as Lineage;
}

const byVersion = <M extends Pick<ModelRecord, 'version'>>(a: M, b: M): number =>
  a.version - b.version;

/** Versions (oldest first) whose data snapshot includes the source. */
export function versionsUsingSource<M extends Pick<ModelRecord, 'lineage' | 'version'>>(
  models: readonly M[],
  sourceId: string,
): M[] {
  return models
    .filter((m) => readLineage(m)?.dataSnapshot.sources.some((s) => s.id === sourceId) === true)
    .sort(byVersion);
}

/** Versions (oldest first) trained on the label snapshot with this digest. */
export function versionsUsingLabels<M extends Pick<ModelRecord, 'lineage' | 'version'>>(
  models: readonly M[],
  labelDigest: string,
): M[] {
  return models.filter((m) => readLineage(m)?.labelSnapshot.digest === labelDigest).sort(byVersion);
}

/** The chain of parents of a version, nearest first (stops at a missing parent or a cycle). */
export function ancestry<M extends Pick<ModelRecord, 'id' | 'parentModelId'>>(
  models: readonly M[],
  modelId: string,
): M[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const chain: M[] = [];
  const seen = new Set([modelId]);
  let parentId = byId.get(modelId)?.parentModelId ?? null;
  while (parentId !== null && !seen.has(parentId)) {
    const parent = byId.get(parentId);
    if (!parent) break;
    chain.push(parent);
    seen.add(parentId);
    parentId = parent.parentModelId;
  }
  return chain;
}
