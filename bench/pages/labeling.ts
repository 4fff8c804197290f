// The in-browser half of the `labeling` suite (bench/suites/labeling.mjs). Everything goes through
// the headless API (src/api) and the modules the Label page uses — the ingest worker, the ML worker
// (CPU backend unless asked otherwise), the annotation log, LabelingState, ReviewState — against
// the page's own database (each suite call runs in a fresh browser context).
import { flushSync, mount } from 'svelte';
import penguinsCsv from '../../public/demo/penguins.csv?raw';
import {
  createProject,
  importFile,
  importImages,
  openLoop,
  type LabelingLoop,
  type Project,
  type QueueStrategyId,
} from '../../src/api';
import '../../src/app/styles.css';
import { sharedIngestBridge } from '../../src/data/import-state.svelte';
import { labelMapOf } from '../../src/projects/demos';
import { loadPool, type LabelingPool } from '../../src/labeling/pool';
import { forgetPoolOutputs, poolProbabilities, scorePool } from '../../src/labeling/pool-scoring';
import digitsZipUrl from '../../public/demo/digits.zip?url';
import { unitHash } from '../../src/data/splits';
import { ReviewState } from '../../src/labeling/review.svelte';
import LabelPage from '../../src/labeling/ui/LabelPage.svelte';
import { createRng, deriveSeed, randInt } from '../../src/lib/rng';
import { annotationsRepo, getDb } from '../../src/persistence';
import type { ColumnRole } from '../../src/persistence/schema';
import {
  MlBridge,
  presetConfig,
  trainRequest,
  type BackendPreference,
  type TrainPreset,
} from '../../src/training';

const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'] as const;
const log = (s: string) => console.log(`[bench] ${s}`);

let bridge: MlBridge | null = null;
function mlBridge(prefer: BackendPreference): MlBridge {
  bridge ??= new MlBridge({ prefer });
  return bridge;
}

/** Penguins rows as (id, species, line), from the demo file the app ships. */
function penguinRows(): {
  header: string;
  rows: { id: string; species: string; cells: string[] }[];
} {
  const lines = penguinsCsv.trim().split(/\r?\n/);
  const header = lines[0]!;
  const rows = lines.slice(1).map((l) => {
    const cells = l.split(',');
    return { id: cells[0]!, species: cells[1]!, cells };
  });
  return { header, rows };
}

/** A stable id per row key, as the ingest worker writes it: `${sourceId}:${key}`. */
const keyOf = (itemId: string) => itemId.slice(itemId.lastIndexOf(':') + 1);

async function importCsv(
  project: Project,
  csv: string,
  columns: { id: string; target: string },
  importLabels: number,
): Promise<void> {
  const ingest = sharedIngestBridge();
  const file = new File([csv], `${project.name}.csv`, { type: 'text/csv' });
  const preview = await ingest.previewTabular(file);
  if (!preview.ok) throw new Error(`preview: ${preview.error.kind}`);
  const roleOf = (name: string): ColumnRole =>
    name === columns.id ? 'id' : name === columns.target ? 'target' : 'feature';
  const result = await importFile(file, {
    projectId: project.id,
    name: file.name,
    role: 'pool',
    modality: 'tabular',
    columns: preview.value.inferred.map((c) => ({
      name: c.name,
      type: c.name === columns.target ? 'categorical' : c.type,
      role: roleOf(c.name),
    })),
    idColumn: columns.id,
    targetColumn: columns.target,
    skipRaggedRows: false,
    labelMap: labelMapOf(project),
    importLabels,
    format: preview.value.format,
    delimiter: preview.value.delimiter,
  });
  if (!result.ok) throw new Error(`import: ${result.error.kind}`);
}

function penguinsProject(name: string, seed: number): Promise<Project> {
  return createProject({
    name: `${name} ${crypto.randomUUID().slice(0, 8)}`,
    modality: 'tabular',
    classes: SPECIES.map((s, i) => ({ name: s, hotkey: String(i + 1) })),
    seed,
    targetColumn: 'Species',
  });
}

/** Accuracy of the loop's latest model on the project's frozen holdout (never trained on). */
async function holdoutAccuracy(
  loop: LabelingLoop,
  truth: Map<string, string>,
  runId: string,
): Promise<number> {
  const pool = loop.state.pool!;
  const ids = pool.itemIds.filter((_, r) => pool.holdout[r] === 1);
  const res = await poolProbabilities(loop.bridge, getDb().name, pool, runId, undefined, ids);
  const k = res.classIds.length;
  const nameOf = new Map(loop.state.project.classes.map((c) => [c.id, c.name]));
  let right = 0;
  let n = 0;
  res.rows.forEach((r, i) => {
    if (r < 0) return;
    let best = 0;
    for (let j = 1; j < k; j++) if (res.data[i * k + j]! > res.data[i * k + best]!) best = j;
    n++;
    if (nameOf.get(res.classIds[best]!) === truth.get(keyOf(pool.itemIds[r]!))) right++;
  });
  return n ? right / n : Number.NaN;
}

export interface ReviewFigures {
  seed: number;
  flipped: number;
  flippedReviewed: number;
  checked: number;
  flagged: number;
  truePositives: number;
  precision: number;
  recall: number;
  seconds: number;
}

export interface EfficiencyFigures {
  strategy: QueueStrategyId;
  seed: number;
  target: number;
  labelsToTarget: number | null;
  /** Labels to reach the stricter `stopAt` accuracy (the run goes on until then). */
  labelsToStop: number | null;
  curve: { labels: number; accuracy: number }[];
  seconds: number;
  /** Time spent choosing queries (pool inference + selection). */
  querySeconds?: number;
}

const labelingCore = {
  /**
   * Label-error detection: every Penguins label imported, `rate` of them flipped to another species
   * at random (seeded), then the review queue's K-fold confident learning. Holdout items are not
   * reviewed, so recall counts the flipped non-holdout items.
   */
  async labelErrors(seed: number, rate: number, prefer: BackendPreference): Promise<ReviewFigures> {
    const { header, rows } = penguinRows();
    const rng = createRng(seed);
    const flipped = new Set<string>();
    const lines = rows.map(({ id, species, cells }) => {
      if (!SPECIES.includes(species as (typeof SPECIES)[number]) || rng.next() >= rate)
        return cells.join(',');
      const others = SPECIES.filter((s) => s !== species);
      flipped.add(id);
      return [id, others[Math.floor(rng.next() * others.length)], ...cells.slice(2)].join(',');
    });
    const project = await penguinsProject('Penguins flipped', seed);
    await importCsv(project, [header, ...lines].join('\n'), { id: 'id', target: 'Species' }, 1);
    const loop = await openLoop(project, { bridge: mlBridge(prefer), annotator: 'bench' });
    try {
      const review = new ReviewState(loop.state, loop.bridge, getDb().name);
      const t0 = performance.now();
      await review.run();
      const seconds = (performance.now() - t0) / 1000;
      if (review.error) throw new Error(review.error);
      const pool = loop.state.pool!;
      const reviewed = new Set(
        pool.itemIds.filter((_, r) => pool.holdout[r] === 0).map((id) => keyOf(id)),
      );
      const flippedReviewed = [...flipped].filter((id) => reviewed.has(id)).length;
      const flagged = review.issues.map((i) => keyOf(i.itemId));
      const tp = flagged.filter((id) => flipped.has(id)).length;
      log(
        `review seed ${seed}: ${flagged.length} flagged of ${review.checked}, ${tp} of ${flippedReviewed} flips found, ${seconds.toFixed(1)} s`,
      );
      return {
        seed,
        flipped: flipped.size,
        flippedReviewed,
        checked: review.checked,
        flagged: flagged.length,
        truePositives: tp,
        precision: flagged.length ? tp / flagged.length : Number.NaN,
        recall: flippedReviewed ? tp / flippedReviewed : Number.NaN,
        seconds,
      };
    } finally {
      loop.close();
    }
  },

  /** Full-data reference: every Penguins label, one training, accuracy on the holdout. */
  async fullAccuracy(seed: number, prefer: BackendPreference): Promise<number> {
    const { rows } = penguinRows();
    const truth = new Map(rows.map((r) => [r.id, r.species]));
    const project = await penguinsProject('Penguins full', seed);
    await importCsv(project, penguinsCsv, { id: 'id', target: 'Species' }, 1);
    const loop = await openLoop(project, { bridge: mlBridge(prefer), annotator: 'bench' });
    try {
      const run = await loop.train();
      const acc = await holdoutAccuracy(loop, truth, run!.id);
      log(`full-data seed ${seed}: holdout accuracy ${acc.toFixed(3)}`);
      return acc;
    } finally {
      loop.close();
    }
  },

  /**
   * Label efficiency with a simulated oracle: no labels imported; each round the strategy picks
   * `batch` items (diversity cold start for model-based ones), the oracle answers with the true
   * species, the default preset retrains, and the model is scored on the holdout. Records the
   * labels to reach `target`, goes on until `stopAt` accuracy (≥ target) or `maxRounds`.
   */
  async labelEfficiency(
    strategy: QueueStrategyId,
    seed: number,
    options: {
      batch: number;
      maxRounds: number;
      target: number;
      stopAt: number;
      prefer: BackendPreference;
    },
  ): Promise<EfficiencyFigures> {
    const { rows } = penguinRows();
    const truth = new Map(rows.map((r) => [r.id, r.species]));
    const project = await penguinsProject(`Penguins ${strategy}`, seed);
    await importCsv(project, penguinsCsv, { id: 'id', target: 'Species' }, 0);
    const classOf = new Map(project.classes.map((c) => [c.name, c.id]));
    const loop = await openLoop(project, { bridge: mlBridge(options.prefer), annotator: 'oracle' });
    const t0 = performance.now();
    const curve: { labels: number; accuracy: number }[] = [];
    let labels = 0;
    let reached: number | null = null;
    let stopped: number | null = null;
    try {
      for (let round = 0; round < options.maxRounds && stopped === null; round++) {
        const ids = await loop.selectQueries(strategy, options.batch);
        if (ids.length === 0) break;
        for (const id of ids) loop.label(id, classOf.get(truth.get(keyOf(id))!)!);
        labels += ids.length;
        let accuracy = 0;
        try {
          const run = await loop.train();
          if (run) accuracy = await holdoutAccuracy(loop, truth, run.id);
        } catch (e) {
          log(`${strategy} seed ${seed}: training at ${labels} labels failed: ${String(e)}`);
        }
        curve.push({ labels, accuracy });
        if (accuracy >= options.target) reached ??= labels;
        if (accuracy >= options.stopAt) stopped = labels;
      }
    } finally {
      loop.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    log(
      `${strategy} seed ${seed}: ${reached ?? `>${labels}`} labels to ${options.target.toFixed(3)} (${curve.map((p) => p.accuracy.toFixed(2)).join(' ')}), ${seconds.toFixed(1)} s`,
    );
    return {
      strategy,
      seed,
      target: options.target,
      labelsToTarget: reached,
      labelsToStop: stopped,
      curve,
      seconds,
    };
  },

  /**
   * A synthetic 100k-row tabular project (10 Gaussian classes, 16 numeric features), generated
   * here as CSV and imported through the ingest worker with 0.5% of the labels; one model trained.
   */
  async bigProject(
    rows: number,
    prefer: BackendPreference,
  ): Promise<{ importSeconds: number; trainSeconds: number; labels: number }> {
    const K = 10;
    const D = 16;
    const rng = createRng(7);
    const centers = Array.from({ length: K }, () =>
      Array.from({ length: D }, () => rng.next() * 6),
    );
    const gauss = () => {
      const u = Math.max(rng.next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    };
    const out: string[] = [
      ['id', 'label', ...Array.from({ length: D }, (_, j) => `f${j}`)].join(','),
    ];
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(rng.next() * K);
      const x = centers[c]!.map((m) => (m + gauss() * 1.5).toFixed(3));
      out.push([`r${i}`, `c${c}`, ...x].join(','));
    }
    const project = await createProject({
      name: `Synthetic ${rows}`,
      modality: 'tabular',
      classes: Array.from({ length: K }, (_, c) => ({ name: `c${c}`, hotkey: String(c) })),
      seed: 42,
      targetColumn: 'label',
    });
    const t0 = performance.now();
    await importCsv(project, out.join('\n'), { id: 'id', target: 'label' }, 0.005);
    const importSeconds = (performance.now() - t0) / 1000;
    const loop = await openLoop(project, { bridge: mlBridge(prefer), annotator: 'bench' });
    const t1 = performance.now();
    await loop.train();
    const trainSeconds = (performance.now() - t1) / 1000;
    const labels = loop.state.labels.size;
    big = { project, loop };
    log(
      `big project: ${rows} rows imported in ${importSeconds.toFixed(1)} s, trained in ${trainSeconds.toFixed(1)} s`,
    );
    return { importSeconds, trainSeconds, labels };
  },

  /**
   * One refill of the queue with `strategy` (pool inference in the worker + selection), in ms:
   * `cold` right after a new model (the pool's cached outputs forgotten), `warm` the next refill
   * with the same model (the run's cached probabilities/embeddings reused: selection only).
   */
  async queryLatency(
    strategy: QueueStrategyId,
    k: number,
  ): Promise<{ cold: number; warm: number }> {
    const loop = big!.loop;
    const timed = async () => {
      const t0 = performance.now();
      const ids = await loop.selectQueries(strategy, k);
      const ms = performance.now() - t0;
      if (ids.length !== k) throw new Error(`${strategy}: ${ids.length} of ${k} queries`);
      return ms;
    };
    forgetPoolOutputs(loop.state.pool!);
    const cold = await timed();
    const warm = await timed();
    log(
      `${strategy}: ${k} queries from the pool in ${cold.toFixed(0)} ms (then ${warm.toFixed(0)} ms)`,
    );
    return { cold, warm };
  },

  /**
   * Mounts the Label page on the big project (its own LabelingState over the page's bridge) and
   * records, per digit key press: `workMs`, keydown (a capture listener on window, before the
   * page's own) → the new item id in the DOM (a MutationObserver: Svelte's update and the
   * synchronous work the press costs, before layout and paint); `frameMs`, keydown → the end of
   * the first frame after it (a requestAnimationFrame callback posts to a MessageChannel, whose
   * handler runs once that frame's style, layout and paint are done), and whether that frame
   * showed the new item; `inputDelayMs`, the event's own timeStamp → the listener (time the key
   * waited for the main thread). The Event Timing API's `duration` of the same keydowns (event
   * timestamp → next paint, rounded to 8 ms, only reported when ≥ 16 ms) is collected apart.
   */
  mountLabelPage(): void {
    big!.loop.close();
    const target = document.createElement('div');
    document.body.append(target);
    mount(LabelPage, { target, props: { project: big!.project, bridge: bridge! } });
    flushSync();
    const channel = new MessageChannel();
    let pending: {
      t0: number;
      ts: number;
      before: string | null;
      dom: number | null;
      raf: number | null;
    } | null = null;
    new MutationObserver(() => {
      if (pending && pending.dom === null && current() !== pending.before)
        pending.dom = performance.now() - pending.t0;
    }).observe(target, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['title'],
    });
    const current = () =>
      document.querySelector('[data-testid="current-item"]')?.getAttribute('title') ?? null;
    channel.port1.onmessage = () => {
      if (!pending) return;
      const t1 = performance.now();
      const changed = current() !== pending.before;
      performance.measure('key-to-next-item', { start: pending.t0, end: t1 });
      keyLatencies.push({
        frameMs: t1 - pending.t0,
        workMs: pending.dom,
        frameStartMs: (pending.raf ?? t1) - pending.t0,
        inputDelayMs: pending.t0 - pending.ts,
        changed,
      });
      pending = null;
    };
    window.addEventListener(
      'keydown',
      (e) => {
        if (!/^[0-9]$/.test(e.key)) return;
        pending = {
          t0: performance.now(),
          ts: e.timeStamp,
          before: current(),
          dom: null,
          raf: null,
        };
        requestAnimationFrame(() => {
          if (pending) pending.raf = performance.now();
          channel.port2.postMessage(null);
        });
      },
      { capture: true },
    );
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEventTiming[]) {
        if (e.name === 'keydown') eventTimings.push(e.duration);
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
  },

  /** Takes the samples recorded since the last call. */
  keyLatencies(): { samples: KeySample[]; eventTimingsMs: number[] } {
    return { samples: keyLatencies.splice(0), eventTimingsMs: eventTimings.splice(0) };
  },
};

// ---------------------------------------------------------------------------------------------
// Label efficiency on a fixed split (Penguins and Digits)
//
// One project per dataset, every true label imported once: the labels are the oracle's answers,
// and which of them a training run may see is chosen per run with an explicit `splitAssignment`
// (revealed items → train/validation, the seed's test set → test, everything else left out). So
// all strategies of a seed share the same items, the same test set (a fixed fraction of the rows
// by a hash of the row key, not of the item id, so it does not move with a re-import) and the same
// random initial set; only the strategy's picks differ.

export type EfficiencyDataset = 'penguins' | 'digits';

interface EfficiencySetup {
  project: Project;
  pool: LabelingPool;
  /** Pool row → true class id (the oracle), or null for rows without a known class. */
  truth: (string | null)[];
}

const efficiency = new Map<EfficiencyDataset, EfficiencySetup>();

export interface EfficiencyOptions {
  prefer: BackendPreference;
  preset: TrainPreset;
  testFraction: number;
  /** One test set for every seed (see `testRows`). */
  testSeed?: number;
  initial: number;
  batch: number;
  maxLabels: number;
  /** Accuracy to reach (recorded as labelsToTarget); the run stops at `stopAt`. */
  target: number;
  stopAt: number;
}

/**
 * The fixed test rows: a hash of the row key (stable across imports) below `fraction`, per seed
 * — or one test set for every seed when `testSeed` is given (one full-data reference training
 * instead of one per seed, for the slow CNN).
 */
function testRows(
  setup: EfficiencySetup,
  seed: number,
  fraction: number,
  testSeed?: number,
): Uint8Array {
  const { itemIds } = setup.pool;
  const test = new Uint8Array(itemIds.length);
  const s = testSeed ?? seed;
  itemIds.forEach((id, r) => {
    test[r] = setup.truth[r] !== null && unitHash(keyOf(id), s, 'bench-test') < fraction ? 1 : 0;
  });
  return test;
}

/**
 * Train/validation split of the revealed rows: per class, the 20% with the lowest hash validate
 * (at least one item overall), the rest train; the test rows are the seed's test set.
 */
function assignment(
  setup: EfficiencySetup,
  revealed: number[],
  test: Uint8Array,
  seed: number,
): Record<string, 'train' | 'validation' | 'test'> {
  const out: Record<string, 'train' | 'validation' | 'test'> = {};
  const { itemIds } = setup.pool;
  const byClass = new Map<string, { id: string; u: number }[]>();
  for (const r of revealed) {
    const id = itemIds[r]!;
    const c = setup.truth[r]!;
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push({ id, u: unitHash(keyOf(id), seed, 'bench-validation') });
  }
  let validation = 0;
  for (const list of byClass.values()) {
    list.sort((a, b) => a.u - b.u);
    const nv = Math.floor(list.length * 0.2);
    list.forEach(({ id }, i) => (out[id] = i < nv ? 'validation' : 'train'));
    validation += nv;
  }
  if (validation === 0) {
    const big = [...byClass.values()].find((l) => l.length >= 2) ?? [...byClass.values()][0]!;
    out[big[0]!.id] = 'validation';
  }
  test.forEach((t, r) => {
    if (t) out[itemIds[r]!] = 'test';
  });
  return out;
}

async function trainOn(
  setup: EfficiencySetup,
  split: Record<string, 'train' | 'validation' | 'test'>,
  seed: number,
  options: Pick<EfficiencyOptions, 'prefer' | 'preset'>,
): Promise<{ runId: string; accuracy: number }> {
  const config = presetConfig(setup.project.modality, options.preset, seed);
  const request = {
    ...trainRequest(getDb().name, setup.project.id, config),
    splitAssignment: split,
  };
  const result = await mlBridge(options.prefer).trainModel(request);
  return { runId: result.runId, accuracy: result.metrics.testAccuracy ?? Number.NaN };
}

const efficiencyBench = {
  /** Imports the dataset once, every label; returns its size. */
  async efficiencySetup(
    dataset: EfficiencyDataset,
  ): Promise<{ rows: number; labelled: number; classes: number }> {
    let project: Project;
    if (dataset === 'penguins') {
      project = await penguinsProject('Penguins efficiency', 1);
      await importCsv(project, penguinsCsv, { id: 'id', target: 'Species' }, 1);
    } else {
      project = await createProject({
        name: `Digits efficiency ${crypto.randomUUID().slice(0, 8)}`,
        modality: 'image',
        classes: Array.from({ length: 10 }, (_, d) => ({ name: String(d), hotkey: String(d) })),
        seed: 1,
        imageSize: 28,
      });
      const blob = await (await fetch(digitsZipUrl)).blob();
      const zip = new File([blob], 'digits.zip', { type: 'application/zip' });
      const res = await importImages(
        { zip },
        {
          projectId: project.id,
          name: 'digits.zip',
          role: 'pool',
          imageSize: 28,
          labelFromFolder: true,
          labelMap: labelMapOf(project),
          importLabels: 1,
        },
      );
      if (!res.ok) throw new Error(`import: ${res.error.kind}`);
    }
    const pool = await loadPool(project.id, project.seed);
    const labels = await annotationsRepo.currentLabels(project.id);
    const truth = pool.itemIds.map((id) => labels.get(id) ?? null);
    efficiency.set(dataset, { project, pool, truth });
    const labelled = truth.filter((t) => t !== null).length;
    log(`${dataset}: ${pool.itemIds.length} rows, ${labelled} with a class`);
    return { rows: pool.itemIds.length, labelled, classes: project.classes.length };
  },

  /** Accuracy on the seed's test set of a model trained on every other labelled row. */
  async efficiencyFull(
    dataset: EfficiencyDataset,
    seed: number,
    options: Pick<EfficiencyOptions, 'prefer' | 'preset' | 'testFraction' | 'testSeed'>,
  ): Promise<{ accuracy: number; test: number; trainable: number; seconds: number }> {
    const setup = efficiency.get(dataset)!;
    const test = testRows(setup, seed, options.testFraction, options.testSeed);
    const revealed: number[] = [];
    setup.truth.forEach((t, r) => {
      if (t !== null && !test[r]) revealed.push(r);
    });
    const t0 = performance.now();
    const { accuracy } = await trainOn(
      setup,
      assignment(setup, revealed, test, seed),
      seed,
      options,
    );
    const seconds = (performance.now() - t0) / 1000;
    const nTest = test.reduce((a, b) => a + b, 0);
    log(`${dataset} full data, seed ${seed}: test accuracy ${accuracy.toFixed(3)} on ${nTest}`);
    return { accuracy, test: nTest, trainable: revealed.length, seconds };
  },

  /**
   * One simulated-oracle run: the seed's random initial set (the same for every strategy), then
   * rounds of train → test accuracy → `strategy` picks `batch` more (its seed derived from the
   * run seed and the round) until `stopAt` or `maxLabels`.
   */
  async efficiencyRun(
    dataset: EfficiencyDataset,
    strategy: QueueStrategyId,
    seed: number,
    options: EfficiencyOptions,
  ): Promise<EfficiencyFigures> {
    const setup = efficiency.get(dataset)!;
    const { pool, project } = setup;
    const n = pool.itemIds.length;
    const test = testRows(setup, seed, options.testFraction, options.testSeed);
    const candidates: number[] = [];
    setup.truth.forEach((t, r) => {
      if (t !== null && !test[r]) candidates.push(r);
    });
    // The initial set, shared by every strategy of the seed: one random item per class (training
    // needs two classes), then random items up to `initial` (a seeded partial shuffle).
    const rng = createRng(deriveSeed(seed, 4242));
    const order = [...candidates];
    for (let i = 0; i < order.length; i++) {
      const j = i + randInt(rng, order.length - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const revealed: number[] = [];
    const seen = new Set<string>();
    for (const r of order) {
      if (!seen.has(setup.truth[r]!)) {
        seen.add(setup.truth[r]!);
        revealed.push(r);
      }
    }
    for (const r of order) {
      if (revealed.length >= options.initial) break;
      if (!revealed.includes(r)) revealed.push(r);
    }
    const isRevealed = new Uint8Array(n);
    for (const r of revealed) isRevealed[r] = 1;
    const t0 = performance.now();
    const curve: { labels: number; accuracy: number }[] = [];
    let reached: number | null = null;
    let stopped: number | null = null;
    let querySeconds = 0;
    for (let round = 0; ; round++) {
      const { runId, accuracy } = await trainOn(
        setup,
        assignment(setup, revealed, test, seed),
        seed,
        options,
      );
      curve.push({ labels: revealed.length, accuracy });
      if (accuracy >= options.target) reached ??= revealed.length;
      if (accuracy >= options.stopAt) stopped = revealed.length;
      if (stopped !== null || revealed.length >= options.maxLabels) break;
      const eligible = new Uint8Array(n);
      for (const r of candidates) eligible[r] = isRevealed[r] ? 0 : 1;
      const q0 = performance.now();
      const batch = await scorePool({
        bridge: mlBridge(options.prefer),
        dbName: getDb().name,
        project,
        pool,
        runId,
        strategy,
        k: Math.min(options.batch, options.maxLabels - revealed.length),
        seed: deriveSeed(seed, 100 + round),
        eligible,
        labelledRows: Int32Array.from(revealed),
      });
      querySeconds += (performance.now() - q0) / 1000;
      if (batch.rows.length === 0) break;
      for (const r of batch.rows) {
        revealed.push(r);
        isRevealed[r] = 1;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    log(
      `${dataset} ${strategy} seed ${seed}: ${reached ?? `>${revealed.length}`} labels to ${options.target.toFixed(3)} (${curve.map((p) => p.accuracy.toFixed(2)).join(' ')}), ${seconds.toFixed(0)} s`,
    );
    return {
      strategy,
      seed,
      target: options.target,
      labelsToTarget: reached,
      labelsToStop: stopped,
      curve,
      seconds,
      querySeconds,
    };
  },
};

let big: { project: Project; loop: LabelingLoop } | null = null;
interface KeySample {
  frameMs: number;
  workMs: number | null;
  /** keydown → the first frame's requestAnimationFrame callback (waiting for the frame clock). */
  frameStartMs: number;
  inputDelayMs: number;
  changed: boolean;
}
const keyLatencies: KeySample[] = [];
const eventTimings: number[] = [];

export const labelingBench = { ...labelingCore, ...efficiencyBench };
