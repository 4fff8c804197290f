// The prediction log as a file other tools read: CSV or JSON Lines, one row per prediction with the
// item, the model version, the time, the predicted class by NAME, one probability per class (class
// names as headers / keys) and the item's ground truth by name once it is known.
//
// A log can hold hundreds of thousands of rows, so the file is built page by page (EXPORT_PAGE
// rows read by `seq`, their ground truth read for that page only), the text of each page kept as
// one string part of the final Blob, and the event loop given back between pages: the page stays
// responsive and the memory held is the file's text, never all the records at once.
import type { GroundTruth, PredictionFilter } from '../persistence/predictions-repo';
import type { PredictionRecord } from '../persistence/schema';
import type { Project } from '../projects/types';

export type PredictionExportFormat = 'csv' | 'jsonl';

/** What the export reads; `PredictionsRepo` fits. */
export interface PredictionLogSource {
  since(
    projectId: string,
    afterSeq: number,
    options?: PredictionFilter & { limit?: number },
  ): Promise<PredictionRecord[]>;
  delayedLabels(projectId: string, itemIds: readonly string[]): Promise<Map<string, GroundTruth>>;
}

export interface PredictionExportOptions {
  filter?: PredictionFilter;
  signal?: AbortSignal;
  /** Rows written so far, after each page. */
  onProgress?: (rows: number) => void;
  /** Version numbers by model id, for rows logged before `version` was copied into the log. */
  versions?: ReadonlyMap<string, number>;
  /** Rows per page read from the database. Default 5,000. */
  pageRows?: number;
}

export interface PredictionExport {
  blob: Blob;
  rows: number;
}

export const EXPORT_PAGE = 5_000;

const FIXED_COLUMNS = [
  'item_id',
  'model_version',
  'predicted_at',
  'mode',
  'predicted_class',
  'confidence',
] as const;

/**
 * Probability column names: the class names themselves; a name that clashes with a fixed column
 * or another class's column becomes `p(name)` (then numbered), so every header is unique.
 */
export function probabilityColumns(project: Pick<Project, 'classes'>): string[] {
  const taken = new Set<string>([...FIXED_COLUMNS, 'ground_truth']);
  return project.classes.map((c) => {
    let name = taken.has(c.name) || c.name === '' ? `p(${c.name})` : c.name;
    for (let n = 2; taken.has(name); n++) name = `p(${c.name}) ${n}`;
    taken.add(name);
    return name;
  });
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote what would break a row, and defuse text a spreadsheet would run as a formula.
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const iso = (at: number) => (Number.isFinite(at) ? new Date(at).toISOString() : '');

/** Gives the event loop a turn so a long export does not freeze the page. */
const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The log (or the part `filter` selects) as a CSV or JSON Lines Blob, oldest prediction first. */
export async function exportPredictionLog(
  log: PredictionLogSource,
  project: Project,
  format: PredictionExportFormat,
  options: PredictionExportOptions = {},
): Promise<PredictionExport> {
  const names = new Map(project.classes.map((c) => [c.id, c.name]));
  const nameOf = (id: string) => names.get(id) ?? id;
  const probColumns = probabilityColumns(project);
  const pageRows = options.pageRows ?? EXPORT_PAGE;
  const parts: string[] = [];
  if (format === 'csv') {
    parts.push(`${[...FIXED_COLUMNS, ...probColumns, 'ground_truth'].map(csvCell).join(',')}\n`);
  }
  let afterSeq = 0;
  let rows = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await log.since(project.id, afterSeq, { ...options.filter, limit: pageRows });
    if (page.length === 0) break;
    const truth = await log.delayedLabels(project.id, [...new Set(page.map((r) => r.itemId))]);
    const lines: string[] = [];
    for (const r of page) {
      const version = r.version ?? options.versions?.get(r.modelId);
      const known = truth.get(r.itemId);
      const confidence = r.confidence ?? Math.max(...r.probabilities);
      if (format === 'csv') {
        lines.push(
          [
            csvCell(r.itemId),
            version ?? csvCell(r.modelId),
            iso(r.at),
            r.mode ?? '',
            csvCell(nameOf(r.label)),
            confidence,
            ...project.classes.map((_, k) => r.probabilities[k] ?? ''),
            known ? csvCell(nameOf(known.label)) : '',
          ].join(','),
        );
      } else {
        lines.push(
          JSON.stringify({
            item_id: r.itemId,
            model_version: version ?? null,
            model_id: r.modelId,
            predicted_at: iso(r.at),
            mode: r.mode ?? null,
            predicted_class: nameOf(r.label),
            confidence,
            probabilities: Object.fromEntries(
              probColumns.map((col, k) => [col, r.probabilities[k] ?? null]),
            ),
            ground_truth: known ? nameOf(known.label) : null,
          }),
        );
      }
    }
    parts.push(`${lines.join('\n')}\n`);
    rows += page.length;
    afterSeq = page[page.length - 1]!.seq;
    options.onProgress?.(rows);
    if (page.length < pageRows) break;
    await yieldToPage();
  }
  const type = format === 'csv' ? 'text/csv' : 'application/jsonl';
  return { blob: new Blob(parts, { type }), rows };
}

/** `<project>-predictions[-<what>].csv|jsonl`. */
export function predictionExportName(
  project: Pick<Project, 'name'>,
  format: PredictionExportFormat,
  what?: string,
): string {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  const base = slug(project.name) || 'project';
  return `${base}-predictions${what ? `-${slug(what)}` : ''}.${format}`;
}
