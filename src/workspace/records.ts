// One schema per table for rows read from a workspace file: types, required fields, allowed
// values, and ids that must refer to this project (a source of the project, a run of the project).
// Unknown extra fields are kept: other parts of Inloop add optional fields without a schema bump.
// References between tables are checked too: an annotation's label is a class, its item is an item of
// one of the file's sources, a model version's run is in the file, a prediction's version is in the
// file (or was deleted, as the registry's audit log in the file records).
// A row that fails gets a reason the user can read; the first failing row stops the import.
import { PROJECT_TABLES, type ProjectRows, type ProjectTable } from '../persistence/workspace-repo';
import type { RawWorkspace } from './format';

type Row = Record<string, unknown>;

class Invalid extends Error {}

const isObj = (v: unknown): v is Row =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !(v instanceof ArrayBuffer) &&
  !ArrayBuffer.isView(v) &&
  !(typeof Blob !== 'undefined' && v instanceof Blob);

function need(cond: boolean, reason: string): asserts cond {
  if (!cond) throw new Invalid(reason);
}

const str = (r: Row, k: string) => need(typeof r[k] === 'string', `"${k}" must be text`);
const nonEmpty = (r: Row, k: string) =>
  need(typeof r[k] === 'string' && r[k].length > 0, `"${k}" must be non-empty text`);
// Seeds, times and counts are finite: JSON such as `1e999` parses to Infinity, which no export
// writes (non-finite metrics and curve points travel as `$num` and are checked where they may be).
const num = (r: Row, k: string) =>
  need(
    typeof r[k] === 'number' && Number.isFinite(r[k]),
    `"${k}" must be a finite number (it is ${String(r[k])})`,
  );
const int = (r: Row, k: string, min = 0) =>
  need(Number.isSafeInteger(r[k]) && (r[k] as number) >= min, `"${k}" must be an integer ≥ ${min}`);
const bool = (r: Row, k: string) => need(typeof r[k] === 'boolean', `"${k}" must be true or false`);
const obj = (r: Row, k: string) => need(isObj(r[k]), `"${k}" must be an object`);
const arr = (r: Row, k: string) => need(Array.isArray(r[k]), `"${k}" must be a list`);
const oneOf = (r: Row, k: string, values: readonly unknown[]) =>
  need(values.includes(r[k]), `"${k}" must be one of ${values.join(', ')}`);
const nullOr = (r: Row, k: string, check: (r: Row, k: string) => void) => {
  if (r[k] !== null) check(r, k);
};
const optional = (r: Row, k: string, check: (r: Row, k: string) => void) => {
  if (r[k] !== undefined) check(r, k);
};
const strings = (r: Row, k: string) =>
  need(
    Array.isArray(r[k]) && (r[k] as unknown[]).every((x) => typeof x === 'string'),
    `"${k}" must be a list of text`,
  );

interface Context {
  projectId: string;
  sourceIds: Set<string>;
  sourceRows: Map<string, Row>;
  runIds: Set<string>;
  modelIds: Set<string>;
  weightKeys: Set<string>;
  classIds: Set<string>;
  /** Every item id of every chunk in the file. */
  itemIds: Set<string>;
  /** Model versions the file's audit log records as deleted ("registry.delete" events). */
  deletedModelIds: Set<string>;
}

const label = (r: Row, k: string, c: Context) =>
  need(
    typeof r[k] === 'string' && c.classIds.has(r[k]),
    `"${k}" "${String(r[k])}" is not one of the project's classes`,
  );

// Item ids are `${sourceId}:${key}` with a UUID source id (src/data/chunk-builder.ts,
// workers/ingest-items.ts). Deleting a source keeps the human labels of its items in the
// append-only log (sources-repo deleteSource), so an annotation whose id names a UUID source that
// is not in the file is a label kept from a deleted source, not a dangling reference.
const KEPT_FROM_DELETED_SOURCE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):/;

function itemOfFile(r: Row, c: Context): void {
  const id = r.itemId as string;
  if (c.itemIds.has(id)) return;
  const source = KEPT_FROM_DELETED_SOURCE.exec(id)?.[1];
  need(
    source !== undefined && !c.sourceIds.has(source),
    `"itemId" "${id}" is not an item of any source in this file`,
  );
}

const modelOfFile = (r: Row, k: string, c: Context) =>
  need(
    typeof r[k] === 'string' && (c.modelIds.has(r[k]) || c.deletedModelIds.has(r[k])),
    `"${k}" "${String(r[k])}" is not a model version in this file`,
  );

const ofProject = (r: Row, c: Context) =>
  need(r.projectId === c.projectId, '"projectId" is not the project of this file');
const ofSource = (r: Row, c: Context) =>
  need(
    typeof r.sourceId === 'string' && c.sourceIds.has(r.sourceId),
    '"sourceId" is not a source of this project',
  );

function validateProject(r: Row): void {
  nonEmpty(r, 'id');
  nonEmpty(r, 'name');
  oneOf(r, 'modality', ['tabular', 'image', 'text']);
  arr(r, 'classes');
  const ids = new Set<string>();
  for (const c of r.classes as unknown[]) {
    need(isObj(c), 'a class must be an object');
    nonEmpty(c, 'id');
    str(c, 'name');
    str(c, 'hotkey');
    str(c, 'color');
    need(!ids.has(c.id as string), `class id "${String(c.id)}" repeats`);
    ids.add(c.id as string);
  }
  nullOr(r, 'targetColumn', str);
  int(r, 'imageSize', 1);
  num(r, 'seed');
  num(r, 'createdAt');
  num(r, 'updatedAt');
}

const COLUMN_KINDS = ['f32', 'f64', 'i32', 'str'];

function validateSource(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofProject(r, c);
  str(r, 'name');
  oneOf(r, 'modality', ['tabular', 'image', 'text']);
  oneOf(r, 'role', ['pool', 'production']);
  oneOf(r, 'status', ['staging', 'ready']);
  int(r, 'rowCount');
  arr(r, 'columns');
  for (const col of r.columns as unknown[]) {
    need(isObj(col), 'a column must be an object');
    str(col, 'name');
    str(col, 'type');
    oneOf(col, 'storage', COLUMN_KINDS);
    oneOf(col, 'role', ['feature', 'target', 'id', 'time', 'ignored']);
    optional(col, 'vocab', strings);
  }
  num(r, 'createdAt');
}

function validateChunk(r: Row, c: Context): void {
  ofSource(r, c);
  int(r, 'index');
  int(r, 'rowStart');
  int(r, 'rowCount');
  strings(r, 'itemIds');
  const n = r.rowCount as number;
  need((r.itemIds as string[]).length === n, '"itemIds" must have one id per row');
  obj(r, 'columns');
  const source = c.sourceRows.get(r.sourceId as string)!;
  const declared = new Set((source.columns as Row[]).map((col) => col.name as string));
  for (const [name, col] of Object.entries(r.columns as Row)) {
    need(declared.has(name), `column "${name}" is not a column of its source`);
    need(isObj(col), `column "${name}" must be an object`);
    switch (col.kind) {
      case 'f32':
        need(
          col.values instanceof Float32Array && col.values.length === n,
          `column "${name}" needs ${n} float32 values`,
        );
        need(
          col.missing instanceof Uint8Array && col.missing.length === n,
          `column "${name}" needs ${n} missing marks`,
        );
        break;
      case 'f64':
        need(
          col.values instanceof Float64Array && col.values.length === n,
          `column "${name}" needs ${n} float64 values`,
        );
        need(
          col.missing instanceof Uint8Array && col.missing.length === n,
          `column "${name}" needs ${n} missing marks`,
        );
        break;
      case 'i32':
        need(
          col.codes instanceof Int32Array && col.codes.length === n,
          `column "${name}" needs ${n} int32 codes`,
        );
        strings(col, 'vocab');
        break;
      case 'str':
        need(
          Array.isArray(col.values) &&
            col.values.length === n &&
            col.values.every((v) => typeof v === 'string'),
          `column "${name}" needs ${n} texts`,
        );
        break;
      default:
        throw new Invalid(`column "${name}" has an unknown kind`);
    }
  }
}

function validateBlob(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofSource(r, c);
  str(r, 'itemId');
  need(
    c.itemIds.has(r.itemId as string),
    `"itemId" "${String(r.itemId)}" is not an item of its source`,
  );
  oneOf(r, 'kind', ['pixels', 'thumbnail', 'original']);
  need(
    r.data instanceof ArrayBuffer || (typeof Blob !== 'undefined' && r.data instanceof Blob),
    '"data" must be binary',
  );
  int(r, 'width');
  int(r, 'height');
}

function validateAnnotation(r: Row, c: Context): void {
  int(r, 'seq', 1);
  ofProject(r, c);
  str(r, 'itemId');
  itemOfFile(r, c);
  nullOr(r, 'label', (x, k) => label(x, k, c));
  str(r, 'annotator');
  str(r, 'sessionId');
  oneOf(r, 'kind', ['human', 'suggestion', 'import', 'adjudication', 'undo']);
  num(r, 'at');
  optional(r, 'undoes', (x, k) => int(x, k, 1));
  optional(r, 'confidence', num);
  optional(r, 'flag', (x, k) => oneOf(x, k, ['skipped', 'flagged']));
}

function validateRun(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofProject(r, c);
  oneOf(r, 'status', ['running', 'completed', 'failed', 'cancelled']);
  obj(r, 'config');
  num(r, 'seed');
  oneOf(r, 'backend', ['webgpu', 'webgl', 'wasm', 'cpu']);
  str(r, 'dataDigest');
  str(r, 'labelDigest');
  obj(r, 'curves');
  for (const series of Object.values(r.curves as Row)) {
    need(
      Array.isArray(series) && series.every((x) => typeof x === 'number'),
      'a curve must be a list of numbers',
    );
  }
  obj(r, 'metrics');
  num(r, 'startedAt');
  nullOr(r, 'finishedAt', num);
  optional(r, 'weightsKey', str);
}

function validateModel(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofProject(r, c);
  int(r, 'version', 1);
  str(r, 'runId');
  need(c.runIds.has(r.runId as string), `"runId" "${String(r.runId)}" is not a run in this file`);
  need(
    Array.isArray(r.aliases) && r.aliases.every((a) => a === 'champion' || a === 'challenger'),
    '"aliases" must list champion/challenger',
  );
  oneOf(r, 'status', ['registered', 'archived']);
  num(r, 'createdAt');
  obj(r, 'metrics');
  obj(r, 'featurisation');
  obj(r, 'lineage');
  nullOr(r, 'parentModelId', (x, k) => modelOfFile(x, k, c));
}

function validateWeights(r: Row, c: Context): void {
  nonEmpty(r, 'modelId');
  need(
    c.weightKeys.has(r.modelId as string),
    '"modelId" is not a model version or run of this project',
  );
  arr(r, 'weightSpecs');
  let bytes = 0;
  for (const s of r.weightSpecs as unknown[]) {
    need(isObj(s), 'a weight spec must be an object');
    str(s, 'name');
    need(
      Array.isArray(s.shape) && s.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0),
      'a weight shape must list sizes',
    );
    oneOf(s, 'dtype', ['float32', 'int32', 'bool', 'string', 'complex64']);
    const size = (s.shape as number[]).reduce((a, b) => a * b, 1);
    bytes += size * (s.dtype === 'bool' ? 1 : s.dtype === 'complex64' ? 8 : 4);
  }
  need(r.weightData instanceof ArrayBuffer, '"weightData" must be binary');
  // String weights have no fixed width; every other dtype must fill the buffer exactly.
  const hasStrings = (r.weightSpecs as Row[]).some((s) => s.dtype === 'string');
  need(hasStrings || r.weightData.byteLength === bytes, 'the weights do not match their specs');
}

function validatePrediction(r: Row, c: Context): void {
  int(r, 'seq', 1);
  ofProject(r, c);
  modelOfFile(r, 'modelId', c);
  str(r, 'sourceId');
  str(r, 'itemId');
  num(r, 'at');
  label(r, 'label', c);
  need(
    Array.isArray(r.probabilities) && r.probabilities.every((p) => typeof p === 'number'),
    '"probabilities" must be numbers',
  );
}

function validateWindow(r: Row, c: Context): void {
  int(r, 'seq', 1);
  ofProject(r, c);
  modelOfFile(r, 'modelId', c);
  str(r, 'sourceId');
  num(r, 'start');
  num(r, 'end');
  int(r, 'count');
  oneOf(r, 'state', ['ok', 'warning', 'drift']);
  obj(r, 'tests');
}

function validatePolicy(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofProject(r, c);
  str(r, 'name');
  bool(r, 'enabled');
  oneOf(r, 'trigger', ['schedule', 'new-labels', 'drift', 'performance-drop']);
  obj(r, 'config');
  num(r, 'createdAt');
  num(r, 'updatedAt');
}

function validatePipelineRun(r: Row, c: Context): void {
  nonEmpty(r, 'id');
  ofProject(r, c);
  nullOr(r, 'policyId', str);
  oneOf(r, 'status', ['running', 'promoted', 'kept', 'failed', 'cancelled']);
  num(r, 'startedAt');
  nullOr(r, 'finishedAt', num);
  need(Array.isArray(r.steps) && r.steps.every(isObj), '"steps" must be a list of objects');
  nullOr(r, 'challengerModelId', (x, k) => modelOfFile(x, k, c));
}

function validateEvent(r: Row, c: Context): void {
  int(r, 'seq', 1);
  ofProject(r, c);
  str(r, 'kind');
  num(r, 'at');
  str(r, 'actor');
  obj(r, 'detail');
}

const VALIDATORS: Record<Exclude<ProjectTable, 'projects'>, (r: Row, c: Context) => void> = {
  sources: validateSource,
  chunks: validateChunk,
  blobs: validateBlob,
  annotations: validateAnnotation,
  runs: validateRun,
  models: validateModel,
  modelWeights: validateWeights,
  predictions: validatePrediction,
  monitorWindows: validateWindow,
  policies: validatePolicy,
  pipelineRuns: validatePipelineRun,
  events: validateEvent,
};

// Keys that must be unique within a table (the database's primary keys).
const KEY_OF: Partial<Record<ProjectTable, (r: Row) => string>> = {
  sources: (r) => r.id as string,
  chunks: (r) => `${r.sourceId as string}#${r.index as number}`,
  blobs: (r) => r.id as string,
  annotations: (r) => String(r.seq),
  runs: (r) => r.id as string,
  models: (r) => r.id as string,
  modelWeights: (r) => r.modelId as string,
  predictions: (r) => String(r.seq),
  monitorWindows: (r) => String(r.seq),
  policies: (r) => r.id as string,
  pipelineRuns: (r) => r.id as string,
  events: (r) => String(r.seq),
};

export type RecordIssue = { table: string; index: number; reason: string };

/** Checks every row of every table; the rows, typed, or the first problem. */
export function validateRecords(
  workspace: RawWorkspace,
  projectId: string,
): { ok: true; rows: ProjectRows } | { ok: false; issue: RecordIssue } {
  const t = workspace.tables;
  for (const name of Object.keys(t)) {
    if (!(PROJECT_TABLES as readonly string[]).includes(name)) {
      return {
        ok: false,
        issue: { table: name, index: 0, reason: 'this is not a table of a project' },
      };
    }
  }
  const get = (name: ProjectTable): unknown[] => t[name] ?? [];
  let table: ProjectTable = 'projects';
  let index = 0;
  try {
    const projects = get('projects');
    need(projects.length === 1, 'a workspace holds exactly one project');
    const project = projects[0];
    need(isObj(project), 'a row must be an object');
    validateProject(project);
    need(project.id === projectId, 'the project id differs from the manifest');

    const rowsOf = (name: ProjectTable): Row[] => {
      table = name;
      const list = get(name);
      list.forEach((r, i) => {
        index = i;
        need(isObj(r), 'a row must be an object');
      });
      return list as Row[];
    };
    const sources = rowsOf('sources');
    const runs = rowsOf('runs');
    const models = rowsOf('models');
    const chunks = rowsOf('chunks');
    const events = rowsOf('events');
    const ctx: Context = {
      projectId,
      sourceIds: new Set(sources.map((s) => s.id as string)),
      sourceRows: new Map(sources.map((s) => [s.id as string, s])),
      runIds: new Set(runs.map((r) => r.id as string)),
      modelIds: new Set(models.map((m) => m.id as string)),
      weightKeys: new Set([
        ...models.map((m) => m.id as string),
        ...runs.map((r) => `run:${r.id as string}`),
        ...runs.flatMap((r) => (typeof r.weightsKey === 'string' ? [r.weightsKey] : [])),
      ]),
      classIds: new Set((project.classes as Row[]).map((c) => c.id as string)),
      // Only ids that are text; a chunk whose ids are not is refused by its own validator.
      itemIds: new Set(
        chunks.flatMap((ch) =>
          Array.isArray(ch.itemIds)
            ? ch.itemIds.filter((id): id is string => typeof id === 'string')
            : [],
        ),
      ),
      deletedModelIds: new Set(
        events.flatMap((e) =>
          e.kind === 'registry.delete' && isObj(e.detail) && typeof e.detail.modelId === 'string'
            ? [e.detail.modelId]
            : [],
        ),
      ),
    };
    // Sources first: chunks and blobs check against them.
    for (const name of Object.keys(VALIDATORS) as (keyof typeof VALIDATORS)[]) {
      const rows = rowsOf(name);
      const keys = new Set<string>();
      for (index = 0; index < rows.length; index++) {
        const row = rows[index]!;
        VALIDATORS[name](row, ctx);
        const key = KEY_OF[name]?.(row);
        if (key !== undefined) {
          need(!keys.has(key), `its key "${key}" repeats`);
          keys.add(key);
        }
      }
    }
    const seqs = new Set(get('annotations').map((a) => (a as Row).seq));
    table = 'annotations';
    get('annotations').forEach((a, i) => {
      index = i;
      const undoes = (a as Row).undoes;
      need(
        undoes === undefined || seqs.has(undoes),
        '"undoes" names an entry that is not in the log',
      );
    });
    return {
      ok: true,
      rows: Object.fromEntries(PROJECT_TABLES.map((n) => [n, get(n)])) as unknown as ProjectRows,
    };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, issue: { table, index, reason: e.message } };
    throw e;
  }
}
