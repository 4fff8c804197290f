// Computing and storing a version's reference profile (reference-profile.ts) from the pool it was
// trained on. The lead calls `ensureReferenceProfile` right after registering a version; the
// Monitor page calls it lazily when a champion has none. Storage and the ML worker come in as
// `deps`, so this module stays free of Dexie and TF.js.
import type { ColumnSchema, ChunkRecord, SourceRecord } from '../persistence/schema';
import type { ModelVersion } from '../registry/types';
import {
  heldOutAccuracy,
  isReferenceProfile,
  withHeldOutAccuracy,
  predictionProfile,
  ReferenceProfileBuilder,
  type EmbeddingProfile,
  type ProfileColumn,
  type ProfileFeatureSpec,
  type ReferenceProfile,
} from './reference-profile';
import type { ColumnKind } from './types';

/** Embeddings kept in a profile (rows): enough for a 64–128-dim Ledoit–Wolf covariance. */
export const PROFILE_EMBEDDING_ROWS = 1_000;
/** Sampled rows scored for the prediction part of the profile. */
export const PROFILE_PREDICTION_ROWS = 2_000;

export interface ReferenceDeps {
  sources: {
    getSource(sourceId: string): Promise<SourceRecord | undefined>;
    listSources(projectId: string): Promise<SourceRecord[]>;
    chunkCount(sourceId: string): Promise<number>;
    getChunk(sourceId: string, index: number): Promise<ChunkRecord | undefined>;
  };
  monitor: {
    setReferenceProfile(modelId: string, profile: Record<string, unknown>): Promise<void>;
  };
  /** Class probabilities of the version for stored items, rows × classIds (model order). */
  predict?: (
    sourceId: string,
    itemIds: string[],
    signal?: AbortSignal,
  ) => Promise<{ classIds: string[]; probabilities: ArrayLike<number> }>;
  /** Penultimate-layer embeddings (image/text versions). */
  embed?: (
    sourceId: string,
    itemIds: string[],
    signal?: AbortSignal,
  ) => Promise<{ dim: number; embeddings: ArrayLike<number> }>;
  signal?: AbortSignal;
  now?: () => number;
}

/** The version's features as the profile sees them: the featurisation spec's tabular columns. */
export function profileFeaturesOf(
  featurisation: Record<string, unknown>,
  schema: readonly ColumnSchema[],
): ProfileFeatureSpec[] {
  const tab = featurisation.tabular as
    { numeric?: { name: string }[]; categorical?: { name: string }[] } | undefined;
  if (!tab) return [];
  const typeOf = new Map(schema.map((c) => [c.name, c.type]));
  const kindOf = (name: string): ColumnKind =>
    typeOf.get(name) === 'boolean' ? 'binary' : 'categorical';
  return [
    ...(tab.numeric ?? []).map((f) => ({ name: f.name, kind: 'numeric' as const })),
    ...(tab.categorical ?? []).map((f) => ({ name: f.name, kind: kindOf(f.name) })),
  ];
}

/** A chunk's columns as profile columns (numbers with NaN for missing; category strings). */
export function chunkColumns(
  chunk: ChunkRecord,
  features: readonly ProfileFeatureSpec[],
): Record<string, ProfileColumn> {
  const out: Record<string, ProfileColumn> = {};
  for (const f of features) {
    const c = chunk.columns[f.name];
    if (!c) {
      out[f.name] =
        f.kind === 'numeric'
          ? new Float64Array(chunk.rowCount).fill(Number.NaN)
          : new Array<string | null>(chunk.rowCount).fill(null);
      continue;
    }
    if (c.kind === 'f32' || c.kind === 'f64') {
      const v = Float64Array.from(c.values);
      for (let i = 0; i < v.length; i++) if (c.missing[i]) v[i] = Number.NaN;
      out[f.name] =
        f.kind === 'numeric' ? v : Array.from(v, (x) => (Number.isNaN(x) ? null : String(x)));
    } else if (c.kind === 'i32') {
      const strings = Array.from(c.codes, (code) => (code < 0 ? null : (c.vocab[code] ?? null)));
      out[f.name] =
        f.kind === 'numeric'
          ? Float64Array.from(strings, (s) => (s === null ? Number.NaN : Number(s)))
          : strings;
    } else {
      out[f.name] = c.values.map((s) => s);
    }
  }
  return out;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DOMException('Cancelled', 'AbortError');
}

function classIdsOf(version: ModelVersion): string[] {
  const labels = version.featurisation.labels as { classIds?: unknown } | undefined;
  if (Array.isArray(labels?.classIds)) return labels.classIds as string[];
  return version.labels.classIds;
}

/** Computes the profile of a version (without storing it). */
export async function computeReferenceProfile(
  version: ModelVersion,
  deps: ReferenceDeps,
): Promise<ReferenceProfile> {
  const { signal } = deps;
  let sourceIds = version.lineage?.dataSnapshot?.sources?.map((s) => s.id) ?? [];
  if (sourceIds.length === 0) {
    sourceIds = (await deps.sources.listSources(version.projectId))
      .filter((s) => s.role === 'pool')
      .map((s) => s.id);
  }
  const sources: SourceRecord[] = [];
  for (const id of sourceIds) {
    const s = await deps.sources.getSource(id);
    if (s) sources.push(s);
  }
  if (sources.length === 0) {
    throw new Error('The data this version was trained on is no longer there (source deleted).');
  }
  const features = profileFeaturesOf(version.featurisation, sources[0]!.columns);
  const modality = (version.featurisation.modality as string | undefined) ?? sources[0]!.modality;
  const builder = new ReferenceProfileBuilder(features, { seed: 0x5eed });
  // Which source each sampled item lives in, to score it later.
  const sourceOf = new Map<string, string>();
  for (const s of sources) {
    const n = await deps.sources.chunkCount(s.id);
    for (let i = 0; i < n; i++) {
      throwIfAborted(signal);
      const chunk = await deps.sources.getChunk(s.id, i);
      if (!chunk) continue;
      builder.addRows(chunkColumns(chunk, features), chunk.itemIds);
      for (const id of chunk.itemIds) sourceOf.set(id, s.id);
    }
  }
  const sample = builder.sampleItemIds;
  const bySource = (ids: readonly string[]) => {
    const groups = new Map<string, string[]>();
    for (const id of ids) {
      const s = sourceOf.get(id)!;
      if (!groups.has(s)) groups.set(s, []);
      groups.get(s)!.push(id);
    }
    return groups;
  };

  let predictions: ReferenceProfile['predictions'] = null;
  const classIds = classIdsOf(version);
  if (deps.predict && classIds.length > 0 && sample.length > 0) {
    const ids = sample.slice(0, PROFILE_PREDICTION_ROWS);
    const probs: number[] = [];
    for (const [sourceId, group] of bySource(ids)) {
      throwIfAborted(signal);
      const r = await deps.predict(sourceId, group, signal);
      const k = r.classIds.length;
      const col = classIds.map((c) => r.classIds.indexOf(c));
      for (let row = 0; row < r.probabilities.length / k; row++) {
        for (const j of col) probs.push(j < 0 ? 0 : r.probabilities[row * k + j]!);
      }
    }
    predictions = predictionProfile(probs, classIds, heldOutAccuracy(version.metrics));
  }

  let embedding: EmbeddingProfile | null = null;
  if (deps.embed && (modality === 'image' || modality === 'text') && sample.length > 0) {
    const ids = sample.slice(0, PROFILE_EMBEDDING_ROWS);
    const values: number[] = [];
    let dim = 0;
    for (const [sourceId, group] of bySource(ids)) {
      throwIfAborted(signal);
      const r = await deps.embed(sourceId, group, signal);
      dim = r.dim;
      for (let i = 0; i < r.embeddings.length; i++) values.push(r.embeddings[i]!);
    }
    if (dim > 0) embedding = { rows: values.length / dim, dim, values };
  }

  return builder.finish({
    sourceIds: sources.map((s) => s.id),
    createdAt: deps.now?.() ?? Date.now(),
    predictions,
    embedding,
  });
}

/**
 * The version's reference profile: the stored one when it is there and readable, else computed
 * from its training pool and stored on its row. Throws (and stores nothing) on failure.
 */
export async function ensureReferenceProfile(
  version: ModelVersion,
  deps: ReferenceDeps,
): Promise<ReferenceProfile> {
  if (isReferenceProfile(version.referenceProfile)) {
    // Profiles stored before the accuracy test took the held-out split and its label count
    // compared against validation accuracy alone: bring the reference up to date in place.
    const stored = version.referenceProfile;
    const refreshed = withHeldOutAccuracy(stored, version.metrics);
    if (refreshed !== stored) {
      await deps.monitor.setReferenceProfile(
        version.id,
        refreshed as unknown as Record<string, unknown>,
      );
    }
    return refreshed;
  }
  const profile = await computeReferenceProfile(version, deps);
  await deps.monitor.setReferenceProfile(version.id, profile as unknown as Record<string, unknown>);
  return profile;
}
