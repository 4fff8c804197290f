// The model registry: model versions (`models`, with the registry's fields of
// src/registry/types.ts), their TF.js artifacts (`modelWeights`, key = model id) and the registry's
// audit trail (`events`, kinds `registry.*`). Every operation is one read-write transaction: a
// version appears only with its weights, featurisation, label set, metrics, lineage and its
// `registry.register` event; an alias moves off the previous holder and onto the new one together
// with its event. Refusals (deleting the champion, promoting past a failed gate without a reason…)
// are thrown as `RegistryFailure` with a typed `error`; anything else as `StorageFailure`.
import { assertNever } from '../lib/result';
import type { GateVerdict } from '../registry/gate';
import { buildLineage, type LabelSnapshot } from '../registry/lineage';
import type { LabelSet, ModelVersion, RegistryEventKind } from '../registry/types';
import type { InloopDB } from './db';
import { StorageFailure, toStorageError } from './errors';
import { runWeightsKey } from './runs-repo';
import type {
  EventRecord,
  ModelAlias,
  ModelRecord,
  ModelWeightsRecord,
  RunRecord,
  RunStatus,
} from './schema';

export type RegistryError =
  | { kind: 'run-not-found'; runId: string }
  | { kind: 'run-not-completed'; runId: string; status: RunStatus }
  | { kind: 'run-already-registered'; runId: string; version: number }
  | { kind: 'weights-missing'; runId: string }
  | { kind: 'model-not-found'; modelId: string }
  | { kind: 'model-archived'; modelId: string; version: number }
  | { kind: 'champion-protected'; modelId: string; version: number; action: 'delete' | 'archive' }
  | { kind: 'no-champion'; projectId: string }
  | { kind: 'not-older'; modelId: string; version: number; championVersion: number }
  | { kind: 'other-project'; modelId: string; projectId: string }
  | { kind: 'gate-failed'; modelId: string; version: number; reasons: string[] }
  | { kind: 'override-needs-reason'; modelId: string };

/** A refused registry operation; nothing was written. */
export class RegistryFailure extends Error {
  override name = 'RegistryFailure';
  readonly error: RegistryError;

  constructor(error: RegistryError) {
    super(describeRegistryError(error));
    this.error = error;
  }
}

export function describeRegistryError(error: RegistryError): string {
  switch (error.kind) {
    case 'run-not-found':
      return `Run ${error.runId} does not exist (was it deleted?).`;
    case 'run-not-completed':
      return `Run ${error.runId} is ${error.status}; only a completed run can become a model version.`;
    case 'run-already-registered':
      return `Run ${error.runId} is already registered as version ${error.version}.`;
    case 'weights-missing':
      return `The trained weights of run ${error.runId} are missing, so it cannot be registered.`;
    case 'model-not-found':
      return `Model version ${error.modelId} does not exist.`;
    case 'model-archived':
      return `Version ${error.version} is archived; restore a registered version instead.`;
    case 'champion-protected':
      return `Version ${error.version} is the champion and cannot be ${error.action === 'delete' ? 'deleted' : 'archived'}; promote or roll back to another version first.`;
    case 'no-champion':
      return 'This project has no champion to roll back from.';
    case 'not-older':
      return `Rolling back means moving the champion to an earlier version; version ${error.version} is not older than the champion (version ${error.championVersion}).`;
    case 'other-project':
      return `Model version ${error.modelId} belongs to another project.`;
    case 'gate-failed':
      return `Version ${error.version} did not pass the promotion gate: ${error.reasons.join(' ')} Promote it anyway only with a written reason.`;
    case 'override-needs-reason':
      return 'Promoting past a failed gate needs a written reason.';
    default:
      return assertNever(error);
  }
}

/** The steps of `registerVersion`, in order; `inject` is called after each (tests fail one). */
export type RegisterStep = 'numbered' | 'weights' | 'model' | 'event';

export interface RegisterOptions {
  tags?: string[];
  notes?: string;
  /** Who registers; written to the audit log. */
  actor?: string;
  /** Count, digest and annotators of the labels; defaults to what the run records. */
  labelSnapshot?: LabelSnapshot;
  /** The version this run fine-tuned. */
  parentModelId?: string | null;
  /** The new version's id (default: a random UUID). */
  modelId?: string;
  /** Registration time (default: now). */
  now?: number;
  /**
   * Called synchronously inside the transaction after each step; throwing aborts the whole
   * registration. For tests of atomicity.
   */
  inject?: (step: RegisterStep) => void;
}

/** Who did it and when, for every write. */
export interface AuditOptions {
  actor?: string;
  now?: number;
}

export interface PromoteOptions extends AuditOptions {
  /** Required when `verdict.passed` is false: the promotion is then recorded as an override. */
  overrideReason?: string;
}

export interface RegistryRepo {
  /** Registers a completed run as the project's next version, all in one transaction. */
  registerVersion(run: RunRecord, options?: RegisterOptions): Promise<ModelVersion>;
  getVersion(modelId: string): Promise<ModelVersion | undefined>;
  /** A project's versions, newest first. */
  listVersions(projectId: string): Promise<ModelVersion[]>;
  /** The version holding `alias` in the project, if any. */
  getByAlias(projectId: string, alias: ModelAlias): Promise<ModelVersion | undefined>;
  getWeights(modelId: string): Promise<ModelWeightsRecord | undefined>;
  /**
   * Gives `alias` to the version, taking it from whichever version of the project held it (an
   * alias names one version per project; a version is never both champion and challenger).
   */
  setAlias(modelId: string, alias: ModelAlias, options?: AuditOptions): Promise<ModelVersion>;
  /** Removes `alias` from the version (no-op if it does not hold it). */
  clearAlias(modelId: string, alias: ModelAlias, options?: AuditOptions): Promise<void>;
  /**
   * Makes the version champion with the gate's verdict stored on it. A failed verdict needs
   * `overrideReason` and is logged as an override.
   */
  promote(modelId: string, verdict: GateVerdict, options?: PromoteOptions): Promise<ModelVersion>;
  /** Moves `champion` back to an older, registered version of the same project (logged). */
  rollback(modelId: string, options?: AuditOptions & { reason?: string }): Promise<ModelVersion>;
  /** Replaces a version's tags and/or notes (logged as `registry.edit`). */
  updateDetails(
    modelId: string,
    details: { tags?: string[]; notes?: string },
    options?: AuditOptions,
  ): Promise<ModelVersion>;
  /** Archives a version (it loses `challenger`); refused for the champion. */
  archive(modelId: string, options?: AuditOptions): Promise<void>;
  /** Deletes a version and its weights; refused for the champion. */
  remove(modelId: string, options?: AuditOptions): Promise<void>;
  /** The project's registry events, oldest first. */
  auditLog(projectId: string): Promise<EventRecord[]>;
}

const DEFAULT_ACTOR = 'local user';
const REGISTRY_EVENT_PREFIX = 'registry.';

/** Registry refusals pass through as they are; storage errors become `StorageFailure`. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    if (e instanceof RegistryFailure) throw e;
    throw new StorageFailure(await toStorageError(e), { cause: e });
  }
}

/** A stored row as a `ModelVersion`, with the registry's fields defaulted for older rows. */
function toVersion(record: ModelRecord): ModelVersion {
  const row = record as Partial<ModelVersion> & ModelRecord;
  const classIds = classIdsOf(record.featurisation);
  return {
    ...row,
    tags: row.tags ?? [],
    notes: row.notes ?? '',
    labels: row.labels ?? { classIds, classes: classIds.map((id) => ({ id, name: id })) },
    referenceProfile: row.referenceProfile ?? null,
    promotion: row.promotion ?? null,
  };
}

function classIdsOf(featurisation: Record<string, unknown> | undefined): string[] {
  const labels = featurisation?.labels;
  if (typeof labels === 'object' && labels !== null && 'classIds' in labels) {
    const ids = labels.classIds;
    if (Array.isArray(ids) && ids.every((id) => typeof id === 'string')) return ids;
  }
  return [];
}

/** `db` is a getter so the repository can be built before the connection is opened. */
export function createRegistryRepo(db: () => InloopDB): RegistryRepo {
  const versionsOf = (projectId: string) =>
    db().models.where('[projectId+version]').between([projectId, -Infinity], [projectId, Infinity]);

  const mustGet = async (modelId: string): Promise<ModelVersion> => {
    const record = await db().models.get(modelId);
    if (!record) throw new RegistryFailure({ kind: 'model-not-found', modelId });
    return toVersion(record);
  };

  const holderOf = async (
    projectId: string,
    alias: ModelAlias,
  ): Promise<ModelVersion | undefined> => {
    const holders = await db()
      .models.where('aliases')
      .equals(alias)
      .filter((m) => m.projectId === projectId)
      .toArray();
    const holder = holders[0];
    return holder ? toVersion(holder) : undefined;
  };

  const log = async (
    projectId: string,
    kind: RegistryEventKind,
    options: AuditOptions,
    detail: Record<string, unknown>,
  ): Promise<void> => {
    await db().events.add({
      projectId,
      kind,
      at: options.now ?? Date.now(),
      actor: options.actor ?? DEFAULT_ACTOR,
      detail,
    });
  };

  /** Inside a transaction: moves `alias` to `target`; returns the version it was taken from. */
  const moveAlias = async (
    target: ModelVersion,
    alias: ModelAlias,
  ): Promise<{ updated: ModelVersion; previous: ModelVersion | undefined }> => {
    if (target.status === 'archived') {
      throw new RegistryFailure({
        kind: 'model-archived',
        modelId: target.id,
        version: target.version,
      });
    }
    const previous = await holderOf(target.projectId, alias);
    if (previous && previous.id !== target.id) {
      await db().models.update(previous.id, {
        aliases: previous.aliases.filter((a) => a !== alias),
      });
    }
    // Champion and challenger exclude each other on one version.
    const aliases: ModelAlias[] = [alias];
    const updated: ModelVersion = { ...target, aliases };
    await db().models.update(target.id, { aliases });
    return { updated, previous: previous?.id === target.id ? undefined : previous };
  };

  const aliasTables = () => [db().models, db().events];

  return {
    registerVersion: (run, options = {}) =>
      guard(() =>
        db().transaction(
          'rw',
          [db().runs, db().sources, db().projects, db().models, db().modelWeights, db().events],
          async () => {
            const inject = options.inject ?? (() => undefined);
            const stored = await db().runs.get(run.id);
            if (!stored) throw new RegistryFailure({ kind: 'run-not-found', runId: run.id });
            if (stored.status !== 'completed') {
              throw new RegistryFailure({
                kind: 'run-not-completed',
                runId: run.id,
                status: stored.status,
              });
            }
            const existing = await db().models.where('runId').equals(run.id).first();
            if (existing) {
              throw new RegistryFailure({
                kind: 'run-already-registered',
                runId: run.id,
                version: existing.version,
              });
            }
            const weights = await db().modelWeights.get(
              stored.weightsKey ?? runWeightsKey(stored.id),
            );
            if (!weights) throw new RegistryFailure({ kind: 'weights-missing', runId: run.id });

            // Numbers are never reused, even after a version was deleted: the audit log keeps
            // the highest number ever registered.
            const projectId = stored.projectId;
            const last = await versionsOf(projectId).last();
            const registered = await db()
              .events.where('kind')
              .equals('registry.register')
              .filter((e) => e.projectId === projectId)
              .toArray();
            const version =
              Math.max(
                last?.version ?? 0,
                ...registered.map((e) =>
                  typeof e.detail.version === 'number' ? e.detail.version : 0,
                ),
              ) + 1;
            inject('numbered');

            const modelId = options.modelId ?? crypto.randomUUID();
            await db().modelWeights.put({ ...weights, modelId });
            inject('weights');

            const sourceIds = stored.sourceIds ?? [];
            const sources = (await db().sources.bulkGet(sourceIds)).filter((s) => s !== undefined);
            const project = await db().projects.get(projectId);
            const classIds = classIdsOf(stored.featurisation);
            const names = new Map(project?.classes.map((c) => [c.id, c.name]) ?? []);
            const labels: LabelSet = {
              classIds,
              classes: classIds.map((id) => ({ id, name: names.get(id) ?? id })),
            };
            const now = options.now ?? Date.now();
            const parentModelId = options.parentModelId ?? null;
            const lineageOptions: Parameters<typeof buildLineage>[2] = { parentModelId };
            if (options.labelSnapshot) lineageOptions.labelSnapshot = options.labelSnapshot;
            const model: ModelVersion = {
              id: modelId,
              projectId,
              version,
              runId: stored.id,
              aliases: [],
              status: 'registered',
              createdAt: now,
              metrics: stored.metrics,
              featurisation: stored.featurisation ?? {},
              lineage: buildLineage(stored, sources, lineageOptions),
              parentModelId,
              tags: [...new Set(options.tags ?? [])],
              notes: options.notes ?? '',
              labels,
              referenceProfile: null,
              promotion: null,
            };
            await db().models.add(model);
            inject('model');

            await log(
              projectId,
              'registry.register',
              { actor: options.actor, now },
              { modelId, version, runId: stored.id },
            );
            inject('event');
            return model;
          },
        ),
      ),

    getVersion: (modelId) =>
      guard(async () => {
        const record = await db().models.get(modelId);
        return record && toVersion(record);
      }),

    listVersions: (projectId) =>
      guard(async () => (await versionsOf(projectId).toArray()).reverse().map(toVersion)),

    getByAlias: (projectId, alias) => guard(() => holderOf(projectId, alias)),

    getWeights: (modelId) => guard(() => db().modelWeights.get(modelId)),

    setAlias: (modelId, alias, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          const { updated, previous } = await moveAlias(target, alias);
          await log(target.projectId, 'registry.alias', options, {
            modelId,
            version: target.version,
            alias,
            fromModelId: previous?.id ?? null,
            fromVersion: previous?.version ?? null,
          });
          return updated;
        }),
      ),

    clearAlias: (modelId, alias, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          if (!target.aliases.includes(alias)) return;
          await db().models.update(modelId, { aliases: target.aliases.filter((a) => a !== alias) });
          await log(target.projectId, 'registry.alias', options, {
            modelId,
            version: target.version,
            alias,
            removed: true,
          });
        }),
      ),

    promote: (modelId, verdict, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          const reason = options.overrideReason?.trim() ?? '';
          if (!verdict.passed && options.overrideReason === undefined) {
            throw new RegistryFailure({
              kind: 'gate-failed',
              modelId,
              version: target.version,
              reasons: verdict.reasons,
            });
          }
          if (!verdict.passed && reason === '') {
            throw new RegistryFailure({ kind: 'override-needs-reason', modelId });
          }
          const now = options.now ?? Date.now();
          const actor = options.actor ?? DEFAULT_ACTOR;
          const { updated, previous } = await moveAlias(target, 'champion');
          const overridden = !verdict.passed;
          const promotion: ModelVersion['promotion'] = overridden
            ? { at: now, actor, verdict, overridden, reason }
            : { at: now, actor, verdict, overridden };
          const promoted: ModelVersion = { ...updated, promotion };
          await db().models.put(promoted);
          await log(
            target.projectId,
            overridden ? 'registry.override' : 'registry.promote',
            { actor, now },
            {
              modelId,
              version: target.version,
              fromModelId: previous?.id ?? null,
              fromVersion: previous?.version ?? null,
              passed: verdict.passed,
              reasons: verdict.reasons,
              numbers: verdict.numbers,
              ...(overridden ? { reason } : {}),
            },
          );
          return promoted;
        }),
      ),

    rollback: (modelId, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          const champion = await holderOf(target.projectId, 'champion');
          if (!champion) {
            throw new RegistryFailure({ kind: 'no-champion', projectId: target.projectId });
          }
          if (target.version >= champion.version) {
            throw new RegistryFailure({
              kind: 'not-older',
              modelId,
              version: target.version,
              championVersion: champion.version,
            });
          }
          const { updated } = await moveAlias(target, 'champion');
          await log(target.projectId, 'registry.rollback', options, {
            modelId,
            version: target.version,
            fromModelId: champion.id,
            fromVersion: champion.version,
            ...(options.reason ? { reason: options.reason } : {}),
          });
          return updated;
        }),
      ),

    updateDetails: (modelId, details, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          const changes: Partial<Pick<ModelVersion, 'tags' | 'notes'>> = {};
          if (details.tags !== undefined) {
            changes.tags = [...new Set(details.tags.map((t) => t.trim()).filter(Boolean))];
          }
          if (details.notes !== undefined) changes.notes = details.notes;
          await db().models.update(modelId, changes);
          await log(target.projectId, 'registry.edit', options, {
            modelId,
            version: target.version,
            ...changes,
          });
          return { ...target, ...changes };
        }),
      ),

    archive: (modelId, options = {}) =>
      guard(() =>
        db().transaction('rw', aliasTables(), async () => {
          const target = await mustGet(modelId);
          if (target.aliases.includes('champion')) {
            throw new RegistryFailure({
              kind: 'champion-protected',
              modelId,
              version: target.version,
              action: 'archive',
            });
          }
          if (target.status === 'archived') return;
          await db().models.update(modelId, { status: 'archived', aliases: [] });
          await log(target.projectId, 'registry.archive', options, {
            modelId,
            version: target.version,
          });
        }),
      ),

    remove: (modelId, options = {}) =>
      guard(() =>
        db().transaction('rw', [db().models, db().modelWeights, db().events], async () => {
          const target = await mustGet(modelId);
          if (target.aliases.includes('champion')) {
            throw new RegistryFailure({
              kind: 'champion-protected',
              modelId,
              version: target.version,
              action: 'delete',
            });
          }
          await db().modelWeights.delete(modelId);
          await db().models.delete(modelId);
          await log(target.projectId, 'registry.delete', options, {
            modelId,
            version: target.version,
            runId: target.runId,
          });
        }),
      ),

    auditLog: (projectId) =>
      guard(async () => {
        const events = await db()
          .events.where('[projectId+at]')
          .between([projectId, -Infinity], [projectId, Infinity])
          .filter((e) => e.kind.startsWith(REGISTRY_EVENT_PREFIX))
          .toArray();
        return events.sort((a, b) => a.seq - b.seq);
      }),
  };
}
