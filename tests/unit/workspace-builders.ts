// Rows of a small but complete project for the workspace tests (no database): a tabular source in
// two chunks, an image blob, labels with an undo, a run with weights, a model version, and a row in
// every other table. `rows.chunks` etc. are fresh on every call.
import type { ProjectRows } from '../../src/persistence/workspace-repo';

export function buildProjectRows(projectId = 'p1', items = 6): ProjectRows {
  const sourceId = `${projectId}/src`;
  const at = 1_700_000_000_000;
  const half = Math.ceil(items / 2);
  const chunk = (index: number, start: number, n: number) => ({
    sourceId,
    index,
    rowStart: start,
    rowCount: n,
    itemIds: Array.from({ length: n }, (_, i) => `${sourceId}#${start + i}`),
    columns: {
      age: {
        kind: 'f32' as const,
        values: Float32Array.from({ length: n }, (_, i) => (start + i) * 1.5),
        missing: Uint8Array.from({ length: n }, (_, i) => ((start + i) % 5 === 4 ? 1 : 0)),
      },
      joined: {
        kind: 'f64' as const,
        values: Float64Array.from({ length: n }, (_, i) => at + (start + i) * 86_400_000),
        missing: new Uint8Array(n),
      },
      plan: {
        kind: 'i32' as const,
        codes: Int32Array.from({ length: n }, (_, i) => ((start + i) % 3) - 1),
        vocab: ['basic', 'pro'],
      },
      note: {
        kind: 'str' as const,
        values: Array.from({ length: n }, (_, i) => `note ${start + i} “ü”`),
      },
    },
  });
  return {
    projects: [
      {
        id: projectId,
        name: 'Churn',
        modality: 'tabular',
        classes: [
          { id: 'stay', name: 'Stays', hotkey: '1', color: '#2f7d4a' },
          { id: 'churn', name: 'Churns', hotkey: '2', color: '#b3261e' },
        ],
        targetColumn: null,
        imageSize: 64,
        seed: 7,
        createdAt: at,
        updatedAt: at,
      },
    ],
    sources: [
      {
        id: sourceId,
        projectId,
        name: 'customers.csv',
        modality: 'tabular',
        role: 'pool',
        status: 'ready',
        rowCount: items,
        columns: [
          { name: 'age', type: 'numeric', storage: 'f32', role: 'feature' },
          { name: 'joined', type: 'datetime', storage: 'f64', role: 'feature' },
          {
            name: 'plan',
            type: 'categorical',
            storage: 'i32',
            role: 'feature',
            vocab: ['basic', 'pro'],
          },
          { name: 'note', type: 'text', storage: 'str', role: 'ignored' },
        ],
        createdAt: at,
        digest: 'abc',
      },
    ],
    chunks: [chunk(0, 0, half), chunk(1, half, items - half)],
    blobs: [
      {
        id: `${sourceId}#0/thumbnail`,
        sourceId,
        itemId: `${sourceId}#0`,
        kind: 'thumbnail',
        data: new Uint8Array([137, 80, 78, 71, 0, 255]).buffer,
        width: 1,
        height: 1,
      },
    ],
    annotations: [
      {
        seq: 10,
        projectId,
        itemId: `${sourceId}#0`,
        label: 'churn',
        annotator: 'ada',
        sessionId: 's1',
        kind: 'human',
        at,
      },
      {
        seq: 12,
        projectId,
        itemId: `${sourceId}#1`,
        label: 'stay',
        annotator: 'ada',
        sessionId: 's1',
        kind: 'human',
        at: at + 1,
      },
      {
        seq: 13,
        projectId,
        itemId: `${sourceId}#1`,
        label: null,
        annotator: 'ada',
        sessionId: 's1',
        kind: 'undo',
        at: at + 2,
        undoes: 12,
      },
      {
        seq: 14,
        projectId,
        itemId: `${sourceId}#2`,
        label: 'stay',
        annotator: 'ada',
        sessionId: 's1',
        kind: 'suggestion',
        at: at + 3,
        confidence: 0.75,
      },
    ],
    runs: [
      {
        id: `${projectId}/run`,
        projectId,
        status: 'completed',
        config: { epochs: 3, hidden: [16, 8], lr: 0.01 },
        seed: 42,
        backend: 'cpu',
        dataDigest: 'd',
        labelDigest: 'l',
        curves: { loss: [0.7, 0.5, 0.4], valLoss: [0.8, NaN, 0.6] },
        metrics: { accuracy: 0.8, kappa: -Infinity },
        startedAt: at,
        finishedAt: at + 1000,
        weightsKey: `run:${projectId}/run`,
      },
    ],
    models: [
      {
        id: `${projectId}/model`,
        projectId,
        version: 1,
        runId: `${projectId}/run`,
        aliases: ['champion'],
        status: 'registered',
        createdAt: at,
        metrics: { accuracy: 0.8 },
        featurisation: { mean: [1, 2] },
        lineage: { runId: `${projectId}/run` },
        parentModelId: null,
      },
    ],
    modelWeights: [
      {
        modelId: `${projectId}/model`,
        topology: { class_name: 'Sequential', config: { layers: [] } },
        weightSpecs: [{ name: 'dense/kernel', shape: [1, 2], dtype: 'float32' }],
        weightData: new Float32Array([0.5, -0.5]).buffer,
      },
      {
        modelId: `run:${projectId}/run`,
        topology: { class_name: 'Sequential', config: { layers: [] } },
        weightSpecs: [{ name: 'dense/kernel', shape: [1, 2], dtype: 'float32' }],
        weightData: new Float32Array([0.5, -0.5]).buffer,
      },
    ],
    predictions: [
      {
        seq: 3,
        projectId,
        modelId: `${projectId}/model`,
        sourceId,
        itemId: `${sourceId}#1`,
        at,
        label: 'stay',
        probabilities: [0.9, 0.1],
      },
    ],
    monitorWindows: [
      {
        seq: 5,
        projectId,
        modelId: `${projectId}/model`,
        sourceId,
        start: at,
        end: at + 1,
        count: 1,
        state: 'ok',
        tests: { 'ks:age': { statistic: 0.1, pValue: 0.9 } },
      },
    ],
    policies: [
      {
        id: `${projectId}/policy`,
        projectId,
        name: 'Nightly',
        enabled: true,
        trigger: 'schedule',
        config: { everyHours: 24 },
        createdAt: at,
        updatedAt: at,
      },
    ],
    pipelineRuns: [
      {
        id: `${projectId}/pipe`,
        projectId,
        policyId: `${projectId}/policy`,
        status: 'kept',
        startedAt: at,
        finishedAt: at + 5,
        steps: [{ step: 'train' }],
        challengerModelId: null,
      },
    ],
    events: [
      { seq: 99, projectId, kind: 'project.created', at, actor: 'ada', detail: { via: 'test' } },
    ],
  };
}
