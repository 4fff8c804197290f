// CSV/TSV/JSON Lines for the ingest worker: the preview (first rows, inferred schema, problems)
// and the streaming import into columnar chunks (data-core's ChunkBuilder), with header checks,
// ragged-row handling, import annotations from a target column, and back-pressure on writes.
// Between the two, `profileTabular` reads the whole file once without writing anything: types
// judged on every row and the distinct values behind the label mapping (see import-types.ts).
import type { ImportError } from '../src/data/import-errors';
import type {
  ImportProblem,
  ImportSummary,
  PreviewOptions,
  TabularImportPlan,
  TabularPreview,
  TabularProfile,
  UnlabelledRows,
} from '../src/data/import-types';
import { MAX_PROBLEM_EXAMPLES, PREVIEW_ROWS, PROFILE_VALUES } from '../src/data/import-types';
import { ChunkBuilder, type ChunkBuildError, type ColumnPlan } from '../src/data/chunk-builder';
import { chunkDigest } from '../src/data/digest';
import { qualityAccumulator } from '../src/data/quality';
import { ColumnEvidence, inferColumns } from '../src/data/infer-schema';
import { presentText } from '../src/data/values';
import type { AnnotationRecord, ChunkRecord, SourceRecord } from '../src/persistence/schema';
import type { SourcesRepo } from '../src/persistence/sources-repo';
import { importSessionId } from '../src/persistence/sources-repo';
import type { ProgressReporter } from './ingest-common';
import { ChunkWriter, ImportFailure, SkipLog, importLabelSelected } from './ingest-common';
import { analyseAndCommit } from './ingest-finish';
import { openRecords, type PlainRecords, type RecordStream } from './ingest-records';
import type { JobToken } from './jobs';
import { yieldToEventLoop } from './jobs';

/** Header problems that make a file unusable whatever the user chooses. */
export function checkHeader(header: string[]): ImportError | undefined {
  const empty = header.findIndex((h) => h.trim() === '');
  // A single empty header cell is an empty file (or one blank line), not an unnamed column.
  if (header.length === 0 || (header.length === 1 && empty === 0)) return { kind: 'empty-file' };
  if (empty >= 0) return { kind: 'empty-column-name', index: empty };
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const h of header) {
    const name = h.trim();
    if (seen.has(name)) dups.add(name);
    seen.add(name);
  }
  if (dups.size > 0) return { kind: 'duplicate-column-names', names: [...dups] };
  return undefined;
}

async function open(file: File, format?: TabularImportPlan['format'], delimiter?: string) {
  if (file.size === 0) throw new ImportFailure({ kind: 'empty-file' });
  const stream = await openRecords(file, file.name, { format, delimiter });
  const problem = checkHeader(stream.header);
  if (problem) throw new ImportFailure(problem);
  return stream;
}

export async function previewTabular(
  file: File,
  options: PreviewOptions = {},
): Promise<TabularPreview> {
  const limit = options.sampleRows ?? PREVIEW_ROWS;
  const stream: RecordStream = await open(file, options.format);
  const header = stream.header.map((h) => h.trim());
  const sampleRows: string[][] = [];
  const ragged: number[] = [];
  let raggedTotal = 0;
  let row = 0;
  outer: for await (const batch of stream.batches) {
    for (const cells of batch.rows) {
      row++;
      if (stream.format !== 'jsonl' && cells.length !== header.length) {
        raggedTotal++;
        if (ragged.length < MAX_PROBLEM_EXAMPLES) ragged.push(row);
      }
      sampleRows.push(cells);
      if (sampleRows.length >= limit) break outer;
    }
  }
  await stream.batches.return(undefined);
  if (sampleRows.length === 0) throw new ImportFailure({ kind: 'header-only' });
  const problems: ImportProblem[] = [];
  if (stream.hasBom) problems.push({ kind: 'bom' });
  if (raggedTotal > 0) {
    problems.push({
      kind: 'ragged-rows',
      rows: ragged,
      total: raggedTotal,
      expected: header.length,
    });
  }
  const regular = sampleRows.filter((r) => r.length === header.length);
  return {
    format: stream.format,
    delimiter: stream.delimiter,
    hasBom: stream.hasBom,
    header,
    sampleRows,
    inferred: inferColumns(header, regular.length > 0 ? regular : sampleRows),
    problems,
    totalBytes: file.size,
  };
}

/**
 * Reads every row once (nothing is written): each column's type from all its cells and its
 * distinct values with counts (bounded), so the label mapping lists every target value the file
 * holds and a type the first rows suggested is checked against the rest. Ragged rows are counted
 * and left out, as the preview leaves them out of inference.
 */
export async function profileTabular(
  file: File,
  options: { format?: TabularImportPlan['format']; delimiter?: string },
  job: JobToken,
  progress: ProgressReporter,
): Promise<TabularProfile> {
  progress.update('reading', 0, 0, true);
  const stream = await open(file, options.format, options.delimiter);
  const header = stream.header.map((h) => h.trim());
  const evidence = header.map((name) => new ColumnEvidence(name));
  const width = header.length;
  let rows = 0;
  let raggedRows = 0;
  for await (const batch of stream.batches) {
    for (const cells of batch.rows) {
      rows++;
      if (stream.format !== 'jsonl' && cells.length !== width) {
        raggedRows++;
        continue;
      }
      for (let c = 0; c < width; c++) evidence[c]!.add(cells[c]);
    }
    progress.update('reading', batch.bytesRead, rows);
    await yieldToEventLoop();
    job.throwIfCancelled();
  }
  if (rows === 0) throw new ImportFailure({ kind: 'header-only' });
  return {
    rows,
    raggedRows,
    columns: evidence.map((e) => ({
      ...e.infer(),
      values: e.values(PROFILE_VALUES),
      valuesCapped: e.capped || e.distinct > PROFILE_VALUES,
    })),
  };
}

/** Column plans in header order (what the builder's `push` expects); unplanned columns are ignored. */
function columnPlans(header: string[], plan: TabularImportPlan): ColumnPlan[] {
  const byName = new Map(plan.columns.map((c) => [c.name, c]));
  for (const c of plan.columns) {
    if (!header.includes(c.name)) throw new ImportFailure({ kind: 'missing-column', name: c.name });
  }
  const roleOf = (name: string, fallback: ColumnPlan['role']): ColumnPlan['role'] =>
    name === plan.idColumn
      ? 'id'
      : name === plan.targetColumn
        ? 'target'
        : name === plan.timeColumn
          ? 'time'
          : fallback;
  return header.map((name) => {
    const c = byName.get(name);
    if (!c) return { name, type: 'text', role: 'ignored' };
    let type = c.type;
    // Text imports keep the text column as text whatever inference said.
    if (plan.modality === 'text' && name === plan.textColumn) type = 'text';
    return { name, type, role: roleOf(name, c.role) };
  });
}

export async function importTabular(
  repo: SourcesRepo,
  file: File,
  plan: TabularImportPlan,
  sourceId: string,
  job: JobToken,
  progress: ProgressReporter,
): Promise<ImportSummary> {
  const started = performance.now();
  progress.update('reading', 0, 0, true);
  const stream = await open(file, plan.format, plan.delimiter);
  const header = stream.header.map((h) => h.trim());
  for (const name of [plan.idColumn, plan.targetColumn, plan.timeColumn, plan.textColumn]) {
    if (name !== undefined && !header.includes(name))
      throw new ImportFailure({ kind: 'missing-column', name });
  }
  const plans = columnPlans(header, plan);
  const targetIndex = plan.targetColumn === undefined ? -1 : header.indexOf(plan.targetColumn);
  const idIndex = plan.idColumn === undefined ? -1 : header.indexOf(plan.idColumn);

  const chunks: ChunkRecord[] = [];
  const built = ChunkBuilder.create(
    sourceId,
    plans,
    plan.idColumn !== undefined ? { kind: 'column', name: plan.idColumn } : { kind: 'row' },
    { onChunk: (c) => chunks.push(c) },
  );
  if (!built.ok) throw new ImportFailure({ kind: 'missing-column', name: plan.idColumn ?? '' });
  const builder = built.value;

  const staging: Omit<SourceRecord, 'status' | 'heartbeatAt'> = {
    id: sourceId,
    projectId: plan.projectId,
    name: plan.name,
    modality: plan.modality,
    role: plan.role,
    rowCount: 0,
    columns: builder.schema(),
    createdAt: Date.now(),
  };
  if (plan.timeColumn !== undefined) staging.timeColumn = plan.timeColumn;
  await repo.createStaging(staging);

  const writer = new ChunkWriter(repo, sourceId);
  // Each chunk is digested (WebCrypto works off the thread: not awaited until the end) and added
  // to the quality report as it is cut, so nothing is read back from the database afterwards.
  const chunkDigests: Promise<string>[] = [];
  const labelOf = new Map<string, string>();
  const quality = qualityAccumulator(builder.schema(), {
    labels: labelOf,
    targetFallback: true,
    ...(plan.classNames ? { classNames: new Map(Object.entries(plan.classNames)) } : {}),
  });
  const drainChunks = async (): Promise<void> => {
    for (const c of chunks.splice(0)) {
      quality.add(c);
      const digest = chunkDigest(c);
      digest.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      chunkDigests.push(digest);
      await writer.add(c);
    }
  };
  const skips = new SkipLog();
  const RAGGED = 'ragged row';
  const annotations: Omit<AnnotationRecord, 'seq'>[] = [];
  const labelMap = plan.labelMap;
  const at = Date.now();
  let row = 0;
  // When not skipping, the first ragged row ends writing, but we read on to count them all.
  let failedRagged = false;
  const pushFailed = (e: ChunkBuildError): never => {
    throw new ImportFailure(
      e.kind === 'duplicate-id'
        ? { kind: 'duplicate-ids', column: plan.idColumn ?? '', examples: [e.value] }
        : e.kind === 'missing-id'
          ? { kind: 'missing-ids', column: plan.idColumn ?? '', rows: [e.row + 1] }
          : { kind: 'missing-column', name: e.name },
    );
  };
  // Every row of a source with a target column either gets a label or is counted here by reason,
  // so the result line can say how many arrived without one and why.
  const skipLabels = new Set(plan.skipLabels ?? []);
  let emptyTarget = 0;
  let notDrawn = 0;
  const notMapped = new Map<string, number>();
  /** Whether the row's target value is one the user chose to leave out (it is then counted). */
  const skipByLabel = (cellAt: (k: number) => string): boolean => {
    if (targetIndex < 0 || skipLabels.size === 0) return false;
    const value = presentText(cellAt(targetIndex));
    if (value === null || !skipLabels.has(value)) return false;
    skips.add(`target value “${value}”, as chosen`, String(row));
    return true;
  };
  /** The import annotation of the row just pushed, from its target (and id) cell. */
  const annotate = (cellAt: (k: number) => string): void => {
    if (targetIndex < 0) return;
    const value = presentText(cellAt(targetIndex));
    if (value === null) {
      emptyTarget++;
      return;
    }
    const classId = labelMap?.[value];
    if (classId === undefined) {
      notMapped.set(value, (notMapped.get(value) ?? 0) + 1);
      return;
    }
    // The builder's item id rule (chunk-builder.ts): `${sourceId}:${id or 0-based row}`.
    const key = idIndex >= 0 ? cellAt(idIndex).trim() : String(builder.rowCount - 1);
    if (!importLabelSelected(key, plan.importLabels)) {
      notDrawn++;
      return;
    }
    const itemId = `${sourceId}:${key}`;
    labelOf.set(itemId, classId);
    annotations.push({
      projectId: plan.projectId,
      itemId,
      label: classId,
      annotator: 'import',
      sessionId: importSessionId(sourceId),
      kind: 'import',
      at,
    });
  };
  const columnCount = header.length;
  const starts = new Int32Array(columnCount);
  const ends = new Int32Array(columnCount);
  /** Unquoted records scanned in place: cell spans instead of an array of strings per row. */
  const pushPlain = ({ text, delimiter, newline }: PlainRecords): void => {
    const delim = delimiter.charCodeAt(0);
    const cellAt = (k: number) => text.slice(starts[k], ends[k]);
    let pos = 0;
    for (;;) {
      let lineEnd = text.indexOf(newline, pos);
      if (lineEnd < 0) lineEnd = text.length;
      let cells = 0;
      let cellStart = pos;
      for (let c = pos; c < lineEnd; c++) {
        if (text.charCodeAt(c) !== delim) continue;
        if (cells < columnCount) {
          starts[cells] = cellStart;
          ends[cells] = c;
        }
        cells++;
        cellStart = c + 1;
      }
      if (cells < columnCount) {
        starts[cells] = cellStart;
        ends[cells] = lineEnd;
      }
      cells++;
      // A blank line (no delimiter, only white space) is no record.
      const blank = cells === 1 && text.slice(pos, lineEnd).trim() === '';
      if (!blank) {
        row++;
        if (cells !== columnCount) {
          skips.add(RAGGED, String(row));
          if (!plan.skipRaggedRows) failedRagged = true;
        } else if (!failedRagged && !skipByLabel(cellAt)) {
          const pushed = builder.pushSpans(text, starts, ends);
          if (!pushed.ok) pushFailed(pushed.error);
          annotate(cellAt);
        }
      }
      if (lineEnd >= text.length) return;
      pos = lineEnd + newline.length;
    }
  };
  try {
    for await (const batch of stream.batches) {
      const bytesRead = batch.bytesRead;
      if (batch.plain && stream.format !== 'jsonl') pushPlain(batch.plain);
      else {
        const rows = batch.rows;
        for (let r = 0; r < rows.length; r++) {
          const cells = rows[r]!;
          row++;
          if (stream.format !== 'jsonl' && cells.length !== columnCount) {
            skips.add(RAGGED, String(row));
            if (!plan.skipRaggedRows) failedRagged = true;
            continue;
          }
          if (failedRagged || skipByLabel((k) => cells[k]!)) continue;
          const pushed = builder.push(cells);
          if (!pushed.ok) pushFailed(pushed.error);
          annotate((k) => cells[k]!);
        }
      }
      await drainChunks();
      progress.update('reading', bytesRead, builder.rowCount);
      await yieldToEventLoop();
      job.throwIfCancelled();
    }
    if (failedRagged) {
      throw new ImportFailure({
        kind: 'ragged-rows',
        rows: skips.examples(RAGGED).map(Number),
        total: skips.count(RAGGED),
        expected: header.length,
      });
    }
    if (builder.rowCount === 0) throw new ImportFailure({ kind: 'header-only' });
    builder.finish(); // the last chunk arrives through onChunk
    await drainChunks();
    progress.update('writing', file.size, builder.rowCount, true);
    await writer.flush();
  } catch (e) {
    await writer.settle();
    throw e;
  }

  return analyseAndCommit({
    repo,
    sourceId,
    job,
    progress,
    rowCount: builder.rowCount,
    columns: builder.schema(),
    parseFailures: builder.parseFailures,
    totalBytes: file.size,
    started,
    skipped: skips.list(),
    annotations,
    ...(targetIndex >= 0 ? { unlabelled: unlabelledRows(emptyTarget, notMapped, notDrawn) } : {}),
    ...(plan.newClasses && plan.newClasses.length > 0 ? { newClasses: plan.newClasses } : {}),
    chunkDigests: await Promise.all(chunkDigests),
    quality,
  });
}

function unlabelledRows(
  emptyTarget: number,
  notMapped: ReadonlyMap<string, number>,
  notDrawn: number,
): UnlabelledRows[] {
  const out: UnlabelledRows[] = [];
  if (emptyTarget > 0) out.push({ reason: 'empty-target', count: emptyTarget });
  if (notMapped.size > 0) {
    const values = [...notMapped.entries()]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count);
    const count = values.reduce((n, v) => n + v.count, 0);
    out.push({ reason: 'not-mapped', count, values: values.slice(0, MAX_PROBLEM_EXAMPLES) });
  }
  if (notDrawn > 0) out.push({ reason: 'not-drawn', count: notDrawn });
  return out;
}
