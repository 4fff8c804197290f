import type { InloopDB } from './db';
import { withStorageErrors } from './errors';
import type { AnnotationRecord } from './schema';

/** An annotation before the log has given it its sequence number. */
export type NewAnnotation = Omit<AnnotationRecord, 'seq'>;

export interface AnnotationsRepo {
  /** Appends entries in one transaction; returns their sequence numbers. */
  append(entries: NewAnnotation[]): Promise<number[]>;
  /** The whole log of a project, oldest first. */
  log(projectId: string): Promise<AnnotationRecord[]>;
  /**
   * The project's entries after sequence number `afterSeq`, oldest first, read by the primary key
   * (only the new entries are read), and the length of the project's whole log (an index count):
   * a reader holding `count − entries.length` entries up to `afterSeq` is up to date with them.
   */
  logTail(
    projectId: string,
    afterSeq: number,
  ): Promise<{ entries: AnnotationRecord[]; count: number }>;
  /** Each labelled item's current class id (see {@link currentLabelsOf}). */
  currentLabels(projectId: string): Promise<Map<string, string>>;
}

export function createAnnotationsRepo(db: () => InloopDB): AnnotationsRepo {
  const log = (projectId: string) =>
    withStorageErrors(() =>
      db()
        .annotations.where('[projectId+at]')
        .between([projectId, -Infinity], [projectId, Infinity])
        .toArray()
        .then((rows) => rows.sort((a, b) => a.seq - b.seq)),
    );
  return {
    append: (entries) =>
      withStorageErrors(() =>
        db().transaction('rw', db().annotations, () =>
          db().annotations.bulkAdd(entries as AnnotationRecord[], { allKeys: true }),
        ),
      ),
    log,
    // Two reads, not one transaction (a live query's querier may not open one); a write between
    // them only makes the count disagree, and the reader then reads the whole log.
    logTail: (projectId, afterSeq) =>
      withStorageErrors(async () => {
        const [entries, count] = await Promise.all([
          db()
            .annotations.where(':id')
            .above(afterSeq)
            .filter((a) => a.projectId === projectId)
            .toArray(),
          db()
            .annotations.where('[projectId+at]')
            .between([projectId, -Infinity], [projectId, Infinity])
            .count(),
        ]);
        return { entries, count };
      }),
    currentLabels: async (projectId) => currentLabelsOf(await log(projectId)),
  };
}

/**
 * Replays the append-only log: an item's label is that of its latest entry which sets or clears a
 * label and has not been undone. `undo` entries take back the entry they name; skip/flag entries
 * without a label leave the label as it was.
 */
export function currentLabelsOf(log: readonly AnnotationRecord[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [itemId, entry] of currentLabelEntriesOf(log)) labels.set(itemId, entry.label);
  return labels;
}

/**
 * The same replay as {@link currentLabelsOf}, keeping the entry that set each item's current label
 * (its `at`, annotator, kind): delayed-label joins need the label's time as well as its class.
 */
export function currentLabelEntriesOf(
  log: readonly AnnotationRecord[],
): Map<string, AnnotationRecord & { label: string }> {
  const ordered = [...log].sort((a, b) => a.seq - b.seq);
  const undone = new Set<number>();
  for (const e of ordered) if (e.kind === 'undo' && e.undoes !== undefined) undone.add(e.undoes);
  const labels = new Map<string, AnnotationRecord & { label: string }>();
  for (const e of ordered) {
    if (e.kind === 'undo' || undone.has(e.seq)) continue;
    if (e.label === null && e.flag) continue;
    if (e.label === null) labels.delete(e.itemId);
    else labels.set(e.itemId, e as AnnotationRecord & { label: string });
  }
  return labels;
}
