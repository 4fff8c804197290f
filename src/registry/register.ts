// Registering a run as a model version: the one function every path uses (the Models page, and
// later the automation pipeline). It adds what the repository cannot know by itself — who
// labelled the data — and then writes the version in one transaction (registryRepo). Hooks that
// need the stored version (monitoring's reference profile) run after that transaction.
import type { AnnotationsRepo } from '../persistence/annotations-repo';
import type { RegisterOptions, RegistryRepo } from '../persistence/registry-repo';
import type { AnnotationRecord, RunRecord } from '../persistence/schema';
import type { ModelVersion } from './types';

export interface RegisterRunOptions {
  tags?: string[];
  notes?: string;
  actor?: string;
  parentModelId?: string | null;
  /**
   * Called with the registered version after its transaction committed.
   *
   * HOOK (monitoring): compute and store the version's reference profile here — the version,
   * its run and weights exist by now. A failure of the hook does not unregister the version; it
   * rejects `registerRun` with the hook's error, after the version is stored.
   */
  afterRegister?: (version: ModelVersion) => Promise<void>;
}

export interface RegisterDeps {
  registry: Pick<RegistryRepo, 'registerVersion'>;
  annotations: Pick<AnnotationsRepo, 'log'>;
}

/**
 * Who labelled a project: annotators of log entries that set a label (human, imported or
 * adjudicated; model suggestions and undone entries do not count), sorted.
 */
export function annotatorsOf(log: readonly AnnotationRecord[]): string[] {
  const undone = new Set<number>();
  for (const e of log) if (e.kind === 'undo' && e.undoes !== undefined) undone.add(e.undoes);
  const who = new Set<string>();
  for (const e of log) {
    if (e.label === null || e.kind === 'undo' || e.kind === 'suggestion' || undone.has(e.seq)) {
      continue;
    }
    who.add(e.annotator);
  }
  return [...who].sort();
}

/** Tags as typed in one text field: split on commas, trimmed, empty and repeated ones dropped. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Registers a completed run as the project's next version (see the file header). Rejects with
 * `RegistryFailure` when the run cannot be registered (not completed, already registered, weights
 * missing) — nothing is written then.
 */
export async function registerRun(
  deps: RegisterDeps,
  run: RunRecord,
  options: RegisterRunOptions = {},
): Promise<ModelVersion> {
  const log = await deps.annotations.log(run.projectId);
  const labelCount = Object.entries(run.splitCounts ?? {}).reduce((sum, [, n]) => sum + n, 0);
  const register: RegisterOptions = {
    tags: options.tags ?? [],
    notes: options.notes ?? '',
    labelSnapshot: { count: labelCount, digest: run.labelDigest, annotators: annotatorsOf(log) },
    parentModelId: options.parentModelId ?? null,
  };
  if (options.actor) register.actor = options.actor;
  const version = await deps.registry.registerVersion(run, register);
  // HOOK POINT: work that needs the stored version (reference profile for monitoring).
  if (options.afterRegister) await options.afterRegister(version);
  return version;
}
