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
