// Reads a `.inloop` file into rows ready for one write transaction, checking everything first:
//   1. the zip structure (central directory, safe names, no overlaps, entry count);
//   2. the envelope: manifest.json is an Inloop workspace; a newer format or schema is refused;
//   3. every entry the manifest lists is inflated under the limits (on the bytes actually produced)
//      and must match its SHA-256 before anything parses it; entries it does not list are refused;
//   4. rows are parsed (no prototype-polluting keys) and binary references resolved;
//   5. older formats are migrated step by step (format.ts);
//   6. every row is validated against its table's schema and this project (records.ts).
// Nothing touches the database here; the caller writes `rows` in one transaction.
import { PROJECT_TABLES, type ProjectRows, type ProjectTable } from '../persistence/workspace-repo';
import { BinaryRefError, decodeValue } from './codec';
import { sha256Hex, yieldToEventLoop } from './digest';
import { WorkspaceFailure, type WorkspaceError } from './errors';
import {
  MANIFEST_PATH,
  WORKSPACE_FORMAT,
  WORKSPACE_FORMAT_VERSION,
  migrateWorkspace,
  type ManifestEntry,
  type RawWorkspace,
  type WorkspaceManifest,
} from './format';
import { validateRecords } from './records';
import { parseJsonSafely } from './safe-json';
import {
  DEFAULT_ZIP_LIMITS,
  InflateBudget,
  listZipEntries,
  readZipEntry,
  type ZipLimits,
} from './zip-reader';
import type { Result } from '../lib/result';
import { isTreesTopology } from '../training/tree-inputs';

export interface ImportOptions {
  limits?: Partial<ZipLimits>;
  /** The database schema version this code writes; newer files are refused. */
  schemaVersion: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface WorkspaceContent {
  manifest: WorkspaceManifest;
  rows: ProjectRows;
  /** Bytes the file inflated to. */
  inflatedBytes: number;
}

const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const decoder = new TextDecoder('utf-8', { fatal: true });

const fail = (error: WorkspaceError): never => {
  throw new WorkspaceFailure(error);
};

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function text(bytes: Uint8Array, path: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    return fail({ kind: 'invalid-json', path, line: 0 });
  }
}

/** Checks the envelope; the manifest's own fields are checked after migration. */
function checkEnvelope(raw: unknown, schemaVersion: number): Record<string, unknown> {
  if (!isObj(raw)) return fail({ kind: 'invalid-manifest', reason: 'it is not a JSON object' });
  if (raw.format !== WORKSPACE_FORMAT) {
    return fail(
      typeof raw.format === 'string'
        ? { kind: 'wrong-format', format: raw.format.slice(0, 60) }
        : { kind: 'invalid-manifest', reason: 'it names no format' },
    );
  }
  const v = raw.formatVersion;
  if (!Number.isSafeInteger(v) || (v as number) < 1) {
    return fail({
      kind: 'invalid-manifest',
      reason: 'its format version is not a positive integer',
    });
  }
  if ((v as number) > WORKSPACE_FORMAT_VERSION) {
    return fail({
      kind: 'newer-format',
      formatVersion: v as number,
      supported: WORKSPACE_FORMAT_VERSION,
    });
  }
  const s = raw.schemaVersion;
  if (!Number.isSafeInteger(s) || (s as number) < 1) {
    return fail({
      kind: 'invalid-manifest',
      reason: 'its database version is not a positive integer',
    });
  }
  if ((s as number) > schemaVersion) {
    return fail({ kind: 'newer-schema', schemaVersion: s as number, supported: schemaVersion });
  }
  return raw;
}

const HEX64 = /^[0-9a-f]{64}$/;
const ROLES = ['table', 'binary', 'model-json', 'weights', 'trees-json'];

function checkManifestV1(m: Record<string, unknown>): WorkspaceManifest {
  const bad = (reason: string) => fail({ kind: 'invalid-manifest', reason });
  if (typeof m.appVersion !== 'string') bad('it has no app version');
  if (typeof m.createdAt !== 'number') bad('it has no creation time');
  if (
    !isObj(m.project) ||
    typeof m.project.id !== 'string' ||
    m.project.id === '' ||
    typeof m.project.name !== 'string'
  ) {
    bad('it names no project');
  }
  if (!isObj(m.counts)) bad('it has no row counts');
  if (!Array.isArray(m.entries)) bad('it lists no entries');
  const seen = new Set<string>();
  for (const e of m.entries as unknown[]) {
    if (
      !isObj(e) ||
      typeof e.path !== 'string' ||
      typeof e.sha256 !== 'string' ||
      !HEX64.test(e.sha256)
    ) {
      bad('an entry has no path or digest');
    }
    const entry = e as Record<string, unknown>;
    if (!ROLES.includes(entry.role as string))
      bad(`entry "${String(entry.path)}" has an unknown role`);
    if (!Number.isSafeInteger(entry.bytes) || (entry.bytes as number) < 0)
      bad(`entry "${String(entry.path)}" has no size`);
    if (
      entry.table !== undefined &&
      !(PROJECT_TABLES as readonly string[]).includes(entry.table as string)
    ) {
      bad(`entry "${String(entry.path)}" names an unknown table`);
    }
    if ((entry.role === 'table' || entry.role === 'binary') && entry.table === undefined) {
      bad(`entry "${String(entry.path)}" names no table`);
    }
    if (entry.path === MANIFEST_PATH || seen.has(entry.path as string))
      bad(`entry "${String(entry.path)}" is listed twice`);
    seen.add(entry.path as string);
  }
  return m as unknown as WorkspaceManifest;
}

function parseLines(bytes: Uint8Array, path: string): unknown[] {
  const rows: unknown[] = [];
  const lines = text(bytes, path).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    try {
      rows.push(parseJsonSafely(line));
    } catch {
      fail({ kind: 'invalid-json', path, line: i + 1 });
    }
  }
  return rows;
}

/** Reads and checks a workspace file; never writes anything. */
export async function readWorkspace(
  file: Uint8Array,
  options: ImportOptions,
): Promise<Result<WorkspaceContent, WorkspaceError>> {
  try {
    return { ok: true, value: await read(file, options) };
  } catch (e) {
    if (e instanceof WorkspaceFailure) return { ok: false, error: e.error };
    if (e instanceof RangeError) {
      // Out of memory while inflating or parsing: the file is bigger than this tab can hold.
      return {
        ok: false,
        error: {
          kind: 'too-large',
          limit: { ...DEFAULT_ZIP_LIMITS, ...options.limits }.maxTotalBytes,
        },
      };
    }
    throw e;
  }
}

async function read(file: Uint8Array, options: ImportOptions): Promise<WorkspaceContent> {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const checkCancel = () => {
    if (options.signal?.aborted) fail({ kind: 'cancelled' });
  };
  const zipEntries = listZipEntries(file, limits);
  const byPath = new Map(zipEntries.map((e) => [e.path, e]));
  const manifestEntry = byPath.get(MANIFEST_PATH);
  if (!manifestEntry) return fail({ kind: 'not-a-workspace', detail: 'it has no manifest.json' });
  const budget = new InflateBudget(limits);
  const manifestBytes = readZipEntry(
    file,
    manifestEntry,
    new InflateBudget({
      ...limits,
      maxEntryBytes: Math.min(limits.maxEntryBytes, MAX_MANIFEST_BYTES),
    }),
  );
  budget.charge(manifestBytes.length);
  let rawManifest: unknown;
  try {
    rawManifest = parseJsonSafely(text(manifestBytes, MANIFEST_PATH));
  } catch (e) {
    if (e instanceof WorkspaceFailure) throw e;
    return fail({ kind: 'invalid-manifest', reason: 'it is not valid JSON' });
  }
  const envelope = checkEnvelope(rawManifest, options.schemaVersion);
  const formatVersion = envelope.formatVersion as number;
  // Version 1 is the only layout so far; a future layout change reads its own entries here.
  const manifest = checkManifestV1(envelope);

  const listed = new Set(manifest.entries.map((e) => e.path));
  for (const z of zipEntries) {
    if (z.path !== MANIFEST_PATH && !listed.has(z.path))
      fail({ kind: 'unexpected-entry', path: z.path });
  }
  const contents = new Map<string, Uint8Array>();
  const totalListed = manifest.entries.length || 1;
  let n = 0;
  for (const entry of manifest.entries) {
    checkCancel();
    const z = byPath.get(entry.path);
    if (!z) fail({ kind: 'missing-entry', path: entry.path });
    const bytes = readZipEntry(file, z!, budget);
    if (bytes.length !== entry.bytes || (await sha256Hex(bytes)) !== entry.sha256) {
      fail({ kind: 'digest-mismatch', path: entry.path });
    }
    contents.set(entry.path, bytes);
    options.onProgress?.((0.8 * ++n) / totalListed);
    if (n % 16 === 0) await yieldToEventLoop();
  }

  const tables: Record<string, unknown[]> = {};
  const tableEntries = (role: ManifestEntry['role']) =>
    manifest.entries.filter((e) => e.role === role);
  const binaryOf = new Map<string, string>(tableEntries('binary').map((e) => [e.path, e.table!]));
  for (const entry of tableEntries('table')) {
    checkCancel();
    const table = entry.table as ProjectTable;
    const lookup = (path: string) =>
      binaryOf.get(path) === table ? contents.get(path) : undefined;
    const parsed = parseLines(contents.get(entry.path)!, entry.path);
    const list = (tables[table] ??= []);
    for (let i = 0; i < parsed.length; i++) {
      try {
        list.push(
          table === 'modelWeights'
            ? readLayers(parsed[i], contents)
            : decodeValue(parsed[i], lookup),
        );
      } catch (e) {
        if (e instanceof BinaryRefError) {
          fail({ kind: 'invalid-record', table, index: list.length, reason: e.message });
        }
        throw e;
      }
    }
  }
  options.onProgress?.(0.9);

  const migrated = migrateWorkspace(
    { manifest: envelope, tables } satisfies RawWorkspace,
    formatVersion,
  );
  if (!migrated)
    fail({ kind: 'invalid-manifest', reason: `no migration from format version ${formatVersion}` });
  const checked = validateRecords(migrated!, manifest.project.id);
  if (!checked.ok) fail({ kind: 'invalid-record', ...checked.issue });
  const rows = (checked as { rows: ProjectRows }).rows;
  for (const t of PROJECT_TABLES) {
    const claimed = manifest.counts[t];
    if (claimed !== rows[t].length) {
      fail({
        kind: 'invalid-manifest',
        reason: `it counts ${String(claimed)} ${t} rows, the file holds ${rows[t].length}`,
      });
    }
  }
  options.onProgress?.(1);
  return { manifest, rows, inflatedBytes: budget.used };
}

/** A `modelWeights` row `{ modelId, trees }` from its hist-gbdt.json (format 2 on). */
function readTrees(
  raw: Record<string, unknown>,
  folder: string,
  contents: Map<string, Uint8Array>,
): unknown {
  const bytes = contents.get(`${folder}/hist-gbdt.json`);
  if (!bytes) throw new BinaryRefError(`the trees file in "${folder}" is missing`);
  let topology: unknown;
  try {
    topology = parseJsonSafely(decoder.decode(bytes));
  } catch {
    throw new BinaryRefError(`"${folder}/hist-gbdt.json" is not valid JSON`);
  }
  const model = isTreesTopology(topology) ? (topology.model as unknown) : undefined;
  // A reader of another hist-gbdt format version must refuse it (its README).
  if (
    !isObj(model) ||
    model.kind !== 'hist-gbdt' ||
    model.format !== 1 ||
    !Array.isArray(model.trees)
  ) {
    throw new BinaryRefError(`"${folder}/hist-gbdt.json" is not a hist-gbdt model of format 1`);
  }
  return { modelId: raw.modelId, topology, weightSpecs: [], weightData: new ArrayBuffer(0) };
}

/**
 * A `modelWeights` row `{ modelId, layers }` from its TF.js model.json and weights.bin, or
 * `{ modelId, trees }` from its hist-gbdt.json.
 */
function readLayers(raw: unknown, contents: Map<string, Uint8Array>): unknown {
  if (isObj(raw) && typeof raw.trees === 'string' && raw.layers === undefined)
    return readTrees(raw, raw.trees, contents);
  if (!isObj(raw) || typeof raw.layers !== 'string')
    throw new BinaryRefError('a weights row names no TF.js files');
  const jsonBytes = contents.get(`${raw.layers}/model.json`);
  const weights = contents.get(`${raw.layers}/weights.bin`);
  if (!jsonBytes || !weights)
    throw new BinaryRefError(`the TF.js files in "${raw.layers}" are missing`);
  let model: unknown;
  try {
    model = parseJsonSafely(decoder.decode(jsonBytes));
  } catch {
    throw new BinaryRefError(`"${raw.layers}/model.json" is not valid JSON`);
  }
  if (
    !isObj(model) ||
    model.format !== 'layers-model' ||
    !Array.isArray(model.weightsManifest) ||
    model.weightsManifest.length !== 1
  ) {
    throw new BinaryRefError(
      `"${raw.layers}/model.json" is not a TF.js layers model with one weights file`,
    );
  }
  const group = model.weightsManifest[0] as unknown;
  if (
    !isObj(group) ||
    !Array.isArray(group.paths) ||
    group.paths.length !== 1 ||
    group.paths[0] !== 'weights.bin'
  ) {
    throw new BinaryRefError(`"${raw.layers}/model.json" does not name weights.bin`);
  }
  return {
    modelId: raw.modelId,
    topology: model.modelTopology,
    weightSpecs: group.weights,
    weightData: weights.slice().buffer,
  };
}
