// Adapter from the ingest worker to data-core's quality report (src/data/quality.ts): tabular
// imports accumulate it while building their chunks; the others read the chunks just written back
// one at a time (the report never needs the whole source in memory),
// and image sources add what the chunks do not hold: dHashes for near-duplicates, and SHA-256 of
// the original file bytes for exact duplicates (computeQuality judges rows by their stored
// values, and an image row stores only its path and label).
import { computeQuality } from '../src/data/quality';
import {
  FINDING_SAMPLE_IDS,
  type QualityFinding,
  type QualityReport,
} from '../src/data/quality-types';
import type { ChunkRecord } from '../src/persistence/schema';
import type { FinishInput } from './ingest-finish';

/** Per-item hashes that are not in the chunks: image file SHA-256 (exact) and dHash (near). */
export interface ExtraHashes {
  itemIds: string[];
  sha256: string[];
  dHash?: bigint[];
}

async function* chunksOf(input: FinishInput, onStep: () => void): AsyncGenerator<ChunkRecord> {
  for (let index = 0; index < input.chunkDigests.length; index++) {
    const chunk = await input.repo.getChunk(input.sourceId, index);
    if (!chunk) throw new Error(`Chunk ${index} of the import is missing`);
    yield chunk;
    onStep();
  }
}

function exactFileDuplicates(hashes: ExtraHashes): QualityFinding | undefined {
  const groups = new Map<string, string[]>();
  hashes.sha256.forEach((h, i) => {
    const group = groups.get(h);
    if (group) group.push(hashes.itemIds[i]!);
    else groups.set(h, [hashes.itemIds[i]!]);
  });
  const dups = [...groups.values()].filter((g) => g.length > 1);
  if (dups.length === 0) return undefined;
  const count = dups.reduce((n, g) => n + g.length - 1, 0);
  return {
    kind: 'exact-duplicates',
    severity: 'warning',
    message: `${count.toLocaleString('en')} ${count === 1 ? 'file is an exact copy' : 'files are exact copies'} of another file (same bytes).`,
    count,
    itemIds: dups.flatMap((g) => g.slice(1)).slice(0, FINDING_SAMPLE_IDS),
    groups: dups.slice(0, FINDING_SAMPLE_IDS),
    scope: 'source',
  };
}

export async function qualityReport(
  input: FinishInput,
  onStep: () => void,
): Promise<QualityReport> {
  const extra = input.extraHashes;
  const report = input.quality ? input.quality.finish() : await readBackQuality(input, onStep);
  const exact = extra ? exactFileDuplicates(extra) : undefined;
  if (exact) report.findings.push(exact);
  return report;
}

/** The report over the chunks as written, read back from the database one at a time. */
function readBackQuality(input: FinishInput, onStep: () => void): Promise<QualityReport> {
  const labels =
    input.annotations.length > 0
      ? new Map(input.annotations.map((a) => [a.itemId, a.label ?? '']))
      : undefined;
  const classNames =
    labels && input.classNames ? new Map(Object.entries(input.classNames)) : undefined;
  const extra = input.extraHashes;
  return computeQuality(input.columns, chunksOf(input, onStep), {
    ...(labels ? { labels } : {}),
    ...(classNames ? { classNames } : {}),
    ...(extra?.dHash
      ? { imageHashes: extra.dHash.map((hash, i) => ({ itemId: extra.itemIds[i]!, hash })) }
      : {}),
  });
}
