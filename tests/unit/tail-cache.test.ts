import { describe, expect, it } from 'vitest';
import { TailCache } from '../../src/lib/tail-cache';

interface Entry {
  seq: number;
  v: string;
}

/** An in-memory append-only log that counts what each read returns. */
function memoryLog() {
  let rows: Entry[] = [];
  let next = 1;
  const reads = { tail: 0, all: 0, entriesRead: 0 };
  const log = {
    reads,
    append: (...vs: string[]) => {
      for (const v of vs) rows.push({ seq: next++, v });
    },
    /** Replaces the log (an import): the same seqs may come back with other contents. */
    replace: (entries: Entry[]) => {
      rows = entries.map((e) => ({ ...e }));
      next = Math.max(next, ...rows.map((r) => r.seq + 1));
    },
    tail: (after: number) => {
      reads.tail++;
      const entries = rows.filter((r) => r.seq > after).map((r) => ({ ...r }));
      reads.entriesRead += entries.length;
      return Promise.resolve({ entries, count: rows.length });
    },
    all: () => {
      reads.all++;
      reads.entriesRead += rows.length;
      return Promise.resolve(rows.map((r) => ({ ...r })));
    },
  };
  return log;
}

const values = (xs: readonly Entry[]) => xs.map((e) => e.v).join('');

describe('TailCache', () => {
  it('reads the log once, then only what was appended', async () => {
    const log = memoryLog();
    const cache = new TailCache(log.tail, log.all);
    expect(await cache.read()).toEqual([]);
    log.append('a', 'b', 'c');
    expect(values(await cache.read())).toBe('abc');
    log.append('d');
    expect(values(await cache.read())).toBe('abcd');
    expect(values(await cache.read())).toBe('abcd');
    expect(log.reads).toEqual({ tail: 4, all: 0, entriesRead: 4 });
    expect(cache.size).toBe(4);
  });

  it('reads the whole log again when held + new do not add up to its length', async () => {
    const log = memoryLog();
    const cache = new TailCache(log.tail, log.all);
    log.append('a', 'b', 'c', 'd');
    await cache.read();
    // Shrunk (an import of an older file): the tail is empty but the count is 2.
    log.replace([
      { seq: 1, v: 'x' },
      { seq: 2, v: 'y' },
    ]);
    expect(values(await cache.read())).toBe('xy');
    expect(log.reads.all).toBe(1);
    // Replaced by more entries with new seqs: held 2 + 3 new ≠ 3.
    log.replace([
      { seq: 10, v: 'p' },
      { seq: 11, v: 'q' },
      { seq: 12, v: 'r' },
    ]);
    expect(values(await cache.read())).toBe('pqr');
    expect(log.reads.all).toBe(2);
    // Appends after a whole read are read as a tail again.
    log.append('s');
    expect(values(await cache.read())).toBe('pqrs');
    expect(log.reads.all).toBe(2);
  });
});
