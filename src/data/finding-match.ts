// Finds a quality finding's items again, row by row, from the rule it carries (`match`): the data
// browser then lists all of a finding's items — 31,000 rows missing a value, page after page —
// where the stored report keeps only the first FINDING_SAMPLE_IDS ids. Findings without a rule
// (outliers and near-duplicates of a sample, duplicate groups) fall back to their listed ids.
import type { ChunkRecord } from '../persistence/schema';
import type { QualityFinding } from './quality-types';

/** Whether row `i` of a chunk (item `itemId`) belongs to the finding. */
export type RowTest = (chunk: ChunkRecord, i: number, itemId: string) => boolean;

export function findingRowTest(
  finding: QualityFinding,
  labels: ReadonlyMap<string, string>,
): RowTest {
  const match = finding.match;
  if (!match) {
    const ids = new Set(finding.itemIds);
    return (_chunk, _i, itemId) => ids.has(itemId);
  }
  switch (match.kind) {
    case 'missing':
      return (chunk, i) => {
        const col = chunk.columns[match.column];
        // A column absent from a chunk is missing there (as the quality report counts it).
        if (!col) return true;
        switch (col.kind) {
          case 'f32':
          case 'f64':
            return col.missing[i] === 1;
          case 'i32':
            return col.codes[i]! < 0;
          case 'str':
            return (col.values[i] ?? '') === '';
        }
      };
    case 'label':
      return (_chunk, _i, itemId) => labels.get(itemId) === match.classId;
  }
}
