import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exportWorkspace, normaliseSeqs } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';
import { migrateWorkspace, WORKSPACE_FORMAT_VERSION } from '../../src/workspace/format';
import { parseJsonSafely } from '../../src/workspace/safe-json';
import { describeWorkspaceError, type WorkspaceError } from '../../src/workspace/errors';
import { buildProjectRows } from './workspace-builders';
import { canonicalRows, rezip, type Manifest } from './workspace-helpers';

const SCHEMA = 1;

async function exportBytes(rows = buildProjectRows(), partBytes?: number): Promise<Uint8Array> {
  const out = await exportWorkspace(rows, {
    appVersion: 'test',
    schemaVersion: SCHEMA,
    now: 1_763_856_000_000,
    partBytes,
  });
  return new Uint8Array(await out.blob.arrayBuffer());
}

async function refused(bytes: Uint8Array, limits = {}): Promise<WorkspaceError> {
  const result = await readWorkspace(bytes, { schemaVersion: SCHEMA, limits });
  if (result.ok) throw new Error('expected the file to be refused');
  // Every refusal has a sentence for the user.
  expect(describeWorkspaceError(result.error).length).toBeGreaterThan(10);
  return result.error;
}

describe('workspace file round trip', () => {
  it('reads back exactly the rows it wrote (typed arrays, buffers, NaN/Infinity, seqs renumbered)', async () => {
    const rows = buildProjectRows();
    const result = await readWorkspace(await exportBytes(rows), { schemaVersion: SCHEMA });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(canonicalRows(result.value.rows)).toBe(canonicalRows(normaliseSeqs(rows)));
    const chunk = result.value.rows.chunks[0]!.columns.age!;
    expect(chunk.kind === 'f32' && chunk.values instanceof Float32Array).toBe(true);
    expect(result.value.rows.runs[0]!.curves.valLoss![1]).toBeNaN();
    expect(result.value.rows.runs[0]!.metrics.kappa).toBe(-Infinity);
    // The undo follows its target through renumbering.
    const [first, second, undo] = result.value.rows.annotations;
    expect([first!.seq, second!.seq, undo!.seq, undo!.undoes]).toEqual([1, 2, 3, 2]);
    expect(result.value.manifest.counts.chunks).toBe(2);
  });

  it('export → import → export gives identical entry digests, also across many parts', async () => {
    const rows = buildProjectRows('p1', 400);
    const first = await exportWorkspace(rows, {
      appVersion: 'a',
      schemaVersion: SCHEMA,
      partBytes: 2000,
    });
    const read = await readWorkspace(new Uint8Array(await first.blob.arrayBuffer()), {
      schemaVersion: SCHEMA,
    });
    if (!read.ok) throw new Error(read.error.kind);
    const second = await exportWorkspace(read.value.rows, {
      appVersion: 'b',
      schemaVersion: SCHEMA,
      partBytes: 2000,
    });
    expect(first.manifest.entries.length).toBeGreaterThan(10);
    expect(second.manifest.entries).toEqual(first.manifest.entries);
  });

  it('writes the model weights as TF.js layers files', async () => {
    const files = unzipSync(await exportBytes());
    const model = JSON.parse(strFromU8(files['models/0001/model.json']!)) as Record<
      string,
      unknown
    >;
    expect(model.format).toBe('layers-model');
    expect(model.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [{ name: 'dense/kernel', shape: [1, 2], dtype: 'float32' }],
      },
    ]);
    expect([...new Float32Array(files['models/0001/weights.bin']!.slice().buffer)]).toEqual([
      0.5, -0.5,
    ]);
  });

  it('reports progress and stops on cancel', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const run = exportWorkspace(buildProjectRows('p1', 3000), {
      appVersion: 't',
      schemaVersion: SCHEMA,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.fraction);
        if (p.fraction > 0.3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ error: { kind: 'cancelled' } });
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
  });
});

describe('workspace envelope and versions', () => {
  it('refuses a newer format and a newer schema with a clear sentence', async () => {
    const bytes = await exportBytes();
    const newer = await refused(
      rezip(bytes, (_f, m) => (m.formatVersion = WORKSPACE_FORMAT_VERSION + 1)),
    );
    expect(newer).toEqual({
      kind: 'newer-format',
      formatVersion: WORKSPACE_FORMAT_VERSION + 1,
      supported: WORKSPACE_FORMAT_VERSION,
    });
    expect(describeWorkspaceError(newer)).toMatch(/newer Inloop/);
    expect((await refused(rezip(bytes, (_f, m) => (m.schemaVersion = 99)))).kind).toBe(
      'newer-schema',
    );
    expect((await refused(rezip(bytes, (_f, m) => (m.format = 'excalidraw')))).kind).toBe(
      'wrong-format',
    );
    expect((await refused(rezip(bytes, (_f, m) => (m.formatVersion = 0)))).kind).toBe(
      'invalid-manifest',
    );
    expect((await refused(rezip(bytes, (_f, m) => (m.formatVersion = '1')))).kind).toBe(
      'invalid-manifest',
    );
  });

  it('carries a format-1 workspace (TF.js models only) to format 2 with its rows unchanged', () => {
    const rows = {
      modelWeights: [
        { modelId: 'm', topology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) },
      ],
    };
    const out = migrateWorkspace({ manifest: { formatVersion: 1 }, tables: rows }, 1);
    expect(WORKSPACE_FORMAT_VERSION).toBe(2);
    expect(out?.manifest.formatVersion).toBe(2);
    expect(out?.tables).toBe(rows);
  });

  it('migrates step by step and refuses a version it has no step for', () => {
    const ws = { manifest: { formatVersion: 1 }, tables: { runs: [{ id: 'r' }] } };
    const steps = [
      {
        from: 1,
        name: 'rename-run-id',
        migrate: (w: typeof ws) => ({ ...w, tables: { runs: [{ key: 'r' }] } }),
      },
      {
        from: 2,
        name: 'add-note',
        migrate: (w: typeof ws) => ({
          ...w,
          tables: { runs: [{ ...w.tables.runs[0], note: '' }] },
        }),
      },
    ];
    const out = migrateWorkspace(ws, 1, steps, 3);
    expect(out?.tables).toEqual({ runs: [{ key: 'r', note: '' }] });
    expect(out?.manifest.formatVersion).toBe(3);
    expect(migrateWorkspace(ws, 1, steps.slice(1), 3)).toBeUndefined();
  });

  it('refuses files that are not workspaces', async () => {
    expect((await refused(new Uint8Array(0))).kind).toBe('not-a-workspace');
    expect((await refused(strToU8('name,age\nada,3\n'))).kind).toBe('not-a-workspace');
    expect((await refused(zipSync({ 'a.txt': strToU8('x') }))).kind).toBe('not-a-workspace');
  });

  it('refuses entries the manifest does not list, and listed entries that are missing', async () => {
    const bytes = await exportBytes();
    expect(await refused(rezip(bytes, (f) => (f['extra.txt'] = strToU8('x'))))).toEqual({
      kind: 'unexpected-entry',
      path: 'extra.txt',
    });
    expect((await refused(rezip(bytes, (f) => delete f['tables/runs/00000.jsonl']))).kind).toBe(
      'missing-entry',
    );
  });

  it('refuses an entry whose bytes do not match the digest', async () => {
    const bytes = await exportBytes();
    const edited = rezip(
      bytes,
      (f) =>
        (f['tables/runs/00000.jsonl'] = strToU8(
          strFromU8(f['tables/runs/00000.jsonl']!).replace('"cpu"', '"gpu"'),
        )),
      false,
    );
    expect(await refused(edited)).toEqual({
      kind: 'digest-mismatch',
      path: 'tables/runs/00000.jsonl',
    });
  });

  it('validates every record against its table and this project', async () => {
    const bytes = await exportBytes();
    const edit = (path: string, from: string, to: string) =>
      rezip(bytes, (f) => (f[path] = strToU8(strFromU8(f[path]!).replace(from, to))));
    expect(
      await refused(edit('tables/runs/00000.jsonl', '"backend":"cpu"', '"backend":"tpu"')),
    ).toMatchObject({ kind: 'invalid-record', table: 'runs', index: 0 });
    expect(
      await refused(
        edit('tables/annotations/00000.jsonl', '"projectId":"p1"', '"projectId":"other"'),
      ),
    ).toMatchObject({ kind: 'invalid-record', table: 'annotations' });
    expect(
      await refused(
        edit('tables/chunks/00000.jsonl', '"sourceId":"p1/src"', '"sourceId":"p2/src"'),
      ),
    ).toMatchObject({ kind: 'invalid-record', table: 'chunks' });
    expect(
      await refused(edit('tables/chunks/00000.jsonl', '"rowCount":3', '"rowCount":4')),
    ).toMatchObject({ kind: 'invalid-record', table: 'chunks' });
    expect(
      await refused(
        edit('tables/modelWeights/00000.jsonl', '"modelId":"p1/model"', '"modelId":"p9/model"'),
      ),
    ).toMatchObject({ kind: 'invalid-record', table: 'modelWeights' });
    expect(
      await refused(edit('tables/blobs/00000.jsonl', '"offset":0', '"offset":99999')),
    ).toMatchObject({ kind: 'invalid-record', table: 'blobs' });
    expect(await refused(edit('tables/runs/00000.jsonl', '{', '{{'))).toMatchObject({
      kind: 'invalid-json',
      line: 1,
    });
  });
});

describe('workspace size limits and hostile zips', () => {
  it(
    'enforces limits on the bytes actually inflated, not on what the zip claims',
    { timeout: 30_000 },
    async () => {
      const bytes = await exportBytes();
      const zeros = new Uint8Array(24 * 1024 * 1024);
      const bomb = rezip(bytes, (f, m) => {
        f['tables/events/00000.jsonl'] = zeros;
        void m;
      });
      // Claimed sizes in the central directory rewritten to 10 bytes: the reader must not care.
      const lying = bomb.slice();
      const view = new DataView(lying.buffer);
      for (let p = 0; p < lying.length - 4; p++) {
        if (view.getUint32(p, true) === 0x02014b50) view.setUint32(p + 24, 10, true);
      }
      expect(lying.length).toBeLessThan(100_000);
      expect(await refused(lying)).toMatchObject({
        kind: 'compression-ratio',
        path: 'tables/events/00000.jsonl',
      });
      expect(
        await refused(lying, { maxRatio: 10_000, maxEntryBytes: 4 * 1024 * 1024 }),
      ).toMatchObject({ kind: 'entry-too-large' });
      expect(
        await refused(lying, { maxRatio: 10_000, maxTotalBytes: 8 * 1024 * 1024 }),
      ).toMatchObject({ kind: 'too-large' });
    },
  );

  it('refuses archives with too many entries before reading them', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12_000; i++) files[`t/${i}`] = new Uint8Array(0);
    expect(await refused(zipSync(files, { level: 0 }))).toEqual({
      kind: 'too-many-entries',
      count: 12_000,
      limit: 10_000,
    });
  });

  it('refuses unsafe entry names and overlapping entries', async () => {
    expect(
      (await refused(zipSync({ '../evil': strToU8('x'), 'manifest.json': strToU8('{}') }))).kind,
    ).toBe('unsafe-entry-name');
    expect((await refused(zipSync({ '/abs': strToU8('x') }))).kind).toBe('unsafe-entry-name');
    // Two central-directory records pointing at the same local data (a flat zip bomb).
    const two = zipSync(
      { 'a.bin': new Uint8Array(100), 'b.bin': new Uint8Array(100) },
      { level: 0 },
    );
    const view = new DataView(two.buffer);
    const cd: number[] = [];
    for (let p = 0; p < two.length - 4; p++) if (view.getUint32(p, true) === 0x02014b50) cd.push(p);
    view.setUint32(cd[1]! + 42, view.getUint32(cd[0]! + 42, true), true);
    expect((await refused(two)).kind).toBe('damaged');
  });
});

describe('JSON from files cannot pollute prototypes', () => {
  it('drops __proto__, constructor and prototype keys at every depth', () => {
    const parsed = parseJsonSafely(
      '{"a":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"b":{"__proto__":{"x":1},"c":[{"prototype":2,"d":3}]}}',
    ) as Record<string, unknown>;
    expect(parsed).toEqual({ a: 1, b: { c: [{ d: 3 }] } });
    expect(Object.hasOwn(parsed, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    const merged = Object.assign({}, parsed, parsed.b);
    expect(merged.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('imports a file whose rows and manifest carry __proto__ payloads without polluting anything', async () => {
    const bytes = await exportBytes();
    const hostile = rezip(bytes, (f, m: Manifest) => {
      (m as Record<string, unknown>).extra = JSON.parse('{"__proto__":{"polluted":"manifest"}}');
      const runs = strFromU8(f['tables/runs/00000.jsonl']!);
      f['tables/runs/00000.jsonl'] = strToU8(
        runs.replace(
          '"config":{',
          '"__proto__":{"polluted":"row"},"constructor":{"prototype":{"polluted":1}},"config":{"__proto__":{"polluted":"nested"},',
        ),
      );
    });
    expect(strFromU8(unzipSync(hostile)['tables/runs/00000.jsonl']!)).toContain('__proto__');
    const result = await readWorkspace(hostile, { schemaVersion: SCHEMA });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const run = result.value.rows.runs[0] as unknown as Record<string, unknown>;
    expect(Object.hasOwn(run, '__proto__')).toBe(false);
    expect(Object.hasOwn(run, 'constructor')).toBe(false);
    expect(Object.hasOwn(run.config as object, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});
