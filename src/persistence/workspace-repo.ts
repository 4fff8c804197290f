// Whole projects in and out of the database, for workspace files (src/workspace): every row of
// every table that belongs to one project, read in one transaction (a consistent snapshot), and a
// whole project written in one transaction (all of it appears, or nothing changes). What belongs
// to a project is the same set `projects-repo.ts` deletes: rows with its `projectId`, chunks and
// blobs of its sources, and the `modelWeights` of its model versions and of its runs
// (`run:<runId>`, or the run's own `weightsKey`). Settings are global and never part of a project.
import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import { runWeightsKey } from './runs-repo';
import type {
  AnnotationRecord,
  BlobRecord,
  ChunkRecord,
  EventRecord,
  ModelRecord,
  ModelWeightsRecord,
  MonitorWindowRecord,
  PipelineRunRecord,
  PolicyRecord,
  PredictionRecord,
  Project,
  RunRecord,
  SourceRecord,
} from './schema';

/** Every table that holds project rows, in the order a workspace file lists them. */
export const PROJECT_TABLES = [
  'projects',
  'sources',
  'chunks',
  'blobs',
  'annotations',
  'runs',
  'models',
  'modelWeights',
  'predictions',
  'monitorWindows',
  'policies',
  'pipelineRuns',
  'events',
] as const;

export type ProjectTable = (typeof PROJECT_TABLES)[number];

/** Tables whose key is an auto-incremented `seq` (the append-only logs). */
export const SEQ_TABLES = ['annotations', 'predictions', 'monitorWindows', 'events'] as const;
export type SeqTable = (typeof SEQ_TABLES)[number];

/** All rows of one project, table by table (`projects` holds exactly one row). */
export interface ProjectRows {
  projects: Project[];
  sources: SourceRecord[];
  chunks: ChunkRecord[];
  blobs: BlobRecord[];
  annotations: AnnotationRecord[];
  runs: RunRecord[];
  models: ModelRecord[];
  modelWeights: ModelWeightsRecord[];
  predictions: PredictionRecord[];
  monitorWindows: MonitorWindowRecord[];
  policies: PolicyRecord[];
  pipelineRuns: PipelineRunRecord[];
  events: EventRecord[];
}

/** Why a whole-project write was refused (the transaction changed nothing). */
export type ProjectWriteError =
  /** The project id exists and `replace` was not asked for. */
  | { kind: 'project-exists'; projectId: string; name: string }
  /** A row's key is already used by another project: writing would overwrite its data. */
  | { kind: 'id-conflict'; table: ProjectTable; id: string };

export class ProjectWriteFailure extends Error {
  override name = 'ProjectWriteFailure';
  constructor(readonly error: ProjectWriteError) {
    super(
      error.kind === 'project-exists'
        ? `Project ${error.projectId} exists`
        : `${error.table} ${error.id} belongs to another project`,
    );
  }
}

export interface WorkspaceRepo {
  /** Every row of the project, or undefined when there is no such project. */
  readProject(
    projectId: string,
    tables?: readonly ProjectTable[],
  ): Promise<ProjectRows | undefined>;
  /**
   * Writes the whole project in one transaction. Rows of auto-increment tables get new `seq`s
   * after the database's last one (annotations' `undoes` follow them). With `replace`, the
   * project's current rows are deleted first, in the same transaction. Throws
   * {@link ProjectWriteFailure} (nothing written) on an existing project without `replace` or on a
   * key that another project owns.
   */
  writeProject(rows: ProjectRows, options?: { replace?: boolean }): Promise<void>;
  /** Whether a project with this id exists, and its name. */
  projectName(projectId: string): Promise<string | undefined>;
  /**
   * Appends annotation entries in one transaction, in order; an entry's `undoesIndex` names an
   * earlier entry of the same list, whose new `seq` becomes its `undoes`. Returns the new seqs.
   */
  appendAnnotations(
    entries: (Omit<AnnotationRecord, 'seq' | 'undoes'> & { undoesIndex?: number })[],
  ): Promise<number[]>;
}

interface OwnedKeys {
  sourceIds: string[];
  modelIds: string[];
  runIds: string[];
  weightKeys: string[];
}

async function ownedKeys(db: InloopDB, projectId: string): Promise<OwnedKeys> {
  const sourceIds: string[] = await db.sources
    .where('[projectId+role]')
    .between([projectId, ''], [projectId, '\uffff'])
    .primaryKeys();
  const modelIds: string[] = await db.models
    .where('[projectId+version]')
    .between([projectId, -Infinity], [projectId, Infinity])
    .primaryKeys();
  const runs = await db.runs
    .where('[projectId+startedAt]')
    .between([projectId, -Infinity], [projectId, Infinity])
    .toArray();
  const runIds = runs.map((r) => r.id);
  const weightKeys = [
    ...new Set([
      ...modelIds,
      ...runIds.map(runWeightsKey),
      ...runs.flatMap((r) => (r.weightsKey ? [r.weightsKey] : [])),
    ]),
  ];
  return { sourceIds, modelIds, runIds, weightKeys };
}

const byProject = <T>(
  table: {
    where(index: string): { between(a: unknown[], b: unknown[]): { toArray(): Promise<T[]> } };
  },
  index: string,
  projectId: string,
  low: unknown = -Infinity,
  high: unknown = Infinity,
): Promise<T[]> => table.where(index).between([projectId, low], [projectId, high]).toArray();

// A refused write is the caller's to explain (it is not a storage failure); anything else is.
async function passWriteFailures<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    const inner = findWriteFailure(e);
    if (inner) throw inner;
    return withStorageErrors(() => Promise.reject(e as Error));
  }
}

function findWriteFailure(e: unknown): ProjectWriteFailure | undefined {
  // Dexie may wrap an error thrown inside a transaction; look one level in.
  if (e instanceof ProjectWriteFailure) return e;
  if (
    typeof e === 'object' &&
    e !== null &&
    'inner' in e &&
    e.inner instanceof ProjectWriteFailure
  ) {
    return e.inner;
  }
  return undefined;
}

export function createWorkspaceRepo(db: () => InloopDB): WorkspaceRepo {
  return {
    appendAnnotations: (entries) =>
      withStorageErrors(() =>
        db().transaction('rw', db().annotations, async () => {
          const seqs: number[] = [];
          for (const { undoesIndex, ...entry } of entries) {
            const record = { ...entry } as AnnotationRecord;
            if (undoesIndex !== undefined) {
              const target = seqs[undoesIndex];
              if (target === undefined)
                throw new Error('appendAnnotations: undo before its target');
              record.undoes = target;
            }
            seqs.push(await db().annotations.add(record));
          }
          return seqs;
        }),
      ),

    projectName: (projectId) =>
      withStorageErrors(async () => (await db().projects.get(projectId))?.name),

    readProject: (projectId, tables = PROJECT_TABLES) =>
      withStorageErrors(async () => {
        const d = db();
        const want = new Set(tables);
        const rows = await d.transaction(
          'r',
          PROJECT_TABLES.map((t) => d.table(t)),
          async () => {
            const project = await d.projects.get(projectId);
            if (!project) return undefined;
            const keys = await ownedKeys(d, projectId);
            const empty = <T>(): Promise<T[]> => Promise.resolve([]);
            const perSource = async <T>(read: (sourceId: string) => Promise<T[]>): Promise<T[]> =>
              (await Promise.all(keys.sourceIds.map(read))).flat();
            const pick = <T>(table: ProjectTable, read: () => Promise<T[]>) =>
              want.has(table) ? read() : empty<T>();
            const [sources, chunks, blobs, annotations, runs, models, modelWeights] =
              await Promise.all([
                pick('sources', () => d.sources.bulkGet(keys.sourceIds)),
                pick('chunks', () =>
                  perSource((id) =>
                    d.chunks
                      .where('[sourceId+index]')
                      .between([id, -Infinity], [id, Infinity])
                      .toArray(),
                  ),
                ),
                pick('blobs', () =>
                  perSource((id) =>
                    d.blobs.where('[sourceId+itemId]').between([id, ''], [id, '\uffff']).toArray(),
                  ),
                ),
                pick('annotations', () =>
                  byProject<AnnotationRecord>(d.annotations, '[projectId+at]', projectId),
                ),
                pick('runs', () =>
                  byProject<RunRecord>(d.runs, '[projectId+startedAt]', projectId),
                ),
                pick('models', () =>
                  byProject<ModelRecord>(d.models, '[projectId+version]', projectId),
                ),
                pick('modelWeights', () => d.modelWeights.bulkGet(keys.weightKeys)),
              ]);
            const [predictions, monitorWindows, policies, pipelineRuns, events] = await Promise.all(
              [
                pick('predictions', () =>
                  byProject<PredictionRecord>(d.predictions, '[projectId+at]', projectId),
                ),
                pick('monitorWindows', () =>
                  byProject<MonitorWindowRecord>(d.monitorWindows, '[projectId+start]', projectId),
                ),
                pick('policies', () => d.policies.where('projectId').equals(projectId).toArray()),
                pick('pipelineRuns', () =>
                  byProject<PipelineRunRecord>(d.pipelineRuns, '[projectId+startedAt]', projectId),
                ),
                pick('events', () => byProject<EventRecord>(d.events, '[projectId+at]', projectId)),
              ],
            );
            const defined = <T>(xs: (T | undefined)[]): T[] =>
              xs.filter((x): x is T => x !== undefined);
            const bySeq = <T extends { seq: number }>(xs: T[]) => xs.sort((a, b) => a.seq - b.seq);
            const result: ProjectRows = {
              projects: [project],
              sources: defined(sources),
              chunks: chunks,
              blobs: blobs,
              annotations: bySeq(annotations),
              runs: runs,
              models: models,
              modelWeights: defined(modelWeights),
              predictions: bySeq(predictions),
              monitorWindows: bySeq(monitorWindows),
              policies: policies,
              pipelineRuns: pipelineRuns,
              events: bySeq(events),
            };
            return result;
          },
        );
        return rows;
      }),

    writeProject: (rows, options = {}) =>
      passWriteFailures(async () => {
        const d = db();
        const project = rows.projects[0];
        if (!project || rows.projects.length !== 1)
          throw new Error('writeProject: exactly one project row');
        const projectId = project.id;
        await d.transaction(
          'rw',
          PROJECT_TABLES.map((t) => d.table(t)),
          async () => {
            const existing = await d.projects.get(projectId);
            if (existing && !options.replace) {
              throw new ProjectWriteFailure({
                kind: 'project-exists',
                projectId,
                name: existing.name,
              });
            }
            // Keys owned by the project being replaced may be reused; any other owner is a conflict.
            const own = existing ? await ownedKeys(d, projectId) : undefined;
            const mine = {
              sources: new Set(own?.sourceIds),
              models: new Set(own?.modelIds),
              runs: new Set(own?.runIds),
              modelWeights: new Set(own?.weightKeys),
            };
            const checkFree = async (
              table:
                | 'sources'
                | 'runs'
                | 'models'
                | 'modelWeights'
                | 'policies'
                | 'pipelineRuns'
                | 'blobs',
              ids: string[],
              ownedBy: (row: { projectId?: string; sourceId?: string }) => boolean,
            ) => {
              const found = await d.table(table).bulkGet(ids);
              for (let i = 0; i < ids.length; i++) {
                const row = found[i] as { projectId?: string; sourceId?: string } | undefined;
                if (row && !ownedBy(row)) {
                  throw new ProjectWriteFailure({ kind: 'id-conflict', table, id: ids[i]! });
                }
              }
            };
            const ownsProject = (r: { projectId?: string }) => r.projectId === projectId;
            await checkFree(
              'sources',
              rows.sources.map((s) => s.id),
              ownsProject,
            );
            await checkFree(
              'runs',
              rows.runs.map((r) => r.id),
              ownsProject,
            );
            await checkFree(
              'models',
              rows.models.map((m) => m.id),
              ownsProject,
            );
            await checkFree(
              'policies',
              rows.policies.map((p) => p.id),
              ownsProject,
            );
            await checkFree(
              'pipelineRuns',
              rows.pipelineRuns.map((p) => p.id),
              ownsProject,
            );
            await checkFree(
              'blobs',
              rows.blobs.map((b) => b.id),
              (b) => mine.sources.has(b.sourceId ?? ''),
            );
            const weightIds = rows.modelWeights.map((w) => w.modelId);
            const foundWeights = await d.modelWeights.bulkGet(weightIds);
            foundWeights.forEach((w, i) => {
              if (w && !mine.modelWeights.has(weightIds[i]!)) {
                throw new ProjectWriteFailure({
                  kind: 'id-conflict',
                  table: 'modelWeights',
                  id: weightIds[i]!,
                });
              }
            });
            for (const sourceId of new Set(rows.chunks.map((c) => c.sourceId))) {
              if (mine.sources.has(sourceId)) continue;
              const n = await d.chunks
                .where('[sourceId+index]')
                .between([sourceId, -Infinity], [sourceId, Infinity])
                .count();
              if (n > 0)
                throw new ProjectWriteFailure({
                  kind: 'id-conflict',
                  table: 'chunks',
                  id: sourceId,
                });
            }

            if (existing && own) {
              await Promise.all([
                ...own.sourceIds.map((id) =>
                  d.chunks
                    .where('[sourceId+index]')
                    .between([id, -Infinity], [id, Infinity])
                    .delete(),
                ),
                ...own.sourceIds.map((id) =>
                  d.blobs.where('[sourceId+itemId]').between([id, ''], [id, '\uffff']).delete(),
                ),
                d.modelWeights.bulkDelete(own.weightKeys),
                d.sources.bulkDelete(own.sourceIds),
                d.models.bulkDelete(own.modelIds),
                d.runs.bulkDelete(own.runIds),
                d.annotations
                  .where('[projectId+at]')
                  .between([projectId, -Infinity], [projectId, Infinity])
                  .delete(),
                d.predictions
                  .where('[projectId+at]')
                  .between([projectId, -Infinity], [projectId, Infinity])
                  .delete(),
                d.monitorWindows
                  .where('[projectId+start]')
                  .between([projectId, -Infinity], [projectId, Infinity])
                  .delete(),
                d.policies.where('projectId').equals(projectId).delete(),
                d.pipelineRuns
                  .where('[projectId+startedAt]')
                  .between([projectId, -Infinity], [projectId, Infinity])
                  .delete(),
                d.events
                  .where('[projectId+at]')
                  .between([projectId, -Infinity], [projectId, Infinity])
                  .delete(),
                d.projects.delete(projectId),
              ]);
            }

            // Append-only logs: fresh sequence numbers after the last one in the database, in the
            // file's order; an annotation's `undoes` is renumbered with the entry it names.
            const renumber = async <T extends { seq: number }>(
              table: SeqTable,
              list: T[],
            ): Promise<T[]> => {
              const last =
                ((await d.table(table).toCollection().lastKey()) as number | undefined) ?? 0;
              const map = new Map<number, number>();
              const sorted = [...list].sort((a, b) => a.seq - b.seq);
              sorted.forEach((row, i) => map.set(row.seq, last + 1 + i));
              return sorted.map((row) => {
                const next = { ...row, seq: map.get(row.seq)! };
                const undoes = (row as { undoes?: unknown }).undoes;
                if (typeof undoes === 'number') {
                  (next as { undoes?: number }).undoes = map.get(undoes) ?? undoes;
                }
                return next;
              });
            };

            await d.projects.add(project);
            await Promise.all([
              d.sources.bulkAdd(rows.sources),
              d.chunks.bulkAdd(rows.chunks),
              d.blobs.bulkAdd(rows.blobs),
              d.runs.bulkAdd(rows.runs),
              d.models.bulkAdd(rows.models),
              d.modelWeights.bulkAdd(rows.modelWeights),
              d.policies.bulkAdd(rows.policies),
              d.pipelineRuns.bulkAdd(rows.pipelineRuns),
              renumber('annotations', rows.annotations).then((r) => d.annotations.bulkAdd(r)),
              renumber('predictions', rows.predictions).then((r) => d.predictions.bulkAdd(r)),
              renumber('monitorWindows', rows.monitorWindows).then((r) =>
                d.monitorWindows.bulkAdd(r),
              ),
              renumber('events', rows.events).then((r) => d.events.bulkAdd(r)),
            ]);
          },
        );
      }),
  };
}
