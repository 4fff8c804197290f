// The in-browser half of the `workspace` suite (bench/suites/workspace.mjs): a 100,000-item
// tabular project with two model versions is generated in the page and written to a fresh
// IndexedDB, then exported to a `.inloop` file (read from IndexedDB + zip) and imported into a
// second fresh database (checks + one write transaction), each phase timed.
import { Dexie } from 'dexie';
import { openDatabase, SCHEMA_VERSION } from '../../src/persistence/db';
import { createWorkspaceRepo, type ProjectRows } from '../../src/persistence/workspace-repo';
import type { ChunkRecord, ModelWeightsRecord } from '../../src/persistence/schema';
import { exportWorkspace } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';

export interface WorkspaceFigures {
  items: number;
  fileBytes: number;
  /** Sum of the entries' uncompressed sizes. */
  uncompressedBytes: number;
  entries: number;
  seconds: Record<string, number>;
}

const CATS = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white'];

export function buildRows(items: number): ProjectRows {
  let a = 12345;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const projectId = 'bench-ws';
  const sourceId = `${projectId}/pool`;
  const at = 1_763_856_000_000;
  const CHUNK = 4096;
  const columns = [
    ...Array.from({ length: 16 }, (_, i) => ({
      name: `f${i}`,
      type: 'numeric' as const,
      storage: 'f32' as const,
      role: 'feature' as const,
    })),
    ...Array.from({ length: 4 }, (_, i) => ({
      name: `c${i}`,
      type: 'categorical' as const,
      storage: 'i32' as const,
      role: 'feature' as const,
      vocab: CATS,
    })),
  ];
  const chunks: ChunkRecord[] = [];
  for (let start = 0, index = 0; start < items; start += CHUNK, index++) {
    const n = Math.min(CHUNK, items - start);
    const cols: ChunkRecord['columns'] = {};
    for (let i = 0; i < 16; i++) {
      const values = new Float32Array(n);
      const missing = new Uint8Array(n);
      for (let r = 0; r < n; r++) {
        values[r] = i < 12 ? rand() * 1000 - 500 : Math.floor(rand() * 100);
        missing[r] = rand() < 0.02 ? 1 : 0;
      }
      cols[`f${i}`] = { kind: 'f32', values, missing };
    }
    for (let i = 0; i < 4; i++) {
      cols[`c${i}`] = {
        kind: 'i32',
        codes: Int32Array.from({ length: n }, () => Math.floor(rand() * CATS.length)),
        vocab: CATS,
      };
    }
    chunks.push({
      sourceId,
      index,
      rowStart: start,
      rowCount: n,
      columns: cols,
      itemIds: Array.from({ length: n }, (_, r) => `${sourceId}#${start + r}`),
    });
  }
  const classes = ['a', 'b', 'c'].map((id, i) => ({
    id,
    name: id.toUpperCase(),
    hotkey: String(i + 1),
    color: '#333',
  }));
  const labelled = Math.floor(items * 0.3);
  const annotations = Array.from({ length: labelled }, (_, i) => ({
    seq: i + 1,
    projectId,
    itemId: `${sourceId}#${i * 3}`,
    label: classes[i % 3]!.id,
    annotator: 'ada',
    sessionId: 's1',
    kind: 'human' as const,
    at: at + i,
  }));
  // An MLP 20 → 128 → 64 → 3, as the tabular preset trains.
  const shapes: [string, number[]][] = [
    ['dense1/kernel', [20, 128]],
    ['dense1/bias', [128]],
    ['dense2/kernel', [128, 64]],
    ['dense2/bias', [64]],
    ['out/kernel', [64, 3]],
    ['out/bias', [3]],
  ];
  const size = shapes.reduce((s, [, sh]) => s + sh.reduce((x, y) => x * y, 1), 0);
  const weights = (modelId: string): ModelWeightsRecord => ({
    modelId,
    topology: {
      class_name: 'Sequential',
      config: { layers: shapes.map(([n]) => ({ class_name: 'Dense', config: { name: n } })) },
    },
    weightSpecs: shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' })),
    weightData: Float32Array.from({ length: size }, () => rand() - 0.5).buffer,
  });
  const runs = [1, 2].map((v) => ({
    id: `${projectId}/run${v}`,
    projectId,
    status: 'completed' as const,
    config: { epochs: 20 },
    seed: v,
    backend: 'cpu' as const,
    dataDigest: 'd',
    labelDigest: 'l',
    curves: { loss: Array.from({ length: 20 }, (_, e) => 1 / (e + 1)) },
    metrics: { accuracy: 0.9 },
    startedAt: at + v,
    finishedAt: at + v + 1000,
    weightsKey: `run:${projectId}/run${v}`,
  }));
  const models = [1, 2].map((v) => ({
    id: `${projectId}/model${v}`,
    projectId,
    version: v,
    runId: `${projectId}/run${v}`,
    aliases: v === 2 ? (['champion'] as const).slice() : [],
    status: 'registered' as const,
    createdAt: at + v,
    metrics: { accuracy: 0.9 },
    featurisation: {},
    lineage: {},
    parentModelId: v === 2 ? `${projectId}/model1` : null,
  }));
  return {
    projects: [
      {
        id: projectId,
        name: 'Workspace bench',
        modality: 'tabular',
        classes,
        targetColumn: null,
        imageSize: 64,
        seed: 1,
        createdAt: at,
        updatedAt: at,
      },
    ],
    sources: [
      {
        id: sourceId,
        projectId,
        name: 'bench.csv',
        modality: 'tabular',
        role: 'pool',
        status: 'ready',
        rowCount: items,
        columns,
        createdAt: at,
      },
    ],
    chunks,
    blobs: [],
    annotations,
    runs,
    models,
    modelWeights: [...models.map((m) => weights(m.id)), ...runs.map((r) => weights(r.weightsKey))],
    predictions: [],
    monitorWindows: [],
    policies: [],
    pipelineRuns: [],
    events: [],
  };
}

async function workspaceRoundTrip(items: number): Promise<WorkspaceFigures> {
  const source = `inloop-bench-ws-${crypto.randomUUID()}`;
  const target = `${source}-import`;
  const dbA = openDatabase(source);
  const dbB = openDatabase(target);
  const seconds: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    seconds[name] = (performance.now() - t0) / 1000;
    return out;
  };
  try {
    const rows = buildRows(items);
    await time('seedWrite', () => createWorkspaceRepo(() => dbA).writeProject(rows));
    const read = await time('exportRead', () =>
      createWorkspaceRepo(() => dbA).readProject('bench-ws'),
    );
    const out = await time('exportZip', () =>
      exportWorkspace(read!, { appVersion: 'bench', schemaVersion: SCHEMA_VERSION }),
    );
    const bytes = await time(
      'fileToBytes',
      async () => new Uint8Array(await out.blob.arrayBuffer()),
    );
    const checked = await time('importCheck', () =>
      readWorkspace(bytes, { schemaVersion: SCHEMA_VERSION }),
    );
    if (!checked.ok) throw new Error(`import refused: ${checked.error.kind}`);
    await time('importWrite', () =>
      createWorkspaceRepo(() => dbB).writeProject(checked.value.rows),
    );
    const back = await createWorkspaceRepo(() => dbB).readProject('bench-ws');
    if (
      back?.chunks.length !== rows.chunks.length ||
      back.annotations.length !== rows.annotations.length
    ) {
      throw new Error('the imported project differs');
    }
    seconds.export = seconds.exportRead! + seconds.exportZip!;
    seconds.import = seconds.fileToBytes! + seconds.importCheck! + seconds.importWrite!;
    return {
      items,
      fileBytes: bytes.length,
      uncompressedBytes: out.manifest.entries.reduce((s, e) => s + e.bytes, 0),
      entries: out.manifest.entries.length + 1,
      seconds,
    };
  } finally {
    dbA.close();
    dbB.close();
    await Dexie.delete(source);
    await Dexie.delete(target);
  }
}

export const workspaceBench = { workspaceRoundTrip };
