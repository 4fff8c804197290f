import type { SchemaStep } from './types';

// Dexie schema syntax: the first entry is the primary key (`++` auto-increment, `[a+b]` compound),
// then indexes (`*` multi-entry). Compound indexes also serve queries on their leading field, so
// `[projectId+at]` answers `where('projectId')` too and no separate `projectId` index is needed.
export const v1Initial: SchemaStep = {
  version: 1,
  name: 'initial',
  stores: {
    projects: 'id, updatedAt',
    settings: 'key',
    // Sources of a project; the role splits labeling pool from production traffic.
    sources: 'id, [projectId+role]',
    // Chunks are read in order per source; a source's chunks are deleted together.
    chunks: '[sourceId+index]',
    // An item's pixels, thumbnail and original are read together; a source's blobs deleted together.
    blobs: 'id, [sourceId+itemId]',
    // Latest label per item; one annotator's sessions (merge); the log in time order.
    annotations: '++seq, [projectId+itemId], [projectId+at], sessionId',
    runs: 'id, [projectId+startedAt]',
    // Versions per project in order; the champion is found through the multi-entry alias index.
    models: 'id, [projectId+version], runId, *aliases',
    modelWeights: 'modelId',
    // Predictions by time window (monitoring) and by item (joining delayed labels).
    predictions: '++seq, [projectId+at], [projectId+itemId], [modelId+at]',
    monitorWindows: '++seq, [projectId+start], [modelId+start]',
    policies: 'id, projectId',
    pipelineRuns: 'id, [projectId+startedAt], policyId',
    events: '++seq, [projectId+at], kind',
  },
};
