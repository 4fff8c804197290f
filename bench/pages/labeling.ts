// The in-browser half of the `labeling` suite (bench/suites/labeling.mjs). Everything goes through
// the headless API (src/api) and the modules the Label page uses — the ingest worker, the ML worker
// (CPU backend unless asked otherwise), the annotation log, LabelingState, ReviewState — against
// the page's own database (each suite call runs in a fresh browser context).
import { flushSync, mount } from 'svelte';
import penguinsCsv from '../../public/demo/penguins.csv?raw';
import {
  createProject,
  importFile,
  openLoop,
  type LabelingLoop,
  type Project,
  type QueueStrategyId,
} from '../../src/api';
import '../../src/app/styles.css';
import { sharedIngestBridge } from '../../src/data/import-state.svelte';
import { labelMapOf } from '../../src/projects/demos';
import { poolProbabilities } from '../../src/labeling/pool-scoring';
import { ReviewState } from '../../src/labeling/review.svelte';
import LabelPage from '../../src/labeling/ui/LabelPage.svelte';
import { createRng } from '../../src/lib/rng';
import { getDb } from '../../src/persistence';
import type { ColumnRole } from '../../src/persistence/schema';
import { MlBridge, type BackendPreference } from '../../src/training';

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
}

export const labelingBench = {
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

  /** One refill of the queue with `strategy` (pool inference in the worker + selection), in ms. */
  async queryLatency(strategy: QueueStrategyId, k: number): Promise<number> {
    const loop = big!.loop;
    const t0 = performance.now();
    const ids = await loop.selectQueries(strategy, k);
    const ms = performance.now() - t0;
    if (ids.length !== k) throw new Error(`${strategy}: ${ids.length} of ${k} queries`);
    log(`${strategy}: ${k} queries from the pool in ${ms.toFixed(0)} ms`);
    return ms;
  },

  /**
   * Mounts the Label page on the big project (its own LabelingState over the page's bridge) and
   * records keydown → next frame latencies: a capture listener marks the keydown, the next
   * requestAnimationFrame callback plus a message-channel hop (after that frame's paint) marks
   * the end, and the current item id must have changed by then. `domMs`: keydown → the new item
   * in the DOM (a MutationObserver), i.e. without the wait for the frame.
   */
  mountLabelPage(): void {
    big!.loop.close();
    const target = document.createElement('div');
    document.body.append(target);
    mount(LabelPage, { target, props: { project: big!.project, bridge: bridge! } });
    flushSync();
    const channel = new MessageChannel();
    let pending: { t0: number; before: string | null; dom: number | null } | null = null;
    // When the new item reaches the DOM (before layout and paint): the work the key press costs,
    // without the wait for the next frame.
    new MutationObserver(() => {
      if (pending && pending.dom === null && current() !== pending.before)
        pending.dom = performance.now() - pending.t0;
    }).observe(target, {
      subtree: true,
      childList: true,
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
      keyLatencies.push({ ms: t1 - pending.t0, domMs: pending.dom, changed });
      pending = null;
    };
    window.addEventListener(
      'keydown',
      (e) => {
        if (!/^[0-9]$/.test(e.key)) return;
        pending = { t0: performance.now(), before: current(), dom: null };
        requestAnimationFrame(() => channel.port2.postMessage(null));
      },
      { capture: true },
    );
  },

  keyLatencies(): { ms: number; domMs: number | null; changed: boolean }[] {
    return keyLatencies;
  },
};

let big: { project: Project; loop: LabelingLoop } | null = null;
const keyLatencies: { ms: number; domMs: number | null; changed: boolean }[] = [];
