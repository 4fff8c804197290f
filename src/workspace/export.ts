// Writes a project's rows as a `.inloop` workspace file (format.ts) with fflate's streaming Zip:
// JSON Lines and column chunks deflated, image blobs and model weights stored as they are (they do
// not compress, or are compressed already). Works in slices with a yield between them, so the page
// stays responsive, progress is reported and a cancel lands within one slice.
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { layersModelJson } from '../registry/tfjs-export';
import { isTreesTopology } from '../training/tree-inputs';
import {
  PROJECT_TABLES,
  SEQ_TABLES,
  type ProjectRows,
  type ProjectTable,
} from '../persistence/workspace-repo';
import { BinaryPacker, collectBlobs, encodeValue, type BlobBytes } from './codec';
import { sha256Hex, yieldToEventLoop } from './digest';
import { WorkspaceFailure } from './errors';
import {
  MANIFEST_PATH,
  WORKSPACE_FORMAT,
  WORKSPACE_FORMAT_VERSION,
  modelFolder,
  tablePartPath,
  type EntryRole,
  type ManifestEntry,
  type WorkspaceManifest,
} from './format';

export interface ExportProgress {
  /** 0…1 */
  fraction: number;
  phase: string;
}

export interface ExportOptions {
  appVersion: string;
  schemaVersion: number;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  now?: number;
  /** JSON Lines bytes per table part (default 4 MiB). */
  partBytes?: number;
}

export interface ExportResult {
  blob: Blob;
  manifest: WorkspaceManifest;
  fileName: string;
}

const encoder = new TextEncoder();

// Column chunks: level 1, because missing marks and repeated values shrink a lot at any level,
// while measured values barely compress and fflate's level 6 spends ~5× longer on them (its lazy
// matching on incompressible floats). JSON Lines: level 6 (text, compresses well, cheap to try).
// Image blobs and weights are stored: already compressed, or floats that do not compress.
const BINARY_LEVEL: Partial<Record<ProjectTable, 1 | 6>> = { chunks: 1 };
const TEXT_LEVEL = 6;

/** The seq of the log tables renumbered 1…n in log order (annotations' `undoes` follow). */
export function normaliseSeqs(rows: ProjectRows): ProjectRows {
  const out = { ...rows };
  for (const table of SEQ_TABLES) {
    const sorted = [...(rows[table] as { seq: number }[])].sort((a, b) => a.seq - b.seq);
    const map = new Map(sorted.map((r, i) => [r.seq, i + 1]));
    (out as Record<string, unknown>)[table] = sorted.map((r) => {
      const next: Record<string, unknown> = { ...r, seq: map.get(r.seq) };
      if (typeof next.undoes === 'number') next.undoes = map.get(next.undoes) ?? next.undoes;
      return next;
    });
  }
  return out;
}

/** A file name from the project name: `churn-2026-11-23.inloop`. */
export function workspaceFileName(projectName: string, now: number): string {
  const slug =
    projectName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'project';
  return `${slug}-${new Date(now).toISOString().slice(0, 10)}.inloop`;
}

export async function exportWorkspace(
  rows: ProjectRows,
  options: ExportOptions,
): Promise<ExportResult> {
  const project = rows.projects[0];
  if (!project) throw new Error('exportWorkspace: no project row');
  const now = options.now ?? Date.now();
  const signal = options.signal;
  const partBytes = options.partBytes ?? 4 * 1024 * 1024;
  const checkCancel = () => {
    if (signal?.aborted) throw new WorkspaceFailure({ kind: 'cancelled' });
  };
  const normal = normaliseSeqs(rows);

  const chunks: Uint8Array[] = [];
  let zipError: Error | null = null;
  const zip = new Zip((e, data) => {
    if (e) zipError = e;
    else chunks.push(data);
  });
  const entries: ManifestEntry[] = [];
  // Zip dates only span 1980–2099 (DOS time).
  const year = new Date(now).getUTCFullYear();
  const mtime = new Date(year >= 1981 && year <= 2098 ? now : Date.UTC(2000, 0, 1));
  const write = async (
    path: string,
    bytes: Uint8Array,
    role: EntryRole,
    /** DEFLATE level, or 0 to store the bytes as they are. */
    level: 0 | 1 | 6,
    table?: ProjectTable,
  ) => {
    const file = level > 0 ? new ZipDeflate(path, { level }) : new ZipPassThrough(path);
    file.mtime = mtime;
    zip.add(file);
    file.push(bytes, true);
    if (zipError) throw zipError;
    const entry: ManifestEntry = {
      path,
      role,
      bytes: bytes.length,
      sha256: await sha256Hex(bytes),
    };
    if (table) entry.table = table;
    entries.push(entry);
  };

  // Progress counts rows, a chunk weighing its row count (chunks carry most of the bytes).
  const weightOf = (table: ProjectTable, row: unknown) =>
    table === 'chunks' ? 1 + (row as { rowCount: number }).rowCount / 100 : 1;
  let total = 0;
  for (const table of PROJECT_TABLES) for (const r of normal[table]) total += weightOf(table, r);
  let done = 0;
  const report = (phase: string) =>
    options.onProgress?.({ fraction: total ? Math.min(1, done / total) : 1, phase });

  try {
    for (const table of PROJECT_TABLES) {
      checkCancel();
      report(`Writing ${table}`);
      if (table === 'modelWeights') {
        let n = 0;
        const lines: string[] = [];
        for (const w of normal.modelWeights) {
          checkCancel();
          n++;
          const folder = modelFolder(n);
          if (isTreesTopology(w.topology)) {
            const treesJson = encoder.encode(JSON.stringify(w.topology));
            await write(`${folder}/hist-gbdt.json`, treesJson, 'trees-json', TEXT_LEVEL);
            lines.push(JSON.stringify({ modelId: w.modelId, trees: folder }));
            done += 1;
            report(`Writing model ${n}`);
            await yieldToEventLoop();
            continue;
          }
          const modelJson = encoder.encode(JSON.stringify(layersModelJson(w, 'weights.bin')));
          await write(`${folder}/model.json`, modelJson, 'model-json', TEXT_LEVEL);
          await write(`${folder}/weights.bin`, new Uint8Array(w.weightData), 'weights', 0);
          lines.push(JSON.stringify({ modelId: w.modelId, layers: folder }));
          done += 1;
          report(`Writing model ${n}`);
          await yieldToEventLoop();
        }
        if (lines.length)
          await write(
            tablePartPath(table, 0),
            encoder.encode(`${lines.join('\n')}\n`),
            'table',
            TEXT_LEVEL,
            table,
          );
        continue;
      }
      const packer = new BinaryPacker(`binary/${table}`);
      const flushBinary = async (all: boolean) => {
        if (all) packer.flush();
        for (const part of packer.take())
          await write(part.path, part.bytes, 'binary', BINARY_LEVEL[table] ?? 0, table);
      };
      let part = 0;
      let lines: string[] = [];
      let size = 0;
      const flushLines = async () => {
        if (lines.length === 0) return;
        await write(
          tablePartPath(table, part++),
          encoder.encode(`${lines.join('\n')}\n`),
          'table',
          TEXT_LEVEL,
          table,
        );
        lines = [];
        size = 0;
      };
      const list = normal[table] as unknown[];
      const SLICE = 500;
      for (let i = 0; i < list.length; i += SLICE) {
        checkCancel();
        const slice = list.slice(i, i + SLICE);
        const found = new Set<Blob>();
        for (const r of slice) collectBlobs(r, found);
        const blobs: BlobBytes = new Map();
        for (const b of found) blobs.set(b, new Uint8Array(await b.arrayBuffer()));
        for (const r of slice) {
          const line = JSON.stringify(encodeValue(r, packer, blobs));
          lines.push(line);
          size += line.length + 1;
          done += weightOf(table, r);
          if (size >= partBytes) await flushLines();
        }
        await flushBinary(false);
        report(`Writing ${table}`);
        await yieldToEventLoop();
      }
      await flushLines();
      await flushBinary(true);
    }
    checkCancel();
    const counts = Object.fromEntries(PROJECT_TABLES.map((t) => [t, normal[t].length]));
    const manifest: WorkspaceManifest = {
      format: WORKSPACE_FORMAT,
      formatVersion: WORKSPACE_FORMAT_VERSION,
      schemaVersion: options.schemaVersion,
      appVersion: options.appVersion,
      createdAt: now,
      project: { id: project.id, name: project.name },
      counts,
      entries,
    };
    const manifestFile = new ZipDeflate(MANIFEST_PATH, { level: 6 });
    manifestFile.mtime = mtime;
    zip.add(manifestFile);
    manifestFile.push(encoder.encode(JSON.stringify(manifest, null, 1)), true);
    zip.end();
    if (zipError) throw zipError as Error;
    options.onProgress?.({ fraction: 1, phase: 'Done' });
    return {
      blob: new Blob(chunks as Uint8Array<ArrayBuffer>[], { type: 'application/zip' }),
      manifest,
      fileName: workspaceFileName(project.name, now),
    };
  } catch (e) {
    zip.terminate();
    throw e;
  }
}
