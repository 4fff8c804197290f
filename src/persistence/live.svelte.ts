import { liveQuery } from 'dexie';
import { createSubscriber } from 'svelte/reactivity';

/**
 * A Dexie live query as reactive state: `.current` re-renders whatever reads it whenever the
 * tables the query touched change, in this tab or another.
 *
 *     const projects = new LiveQuery(() => projectsRepo.list(), []);
 *     {#each projects.current as project (project.id)} …
 *
 * The query runs only while something reads `.current`, `.error` or `.loading` inside an effect
 * (or template) and stops when the last such reader goes away (the `createSubscriber` pattern of
 * svelte.dev's Persisted.svelte.ts). Outside an effect the getters return the latest known value.
 */
export class LiveQuery<T> {
  #value: T;
  #error: unknown = undefined;
  #loading = true;
  readonly #subscribe: () => void;

  constructor(query: () => Promise<T>, initial: T) {
    this.#value = initial;
    this.#subscribe = createSubscriber((update) => {
      const subscription = liveQuery(query).subscribe({
        next: (value) => {
          this.#value = value;
          this.#error = undefined;
          this.#loading = false;
          update();
        },
        error: (error: unknown) => {
          this.#error = error;
          this.#loading = false;
          update();
        },
      });
      return () => subscription.unsubscribe();
    });
  }

  /** The latest result, or the initial value until the first one arrives. */
  get current(): T {
    this.#subscribe();
    return this.#value;
  }

  /** What the latest run threw (a `StorageFailure` for repository queries), else undefined. */
  get error(): unknown {
    this.#subscribe();
    return this.#error;
  }

  /** True until the first result or error. */
  get loading(): boolean {
    this.#subscribe();
    return this.#loading;
  }
}
