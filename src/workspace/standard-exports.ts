// Exports other tools read, so a team that outgrows the browser can continue elsewhere:
// - labels as CSV and JSON Lines (the current label of every labelled item, and who gave it);
// - Label Studio JSON: one task per labelled item with a `choices` annotation (classification),
//   `completed_by` an integer user id as Label Studio's own JSON export writes it (docs: "User ID of
//   the user that created the annotation"), with the id → annotator name list beside the tasks;
//   float32 columns written with the shortest decimals that read back as the same float32;
// - runs in MLflow's file-store layout, zipped: mlruns/<experiment>/meta.yaml and
//   mlruns/<experiment>/<run>/{meta.yaml, params/, metrics/, tags/} (+ the TF.js model under
//   artifacts/model when the run kept weights). Metric files hold lines "timestamp value step".
import { zipSync, strToU8 } from 'fflate';
import { layersModelJson } from '../registry/tfjs-export';
import type {
  AnnotationRecord,
  ChunkRecord,
  ModelWeightsRecord,
  Project,
  RunRecord,
} from '../persistence/schema';

export interface LabelRow {
  itemId: string;
  label: string;
  labelName: string;
  annotator: string;
  kind: AnnotationRecord['kind'];
  at: number;
}

/** The entry that decides each labelled item's label (same replay as `currentLabelsOf`). */
export function currentLabelRows(project: Project, log: readonly AnnotationRecord[]): LabelRow[] {
  const ordered = [...log].sort((a, b) => a.seq - b.seq);
  const undone = new Set<number>();
  for (const e of ordered) if (e.kind === 'undo' && e.undoes !== undefined) undone.add(e.undoes);
  const deciding = new Map<string, AnnotationRecord>();
  for (const e of ordered) {
    if (e.kind === 'undo' || undone.has(e.seq)) continue;
    if (e.label === null && e.flag) continue;
    if (e.label === null) deciding.delete(e.itemId);
    else deciding.set(e.itemId, e);
  }
  const names = new Map(project.classes.map((c) => [c.id, c.name]));
  return [...deciding.values()]
    .map((e) => ({
      itemId: e.itemId,
      label: e.label!,
      labelName: names.get(e.label!) ?? e.label!,
      annotator: e.annotator,
      kind: e.kind,
      at: e.at,
    }))
    .sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote what would break a row, and defuse cells a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function labelsCsv(rows: readonly LabelRow[]): string {
  const header = 'item_id,label,label_name,annotator,kind,labelled_at';
  const lines = rows.map((r) =>
    [r.itemId, r.label, r.labelName, r.annotator, r.kind, new Date(r.at).toISOString()]
      .map(csvCell)
      .join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

export function labelsJsonl(rows: readonly LabelRow[]): string {
  return rows
    .map((r) =>
      JSON.stringify({
        item_id: r.itemId,
        label: r.label,
        label_name: r.labelName,
        annotator: r.annotator,
        kind: r.kind,
        labelled_at: new Date(r.at).toISOString(),
      }),
    )
    .map((l) => `${l}\n`)
    .join('');
}

export interface LabelStudioTask {
  id: number;
  data: Record<string, unknown>;
  annotations: {
    result: {
      from_name: string;
      to_name: string;
      type: 'choices';
      value: { choices: string[] };
    }[];
    /** Label Studio user id (1-based), see `LabelStudioExport.annotators`. */
    completed_by: number;
    created_at: string;
  }[];
}

export interface LabelStudioExport {
  tasks: LabelStudioTask[];
  labelConfig: string;
  /** Who each `completed_by` id is: Label Studio's tasks carry only the number. */
  annotators: { id: number; name: string }[];
}

/**
 * The shortest decimal that reads back as the same float32 (39.1, not 39.099998474121094, which
 * is what the float32 widened to a double prints as). Tries 1…9 significant digits: 9 always
 * round-trips a float32.
 */
export function float32Shortest(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Task data per wanted item from its chunk: column name → value (null where missing). */
export function labelStudioItemData(
  project: Project,
  chunks: readonly ChunkRecord[],
  wanted: ReadonlySet<string>,
): Map<string, Record<string, unknown>> {
  const itemData = new Map<string, Record<string, unknown>>();
  for (const chunk of chunks) {
    const text = Object.entries(chunk.columns).find(([, c]) => c.kind === 'str');
    chunk.itemIds.forEach((id, i) => {
      if (!wanted.has(id)) return;
      const values: Record<string, unknown> = {};
      for (const [name, col] of Object.entries(chunk.columns)) {
        if (col.kind === 'str') values[name] = col.values[i];
        else if (col.kind === 'i32')
          values[name] = col.codes[i]! < 0 ? null : col.vocab[col.codes[i]!];
        else if (col.missing[i]) values[name] = null;
        else values[name] = col.kind === 'f32' ? float32Shortest(col.values[i]!) : col.values[i];
      }
      if (project.modality === 'text' && text) values.text = values[text[0]];
      itemData.set(id, values);
    });
  }
  return itemData;
}

/**
 * Label Studio tasks for a classification project, with the labeling config they fit:
 * `<Choices name="label" toName="item">` over the item's `text` (text projects) or its row.
 */
export function labelStudioTasks(
  project: Project,
  rows: readonly LabelRow[],
  itemData: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): LabelStudioExport {
  // Ids in name order, so one project always gives the same numbers.
  const names = [...new Set(rows.map((r) => r.annotator))].sort();
  const userId = new Map(names.map((name, i) => [name, i + 1]));
  const tasks = rows.map((r, i) => ({
    id: i + 1,
    data: { item_id: r.itemId, ...(itemData.get(r.itemId) ?? {}) },
    annotations: [
      {
        result: [
          {
            from_name: 'label',
            to_name: 'item',
            type: 'choices' as const,
            value: { choices: [r.labelName] },
          },
        ],
        completed_by: userId.get(r.annotator)!,
        created_at: new Date(r.at).toISOString(),
      },
    ],
  }));
  const escape = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const choices = project.classes.map((c) => `    <Choice value="${escape(c.name)}"/>`).join('\n');
  const view =
    project.modality === 'text'
      ? '<Text name="item" value="$text"/>'
      : '<Text name="item" value="$item_id"/>';
  return {
    tasks,
    annotators: names.map((name, i) => ({ id: i + 1, name })),
    labelConfig: `<View>\n  ${view}\n  <Choices name="label" toName="item" choice="single">\n${choices}\n  </Choices>\n</View>\n`,
  };
}

// MLflow RunStatus numbers in meta.yaml: RUNNING 1, FINISHED 3, FAILED 4, KILLED 5.
const MLFLOW_STATUS: Record<RunRecord['status'], number> = {
  running: 1,
  completed: 3,
  failed: 4,
  cancelled: 5,
};

/** MLflow keys allow letters, digits, `_ - . / ` and space. */
function mlflowKey(key: string): string {
  return (
    key
      .replace(/[^A-Za-z0-9_\-./ ]/g, '_')
      .replace(/^\/+/, '')
      .slice(0, 250) || '_'
  );
}

function yamlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function flatten(prefix: string, value: unknown, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
}

/** Hex run id MLflow expects (32 chars), stable for a run id. */
async function mlflowRunId(runId: string): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(runId)),
  );
  return [...hash.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The runs of a project as an MLflow file store (experiment "1", named after the project), zipped. */
export async function mlflowZip(
  project: Project,
  runs: readonly RunRecord[],
  weights: ReadonlyMap<string, ModelWeightsRecord> = new Map(),
): Promise<Uint8Array> {
  const exp = '1';
  const files: Record<string, Uint8Array> = {};
  const put = (path: string, text: string) => {
    files[`mlruns/${path}`] = strToU8(text);
  };
  put(
    `${exp}/meta.yaml`,
    [
      `artifact_location: mlruns/${exp}`,
      `creation_time: ${project.createdAt}`,
      `experiment_id: '${exp}'`,
      `last_update_time: ${project.updatedAt}`,
      'lifecycle_stage: active',
      `name: ${yamlString(project.name)}`,
      '',
    ].join('\n'),
  );
  for (const run of runs) {
    const id = await mlflowRunId(run.id);
    const dir = `${exp}/${id}`;
    const end = run.finishedAt ?? run.startedAt;
    put(
      `${dir}/meta.yaml`,
      [
        `artifact_uri: mlruns/${exp}/${id}/artifacts`,
        `end_time: ${run.finishedAt ?? 'null'}`,
        'entry_point_name: ""',
        `experiment_id: '${exp}'`,
        'lifecycle_stage: active',
        `run_id: ${id}`,
        `run_name: ${yamlString(run.id)}`,
        `run_uuid: ${id}`,
        'source_name: ""',
        'source_type: 4',
        'source_version: ""',
        `start_time: ${run.startedAt}`,
        `status: ${MLFLOW_STATUS[run.status]}`,
        'tags: []',
        "user_id: 'inloop'",
        '',
      ].join('\n'),
    );
    const params = new Map<string, string>();
    flatten('', run.config, params);
    params.set('seed', String(run.seed));
    params.set('backend', run.backend);
    for (const [k, v] of params) put(`${dir}/params/${mlflowKey(k)}`, v);
    // One line per epoch for curves; the final metrics at the run's end time, step 0.
    const metricLines = new Map<string, string[]>();
    const span = Math.max(1, end - run.startedAt);
    for (const [name, series] of Object.entries(run.curves)) {
      metricLines.set(
        mlflowKey(name),
        series.map(
          (v, step) =>
            `${Math.round(run.startedAt + ((step + 1) * span) / series.length)} ${v} ${step}`,
        ),
      );
    }
    for (const [name, value] of Object.entries(run.metrics)) {
      const key = mlflowKey(metricLines.has(mlflowKey(name)) ? `final.${name}` : name);
      metricLines.set(key, [`${end} ${value} 0`]);
    }
    for (const [k, lines] of metricLines) put(`${dir}/metrics/${k}`, `${lines.join('\n')}\n`);
    const tags: Record<string, string> = {
      'mlflow.runName': run.id,
      'mlflow.source.name': 'inloop',
      'mlflow.user': 'inloop',
      'inloop.runId': run.id,
      'inloop.projectId': project.id,
      'inloop.dataDigest': run.dataDigest,
      'inloop.labelDigest': run.labelDigest,
    };
    if (run.configHash) tags['inloop.configHash'] = run.configHash;
    if (run.error) tags['inloop.error'] = run.error;
    for (const [k, v] of Object.entries(tags)) put(`${dir}/tags/${k}`, v);
    const w = weights.get(run.weightsKey ?? `run:${run.id}`);
    if (w) {
      put(`${dir}/artifacts/model/model.json`, JSON.stringify(layersModelJson(w, 'weights.bin')));
      files[`mlruns/${dir}/artifacts/model/weights.bin`] = new Uint8Array(w.weightData);
    }
  }
  return zipSync(files, { level: 6 });
}
