// Why a workspace or session file was refused, as a value; `describeWorkspaceError` turns it into
// the sentence the user reads. A refused file never changes the database: everything is checked
// before the one write transaction, and that transaction is all or nothing.
import { assertNever } from '../lib/result';

export type WorkspaceError =
  /** Not a zip archive, or no manifest.json in it. */
  | { kind: 'not-a-workspace'; detail: string }
  /** The zip structure is broken (truncated, overlapping entries, bad compressed data). */
  | { kind: 'damaged'; detail: string }
  | { kind: 'unsupported-zip'; detail: string }
  | { kind: 'too-many-entries'; count: number; limit: number }
  /** Inflated bytes (counted on the real output, not on what the zip claims) over the limit. */
  | { kind: 'too-large'; limit: number }
  | { kind: 'entry-too-large'; path: string; limit: number }
  | { kind: 'compression-ratio'; path: string; limit: number }
  | { kind: 'unsafe-entry-name'; path: string }
  | { kind: 'invalid-manifest'; reason: string }
  | { kind: 'wrong-format'; format: string }
  | { kind: 'newer-format'; formatVersion: number; supported: number }
  | { kind: 'newer-schema'; schemaVersion: number; supported: number }
  | { kind: 'missing-entry'; path: string }
  | { kind: 'unexpected-entry'; path: string }
  | { kind: 'digest-mismatch'; path: string }
  /** `line` is 1-based (0 for a whole-file JSON document). */
  | { kind: 'invalid-json'; path: string; line: number }
  /** `index` is the 0-based row of the table in the file. */
  | { kind: 'invalid-record'; table: string; index: number; reason: string }
  /** The project exists; importing needs the user's confirmation to replace it. */
  | { kind: 'project-exists'; projectId: string; name: string }
  /** A row's id is owned by another project in this browser. */
  | { kind: 'id-conflict'; table: string; id: string }
  | { kind: 'cancelled' }
  | { kind: 'storage'; message: string };

export type WorkspaceErrorKind = WorkspaceError['kind'];

/** Thrown inside the reader and writer; caught at the edge and returned as a value. */
export class WorkspaceFailure extends Error {
  override name = 'WorkspaceFailure';
  constructor(readonly error: WorkspaceError) {
    super(describeWorkspaceError(error));
  }
}

// Binary units, since the limits are powers of two.
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function describeWorkspaceError(e: WorkspaceError): string {
  switch (e.kind) {
    case 'not-a-workspace':
      return `This is not an Inloop workspace file (${e.detail}).`;
    case 'damaged':
      return `The workspace file is damaged (${e.detail}); nothing was imported. Export it again.`;
    case 'unsupported-zip':
      return `The workspace file uses a zip feature Inloop does not read (${e.detail}).`;
    case 'too-many-entries':
      return `The file holds ${e.count} entries, more than the ${e.limit} a workspace may have; nothing was imported.`;
    case 'too-large':
      return `The file unpacks to more than ${formatBytes(e.limit)}, the most a workspace may hold; nothing was imported.`;
    case 'entry-too-large':
      return `"${e.path}" unpacks to more than ${formatBytes(e.limit)}, the most one entry may hold; nothing was imported.`;
    case 'compression-ratio':
      return `"${e.path}" expands more than ${e.limit}-fold, as only a zip bomb does; nothing was imported.`;
    case 'unsafe-entry-name':
      return `The file names an entry "${e.path}" that a workspace never has; nothing was imported.`;
    case 'invalid-manifest':
      return `The workspace manifest is not valid: ${e.reason}.`;
    case 'wrong-format':
      return `This file is a "${e.format}" file, not an Inloop workspace.`;
    case 'newer-format':
      return `This workspace was written in format version ${e.formatVersion} by a newer Inloop; this version reads up to ${e.supported}. Update Inloop and import it again.`;
    case 'newer-schema':
      return `This workspace comes from a newer Inloop (database version ${e.schemaVersion}; this one has ${e.supported}). Update Inloop and import it again.`;
    case 'missing-entry':
      return `The workspace lists "${e.path}" but the file does not contain it; nothing was imported.`;
    case 'unexpected-entry':
      return `The file contains "${e.path}", which its manifest does not list; nothing was imported.`;
    case 'digest-mismatch':
      return `"${e.path}" does not match its SHA-256 digest in the manifest: the file was changed or damaged after export. Nothing was imported.`;
    case 'invalid-json':
      return e.line > 0
        ? `Line ${e.line} of "${e.path}" is not valid JSON; nothing was imported.`
        : `"${e.path}" is not valid JSON; nothing was imported.`;
    case 'invalid-record':
      return `Row ${e.index + 1} of the ${e.table} table is not valid: ${e.reason}. Nothing was imported.`;
    case 'project-exists':
      return `A project "${e.name}" with the same id is already here; confirm to replace it.`;
    case 'id-conflict':
      return `The ${e.table} row "${e.id}" belongs to another project in this browser; importing would overwrite it, so nothing was imported.`;
    case 'cancelled':
      return 'Cancelled; nothing was changed.';
    case 'storage':
      return e.message;
    default:
      return assertNever(e);
  }
}
