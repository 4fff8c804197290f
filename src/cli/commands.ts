// The four commands. Each reads its files, calls the pure modules (learn.ts and the domain modules
// it names), writes progress lines to stderr and one JSON result to stdout, and returns the exit
// code. Files are written atomically (atomic-write.ts).
import { readFile } from 'node:fs/promises';
import type { QueueStrategyId } from '../labeling/types';
import { describeStrategyError, selectBatch } from '../labeling/strategies';
import { columnDrift, datasetDrift, type ColumnDriftOptions } from '../monitoring/drift-tests';
import type { ColumnDrift } from '../monitoring/types';
import { predictClasses } from '../training/metrics';
import type { ChunkRecord } from '../persistence/schema';
import {
  checkOptions,
  choiceOption,
  intOption,
  positionals,
  requireOption,
  type ParsedArgs,
} from './args';
import { writeFileAtomic } from './atomic-write';
import { EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, fail } from './errors';
import { featurise, metricsOf, predictProba, trainOnTable } from './learn';
import {
  MODEL_FILE_FORMAT,
  MODEL_FILE_VERSION,
  parseModelFile,
  serializeModelFile,
  type CliFamily,
  type CliModelFile,
} from './model-file';
import {
  buildTable,
  itemKey,
  planForModel,
  planForTraining,
  readRawTable,
  type Table,
} from './table';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function readModel(path: string): Promise<CliModelFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') fail({ kind: 'missing-file', path });
    fail({ kind: 'unreadable-file', path, reason: (error as Error).message });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail({ kind: 'bad-model-file', path, reason: 'not JSON' });
  }
  const parsed = parseModelFile(value);
  if (!parsed.ok) fail({ kind: 'bad-model-file', path, reason: parsed.reason });
  return parsed.model;
}

/** A data file read the way `model` was trained to read it. */
async function readForModel(
  model: CliModelFile,
  path: string,
  target: string | undefined,
): Promise<Table> {
  const raw = await readRawTable(path);
  const id = model.idColumn ?? undefined;
  const plans = planForModel(raw, model.inputColumns, target, id);
  return buildTable(raw, plans, target, id);
}

export async function trainCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkOptions(args, ['target', 'family', 'seed', 'out', 'id']);
  const [dataPath] = positionals(args, ['data']) as [string];
  const target = requireOption(args, 'target');
  const out = requireOption(args, 'out');
  const family = choiceOption<CliFamily>(
    args,
    'family',
    ['auto', 'linear', 'boosted-trees'],
    'auto',
  );
  const seed = intOption(args, 'seed', 42);
  const id = args.options.get('id');
  const raw = await readRawTable(dataPath);
  const table = buildTable(raw, planForTraining(raw, target, id), target, id);
  io.stderr(
    `inloop: read ${table.rowCount} rows × ${raw.header.length} columns from ${dataPath}\n`,
  );
  const outcome = trainOnTable(table, family, seed, (line) => io.stderr(`inloop: ${line}\n`));
  if (!outcome.ok) {
    const p = outcome.problem;
    switch (p.kind) {
      case 'too-few-classes':
        fail({ kind: 'too-few-classes', path: dataPath, target, classes: p.classes });
      // falls through: fail never returns
      case 'too-few-items':
        fail({ kind: 'too-few-items', path: dataPath, train: p.train, validation: p.validation });
      // falls through
      case 'no-features':
        fail({ kind: 'no-features', path: dataPath });
    }
  }
  const { spec, learner, trials, splits, data } = outcome.trained;
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  const model: CliModelFile = {
    format: MODEL_FILE_FORMAT,
    formatVersion: MODEL_FILE_VERSION,
    target,
    idColumn: id ?? null,
    seed,
    requestedFamily: family,
    inputColumns: spec.inputColumns.map((name) => ({ name, type: types.get(name)! })),
    spec,
    learner,
    trials,
    splits,
    metrics: {
      train: metricsOf(learner, spec, data.train),
      validation: metricsOf(learner, spec, data.validation),
      test: data.test.rows > 0 ? metricsOf(learner, spec, data.test) : null,
      holdout: data.holdout.rows > 0 ? metricsOf(learner, spec, data.holdout) : null,
    },
  };
  await writeFileAtomic(out, serializeModelFile(model));
  io.stderr(`inloop: wrote ${out} (${learner.family})\n`);
  io.stdout(
    json({
      model: out,
      family: learner.family,
      params: learner.params,
      classes: spec.labels.classIds,
      splits,
      metrics: summary(model.metrics),
    }),
  );
  return EXIT_OK;
}

function summary(metrics: CliModelFile['metrics']) {
  const pick = (m: CliModelFile['metrics']['train'] | null) =>
    m && {
      count: m.count,
      accuracy: m.accuracy,
      macroF1: m.macroF1,
      logLoss: m.logLoss,
      ece: m.ece,
    };
  return {
    train: pick(metrics.train),
    validation: pick(metrics.validation),
    test: pick(metrics.test),
    holdout: pick(metrics.holdout),
  };
}

export async function evaluateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkOptions(args, ['target']);
  const [modelPath, dataPath] = positionals(args, ['model', 'data']) as [string, string];
  const model = await readModel(modelPath);
  const target = args.options.get('target') ?? model.target;
  const raw = await readRawTable(dataPath);
  if (!raw.header.includes(target)) {
    fail({ kind: 'unknown-column', path: dataPath, column: target, columns: raw.header });
  }
  const table = await readForModel(model, dataPath, target);
  const rows = featurise(model.spec, table, (_, row) => table.labels?.[row] != null);
  const unknown = Array.from(rows.labels).filter((l) => l < 0).length;
  if (unknown > 0) {
    io.stderr(
      `inloop: ${unknown} rows have a class the model does not know; they are not scored\n`,
    );
  }
  if (rows.rows - unknown === 0) {
    fail({ kind: 'too-few-classes', path: dataPath, target, classes: [] });
  }
  const m = metricsOf(model.learner, model.spec, rows);
  io.stderr(`inloop: evaluated ${m.count} labelled rows of ${dataPath}\n`);
  io.stdout(
    json({
      model: modelPath,
      data: dataPath,
      count: m.count,
      accuracy: m.accuracy,
      macroF1: m.macroF1,
      logLoss: m.logLoss,
      ece: m.ece,
      perClass: m.perClass,
      confusion: m.confusion,
      classes: model.spec.labels.classIds,
    }),
  );
  return EXIT_OK;
}

/** The strategies that need only predicted probabilities (what an exact learner gives). */
const QUERY_STRATEGIES = ['margin', 'least-confidence', 'entropy', 'random'] as const;

export async function queryCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkOptions(args, ['strategy', 'k', 'seed', 'out', 'target']);
  const [modelPath, poolPath] = positionals(args, ['model', 'pool']) as [string, string];
  const model = await readModel(modelPath);
  const strategy: QueueStrategyId = choiceOption(args, 'strategy', QUERY_STRATEGIES, 'margin');
  const k = intOption(args, 'k', 50, 1);
  const seed = intOption(args, 'seed', model.seed);
  const target = args.options.get('target') ?? model.target;
  const table = await readForModel(model, poolPath, target);
  const rows = featurise(model.spec, table);
  const probs = predictProba(model.learner, model.spec, rows);
  // Rows that already carry a label are not asked again.
  const exclude = new Uint8Array(rows.rows);
  table.labels?.forEach((l, i) => (exclude[i] = l == null ? 0 : 1));
  const classes = model.spec.labels.classIds.length;
  const picked = selectBatch(
    strategy,
    { rows: rows.rows, exclude, probs: { data: probs, classes } },
    k,
    seed,
  );
  if (!picked.ok) fail({ kind: 'usage', message: describeStrategyError(picked.error) });
  const items = Array.from(picked.value.indices, (row, i) => ({
    id: itemKey(rows.itemIds[row]!),
    row,
    score: Number.isNaN(picked.value.scores[i]!) ? null : picked.value.scores[i]!,
  }));
  io.stderr(`inloop: ${items.length} of ${rows.rows} pool rows to label (${strategy})\n`);
  const out = args.options.get('out');
  if (out !== undefined) {
    // One id per line under an `id` header: what `inloop label` and the page's labels file read.
    await writeFileAtomic(out, ['id\n', ...items.map((it) => `${csvCell(it.id)}\n`)]);
    io.stderr(`inloop: wrote ${out}\n`);
  }
  io.stdout(json({ model: modelPath, pool: poolPath, strategy, k, items }));
  return EXIT_OK;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Raw values of one input column over all rows: numbers (NaN = missing) or categories. */
function columnValues(
  chunks: readonly ChunkRecord[],
  name: string,
): { kind: 'numeric'; values: number[] } | { kind: 'categorical'; values: (string | null)[] } {
  const numbers: number[] = [];
  const categories: (string | null)[] = [];
  let numeric = true;
  for (const chunk of chunks) {
    const col = chunk.columns[name];
    if (!col) continue;
    if (col.kind === 'f32' || col.kind === 'f64') {
      for (let r = 0; r < chunk.rowCount; r++) {
        numbers.push(col.missing[r] === 1 ? NaN : col.values[r]!);
      }
    } else if (col.kind === 'i32') {
      numeric = false;
      for (let r = 0; r < chunk.rowCount; r++) {
        const code = col.codes[r]!;
        categories.push(code < 0 ? null : (col.vocab[code] ?? null));
      }
    }
  }
  return numeric
    ? { kind: 'numeric', values: numbers }
    : { kind: 'categorical', values: categories };
}

export async function driftCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  checkOptions(args, ['threshold', 'fail-on']);
  const [modelPath, referencePath, currentPath] = positionals(args, [
    'model',
    'reference',
    'current',
  ]) as [string, string, string];
  const failOn = choiceOption(args, 'fail-on', ['dataset', 'column'] as const, 'dataset');
  const thresholdRaw = args.options.get('threshold');
  const options: ColumnDriftOptions = {};
  if (thresholdRaw !== undefined) {
    const t = Number(thresholdRaw);
    if (!(t > 0))
      fail({
        kind: 'usage',
        message: `--threshold must be a positive number, not “${thresholdRaw}”`,
      });
    options.threshold = t;
  }
  const model = await readModel(modelPath);
  const reference = await readForModel(model, referencePath, undefined);
  const current = await readForModel(model, currentPath, undefined);
  io.stderr(
    `inloop: drift of ${model.inputColumns.length} columns, ${reference.rowCount} reference rows vs ${current.rowCount} current rows\n`,
  );
  const columns: ColumnDrift[] = model.inputColumns.map(({ name }) => {
    const ref = columnValues(reference.chunks, name);
    const cur = columnValues(current.chunks, name);
    return columnDrift(name, ref.kind, ref.values, cur.values, options);
  });
  // Prediction drift: the predicted class as one more categorical column (Evidently's
  // prediction-drift column), so a shift the features hide in combination still shows.
  const classes = model.spec.labels.classIds;
  const predicted = (t: Table) =>
    Array.from(
      predictClasses(
        predictProba(model.learner, model.spec, featurise(model.spec, t)),
        classes.length,
      ),
      (k) => classes[k] ?? null,
    );
  const prediction = columnDrift(
    'prediction',
    'categorical',
    predicted(reference),
    predicted(current),
    options,
  );
  const report = datasetDrift(columns);
  const drifted = failOn === 'column' ? report.driftedColumns > 0 : report.drifted;
  for (const c of columns) {
    if (c.drifted)
      io.stderr(`inloop: drift in “${c.column}” (${c.test} ${c.value.toPrecision(3)})\n`);
  }
  io.stdout(
    json({
      model: modelPath,
      reference: referencePath,
      current: currentPath,
      drifted,
      failOn,
      dataset: {
        drifted: report.drifted,
        driftShare: report.driftShare,
        driftedColumns: report.driftedColumns,
      },
      columns,
      prediction,
    }),
  );
  return drifted ? EXIT_DRIFT : EXIT_OK;
}

export { EXIT_BAD_INPUT };
