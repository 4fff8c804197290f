// Header and cell rules of the prediction log export (the 100k-row build against real IndexedDB is
// tests/browser/prediction-export.test.ts).
import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../../src/persistence/schema';
import {
  exportPredictionLog,
  predictionExportName,
  probabilityColumns,
  type PredictionLogSource,
} from '../../src/serving/prediction-export';
import type { Project } from '../../src/projects/types';

const cls = (id: string, name: string) => ({ id, name, hotkey: id, color: '#000000' });

function projectWith(classes: Project['classes']): Project {
  return {
    id: 'p',
    name: 'Spam / Ham!',
    modality: 'text',
    classes,
    targetColumn: null,
    imageSize: 8,
    seed: 1,
    createdAt: 0,
    updatedAt: 0,
  };
}

function memoryLog(records: PredictionRecord[]): PredictionLogSource {
  return {
    since: (_p, after, o) =>
      Promise.resolve(records.filter((r) => r.seq > after).slice(0, o?.limit ?? Infinity)),
    delayedLabels: () => Promise.resolve(new Map()),
  };
}

describe('prediction log export format', () => {
  it('uses class names as probability headers, renaming only those that would clash', () => {
    expect(
      probabilityColumns(
        projectWith([cls('a', 'spam'), cls('b', 'confidence'), cls('c', ''), cls('d', 'p(spam)')]),
      ),
    ).toEqual(['spam', 'p(confidence)', 'p()', 'p(spam)']);
  });

  it('quotes commas and defuses formulas in names and ids; falls back to the model id', async () => {
    const project = projectWith([cls('a', 'spam, really'), cls('b', '=ham')]);
    const record: PredictionRecord = {
      seq: 1,
      projectId: 'p',
      modelId: 'm-old',
      sourceId: 'try-it',
      itemId: '@item',
      at: 0,
      label: 'b',
      probabilities: [0.25, 0.75],
    };
    const { blob } = await exportPredictionLog(memoryLog([record]), project, 'csv');
    const [header, row] = (await blob.text()).trimEnd().split('\n');
    expect(header).toBe(
      'item_id,model_version,predicted_at,mode,predicted_class,confidence,"spam, really",\'=ham,ground_truth',
    );
    // No version in the row and none given: the model id stands in; confidence from max(p).
    expect(row).toBe("'@item,m-old,1970-01-01T00:00:00.000Z,,'=ham,0.75,0.25,0.75,");
  });

  it('pages through the log until a short page, every row once', async () => {
    const records = Array.from({ length: 7 }, (_, i) => ({
      seq: i + 1,
      projectId: 'p',
      modelId: 'm',
      version: 3,
      sourceId: 's',
      itemId: `s:${i}`,
      at: i,
      label: 'a',
      probabilities: [1, 0],
    }));
    const { blob, rows } = await exportPredictionLog(
      memoryLog(records),
      projectWith([cls('a', 'x'), cls('b', 'y')]),
      'jsonl',
      { pageRows: 3 },
    );
    expect(rows).toBe(7);
    const items = (await blob.text())
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { item_id: string }).item_id);
    expect(items).toEqual(records.map((r) => r.itemId));
    expect(predictionExportName(projectWith([]), 'jsonl', 'batch prod.csv')).toBe(
      'spam-ham-predictions-batch-prod-csv.jsonl',
    );
  });
});
