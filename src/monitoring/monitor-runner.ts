// The monitoring engine's driver: reads the champion's prediction log after the last stored
// window, cuts it into windows (count or time bucket), looks up the items' feature values in the
// source chunks and their delayed labels, runs the pure engine (engine.ts) window by window and
// appends the windows. Incremental: only predictions after the last stored window's `toSeq` are
// read; a still-filling window is left for a later run.
//
// Delayed labels come from two places:
// - the annotation log (labeling panel, imported label files): an item's current label, arriving
//   at the annotation's time. A time beyond the newest prediction (a label given by hand now
//   while the log holds replayed event times) counts as arriving with the newest prediction;
// - when the settings ask for it (`labelLagMs` not null), a production source's target column:
//   arriving at the row's `label_at` / `<target>_at` datetime column when the source has one,
//   else at the prediction's time + `labelLagMs`.
// The annotation wins when both exist.
import { currentLabelEntriesOf } from '../persistence/annotations-repo';
import type {
  AnnotationRecord,
  ChunkRecord,
  PredictionRecord,
  SourceRecord,
} from '../persistence/schema';
import type { Project } from '../projects/types';
import {
  fitReference,
  joinedPerformanceTrack,
  windowReport,
  withPerformance,
  type CurrentColumn,
  type FittedReference,
  type JoinedLabel,
  type MonitorSettings,
  type WindowReport,
} from './engine';
import { profileAccuracy, type ReferenceProfile } from './reference-profile';
import { bucketStart, DEFAULT_WINDOW_SIZE } from './windows';
import type { MonitorState } from '../persistence/schema';

/** What a stored window looks like to the monitor (mirrors persistence's StoredMonitorWindow). */
export interface MonitorWindow {
  seq: number;
  projectId: string;
  modelId: string;
  sourceId: string;
  start: number;
  end: number;
  count: number;
  state: MonitorState;
  tests: Record<string, unknown>;
  fromSeq: number;
  toSeq: number;
  windowKey: string;
  index: number;
}

export interface RunnerDeps {
  monitor: {
    listWindows(projectId: string, modelId: string, windowKey: string): Promise<MonitorWindow[]>;
    appendWindows(windows: Omit<MonitorWindow, 'seq'>[]): Promise<number[]>;
    /** Replaces stored windows' state and report (their performance part changed). */
    supersedePerformance(
      updates: { seq: number; state: MonitorState; tests: Record<string, unknown> }[],
    ): Promise<void>;
  };
  /** The prediction log (src/persistence/predictions-repo.ts): a model's entries after a seq. */
  predictions: {
    since(
      projectId: string,
      afterSeq: number,
      filter: { modelId: string },
    ): Promise<PredictionRecord[]>;
  };
  sources: {
    getSource(sourceId: string): Promise<SourceRecord | undefined>;
    chunkCount(sourceId: string): Promise<number>;
    getChunk(sourceId: string, index: number): Promise<ChunkRecord | undefined>;
  };
  annotations: { log(projectId: string): Promise<AnnotationRecord[]> };
  /**
   * The whole logs the delayed-label replay needs, when the caller keeps them between runs
   * (the monitor worker: `TailCache`s, so a run reads only what was appended). Default: both
   * logs are read whole on every run.
   */
  logs?: {
    predictions(projectId: string, modelId: string): Promise<readonly LoggedPrediction[]>;
    annotations(projectId: string): Promise<readonly AnnotationRecord[]>;
  };
  /** Embeddings of production items (image/text versions), rows in `itemIds` order. */
  embed?: (
    sourceId: string,
    itemIds: string[],
  ) => Promise<{ dim: number; embeddings: ArrayLike<number> }>;
  /** Lets the page breathe between windows (default: a macrotask). */
  pause?: () => Promise<void>;
}

/** What the delayed-label replay needs of a logged prediction. */
export type LoggedPrediction = Pick<
  PredictionRecord,
  'seq' | 'itemId' | 'sourceId' | 'at' | 'label'
>;

/** The fields of {@link LoggedPrediction} only (what a cache of the log keeps). */
export function loggedPrediction(p: PredictionRecord): LoggedPrediction {
  return { seq: p.seq, itemId: p.itemId, sourceId: p.sourceId, at: p.at, label: p.label };
}

/** The settings a series is computed with, as a stable string. */
export function windowKeyOf(settings: MonitorSettings): string {
  const w = settings.window;
  const spec = w.by === 'count' ? `count:${w.size ?? DEFAULT_WINDOW_SIZE}` : `time:${w.bucket}`;
  const overrides = Object.keys(settings.overrides)
    .sort()
    .map(
      (k) => `${k}=${settings.overrides[k]!.test ?? ''}@${settings.overrides[k]!.threshold ?? ''}`,
    )
    .join(',');
  const r = settings.rule;
  const rule = `${r.groupDriftShare.data}/${r.groupDriftShare.prediction}/${r.groupDriftShare.performance}/${r.groupsForDrift}/${r.performanceDecides ? 1 : 0}`;
  return [
    spec,
    overrides,
    rule,
    settings.uncertainty,
    settings.psi ? 'psi' : '',
    settings.labelLagMs ?? 'log',
  ].join('|');
}

/** Index ranges [start, end) of the complete windows in `preds` (log order). */
export function completeWindows(
  preds: readonly Pick<PredictionRecord, 'at'>[],
  spec: MonitorSettings['window'],
): { start: number; end: number; from?: number; to?: number }[] {
  const out: { start: number; end: number; from?: number; to?: number }[] = [];
  if (spec.by === 'count') {
    const size = spec.size ?? DEFAULT_WINDOW_SIZE;
    for (let s = 0; s + size <= preds.length; s += size) out.push({ start: s, end: s + size });
    return out;
  }
  // Time buckets in log order: a bucket closes when a prediction of a later bucket arrives;
  // a late prediction (earlier bucket) joins the open window.
  let start = 0;
  let bucket = preds.length ? bucketStart(preds[0]!.at, spec.bucket) : 0;
  for (let i = 1; i < preds.length; i++) {
    const b = bucketStart(preds[i]!.at, spec.bucket);
    if (b > bucket) {
      out.push({ start, end: i, from: bucket, to: b });
      start = i;
      bucket = b;
    }
  }
  return out;
}

interface SourceIndex {
  source: SourceRecord;
  chunks: ChunkRecord[];
  where: Map<string, { chunk: number; row: number }>;
}

/** Chunks of the sources read so far, per runner (sources are immutable once ready). */
export class SourceCache {
  readonly #cache = new Map<string, Promise<SourceIndex | null>>();
  readonly #deps: RunnerDeps['sources'];

  constructor(deps: RunnerDeps['sources']) {
    this.#deps = deps;
  }

  get(sourceId: string): Promise<SourceIndex | null> {
    let p = this.#cache.get(sourceId);
    if (!p) {
      p = (async () => {
        const source = await this.#deps.getSource(sourceId);
        if (!source) return null;
        const n = await this.#deps.chunkCount(sourceId);
        const chunks: ChunkRecord[] = [];
        const where = new Map<string, { chunk: number; row: number }>();
        for (let i = 0; i < n; i++) {
          const c = await this.#deps.getChunk(sourceId, i);
          if (!c) continue;
          c.itemIds.forEach((id, row) => where.set(id, { chunk: chunks.length, row }));
          chunks.push(c);
        }
        return { source, chunks, where };
      })();
      this.#cache.set(sourceId, p);
      p.catch(() => this.#cache.delete(sourceId));
    }
    return p;
  }
}

function targetColumnOf(source: SourceRecord) {
  const target = source.columns.find((c) => c.role === 'target');
  if (!target) return null;
  const timeName = [`${target.name}_at`, 'label_at'].find((n) =>
    source.columns.some((c) => c.name === n && c.storage === 'f64'),
  );
  return { name: target.name, timeName: timeName ?? null };
}

/** Target value and label time of an item from its source row. */
function targetOf(
  index: SourceIndex,
  itemId: string,
): { value: string | null; at: number | null } | null {
  const t = targetColumnOf(index.source);
  const pos = index.where.get(itemId);
  if (!t || !pos) return null;
  const chunk = index.chunks[pos.chunk]!;
  const col = chunk.columns[t.name];
  let value: string | null = null;
  if (col?.kind === 'i32') {
    const code = col.codes[pos.row]!;
    value = code < 0 ? null : (col.vocab[code] ?? null);
  } else if (col?.kind === 'str') value = col.values[pos.row] ?? null;
  else if (col && !col.missing[pos.row]) value = String(col.values[pos.row]);
  let at: number | null = null;
  if (t.timeName) {
    const tc = chunk.columns[t.timeName];
    if (tc?.kind === 'f64' && !tc.missing[pos.row]) at = tc.values[pos.row]!;
  }
  return { value, at };
}

/** Class name or id → class id of the project (target columns hold names). */
function classIdOf(project: Project, value: string): string | null {
  const byId = project.classes.find((c) => c.id === value);
  if (byId) return byId.id;
  const byName = project.classes.find((c) => c.name === value);
  return byName ? byName.id : null;
}

/** A window's place in the log: the seqs of its first and last prediction. */
export interface WindowSpan {
  fromSeq: number;
  toSeq: number;
}

/** Index of the span holding `seq` (spans in log order, disjoint), or −1. */
function spanOf(spans: readonly WindowSpan[], seq: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (seq < s.fromSeq) hi = mid - 1;
    else if (seq > s.toSeq) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The item's prediction a label arriving at `at` is the truth for: the newest made by then, else the first. */
function predictionFor(
  preds: readonly LoggedPrediction[],
  at: number | null,
): LoggedPrediction | null {
  if (preds.length === 0) return null;
  if (at === null) return preds[preds.length - 1]!;
  let chosen = preds[0]!;
  for (const p of preds) if (p.at <= at) chosen = p;
  return chosen;
}

/**
 * Joins each labelled item to one of its predictions by this version (item, version) and that
 * prediction's window in `spans`: one label per item, so a window never has more labels than
 * predictions. An annotation (its current label) has arrived by definition; its time, capped at
 * the newest prediction (a label given by hand now on a log of replayed event times), picks the
 * prediction among repeats. A target-column label (`labelLagMs` not null) has arrived when its
 * time — `label_at` / `<target>_at`, else the prediction's time + the lag — is not after the
 * newest prediction (the stream's "now"); until then its window waits for it. Predictions not
 * yet in a complete window keep their labels for a later run.
 */
export async function joinLabels(
  log: readonly LoggedPrediction[],
  spans: readonly WindowSpan[],
  annotated: ReadonlyMap<string, Pick<AnnotationRecord, 'label' | 'at' | 'kind'>>,
  labelLagMs: number | null,
  target: (p: LoggedPrediction) => Promise<{ classId: string; at: number | null } | null>,
): Promise<JoinedLabel[]> {
  const newest = log.reduce((m, p) => Math.max(m, p.at), -Infinity);
  const byItem = new Map<string, LoggedPrediction[]>();
  for (const p of [...log].sort((a, b) => a.seq - b.seq)) {
    let list = byItem.get(p.itemId);
    if (!list) byItem.set(p.itemId, (list = []));
    list.push(p);
  }
  const out: JoinedLabel[] = [];
  for (const [itemId, preds] of byItem) {
    const a = annotated.get(itemId);
    let joined: LoggedPrediction | null = null;
    let actual: string | null = null;
    if (a && a.kind !== 'suggestion' && a.label !== null) {
      actual = a.label;
      joined = predictionFor(preds, Math.min(a.at, newest));
    } else if (labelLagMs !== null) {
      const t = await target(preds[0]!);
      if (t) {
        if (t.at !== null) {
          if (t.at <= newest) joined = predictionFor(preds, t.at);
        } else {
          // The newest prediction whose lag has passed.
          for (const p of preds) if (p.at + labelLagMs <= newest) joined = p;
        }
        actual = t.classId;
      }
    }
    if (!joined || actual === null) continue;
    const window = spanOf(spans, joined.seq);
    if (window >= 0) out.push({ window, order: joined.seq, predicted: joined.label, actual });
  }
  return out;
}

/**
 * Label counts of the reference, per class in the profile's class order: the current labels of
 * the reference's sampled rows (a seeded uniform sample of the training pool). Null without a
 * prediction part.
 */
export function referenceLabelCounts(
  profile: ReferenceProfile,
  annotated: ReadonlyMap<string, Pick<AnnotationRecord, 'label' | 'kind'>>,
): number[] | null {
  const classIds = profile.predictions?.classIds;
  if (!classIds) return null;
  const counts = new Array<number>(classIds.length).fill(0);
  for (const id of profile.sampleItemIds) {
    const a = annotated.get(id);
    if (!a || a.kind === 'suggestion' || a.label === null) continue;
    const j = classIds.indexOf(a.label);
    if (j >= 0) counts[j]!++;
  }
  return counts;
}

export interface RunResult {
  added: MonitorWindow[];
  /** Stored windows whose performance part was superseded (labels that arrived for them). */
  updated: number;
  /** Predictions after the last stored window that do not yet fill a window. */
  pending: number;
}

/**
 * Computes and stores the windows that are complete since the last run. `profile` must be the
 * version's reference profile (ensureReferenceProfile).
 */
export async function runMonitor(
  args: {
    project: Project;
    modelId: string;
    profile: ReferenceProfile;
    settings: MonitorSettings;
    fitted?: FittedReference;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
  deps: RunnerDeps,
  cache = new SourceCache(deps.sources),
): Promise<RunResult> {
  const { project, modelId, profile, settings, signal } = args;
  const windowKey = windowKeyOf(settings);
  const stored = await deps.monitor.listWindows(project.id, modelId, windowKey);
  const afterSeq = stored.length ? stored[stored.length - 1]!.toSeq : 0;
  const fresh = await deps.predictions.since(project.id, afterSeq, { modelId });
  const ranges = completeWindows(fresh, settings.window);
  const covered = ranges.length ? ranges[ranges.length - 1]!.end : 0;
  const pause = deps.pause ?? (() => new Promise<void>((r) => setTimeout(r, 0)));

  // Delayed labels over the whole log (the detectors replay from the start), each joined to its
  // prediction's window: stored windows first, then the ones this run adds.
  const all: readonly LoggedPrediction[] = deps.logs
    ? await deps.logs.predictions(project.id, modelId)
    : afterSeq > 0
      ? await deps.predictions.since(project.id, 0, { modelId })
      : fresh;
  const annotated = currentLabelEntriesOf(
    await (deps.logs ? deps.logs.annotations(project.id) : deps.annotations.log(project.id)),
  );
  const spans = [
    ...stored.map((w) => ({ fromSeq: w.fromSeq, toSeq: w.toSeq })),
    ...ranges.map((r) => ({ fromSeq: fresh[r.start]!.seq, toSeq: fresh[r.end - 1]!.seq })),
  ];
  const labels = await joinLabels(all, spans, annotated, settings.labelLagMs, async (p) => {
    const index = await cache.get(p.sourceId);
    const t = index ? targetOf(index, p.itemId) : null;
    const classId = t?.value != null ? classIdOf(project, t.value) : null;
    return classId === null ? null : { classId, at: t!.at };
  });
  const classIds = profile.predictions?.classIds ?? [];
  const track = joinedPerformanceTrack(labels, spans.length, profileAccuracy(profile.predictions), {
    classIds,
    referenceLabelCounts: referenceLabelCounts(profile, annotated),
  });

  // Stored windows whose labels changed since they were computed: their performance part (and
  // the ensemble state it feeds) is superseded in place; the rest of the record stays.
  const superseded: { seq: number; state: MonitorState; tests: Record<string, unknown> }[] = [];
  stored.forEach((w, i) => {
    const report = reportOf(w);
    const next = track[i] ?? null;
    if (JSON.stringify(report.performance ?? null) === JSON.stringify(next)) return;
    const updated = withPerformance(report, next, settings.rule);
    superseded.push({
      seq: w.seq,
      state: updated.ensemble.state,
      tests: updated as unknown as Record<string, unknown>,
    });
  });
  if (superseded.length > 0) await deps.monitor.supersedePerformance(superseded);
  if (ranges.length === 0) {
    return { added: [], updated: superseded.length, pending: fresh.length - covered };
  }
  const fitted = args.fitted ?? fitReference(profile);

  // Class order: stored probabilities follow the project's classes; the profile the model's.
  const projectOrder = project.classes.map((c) => c.id);
  const column = classIds.map((c) => projectOrder.indexOf(c));

  const added: MonitorWindow[] = [];
  for (let w = 0; w < ranges.length; w++) {
    if (signal?.aborted) break;
    const r = ranges[w]!;
    const preds = fresh.slice(r.start, r.end);
    const itemIds = preds.map((p) => p.itemId);
    // Feature values from the items' source rows.
    const features: Record<string, CurrentColumn> = {};
    for (const f of profile.features) {
      features[f.name] =
        f.kind === 'numeric'
          ? new Float64Array(preds.length).fill(Number.NaN)
          : new Array<string | null>(preds.length).fill(null);
    }
    const specs = profile.features.map((f) => ({ name: f.name, kind: f.kind }));
    for (let i = 0; i < preds.length; i++) {
      const index = await cache.get(preds[i]!.sourceId);
      const pos = index?.where.get(preds[i]!.itemId);
      if (!index || !pos) continue;
      const chunk = index.chunks[pos.chunk]!;
      // One row's values through the same conversion as the reference.
      for (const f of specs) {
        const c = chunk.columns[f.name];
        if (!c) continue;
        const target = features[f.name]!;
        if (c.kind === 'f32' || c.kind === 'f64') {
          const v = c.missing[pos.row] ? Number.NaN : c.values[pos.row]!;
          if (target instanceof Float64Array) target[i] = v;
          else target[i] = Number.isNaN(v) ? null : String(v);
        } else if (c.kind === 'i32') {
          const code = c.codes[pos.row]!;
          const s = code < 0 ? null : (c.vocab[code] ?? null);
          if (target instanceof Float64Array) target[i] = s === null ? Number.NaN : Number(s);
          else target[i] = s;
        } else if (!(target instanceof Float64Array)) target[i] = c.values[pos.row] ?? null;
      }
    }
    const k = classIds.length;
    const probabilities = new Float64Array(preds.length * k);
    preds.forEach((p, i) => {
      column.forEach((j, c) => (probabilities[i * k + c] = j < 0 ? 0 : (p.probabilities[j] ?? 0)));
    });
    let embeddings: { values: ArrayLike<number>; dim: number } | undefined;
    if (deps.embed && profile.embedding) {
      const bySource = new Map<string, number[]>();
      preds.forEach((p, i) => {
        if (!bySource.has(p.sourceId)) bySource.set(p.sourceId, []);
        bySource.get(p.sourceId)!.push(i);
      });
      const dim = profile.embedding.dim;
      const values = new Float64Array(preds.length * dim);
      for (const [sourceId, rows] of bySource) {
        const e = await deps.embed(
          sourceId,
          rows.map((i) => itemIds[i]!),
        );
        rows.forEach((i, n) => {
          for (let d = 0; d < dim; d++) values[i * dim + d] = e.embeddings[n * dim + d]!;
        });
      }
      embeddings = { values, dim };
    }
    const report: WindowReport = windowReport(
      fitted,
      { itemIds, features, probabilities, ...(embeddings ? { embeddings } : {}) },
      settings,
      track[stored.length + w] ?? null,
      { seed: profile.seed + stored.length + w },
    );
    // The window's source: the one most of its predictions came from.
    const counts = new Map<string, number>();
    for (const p of preds) counts.set(p.sourceId, (counts.get(p.sourceId) ?? 0) + 1);
    const sourceId = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    added.push({
      seq: 0,
      projectId: project.id,
      modelId,
      sourceId,
      start: r.from ?? preds[0]!.at,
      end: r.to ?? preds[preds.length - 1]!.at,
      count: preds.length,
      state: report.ensemble.state,
      tests: report as unknown as Record<string, unknown>,
      fromSeq: preds[0]!.seq,
      toSeq: preds[preds.length - 1]!.seq,
      windowKey,
      index: stored.length + w,
    });
    args.onProgress?.(w + 1, ranges.length);
    await pause();
  }
  if (added.length > 0) {
    const seqs = await deps.monitor.appendWindows(added.map(({ seq: _seq, ...rest }) => rest));
    seqs.forEach((s, i) => (added[i]!.seq = s));
  }
  return { added, updated: superseded.length, pending: fresh.length - covered };
}

/** A stored window's report (the engine's output kept in `tests`). */
export function reportOf(window: Pick<MonitorWindow, 'tests'>): WindowReport {
  return window.tests as unknown as WindowReport;
}
