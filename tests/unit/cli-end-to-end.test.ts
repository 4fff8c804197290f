// The `inloop` command line end to end in Node, on the fixture files of tests/fixtures/cli
// (rebuilt by make-fixtures.mjs): train → evaluate → query → drift through `main` (the function
// bin/inloop.mjs calls), the numbers checked against the same pure modules called directly, and
// one spawn of the real bin to prove the Vite module-runner loader works under plain `node`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli';
import { featurise, metricsOf, trainOnTable } from '../../src/cli/learn';
import { buildTable, planForModel, planForTraining, readRawTable } from '../../src/cli/table';
import { parseModelFile, type CliModelFile } from '../../src/cli/model-file';
import { writeFileAtomic } from '../../src/cli/atomic-write';
import { classificationMetrics } from '../../src/training/metrics';
import { columnDrift } from '../../src/monitoring/drift-tests';
import { marginSampling } from '../../src/labeling/strategies';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/cli');
const fixture = (name: string) => join(FIXTURES, name);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

let dir: string;
let modelPath: string;
let model: CliModelFile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inloop-cli-'));
  modelPath = join(dir, 'model.json');
  const r = await run(
    'train',
    fixture('train.csv'),
    '--target',
    'species',
    '--id',
    'id',
    '--seed',
    '7',
    '--out',
    modelPath,
  );
  expect(r.code, r.stderr).toBe(0);
  const parsed = parseModelFile(JSON.parse(await readFile(modelPath, 'utf8')));
  if (!parsed.ok) throw new Error(parsed.reason);
  model = parsed.model;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inloop train', () => {
  it('writes a model file whose metrics are those of the pure modules with the same seed', async () => {
    const raw = await readRawTable(fixture('train.csv'));
    const table = buildTable(raw, planForTraining(raw, 'species', 'id'), 'species', 'id');
    const outcome = trainOnTable(table, 'auto', 7);
    if (!outcome.ok) throw new Error(outcome.problem.kind);
    const { spec, learner, data, splits } = outcome.trained;
    expect(model.spec).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(model.learner.family).toBe(learner.family);
    expect(model.splits).toEqual(splits);
    expect(model.metrics.test).toEqual(
      JSON.parse(JSON.stringify(metricsOf(learner, spec, data.test))),
    );
    // Auto tried the worker's four tabular candidates and kept exactly one.
    expect(model.trials.map((t) => [t.family, t.params.C])).toEqual([
      ['linear', 1],
      ['linear', 0.1],
      ['linear', 10],
      ['boosted-trees', undefined],
    ]);
    expect(model.trials.filter((t) => t.chosen)).toHaveLength(1);
  });

  it('is reproducible: the same seed gives the same file', async () => {
    const again = join(dir, 'again.json');
    await run(
      'train',
      fixture('train.csv'),
      '--target',
      'species',
      '--id',
      'id',
      '--seed',
      '7',
      '--out',
      again,
    );
    expect(await readFile(again, 'utf8')).toBe(await readFile(modelPath, 'utf8'));
  });

  it('reads JSON Lines and fits boosted trees on request', async () => {
    const out = join(dir, 'trees.json');
    const r = await run(
      'train',
      fixture('train.jsonl'),
      '--target',
      'species',
      '--family',
      'boosted-trees',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ family: 'boosted-trees' });
  });
});

describe('inloop evaluate', () => {
  it('prints the metrics of classificationMetrics on the model’s probabilities', async () => {
    const r = await run('evaluate', modelPath, fixture('current-stable.csv'));
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, number>;
    const raw = await readRawTable(fixture('current-stable.csv'));
    const table = buildTable(
      raw,
      planForModel(raw, model.inputColumns, 'species', 'id'),
      'species',
      'id',
    );
    const rows = featurise(model.spec, table);
    const expected = metricsOf(model.learner, model.spec, rows);
    expect(printed.count).toBe(240);
    for (const key of ['accuracy', 'macroF1', 'logLoss', 'ece'] as const) {
      expect(printed[key]).toBe(expected[key]);
    }
    // And metricsOf is classificationMetrics of the model's softmax, nothing more (written out
    // in float64 here, so equal to rounding).
    expect(
      classificationMetrics(rows.labels, probsOf(rows), model.spec.labels.classIds).logLoss,
    ).toBeCloseTo(expected.logLoss, 6);
  });
});

function probsOf(rows: ReturnType<typeof featurise>): Float32Array {
  // The linear model's probabilities written out: softmax of coef · x + intercept.
  if (model.learner.family !== 'linear') throw new Error('the fixture model is linear');
  const { coef, intercept, numClasses: k, numFeatures: d } = model.learner.model;
  const out = new Float32Array(rows.rows * k);
  for (let r = 0; r < rows.rows; r++) {
    const z = intercept.map(
      (b, c) =>
        b + coef.slice(c * d, (c + 1) * d).reduce((s, w, j) => s + w * rows.x[r * d + j]!, 0),
    );
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    e.forEach((v, c) => (out[r * k + c] = v / sum));
  }
  return out;
}

describe('inloop query', () => {
  it('writes the k pool ids margin sampling picks', async () => {
    const out = join(dir, 'ids.csv');
    const r = await run(
      'query',
      modelPath,
      fixture('pool.csv'),
      '--strategy',
      'margin',
      '-k',
      '7',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { items: { id: string; row: number }[] };
    const raw = await readRawTable(fixture('pool.csv'));
    const table = buildTable(
      raw,
      planForModel(raw, model.inputColumns, undefined, 'id'),
      undefined,
      'id',
    );
    const rows = featurise(model.spec, table);
    const picked = marginSampling(probsOf(rows), 3, 7);
    expect(printed.items.map((i) => i.row)).toEqual(Array.from(picked.indices));
    expect(await readFile(out, 'utf8')).toBe(`id\n${printed.items.map((i) => i.id).join('\n')}\n`);
    expect(printed.items[0]!.id).toMatch(/^p\d+$/);
  });
});

describe('inloop drift', () => {
  it('exits 0 on a fresh draw of the reference distribution', async () => {
    const r = await run('drift', modelPath, fixture('train.csv'), fixture('current-stable.csv'));
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ drifted: false });
  });

  it('exits 1 when x1 and the colour mix shift, with the drift tests’ own numbers', async () => {
    const r = await run('drift', modelPath, fixture('train.csv'), fixture('current-drifted.csv'));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      drifted: boolean;
      columns: { column: string; value: number; drifted: boolean }[];
    };
    expect(report.drifted).toBe(true);
    const x1 = report.columns.find((c) => c.column === 'x1')!;
    const values = async (name: string) =>
      (await readRawTable(fixture(name))).rows.map((row) => Number(row[1]));
    expect(x1.value).toBe(
      columnDrift('x1', 'numeric', await values('train.csv'), await values('current-drifted.csv'))
        .value,
    );
    expect(
      report.columns
        .filter((c) => c.drifted)
        .map((c) => c.column)
        .sort(),
    ).toEqual(['colour', 'x1']);
  });
});

describe('bad input', () => {
  it('one class: exit 2 with a sentence, and the previous model file untouched', async () => {
    const before = await readFile(modelPath, 'utf8');
    const r = await run(
      'train',
      fixture('one-class.csv'),
      '--target',
      'species',
      '--out',
      modelPath,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has only one class (“setosa”)');
    expect(await readFile(modelPath, 'utf8')).toBe(before);
  });

  it('unknown column, missing file, unknown option: exit 2, named in the message', async () => {
    const unknown = await run(
      'train',
      fixture('train.csv'),
      '--target',
      'petal',
      '--out',
      join(dir, 'x.json'),
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('there is no column “petal”');
    const missing = await run('evaluate', join(dir, 'nope.json'), fixture('train.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file.');
    const option = await run('query', modelPath, fixture('pool.csv'), '--stratgy', 'margin');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option --stratgy');
  });

  it('a model file of a newer format is refused', async () => {
    const newer = join(dir, 'newer.json');
    await writeFile(newer, JSON.stringify({ ...model, formatVersion: 99 }));
    const r = await run('evaluate', newer, fixture('train.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('format version 99 is newer');
  });
});

describe('atomic writes', () => {
  it('a write that fails part-way leaves the previous file as it was and no temp file', async () => {
    const target = join(dir, 'atomic.txt');
    await writeFileAtomic(target, 'previous\n');
    function* parts() {
      yield 'half of the new';
      throw new Error('killed');
    }
    await expect(writeFileAtomic(target, parts())).rejects.toThrow('killed');
    expect(await readFile(target, 'utf8')).toBe('previous\n');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('bin/inloop.mjs', () => {
  it('runs under plain node: the usage, and exit 2 on bad input', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/inloop.mjs');
    const exec = promisify(execFile);
    const help = await exec(process.execPath, [bin, 'help']);
    expect(help.stdout).toContain('inloop train <data>');
    const bad = await exec(process.execPath, [
      bin,
      'train',
      fixture('one-class.csv'),
      '--target',
      'species',
      '--out',
      join(dir, 'y.json'),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad && bad.code).toBe(2);
    expect(bad.stderr).toContain('only one class');
  });
});
