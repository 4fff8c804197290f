// The monitor worker: runs the drift engine (src/monitoring/monitor-runner.ts) off the page. It
// opens the database itself, reads the champion's new predictions, the source rows and the
// delayed labels, computes the windows and appends them; the page only gets counts back and
// sees the new windows through its live queries. Window statistics (KS with exact p-values,
// isolation forests, MMD) take tens of milliseconds each, so they stay out of the page's frames.
import * as Comlink from 'comlink';
import { openDatabase, type InloopDB } from '../src/persistence/db';
import { createAnnotationsRepo } from '../src/persistence/annotations-repo';
import { createMonitorRepo } from '../src/persistence/monitor-repo';
import { createPredictionsRepo } from '../src/persistence/predictions-repo';
import { createProjectsRepo } from '../src/persistence/projects-repo';
import { createRegistryRepo } from '../src/persistence/registry-repo';
import { createSourcesRepo } from '../src/persistence/sources-repo';
import { fitReference, normaliseSettings, type FittedReference } from '../src/monitoring/engine';
import {
  loggedPrediction,
  runMonitor,
  SourceCache,
  type LoggedPrediction,
  type MonitorWindow,
} from '../src/monitoring/monitor-runner';
import { TailCache } from '../src/lib/tail-cache';
import { isReferenceProfile } from '../src/monitoring/reference-profile';
import type { AnnotationRecord, PredictionRecord } from '../src/persistence/schema';

export interface MonitorRunRequest {
  dbName: string;
  projectId: string;
  modelId: string;
  /** MonitorSettings (normalised again here). */
  settings: unknown;
}

/** Embeddings of production items, computed by the page's ML worker (image/text versions). */
export type EmbedItems = (
  sourceId: string,
  itemIds: string[],
) => Promise<{ dim: number; embeddings: ArrayLike<number> }>;

export interface MonitorRunReply {
  added: number;
  /** Stored windows whose performance part new labels superseded. */
  updated: number;
  pending: number;
  states: MonitorWindow['state'][];
}

const connections = new Map<string, InloopDB>();
function dbOf(name: string): InloopDB {
  let db = connections.get(name);
  if (!db) {
    db = openDatabase(name);
    connections.set(name, db);
  }
  return db;
}

// Fitted references (isolation forest, sorted samples) and source chunks, kept between runs.
const fittedCache = new Map<string, { createdAt: number; fitted: FittedReference }>();
const sourceCaches = new Map<string, SourceCache>();
// The champion's prediction log and the annotation log of each project, read by their tails
// (one of each per project: a new champion replaces the old one's).
const logCaches = new Map<
  string,
  {
    modelId: string;
    predictions: TailCache<LoggedPrediction>;
    annotations: TailCache<AnnotationRecord>;
  }
>();
let cancelled = new Set<number>();

const api = {
  init(): Promise<boolean> {
    return Promise.resolve(true);
  },

  async run(request: MonitorRunRequest, jobId = 0, embed?: EmbedItems): Promise<MonitorRunReply> {
    const db = dbOf(request.dbName);
    const get = () => db;
    const projects = createProjectsRepo(get);
    const registry = createRegistryRepo(get);
    const sources = createSourcesRepo(get);
    const monitor = createMonitorRepo(get);
    const annotations = createAnnotationsRepo(get);
    const project = await projects.get(request.projectId);
    if (!project) throw new Error(`Project ${request.projectId} does not exist`);
    const version = await registry.getVersion(request.modelId);
    if (!version) throw new Error(`Model version ${request.modelId} does not exist`);
    const profile = version.referenceProfile;
    if (!isReferenceProfile(profile)) {
      throw new Error('This version has no reference profile yet; compute it first.');
    }
    let fitted = fittedCache.get(version.id);
    if (!fitted || fitted.createdAt !== profile.createdAt) {
      fitted = { createdAt: profile.createdAt, fitted: fitReference(profile) };
      fittedCache.set(version.id, fitted);
    }
    const cacheKey = `${request.dbName}|${project.id}`;
    let cache = sourceCaches.get(cacheKey);
    if (!cache) {
      cache = new SourceCache(sources);
      sourceCaches.set(cacheKey, cache);
    }
    const predictions = createPredictionsRepo(get);
    let logs = logCaches.get(cacheKey);
    if (!logs || logs.modelId !== version.id) {
      const [projectId, modelId] = [project.id, version.id];
      const compact = (rows: PredictionRecord[]) => rows.map(loggedPrediction);
      logs = {
        modelId,
        predictions: new TailCache(
          async (after) => {
            const t = await predictions.modelTail(projectId, modelId, after);
            return { entries: compact(t.entries), count: t.count };
          },
          async () => compact(await predictions.since(projectId, 0, { modelId })),
        ),
        annotations: new TailCache(
          (after) => annotations.logTail(projectId, after),
          () => annotations.log(projectId),
        ),
      };
      logCaches.set(cacheKey, logs);
    }
    const held = logs;
    const controller = new AbortController();
    const result = await runMonitor(
      {
        project,
        modelId: version.id,
        profile,
        settings: normaliseSettings(request.settings),
        fitted: fitted.fitted,
        signal: controller.signal,
        onProgress: () => {
          if (cancelled.has(jobId)) controller.abort();
        },
      },
      {
        monitor,
        predictions,
        sources,
        annotations,
        logs: {
          predictions: () => held.predictions.read(),
          annotations: () => held.annotations.read(),
        },
        pause: () => Promise.resolve(),
        ...(embed ? { embed: (sourceId: string, ids: string[]) => embed(sourceId, ids) } : {}),
      },
      cache,
    );
    cancelled.delete(jobId);
    return {
      added: result.added.length,
      updated: result.updated,
      pending: result.pending,
      states: result.added.map((w) => w.state),
    };
  },

  cancel(jobId: number): void {
    cancelled.add(jobId);
  },

  closeDatabases(): void {
    for (const db of connections.values()) db.close();
    connections.clear();
    sourceCaches.clear();
    logCaches.clear();
    fittedCache.clear();
    cancelled = new Set();
  },
};

export type MonitorApi = typeof api;
Comlink.expose(api);
