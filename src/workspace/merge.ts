// Merging annotators' sessions into a project: items matched by id and content digest, agreement
// between annotators, the items they disagree on, and the log entries the merge appends. Pure:
// the page reads the log and digests, and writes `plan.append` (and later adjudications) itself.
//
// Agreement is over each annotator's own current labels (their 'human' entries, undo-aware):
// - per pair, Cohen's κ on the items both labelled (src/labeling/agreement.ts);
// - across 3+ annotators, Fleiss' κ on the items every one of them labelled;
// - per class, Fleiss' category-specific κ_j = 1 − Σ_i n_ij (m − n_ij) / (N m (m − 1) p_j (1 − p_j))
//   (Fleiss 1971, eq. 13) on those same items (for two annotators, on the items both labelled).
// Conflicts are items annotators labelled differently, and items one annotator name labelled
// differently from two sessions that were active at the same time: two tabs of one browser share
// the annotator setting, and the later label used to win silently (issue 18.8).
import { cohensKappa, fleissKappa } from '../labeling/agreement';
import type { AnnotationRecord, Project } from '../persistence/schema';
import { currentLabelsOf } from '../persistence/annotations-repo';
import { labelsOfAnnotator, type AnnotationSession, type SessionEvent } from './session';

export type ItemMismatch = { itemId: string; reason: 'unknown-item' | 'content-differs' };

export interface SessionReport {
  annotator: string;
  sessionIds: string[];
  items: number;
  matched: number;
  mismatches: ItemMismatch[];
  /** Every session id is in the log already: merging again would add nothing. */
  alreadyMerged: boolean;
  /** Entries the merge appends from this session. */
  newEvents: number;
  /** The file is for another project. */
  otherProject: boolean;
}

export interface PairAgreement {
  a: string;
  b: string;
  /** Items both labelled. */
  items: number;
  /** Share of those items with the same label. */
  observed: number;
  kappa: number;
}

export interface ClassAgreement {
  classId: string;
  name: string;
  kappa: number;
}

export interface Conflict {
  itemId: string;
  labels: { annotator: string; label: string }[];
  /** The latest adjudication of the item, if any. */
  adjudicated: string | null;
}

/** An entry to append; `undoesIndex` points into the same `append` list (seqs are not known yet). */
export type PendingAnnotation = Omit<AnnotationRecord, 'seq' | 'undoes'> & { undoesIndex?: number };

export interface MergePlan {
  sessions: SessionReport[];
  annotators: string[];
  pairs: PairAgreement[];
  /** Across every annotator (3+), on the items all of them labelled. */
  fleiss: { kappa: number; items: number; raters: number } | null;
  perClass: ClassAgreement[];
  perClassItems: number;
  conflicts: Conflict[];
  append: PendingAnnotation[];
}

/** Plans the merge of `sessions` into the project whose log and item digests are given. */
export function planMerge(
  project: Project,
  log: readonly AnnotationRecord[],
  digests: ReadonlyMap<string, string>,
  sessions: readonly AnnotationSession[],
): MergePlan {
  const loggedSessions = new Set(log.map((e) => e.sessionId));
  const append: PendingAnnotation[] = [];
  const reports: SessionReport[] = [];
  // Session entries get seqs after the log's, so the combined log replays in a defined order.
  let nextSeq = log.reduce((m, e) => Math.max(m, e.seq), 0) + 1;
  const combined: AnnotationRecord[] = [...log];
  const classIds = new Set(project.classes.map((c) => c.id));
  for (const s of sessions) {
    const sessionIds = [...new Set(s.events.map((e) => e.sessionId))];
    const otherProject = s.project.id !== project.id;
    const mismatches: ItemMismatch[] = [];
    const matchedItems = new Set<string>();
    for (const item of s.items) {
      const local = digests.get(item.id);
      if (local === undefined) mismatches.push({ itemId: item.id, reason: 'unknown-item' });
      else if (local !== item.digest)
        mismatches.push({ itemId: item.id, reason: 'content-differs' });
      else matchedItems.add(item.id);
    }
    const alreadyMerged = sessionIds.length > 0 && sessionIds.every((id) => loggedSessions.has(id));
    let newEvents = 0;
    if (!otherProject && !alreadyMerged) {
      const indexOf = new Map<number, number>();
      const seqOf = new Map<number, number>();
      for (const e of s.events) {
        if (!matchedItems.has(e.itemId) || loggedSessions.has(e.sessionId)) continue;
        if (e.label !== null && !classIds.has(e.label)) continue; // a class this project lacks
        if (e.undoes !== undefined && !indexOf.has(e.undoes)) continue; // its target was left out
        const pending: PendingAnnotation = toPending(project.id, s.annotator, e);
        if (e.undoes !== undefined) pending.undoesIndex = indexOf.get(e.undoes)!;
        indexOf.set(e.seq, append.length);
        append.push(pending);
        const seq = nextSeq++;
        seqOf.set(e.seq, seq);
        const record: AnnotationRecord = { ...stripPending(pending), seq };
        if (e.undoes !== undefined) record.undoes = seqOf.get(e.undoes)!;
        combined.push(record);
        newEvents++;
      }
    }
    reports.push({
      annotator: s.annotator,
      sessionIds,
      items: s.items.length,
      matched: matchedItems.size,
      mismatches,
      alreadyMerged,
      newEvents,
      otherProject,
    });
  }
  return { sessions: reports, append, ...agreementOf(project, combined) };
}

function toPending(projectId: string, annotator: string, e: SessionEvent): PendingAnnotation {
  const p: PendingAnnotation = {
    projectId,
    itemId: e.itemId,
    label: e.label,
    annotator,
    sessionId: e.sessionId,
    kind: e.kind,
    at: e.at,
  };
  if (e.flag) p.flag = e.flag;
  return p;
}

function stripPending(p: PendingAnnotation): Omit<AnnotationRecord, 'seq'> {
  const { undoesIndex: _ignored, ...rest } = p;
  void _ignored;
  return rest;
}

/** Agreement and conflicts over a whole log (the project's, plus any sessions merged into it). */
export function agreementOf(
  project: Project,
  log: readonly AnnotationRecord[],
): Pick<MergePlan, 'annotators' | 'pairs' | 'fleiss' | 'perClass' | 'perClassItems' | 'conflicts'> {
  const annotators = [
    ...new Set(log.filter((e) => e.kind === 'human').map((e) => e.annotator)),
  ].sort();
  const labels = new Map(annotators.map((a) => [a, labelsOfAnnotator(log, a)]));
  const classIndex = new Map(project.classes.map((c, i) => [c.id, i]));
  const k = project.classes.length;

  const pairs: PairAgreement[] = [];
  for (let i = 0; i < annotators.length; i++) {
    for (let j = i + 1; j < annotators.length; j++) {
      const la = labels.get(annotators[i]!)!;
      const lb = labels.get(annotators[j]!)!;
      const a: number[] = [];
      const b: number[] = [];
      for (const [item, label] of la) {
        const other = lb.get(item);
        const x = classIndex.get(label);
        const y = other === undefined ? undefined : classIndex.get(other);
        if (x === undefined || y === undefined) continue;
        a.push(x);
        b.push(y);
      }
      if (a.length === 0) continue;
      const same = a.filter((x, r) => x === b[r]).length;
      pairs.push({
        a: annotators[i]!,
        b: annotators[j]!,
        items: a.length,
        observed: same / a.length,
        kappa: cohensKappa(Int32Array.from(a), Int32Array.from(b), k),
      });
    }
  }

  // Items every annotator labelled: the fixed-raters design Fleiss' κ needs.
  let fleiss: MergePlan['fleiss'] = null;
  let perClass: ClassAgreement[] = [];
  let perClassItems = 0;
  if (annotators.length >= 2) {
    const m = annotators.length;
    const counts: number[] = [];
    const first = labels.get(annotators[0]!)!;
    for (const item of first.keys()) {
      const row = new Array<number>(k).fill(0);
      let all = true;
      for (const a of annotators) {
        const idx = classIndex.get(labels.get(a)!.get(item) ?? '');
        if (idx === undefined) {
          all = false;
          break;
        }
        row[idx]!++;
      }
      if (all) counts.push(...row);
    }
    const n = counts.length / k;
    if (n > 0) {
      if (m >= 3) fleiss = { kappa: fleissKappa(counts, k), items: n, raters: m };
      perClass = project.classes.map((c, j) => ({
        classId: c.id,
        name: c.name,
        kappa: categoryKappa(counts, k, m, j),
      }));
      perClassItems = n;
    }
  }

  const adjudicated = new Map<string, string>();
  for (const e of [...log].sort((x, y) => x.seq - y.seq)) {
    if (e.kind === 'adjudication' && e.label !== null) adjudicated.set(e.itemId, e.label);
  }
  const conflicts: Conflict[] = [];
  const items = new Set<string>();
  for (const l of labels.values()) for (const item of l.keys()) items.add(item);
  for (const item of [...items].sort()) {
    const given = annotators.flatMap((a) => {
      const label = labels.get(a)!.get(item);
      return label === undefined ? [] : [{ annotator: a, label }];
    });
    if (new Set(given.map((g) => g.label)).size > 1) {
      conflicts.push({ itemId: item, labels: given, adjudicated: adjudicated.get(item) ?? null });
    }
  }
  const seen = new Set(conflicts.map((c) => c.itemId));
  for (const c of concurrentSessionConflicts(log, adjudicated)) {
    if (!seen.has(c.itemId)) conflicts.push(c);
  }
  conflicts.sort((x, y) => (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0));
  return { annotators, pairs, fleiss, perClass, perClassItems, conflicts };
}

/**
 * Items one annotator name labelled differently in two sessions whose activity overlapped in
 * time (first to last entry): two tabs open at once, not a correction made after a reload.
 */
function concurrentSessionConflicts(
  log: readonly AnnotationRecord[],
  adjudicated: ReadonlyMap<string, string>,
): Conflict[] {
  const bySession = new Map<string, AnnotationRecord[]>();
  for (const e of log) {
    if (e.kind !== 'human' && e.kind !== 'undo') continue;
    const key = `${e.annotator}\u0000${e.sessionId}`;
    let list = bySession.get(key);
    if (!list) bySession.set(key, (list = []));
    list.push(e);
  }
  const sessions = [...bySession.values()].map((entries) => ({
    annotator: entries[0]!.annotator,
    sessionId: entries[0]!.sessionId,
    from: Math.min(...entries.map((e) => e.at)),
    to: Math.max(...entries.map((e) => e.at)),
    labels: currentLabelsOf(entries),
  }));
  const out = new Map<string, Conflict>();
  for (let i = 0; i < sessions.length; i++) {
    for (let j = i + 1; j < sessions.length; j++) {
      const a = sessions[i]!;
      const b = sessions[j]!;
      if (a.annotator !== b.annotator || a.to < b.from || b.to < a.from) continue;
      for (const [item, la] of a.labels) {
        const lb = b.labels.get(item);
        if (lb === undefined || lb === la) continue;
        const c = out.get(item) ?? {
          itemId: item,
          labels: [],
          adjudicated: adjudicated.get(item) ?? null,
        };
        for (const [s, label] of [
          [a, la],
          [b, lb],
        ] as const) {
          const who = `${s.annotator} (session …${s.sessionId.slice(-8)})`;
          if (!c.labels.some((l) => l.annotator === who)) c.labels.push({ annotator: who, label });
        }
        out.set(item, c);
      }
    }
  }
  return [...out.values()];
}

/** Fleiss' category-specific κ for class `j` from an items × K count matrix with m raters each. */
export function categoryKappa(counts: ArrayLike<number>, k: number, m: number, j: number): number {
  const n = counts.length / k;
  let total = 0;
  let disagreement = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i * k + j] as number;
    total += c;
    disagreement += c * (m - c);
  }
  const p = total / (n * m);
  return 1 - disagreement / (n * m * (m - 1) * p * (1 - p));
}
