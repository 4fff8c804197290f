// The `.inloop` workspace file, format version 2. A zip archive:
//
//   manifest.json                     WorkspaceManifest: format, versions, counts, entry digests
//   tables/<table>/<nnnnn>.jsonl      one row per line (codec.ts tags binary and non-finite values)
//   binary/<table>/<nnnnn>.bin        bytes that rows reference: chunk columns, image blobs
//   models/<nnnn>/model.json          TF.js layers format: `tf.loadLayersModel` reads the pair as is
//   models/<nnnn>/weights.bin
//   models/<nnnn>/hist-gbdt.json      a boosted-trees model instead (since format 2): its
//                                     TreesTopology (src/training/tree-inputs.ts), no TF.js files
//
// `modelWeights` rows are `{ modelId, layers: 'models/<nnnn>' }`: the weights live in the TF.js
// files; a trees model's row is `{ modelId, trees: 'models/<nnnn>' }`. The append-only logs (annotations, predictions, monitorWindows, events) are written with
// `seq` renumbered 1…n in log order (an annotation's `undoes` follows), so the same project always
// gives the same entries whatever else its database held; import gives them fresh numbers.
//
// Every version constant has its migration and its frozen fixture: a new format version appends a
// step to WORKSPACE_MIGRATIONS and commits a file of the old version under tests/fixtures/workspace/.
import type { ProjectTable } from '../persistence/workspace-repo';

export const WORKSPACE_FORMAT = 'inloop-workspace';
export const WORKSPACE_FORMAT_VERSION = 2;
export const MANIFEST_PATH = 'manifest.json';
export const WORKSPACE_EXTENSION = '.inloop';

export type EntryRole = 'table' | 'binary' | 'model-json' | 'weights' | 'trees-json';

export interface ManifestEntry {
  path: string;
  role: EntryRole;
  /** Uncompressed size. */
  bytes: number;
  /** Hex SHA-256 of the uncompressed bytes. */
  sha256: string;
  /** The table a `table` or `binary` entry belongs to. */
  table?: ProjectTable;
}

export interface WorkspaceManifest {
  format: typeof WORKSPACE_FORMAT;
  formatVersion: number;
  /** The database schema version (SCHEMA_VERSION) the rows follow. */
  schemaVersion: number;
  appVersion: string;
  createdAt: number;
  project: { id: string; name: string };
  /** Rows per table. */
  counts: Record<string, number>;
  entries: ManifestEntry[];
}

/** A workspace as read from a file of some format version, before its rows are validated. */
export interface RawWorkspace {
  manifest: Record<string, unknown>;
  /** Decoded rows per table name (binary already resolved). */
  tables: Record<string, unknown[]>;
}

/** One step from format `from` to `from + 1`, named after what it changes. */
export interface WorkspaceMigration {
  from: number;
  name: string;
  migrate(workspace: RawWorkspace): RawWorkspace;
}

/** Oldest first. */
export const WORKSPACE_MIGRATIONS: readonly WorkspaceMigration[] = [
  {
    // Format 2 adds boosted-trees models (`models/<nnnn>/hist-gbdt.json`). A version-1 file holds
    // only TF.js models, which format 2 stores the same way, so its rows carry over unchanged; the
    // bump exists so that an app of format 1 refuses a file with trees as newer instead of reading
    // a trees row as a broken TF.js model.
    from: 1,
    name: 'models may be boosted trees (hist-gbdt.json)',
    migrate: (workspace) => workspace,
  },
];

/** Applies every step from `version` up to the current format; undefined when a step is missing. */
export function migrateWorkspace(
  workspace: RawWorkspace,
  version: number,
  migrations: readonly WorkspaceMigration[] = WORKSPACE_MIGRATIONS,
  target = WORKSPACE_FORMAT_VERSION,
): RawWorkspace | undefined {
  let current = workspace;
  for (let v = version; v < target; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) return undefined;
    current = step.migrate(current);
    current.manifest = { ...current.manifest, formatVersion: v + 1 };
  }
  return current;
}

/** `models/0001`: the folder of one model's TF.js files. */
export function modelFolder(index: number): string {
  return `models/${String(index).padStart(4, '0')}`;
}

export function tablePartPath(table: string, part: number): string {
  return `tables/${table}/${String(part).padStart(5, '0')}.jsonl`;
}
