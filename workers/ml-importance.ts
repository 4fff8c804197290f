// Permutation feature importance in the ML worker: picks the evaluation rows (the project's
// labelled frozen-holdout items, selected exactly as the promotion gate selects them, or the
// run's test split when the holdout has too few labels), featurises them once with the run's own
// FeaturisationSpec, and hands them with a scorer for the run's model (TF.js layers or boosted
// trees, as `predict` scores them) to the pure bookkeeping in src/registry/importance.ts.
//
// Tabular models only. A text model's input is one column (permuting it only says the model reads
// its text), and its hashed buckets have no word to name; an image's "columns" are pixels, and
// patch importance would need as many passes as patches. Both are refused with that reason.
import { collectHoldout } from '../src/registry/holdout';
import {
  importanceGroups,
  permutationImportance as permute,
  rankImportances,
  DEFAULT_IMPORTANCE_REPEATS,
} from '../src/registry/importance';
import { applyFeaturisation } from '../src/training/featurize';
import type { FeaturisationSpec } from '../src/training/featurize-types';
import type { SplitBy } from '../src/training/config';
import type {
  FeatureImportanceResult,
  ImportanceProgress,
  ImportanceRequest,
} from '../src/training/train-types';
import type { JobToken } from './jobs';
import { loadDataset, reposFor, splitData } from './ml-data';
import { inputShapeOf, modelFor, scoreRows, scoreTrees } from './ml-infer';

/**
 * Fewer labelled holdout items than this and the test split is used instead: with 30 rows one
 * item moves accuracy by 3.3 points, about the size of the drops worth reading; fewer and every
 * column's importance is mostly noise.
 */
export const MIN_IMPORTANCE_HOLDOUT = 30;

interface EvaluationRows {
  x: Float32Array;
  rows: number;
  yTrue: Int32Array;
  evaluatedOn: 'holdout' | 'test';
  holdoutItems: number;
  note?: string;
}

async function evaluationRows(
  request: ImportanceRequest,
  spec: FeaturisationSpec,
  sourceIds: string[] | undefined,
  job: JobToken,
  splitBy?: SplitBy,
): Promise<EvaluationRows> {
  const { dbName, runId } = request.model;
  const repos = reposFor(dbName);
  const project = await repos.projects.get(request.projectId);
  if (!project) throw new Error(`Project ${request.projectId} does not exist`);
  const holdout = await collectHoldout(project, repos);
  job.throwIfCancelled();
  const classIndex = new Map(spec.labels.classIds.map((id, k) => [id, k]));
  // Items of a class the model does not predict cannot be scored against it (as the gate skips them).
  const usable = holdout.items.filter((i) => classIndex.has(i.label));
  const minItems = request.minHoldoutItems ?? MIN_IMPORTANCE_HOLDOUT;
  const dim = spec.featureDim;

  if (usable.length >= minItems) {
    const bySource = new Map<string, Map<string, number>>();
    for (const item of usable) {
      let labels = bySource.get(item.sourceId);
      if (!labels) bySource.set(item.sourceId, (labels = new Map<string, number>()));
      labels.set(item.itemId, classIndex.get(item.label)!);
    }
    const parts: Float32Array[] = [];
    const y: number[] = [];
    for (const [sourceId, labels] of bySource) {
      const chunks = await repos.sources.chunkCount(sourceId);
      for (let c = 0; c < chunks; c++) {
        const chunk = await repos.sources.getChunk(sourceId, c);
        if (!chunk) continue;
        const rows: number[] = [];
        chunk.itemIds.forEach((id, r) => {
          if (labels.has(id)) rows.push(r);
        });
        if (rows.length === 0) continue;
        const batch = applyFeaturisation(spec, chunk, rows);
        parts.push(batch.x);
        for (const id of batch.itemIds) y.push(labels.get(id)!);
      }
    }
    const x = new Float32Array(y.length * dim);
    let at = 0;
    for (const p of parts) {
      x.set(p, at);
      at += p.length;
    }
    return {
      x,
      rows: y.length,
      yTrue: Int32Array.from(y),
      evaluatedOn: 'holdout',
      holdoutItems: usable.length,
    };
  }

  const ds = await loadDataset({
    dbName,
    projectId: request.projectId,
    ...(sourceIds ? { sourceIds } : {}),
    // The run's own test split: a time-split run was tested on its newest items.
    ...(splitBy ? { splitBy } : {}),
  });
  const test = await splitData(ds, spec, 'test');
  const order = Int32Array.from({ length: test.rows }, (_, i) => i);
  const x = new Float32Array(test.rows * dim);
  test.fill(order, 0, test.rows, x);
  return {
    x,
    rows: test.rows,
    yTrue: test.labels,
    evaluatedOn: 'test',
    holdoutItems: usable.length,
    note:
      `The frozen holdout has ${usable.length} labelled item${usable.length === 1 ? '' : 's'} ` +
      `this model can be scored on (fewer than ${minItems}), so the ${test.rows} items of run ` +
      `${runId}'s test split (as the current labels split it) were used instead.`,
  };
}

export async function permutationImportance(
  request: ImportanceRequest,
  job: JobToken,
  onProgress?: (progress: ImportanceProgress) => void,
): Promise<FeatureImportanceResult> {
  const cached = await modelFor(request.model);
  const { spec } = cached;
  if (spec.modality !== 'tabular') {
    throw new Error(
      `Permutation importance is computed for tabular models only; this model reads ${spec.modality} ` +
        (spec.modality === 'text'
          ? '(one text column: permuting it only shows that the model reads its text).'
          : '(each pixel is a column: per-pixel shuffles say little and cost a pass each).'),
    );
  }
  const run = await reposFor(request.model.dbName).runs.get(request.model.runId);
  const seed = request.seed ?? run?.seed ?? 0;
  const nRepeats = request.nRepeats ?? DEFAULT_IMPORTANCE_REPEATS;
  const splitBy = run?.config.splitBy === 'time' ? 'time' : undefined;
  const evaluation = await evaluationRows(request, spec, run?.sourceIds, job, splitBy);
  if (evaluation.rows === 0) {
    throw new Error(
      'No labelled items to measure importance on: the frozen holdout and the test split are ' +
        'both empty. Label some more items (on the Label page, tick "Label the holdout").',
    );
  }
  const dim = spec.featureDim;
  const score = (x: Float32Array, rows: number) => {
    const fill = (start: number, count: number, out: Float32Array) =>
      out.set(x.subarray(start * dim, (start + count) * dim));
    return cached.kind === 'trees'
      ? scoreTrees(cached, rows, fill, { job })
      : scoreRows(cached.model, inputShapeOf(spec), rows, fill, { job });
  };
  const outcome = await permute(
    evaluation.x,
    evaluation.rows,
    dim,
    evaluation.yTrue,
    spec.labels.classIds,
    importanceGroups(spec),
    score,
    { nRepeats, seed, ...(onProgress ? { onProgress } : {}) },
  );
  return {
    runId: request.model.runId,
    computedAt: Date.now(),
    evaluatedOn: evaluation.evaluatedOn,
    holdoutItems: evaluation.holdoutItems,
    rows: evaluation.rows,
    nRepeats,
    seed,
    baseline: outcome.baseline,
    features: rankImportances(outcome.features),
    ...(evaluation.note ? { note: evaluation.note } : {}),
  };
}
