// An append-only log (annotations, predictions) held in memory and brought up to date by reading
// only the entries after the last one held. Each read also takes the log's length (an index
// count): when held + new entries do not add up to it, the log was replaced or shrank (a
// workspace import, a deleted project, a write between the two reads) and the whole log is read
// again. The labeling panel's live annotation query relies on the same rule.

/** The entries after `afterSeq` (by sequence number, ascending) and the whole log's length. */
export type TailReader<T> = (afterSeq: number) => Promise<{ entries: T[]; count: number }>;

export class TailCache<T extends { seq: number }> {
  #entries: T[] = [];
  #lastSeq = 0;
  readonly #tail: TailReader<T>;
  readonly #all: () => Promise<T[]>;

  /** `all` reads the whole log in `seq` order (used when the tail does not add up). */
  constructor(tail: TailReader<T>, all: () => Promise<T[]>) {
    this.#tail = tail;
    this.#all = all;
  }

  /** The whole log, oldest first. The array is the cache's own: do not change it. */
  async read(): Promise<readonly T[]> {
    const tail = await this.#tail(this.#lastSeq);
    if (tail.count === this.#entries.length + tail.entries.length) {
      for (const e of tail.entries) this.#entries.push(e);
    } else {
      this.#entries = await this.#all();
    }
    this.#lastSeq = this.#entries.length ? this.#entries[this.#entries.length - 1]!.seq : 0;
    return this.#entries;
  }

  /** How many entries are held (for tests and diagnostics). */
  get size(): number {
    return this.#entries.length;
  }
}
