import {
  LiveQuery,
  projectsRepo,
  settingsRepo,
  describeStorageError,
  StorageFailure,
} from '../persistence';
import { err, ok, type Result } from '../lib/result';
import { buildClasses, DEFAULT_IMAGE_SIZE, newId, newSeed } from './defaults';
import { describeProjectDraftError } from './messages';
import type { Project } from './types';
import { validateProjectDraft, validateProjectName, type ProjectDraft } from './validate';

const CURRENT_KEY = 'currentProjectId';

/**
 * The project list (live from IndexedDB, so other tabs' changes show up) and which project is
 * open. Methods return a Result whose error is a sentence for the UI.
 */
export class ProjectsState {
  #list = new LiveQuery<Project[]>(() => projectsRepo.list(), []);
  #currentId = $state<string | null>(null);
  #restored = $state(false);

  get all(): Project[] {
    return this.#list.current;
  }

  get loading(): boolean {
    return this.#list.loading || !this.#restored;
  }

  get loadError(): string | null {
    return this.#list.error ? describeFailure(this.#list.error) : null;
  }

  readonly current = $derived.by(
    () => this.#list.current.find((p) => p.id === this.#currentId) ?? null,
  );

  /** Reopens the project that was open last time. */
  async restore(): Promise<void> {
    try {
      this.#currentId = await settingsRepo.get<string | null>(CURRENT_KEY, null);
    } finally {
      this.#restored = true;
    }
  }

  async select(id: string | null): Promise<void> {
    this.#currentId = id;
    await settingsRepo.set(CURRENT_KEY, id);
  }

  async create(draft: ProjectDraft): Promise<Result<Project, string>> {
    const valid = validateProjectDraft(
      draft,
      this.all.map((p) => p.name),
    );
    if (!valid.ok) return err(describeProjectDraftError(valid.error));
    const now = Date.now();
    const project: Project = {
      id: newId(),
      name: valid.value.name,
      modality: valid.value.modality,
      classes: buildClasses(valid.value.classes),
      targetColumn: null,
      imageSize: DEFAULT_IMAGE_SIZE,
      seed: newSeed(),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await projectsRepo.create(project);
      await this.select(project.id);
      return ok(project);
    } catch (e) {
      return err(describeFailure(e));
    }
  }

  async rename(id: string, name: string): Promise<Result<void, string>> {
    const others = this.all.filter((p) => p.id !== id).map((p) => p.name);
    const valid = validateProjectName(name, others);
    if (!valid.ok) return err(describeProjectDraftError(valid.error));
    try {
      await projectsRepo.rename(id, valid.value);
      return ok(undefined);
    } catch (e) {
      return err(describeFailure(e));
    }
  }

  async remove(id: string): Promise<Result<void, string>> {
    try {
      await projectsRepo.remove(id);
      if (this.#currentId === id) await this.select(null);
      return ok(undefined);
    } catch (e) {
      return err(describeFailure(e));
    }
  }
}

function describeFailure(e: unknown): string {
  if (e instanceof StorageFailure) return describeStorageError(e.error);
  return e instanceof Error ? e.message : String(e);
}
