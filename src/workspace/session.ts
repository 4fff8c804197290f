// Annotation-session files: how labeling work travels to and from annotators who label offline on
// their own machine (from an imported copy of the workspace). A session file holds the items' ids
// and content digests, so the merge can tell that both sides labelled the same content, and one
// annotator's log entries. It is plain JSON (`.inloop-session.json`), read with the same care as a
// workspace: size limit, no prototype-polluting keys, every field checked.
import { currentLabelsOf } from '../persistence/annotations-repo';
import type {
  AnnotationKind,
  AnnotationRecord,
  BlobRecord,
  ChunkRecord,
  Project,
  SourceRecord,
} from '../persistence/schema';
import type { Result } from '../lib/result';
import { sha256Hex } from './digest';
import type { WorkspaceError } from './errors';
import { parseJsonSafely } from './safe-json';

export const SESSION_FORMAT = 'inloop-annotation-session';
export const SESSION_FORMAT_VERSION = 1;
export const SESSION_EXTENSION = '.inloop-session.json';
export const MAX_SESSION_BYTES = 64 * 1024 * 1024;

export interface SessionEvent {
  /** Order within the session file (1…n); `undoes` refers to it. */
  seq: number;
  itemId: string;
  label: string | null;
  sessionId: string;
  kind: AnnotationKind;
  at: number;
  undoes?: number;
  flag?: 'skipped' | 'flagged';
}

export interface AnnotationSession {
  format: typeof SESSION_FORMAT;
  formatVersion: number;
  appVersion: string;
  createdAt: number;
  project: { id: string; name: string; classes: { id: string; name: string }[] };
  annotator: string;
  items: { id: string; digest: string }[];
  events: SessionEvent[];
}

const encoder = new TextEncoder();

/**
 * SHA-256 per item of its content: the row's values by column name (missing as null, categories
 * as their text) plus, for images, the digest of the pixels the model reads. Equal digests mean
 * the two copies of the item hold the same data.
 */
export async function itemDigests(
  data: { sources: SourceRecord[]; chunks: ChunkRecord[]; blobs: BlobRecord[] },
  only?: ReadonlySet<string>,
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for (const chunk of data.chunks) {
    const names = Object.keys(chunk.columns).sort();
    for (let i = 0; i < chunk.rowCount; i++) {
      const id = chunk.itemIds[i]!;
      if (only && !only.has(id)) continue;
      const values = names.map((name) => {
        const col = chunk.columns[name]!;
        switch (col.kind) {
          case 'f32':
          case 'f64':
            return col.missing[i] ? null : col.values[i]!;
          case 'i32':
            return col.codes[i]! < 0 ? null : (col.vocab[col.codes[i]!] ?? null);
          case 'str':
            return col.values[i]!;
        }
      });
      contents.set(id, JSON.stringify([names, values]));
    }
  }
  const pixels = new Map<string, string>();
  for (const blob of data.blobs) {
    if (blob.kind !== 'pixels' || (only && !only.has(blob.itemId))) continue;
    const bytes =
      blob.data instanceof ArrayBuffer
        ? new Uint8Array(blob.data)
        : new Uint8Array(await blob.data.arrayBuffer());
    pixels.set(blob.itemId, await sha256Hex(bytes));
  }
  const ids = new Set([...contents.keys(), ...pixels.keys()]);
  const out = new Map<string, string>();
  const list = [...ids];
  const BATCH = 2000;
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    const digests = await Promise.all(
      batch.map((id) =>
        sha256Hex(encoder.encode(`${contents.get(id) ?? ''}|${pixels.get(id) ?? ''}`)),
      ),
    );
    batch.forEach((id, k) => out.set(id, digests[k]!));
  }
  return out;
}

/** The people whose entries are in the log (suggestions come from the model, not a person). */
export function annotatorsOf(log: readonly AnnotationRecord[]): string[] {
  return [...new Set(log.filter((e) => e.kind !== 'suggestion').map((e) => e.annotator))].sort();
}

/** One annotator's entries of the log as a session file (suggestions left out). */
export function buildSession(
  project: Project,
  log: readonly AnnotationRecord[],
  annotator: string,
  digests: ReadonlyMap<string, string>,
  meta: { appVersion: string; now: number },
): AnnotationSession {
  const own = [...log]
    .filter((e) => e.annotator === annotator && e.kind !== 'suggestion')
    .sort((a, b) => a.seq - b.seq);
  const local = new Map(own.map((e, i) => [e.seq, i + 1]));
  const events: SessionEvent[] = [];
  for (const e of own) {
    const ev: SessionEvent = {
      seq: local.get(e.seq)!,
      itemId: e.itemId,
      label: e.label,
      sessionId: e.sessionId,
      kind: e.kind,
      at: e.at,
    };
    if (e.undoes !== undefined) {
      const target = local.get(e.undoes);
      if (target === undefined) continue; // it undoes someone else's entry: not this session's
      ev.undoes = target;
    }
    if (e.flag) ev.flag = e.flag;
    events.push(ev);
  }
  const itemIds = [...new Set(events.map((e) => e.itemId))].sort();
  return {
    format: SESSION_FORMAT,
    formatVersion: SESSION_FORMAT_VERSION,
    appVersion: meta.appVersion,
    createdAt: meta.now,
    project: {
      id: project.id,
      name: project.name,
      classes: project.classes.map((c) => ({ id: c.id, name: c.name })),
    },
    annotator,
    items: itemIds.map((id) => ({ id, digest: digests.get(id) ?? '' })),
    events,
  };
}

export function sessionFileName(projectName: string, annotator: string, now: number): string {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'x';
  return `${slug(projectName)}-${slug(annotator)}-${new Date(now).toISOString().slice(0, 10)}${SESSION_EXTENSION}`;
}

const KINDS: readonly AnnotationKind[] = ['human', 'suggestion', 'import', 'adjudication', 'undo'];
const HEX64 = /^[0-9a-f]{64}$/;

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads a session file; every failure is a typed error (the database is never touched here). */
export function parseSession(
  text: string,
  path = 'session',
): Result<AnnotationSession, WorkspaceError> {
  const invalid = (index: number, reason: string): Result<never, WorkspaceError> => ({
    ok: false,
    error: { kind: 'invalid-record', table: 'session', index, reason },
  });
  if (text.length > MAX_SESSION_BYTES)
    return { ok: false, error: { kind: 'entry-too-large', path, limit: MAX_SESSION_BYTES } };
  let raw: unknown;
  try {
    raw = parseJsonSafely(text);
  } catch {
    return { ok: false, error: { kind: 'invalid-json', path, line: 0 } };
  }
  if (!isObj(raw)) return { ok: false, error: { kind: 'invalid-json', path, line: 0 } };
  if (raw.format !== SESSION_FORMAT) {
    return {
      ok: false,
      error: {
        kind: 'wrong-format',
        format: typeof raw.format === 'string' ? raw.format.slice(0, 60) : 'unknown',
      },
    };
  }
  if (!Number.isSafeInteger(raw.formatVersion) || (raw.formatVersion as number) < 1) {
    return {
      ok: false,
      error: { kind: 'invalid-manifest', reason: 'the session has no format version' },
    };
  }
  if ((raw.formatVersion as number) > SESSION_FORMAT_VERSION) {
    return {
      ok: false,
      error: {
        kind: 'newer-format',
        formatVersion: raw.formatVersion as number,
        supported: SESSION_FORMAT_VERSION,
      },
    };
  }
  const p = raw.project;
  if (
    !isObj(p) ||
    typeof p.id !== 'string' ||
    typeof p.name !== 'string' ||
    !Array.isArray(p.classes)
  ) {
    return invalid(0, 'the session names no project');
  }
  if (typeof raw.annotator !== 'string' || raw.annotator.trim() === '')
    return invalid(0, 'the session names no annotator');
  if (!Array.isArray(raw.items) || !Array.isArray(raw.events))
    return invalid(0, 'the session lists no items or events');
  const itemIds = new Set<string>();
  for (let i = 0; i < raw.items.length; i++) {
    const it: unknown = raw.items[i];
    if (
      !isObj(it) ||
      typeof it.id !== 'string' ||
      typeof it.digest !== 'string' ||
      !(it.digest === '' || HEX64.test(it.digest))
    ) {
      return invalid(i, 'an item needs an id and a SHA-256 digest');
    }
    if (itemIds.has(it.id)) return invalid(i, `item "${it.id}" is listed twice`);
    itemIds.add(it.id);
  }
  const seqs = new Set<number>();
  for (let i = 0; i < raw.events.length; i++) {
    const e: unknown = raw.events[i];
    if (!isObj(e)) return invalid(i, 'an event must be an object');
    if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1 || seqs.has(e.seq as number))
      return invalid(i, 'an event needs a unique positive "seq"');
    if (typeof e.itemId !== 'string' || !itemIds.has(e.itemId))
      return invalid(i, 'an event names an item the session does not list');
    if (e.label !== null && typeof e.label !== 'string')
      return invalid(i, '"label" must be a class id or null');
    if (typeof e.sessionId !== 'string' || e.sessionId === '')
      return invalid(i, 'an event needs a "sessionId"');
    if (!KINDS.includes(e.kind as AnnotationKind))
      return invalid(i, '"kind" is not an annotation kind');
    if (typeof e.at !== 'number' || !Number.isFinite(e.at))
      return invalid(i, '"at" must be a time');
    if (
      e.undoes !== undefined &&
      !(Number.isSafeInteger(e.undoes) && seqs.has(e.undoes as number))
    ) {
      return invalid(i, '"undoes" must name an earlier event of the session');
    }
    if (e.flag !== undefined && e.flag !== 'skipped' && e.flag !== 'flagged')
      return invalid(i, '"flag" is not skipped or flagged');
    seqs.add(e.seq as number);
  }
  return { ok: true, value: raw as unknown as AnnotationSession };
}

/** An annotator's current labels from their own entries (undo-aware), for agreement. */
export function labelsOfAnnotator(
  log: readonly AnnotationRecord[],
  annotator: string,
): Map<string, string> {
  return currentLabelsOf(
    log.filter((e) => e.annotator === annotator && (e.kind === 'human' || e.kind === 'undo')),
  );
}
