// Workspace files against real IndexedDB in Chromium: the frozen v1 file imports (and its model
// loads in a separate TF.js), export → import → export gives identical entry digests, replace
// asks first and is atomic, ids owned by another project are refused, and a fuzz slice of hostile
// files leaves the whole database byte-for-byte unchanged (digest of every table before/after).
import { Dexie } from 'dexie';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { openDatabase, SCHEMA_VERSION, type InloopDB } from '../../src/persistence/db';
import {
  PROJECT_TABLES,
  ProjectWriteFailure,
  createWorkspaceRepo,
  type ProjectRows,
} from '../../src/persistence/workspace-repo';
import { exportWorkspace } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';
import { describeWorkspaceError } from '../../src/workspace/errors';
import { buildProject, seedProject } from '../fixtures/db/builders';
import { describeImportError } from '../../src/data/import-errors';
import { IngestBridge } from '../../src/data/ingest-bridge';
import { pngFile } from './ingest-helpers';
import fixtureUrl from '../fixtures/workspace/v1-tabular.inloop?url';
import './commands/tfjs-export';

Dexie.debug = false;

let db: InloopDB;
let name: string;
const repo = createWorkspaceRepo(() => db);

beforeEach(() => {
  name = `inloop-test-workspace-${crypto.randomUUID()}`;
  db = openDatabase(name);
});

afterEach(async () => {
  db.close();
  await Dexie.delete(name);
});

/** SHA-256 of every row of every table (settings included), typed arrays and buffers spelled out. */
async function databaseDigest(d: InloopDB): Promise<string> {
  const dump: Record<string, unknown[]> = {};
  for (const table of d.tables) dump[table.name] = await table.toArray();
  const text = JSON.stringify(dump, (_k, v: unknown) => {
    if (v instanceof ArrayBuffer) return { $buffer: [...new Uint8Array(v)] };
    if (ArrayBuffer.isView(v))
      return { [v.constructor.name]: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  });
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function exportOf(rows: ProjectRows) {
  const out = await exportWorkspace(rows, { appVersion: 'test', schemaVersion: SCHEMA_VERSION });
  return { ...out, bytes: new Uint8Array(await out.blob.arrayBuffer()) };
}

async function readOk(bytes: Uint8Array) {
  const result = await readWorkspace(bytes, { schemaVersion: SCHEMA_VERSION });
  if (!result.ok) throw new Error(`refused: ${describeWorkspaceError(result.error)}`);
  return result.value;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

describe('the frozen v1 workspace file', () => {
  it('imports into real IndexedDB, exports again to the same entries, and its model loads in TF.js', async () => {
    const file = new Uint8Array(await (await fetch(fixtureUrl)).arrayBuffer());
    const content = await readOk(file);
    expect(content.manifest.formatVersion).toBe(1);
    await repo.writeProject(content.rows);
    const back = (await repo.readProject('p-penguins'))!;
    expect(back.projects[0]!.name).toBe('Penguins (frozen v1)');
    expect(back.chunks.map((c) => c.rowCount)).toEqual([4, 4]);
    const age = back.chunks[0]!.columns.age!;
    expect(age.kind === 'f32' && [...age.values]).toEqual([0, 1.5, 3, 4.5]);
    expect(back.annotations).toHaveLength(4);
    expect(back.modelWeights.map((w) => w.modelId).sort()).toEqual([
      'p-penguins/model',
      'run:p-penguins/run',
    ]);
    const again = await exportOf(back);
    const manifest = JSON.parse(strFromU8(unzipSync(file)['manifest.json']!)) as {
      entries: unknown[];
    };
    expect(again.manifest.entries).toEqual(manifest.entries);

    // The model folder is a standard TF.js layers model: a separate TF.js in Node loads it.
    const files = unzipSync(file);
    const zip = zipSync({
      'model.json': files['models/0001/model.json']!,
      'weights.bin': files['models/0001/weights.bin']!,
    });
    const loaded = await commands.loadTfjsExport(base64(zip), [[1, 0, 0]]);
    // softmax([0.25, -0.5] + [0.1, -0.1])
    const z = [0.35, -0.6];
    const e = z.map(Math.exp);
    expect(loaded.probabilities[0]![0]).toBeCloseTo(e[0]! / (e[0]! + e[1]!), 5);
  });
});

describe('workspace round trip through IndexedDB', () => {
  it('export → import → export gives identical entry digests, with other projects around', async () => {
    await seedProject(db, 'other');
    await seedProject(db, 'p1');
    const first = await exportOf((await repo.readProject('p1'))!);
    const target = openDatabase(`${name}-copy`);
    const copyRepo = createWorkspaceRepo(() => target);
    try {
      await seedProject(target, 'unrelated');
      await copyRepo.writeProject((await readOk(first.bytes)).rows);
      const second = await exportOf((await copyRepo.readProject('p1'))!);
      expect(second.manifest.entries).toEqual(first.manifest.entries);
      expect(second.manifest.counts).toEqual(first.manifest.counts);
      for (const t of PROJECT_TABLES) expect(first.manifest.counts[t], t).toBeGreaterThan(0);
    } finally {
      target.close();
      await Dexie.delete(`${name}-copy`);
    }
  });

  it('asks before replacing; replacing is one transaction that swaps the whole project', async () => {
    await seedProject(db, 'p1');
    await seedProject(db, 'p2');
    const original = await exportOf((await repo.readProject('p1'))!);
    const rows = (await readOk(original.bytes)).rows;
    rows.projects[0]!.name = 'Renamed in the file';
    rows.runs = [];
    rows.models = [];
    rows.modelWeights = [];
    const before = await databaseDigest(db);
    await expect(repo.writeProject(rows)).rejects.toMatchObject({
      error: { kind: 'project-exists', projectId: 'p1' },
    });
    expect(await databaseDigest(db)).toBe(before);
    // A failure after the old rows were deleted (a blob key twice) rolls the deletion back too.
    const broken = { ...rows, blobs: [...rows.blobs, ...rows.blobs] };
    await expect(repo.writeProject(broken, { replace: true })).rejects.toBeTruthy();
    expect(await databaseDigest(db)).toBe(before);

    await repo.writeProject(rows, { replace: true });
    const after = (await repo.readProject('p1'))!;
    expect(after.projects[0]!.name).toBe('Renamed in the file');
    expect(after.runs).toEqual([]);
    expect(await db.modelWeights.get('run:p1/run')).toBeUndefined();
    // The neighbour is untouched.
    expect((await repo.readProject('p2'))!.runs).toHaveLength(1);
  });

  it('refuses rows whose ids another project owns, changing nothing', async () => {
    await seedProject(db, 'p1');
    const rows = (await readOk((await exportOf((await repo.readProject('p1'))!)).bytes)).rows;
    // The same file imported under another project id would overwrite p1's source and runs.
    const hijack: ProjectRows = JSON.parse(
      JSON.stringify({ ...rows, chunks: [], blobs: [], modelWeights: [] }),
    ) as ProjectRows;
    hijack.projects[0]!.id = 'p9';
    for (const t of [
      'sources',
      'annotations',
      'runs',
      'models',
      'predictions',
      'monitorWindows',
      'policies',
      'pipelineRuns',
      'events',
    ] as const) {
      for (const r of hijack[t]) (r as { projectId: string }).projectId = 'p9';
    }
    const before = await databaseDigest(db);
    const failure = await repo.writeProject(hijack).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProjectWriteFailure);
    expect((failure as ProjectWriteFailure).error).toMatchObject({
      kind: 'id-conflict',
      table: 'sources',
      id: 'p1/source',
    });
    expect(await databaseDigest(db)).toBe(before);
  });
});

describe('projects made by the real ingest', () => {
  it('image (pixels as buffers, thumbnails as Blobs) and text sources round-trip exactly', async () => {
    await db.projects.add(buildProject({ id: 'p1', modality: 'image', imageSize: 8 }));
    const bridge = new IngestBridge({ dbName: name });
    try {
      const images = await bridge.importImages(
        [
          { file: await pngFile('a.png', [255, 0, 0]), path: 'set/cats/a.png' },
          { file: await pngFile('b.png', [0, 0, 255]), path: 'set/dogs/b.png' },
        ],
        {
          projectId: 'p1',
          name: 'images',
          role: 'pool',
          imageSize: 8,
          labelFromFolder: true,
          // Folders map to the project's classes, as the Data page's import does (a file whose
          // labels are not classes is refused on import).
          labelMap: { cats: 'stay', dogs: 'churn' },
          importLabels: 1,
        },
      );
      if (!images.ok) throw new Error(describeImportError(images.error));
      const texts = await bridge.importTextFiles([new File(['hello “world”'], 'a.txt')], {
        projectId: 'p1',
        name: 'texts',
        role: 'pool',
      });
      if (!texts.ok) throw new Error(describeImportError(texts.error));
    } finally {
      bridge.dispose();
    }
    const original = (await repo.readProject('p1'))!;
    const thumb = original.blobs.find((b) => b.kind === 'thumbnail')!;
    expect(thumb.data).toBeInstanceOf(Blob);
    const first = await exportOf(original);
    const target = openDatabase(`${name}-copy`);
    try {
      const copyRepo = createWorkspaceRepo(() => target);
      await copyRepo.writeProject((await readOk(first.bytes)).rows);
      const copy = (await copyRepo.readProject('p1'))!;
      const copyThumb = copy.blobs.find((b) => b.id === thumb.id)!;
      expect(copyThumb.data).toBeInstanceOf(Blob);
      expect((copyThumb.data as Blob).type).toBe((thumb.data as Blob).type);
      expect(new Uint8Array(await (copyThumb.data as Blob).arrayBuffer())).toEqual(
        new Uint8Array(await (thumb.data as Blob).arrayBuffer()),
      );
      expect((await exportOf(copy)).manifest.entries).toEqual(first.manifest.entries);
    } finally {
      target.close();
      await Dexie.delete(`${name}-copy`);
    }
  });
});

describe('hostile files leave the database unchanged', () => {
  it('a fuzz slice of 80 mutated files: each refused with a typed error or refused at write, DB digest equal', async () => {
    await seedProject(db, 'p1');
    await seedProject(db, 'p2');
    const { bytes } = await exportOf((await repo.readProject('p1'))!);
    const before = await databaseDigest(db);
    let a = 77;
    const rand = () => {
      a = (a * 1103515245 + 12345) % 2 ** 31;
      return a / 2 ** 31;
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 80; i++) {
      let mutated: Uint8Array;
      if (i % 4 === 3) mutated = bytes.slice(0, Math.floor(rand() * bytes.length));
      else {
        mutated = bytes.slice();
        for (let f = 0; f < 1 + (i % 3); f++)
          mutated[Math.floor(rand() * mutated.length)]! ^= 1 << Math.floor(rand() * 8);
      }
      const result = await readWorkspace(mutated, { schemaVersion: SCHEMA_VERSION });
      if (result.ok) {
        // What survives the checks is the same project: writing it without `replace` is refused.
        const e = await repo.writeProject(result.value.rows).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(ProjectWriteFailure);
        kinds.add('read, then refused at write');
      } else kinds.add(result.error.kind);
      expect(await databaseDigest(db), `case ${i}`).toBe(before);
    }
    expect(kinds.size).toBeGreaterThanOrEqual(3);
  });
});
