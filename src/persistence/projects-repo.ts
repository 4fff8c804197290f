import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import { runWeightsKey } from './runs-repo';
import type { Project } from './schema';

/** What `update` may change; the id and creation time are fixed. */
export type ProjectPatch = Partial<Omit<Project, 'id' | 'createdAt'>>;

export interface ProjectsRepo {
  /** Every project, most recently changed first. */
  list(): Promise<Project[]>;
  get(id: string): Promise<Project | undefined>;
  /** Adds a new project; fails if the id is taken. */
  create(project: Project): Promise<void>;
  /** Returns false when no project has this id. */
  rename(id: string, name: string): Promise<boolean>;
  /** Applies `patch` and stamps `updatedAt` (unless the patch sets it). False when not found. */
  update(id: string, patch: ProjectPatch): Promise<boolean>;
  /** Deletes the project and everything that belongs to it, all or nothing. */
  remove(id: string): Promise<void>;
}

/** `db` is a getter so the repository can be built before the connection is opened. */
export function createProjectsRepo(db: () => InloopDB): ProjectsRepo {
  const update = (id: string, patch: ProjectPatch): Promise<boolean> =>
    withStorageErrors(async () => {
      const changed = await db().projects.update(id, { updatedAt: Date.now(), ...patch });
      return changed === 1;
    });

  return {
    list: () => withStorageErrors(() => db().projects.orderBy('updatedAt').reverse().toArray()),
    get: (id) => withStorageErrors(() => db().projects.get(id)),
    create: (project) =>
      withStorageErrors(async () => {
        await db().projects.add(project);
      }),
    rename: (id, name) => update(id, { name }),
    update,
    remove: (id) => withStorageErrors(() => removeProject(db(), id)),
  };
}

// One read-write transaction over every table that holds project rows: either the whole project
// disappears or, on any failure, nothing does. Rows owned through a source (chunks, blobs) or a
// model (weights) are found through their owner first, inside the same transaction.
async function removeProject(db: InloopDB, projectId: string): Promise<void> {
  const tables = [
    db.projects,
    db.sources,
    db.chunks,
    db.blobs,
    db.annotations,
    db.runs,
    db.models,
    db.modelWeights,
    db.predictions,
    db.monitorWindows,
    db.policies,
    db.pipelineRuns,
    db.events,
  ];
  await db.transaction('rw', tables, async () => {
    const sourceIds = await db.sources.where('projectId').equals(projectId).primaryKeys();
    const modelIds = await db.models.where('projectId').equals(projectId).primaryKeys();
    // A run's own weights are kept under `run:<runId>` until it becomes a model version.
    const runIds = await db.runs.where('projectId').equals(projectId).primaryKeys();
    await Promise.all([
      db.chunks.where('sourceId').anyOf(sourceIds).delete(),
      db.blobs.where('sourceId').anyOf(sourceIds).delete(),
      db.modelWeights.bulkDelete([...modelIds, ...runIds.map(runWeightsKey)]),
      db.sources.bulkDelete(sourceIds),
      db.models.bulkDelete(modelIds),
      db.annotations.where('projectId').equals(projectId).delete(),
      db.runs.where('projectId').equals(projectId).delete(),
      db.predictions.where('projectId').equals(projectId).delete(),
      db.monitorWindows.where('projectId').equals(projectId).delete(),
      db.policies.where('projectId').equals(projectId).delete(),
      db.pipelineRuns.where('projectId').equals(projectId).delete(),
      db.events.where('projectId').equals(projectId).delete(),
      db.projects.delete(projectId),
    ]);
  });
}
