// The Data page's state for one open project: its sources (live from IndexedDB), the current
// labels, which source is selected, and deleting. One instance per project (the page is keyed on
// the project id), so the live queries never need to change what they watch.
import { SvelteMap } from 'svelte/reactivity';
import { annotationsRepo, describeStorageError, LiveQuery, StorageFailure } from '../persistence';
import type { SourceRecord } from '../persistence/schema';
import { sourcesRepo } from '../persistence/sources-repo';
import type { Project } from '../projects/types';

const NO_LABELS: ReadonlyMap<string, string> = new SvelteMap();

export class DataState {
  readonly projectId: string;
  readonly #sources: LiveQuery<SourceRecord[]>;
  readonly #labels: LiveQuery<ReadonlyMap<string, string>>;

  selectedId = $state<string | null>(null);

  constructor(project: Project) {
    this.projectId = project.id;
    const id = project.id;
    this.#sources = new LiveQuery(() => sourcesRepo.listSources(id), []);
    this.#labels = new LiveQuery(() => annotationsRepo.currentLabels(id), NO_LABELS);
  }

  get sources(): SourceRecord[] {
    return this.#sources.current;
  }

  get loading(): boolean {
    return this.#sources.loading;
  }

  get loadError(): string | null {
    return this.#sources.error ? describeFailure(this.#sources.error) : null;
  }

  /** Item id → current class id. */
  get labels(): ReadonlyMap<string, string> {
    return this.#labels.current;
  }

  /** The selected source, else the newest one. */
  readonly selected: SourceRecord | null = $derived(
    this.sources.find((s) => s.id === this.selectedId) ?? this.sources[0] ?? null,
  );

  select(id: string): void {
    this.selectedId = id;
  }

  /** Deletes a source with its rows and imported labels; resolves to an error sentence or null. */
  async remove(source: SourceRecord): Promise<string | null> {
    try {
      await sourcesRepo.deleteSource(source.id);
      if (this.selectedId === source.id) this.selectedId = null;
      return null;
    } catch (e) {
      return describeFailure(e);
    }
  }
}

export function describeFailure(e: unknown): string {
  if (e instanceof StorageFailure) return describeStorageError(e.error);
  return e instanceof Error ? e.message : String(e);
}

/** "3a9f…c21e"-style short form of a hex digest for tables. */
export function shortDigest(digest: string | undefined): string {
  return digest ? digest.slice(0, 8) : '—';
}
