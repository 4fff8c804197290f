// The last steps every import shares: finish the quality report (accumulated while importing, or
// from the written chunks read back one at a time), then commit the source — status 'ready', row count, digest, columns, quality report,
// import annotations — in one transaction (sources-repo.ts `commitSource`).
import type { ImportSummary, SkippedItems, UnlabelledRows } from '../src/data/import-types';
import type { LabelClass } from '../src/projects/types';
import { sourceDigest } from '../src/data/digest';
import type { ParseFailures } from '../src/data/chunk-builder';
import type { QualityAccumulator } from '../src/data/quality';
import type { AnnotationRecord, ColumnSchema, SourceRecord } from '../src/persistence/schema';
import type { SourcesRepo } from '../src/persistence/sources-repo';
import type { ProgressReporter } from './ingest-common';
import { qualityReport, type ExtraHashes } from './ingest-quality';
import type { JobToken } from './jobs';
import { yieldToEventLoop } from './jobs';

export interface FinishInput {
  repo: SourcesRepo;
  sourceId: string;
  job: JobToken;
  progress: ProgressReporter;
  rowCount: number;
  columns: ColumnSchema[];
  /** SHA-256 of each chunk, in chunk order (computed while writing). */
  chunkDigests: string[];
  parseFailures?: ReadonlyMap<string, ParseFailures>;
  /** Per-item content hashes the chunks do not hold (image file SHA-256 and dHash). */
  extraHashes?: ExtraHashes;
  totalBytes: number;
  started: number;
  skipped: SkippedItems[];
  annotations: Omit<AnnotationRecord, 'seq'>[];
  /** Rows without a label although the source has a target column, by reason. */
  unlabelled?: UnlabelledRows[];
  /** Classes to add to the project in the commit transaction. */
  newClasses?: LabelClass[];
  imageSize?: number;
  /** Class names by id for the class-imbalance finding. */
  classNames?: Record<string, string>;
  /**
   * The quality report accumulated while the chunks were built (tabular imports); without it the
   * chunks are read back from the database for the report.
   */
  quality?: QualityAccumulator;
}

export async function analyseAndCommit(input: FinishInput): Promise<ImportSummary> {
  const { repo, sourceId, job, progress } = input;
  progress.update('analysing', input.totalBytes, input.rowCount, true);
  await yieldToEventLoop();
  job.throwIfCancelled();
  const quality = await qualityReport(input, () => {
    progress.update('analysing', input.totalBytes, input.rowCount);
    job.throwIfCancelled();
  });

  progress.update('finishing', input.totalBytes, input.rowCount, true);
  await yieldToEventLoop();
  job.throwIfCancelled();
  const digest = await sourceDigest(input.chunkDigests);
  const commit: Partial<SourceRecord> = {
    rowCount: input.rowCount,
    columns: input.columns,
    digest,
    stats: {
      bytes: input.totalBytes,
      skipped: input.skipped,
      labelsImported: input.annotations.length,
      durationMs: Math.round(performance.now() - input.started),
      ...(input.imageSize !== undefined ? { imageSize: input.imageSize } : {}),
    },
  };
  commit.quality = quality;
  // The last point where a cancel is honoured: after this the source exists.
  job.throwIfCancelled();
  const source = await repo.commitSource(sourceId, commit, input.annotations, input.newClasses);
  progress.update('finishing', input.totalBytes, input.rowCount, true);
  return {
    source,
    skipped: input.skipped,
    labelsImported: input.annotations.length,
    ...(input.unlabelled ? { unlabelled: input.unlabelled } : {}),
  };
}
