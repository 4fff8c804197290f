/* eslint-disable svelte/prefer-svelte-reactivity -- maps and sets here are built locally inside derivations or replaced wholesale in $state.raw fields, never mutated in place. */
// The labeling panel's state: the pool in memory, the annotation log (live from IndexedDB, so a
// second tab's labels show up here), this session's optimistic edits, the active-learning queue,
// history, undo/redo, model suggestions and background refills.
//
// The keypress path never awaits IndexedDB and costs the same on a 100-item and a 100,000-item
// pool: a label is applied to the in-memory state at once (a pending entry with a temporary
// sequence number), only that item's replay is redone, and the write is queued — the writer
// appends every queued entry in one transaction after the key press's task (so the frame that
// shows the next item is not held up by IndexedDB); the live log replaces the pending entry once
// the write has landed. Undo appends a compensating `undo` event naming the entry it takes back;
// redo appends the entry again. The current label of an item is always what `currentLabelsOf(log)`
// gives — pending entries are just the not-yet-written tail of the log — but kept per item and
// updated incrementally: a new log entry or a pending one re-replays its item only.
import { SvelteSet } from 'svelte/reactivity';
import { deriveSeed } from '../lib/rng';
import {
  LiveQuery,
  annotationsRepo as pageAnnotations,
  getDb,
  monitorRepo as pageMonitor,
  predictionsRepo as pagePredictions,
  runsRepo as pageRuns,
  settingsRepo as pageSettings,
  type AnnotationsRepo,
  type NewAnnotation,
  type RunsRepo,
  type SettingsRepo,
} from '../persistence';
import type {
  AnnotationKind,
  AnnotationRecord,
  PredictionRecord,
  Project,
  RunRecord,
} from '../persistence/schema';
import { DEFAULT_PRESET, presetConfig, trainRequest, type MlBridge } from '../training';
import { effectiveKeymap, keymapProblem, type LabelCommand } from './keymap';
import { monitorCandidates, type MonitorCandidate } from '../monitoring/candidates';
import {
  itemView,
  loadPool,
  loadProductionItems,
  mergePools,
  type ItemView,
  type LabelingPool,
} from './pool';
import { poolProbabilities, scorePool, type ScoringBridge } from './pool-scoring';
import { ItemClaims } from './claims.svelte';
import { servedSuggestions } from './served';
import { describeStrategyError, getStrategy } from './strategies';
import type { QueueStrategyId } from './types';

/** One labeling session per page load: the unit that merges and audits. */
export const PAGE_SESSION_ID = `session-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;

export const ANNOTATOR_SETTING = 'labeling:annotator';
export const DEFAULT_BATCH_SIZE = 20;
export const DEFAULT_RETRAIN_EVERY = 20;
/**
 * While no model exists, the first retrain comes after this many labels instead of
 * `retrainEvery`: the exact linear learner fits a handful of labels in milliseconds, and every
 * label before the first model is queued by the cold-start strategy instead of by uncertainty.
 */
export const FIRST_MODEL_AFTER = 5;
/** The default once a model exists (see the label-efficiency bench in bench/README.md). */
export const DEFAULT_MODEL_STRATEGY: QueueStrategyId = 'margin';
/** Before any model: k-means++ over features spreads the first labels over the data. */
export const COLD_START_STRATEGY: QueueStrategyId = 'diversity';
/** Items drawn in grid mode at a time. */
export const GRID_SIZE = 24;

/** Where a queued item came from: the strategy, its score and its rank in the batch. */
export interface QueueEntry {
  row: number;
  itemId: string;
  strategy: QueueStrategyId | 'holdout';
  score: number;
  rank: number;
  /** Why it was queued, where the strategy says (monitoring: outlier or drifted region, window). */
  reason?: string;
}

export interface Suggestion {
  classId: string;
  confidence: number;
  /** Production items: the registry version that served the item (its logged prediction). */
  servedBy?: number | null;
}

export interface QueueSettings {
  strategy: QueueStrategyId;
  batchSize: number;
  autoRetrain: boolean;
  retrainEvery: number;
  /** Label the frozen holdout (uniformly random order) instead of the active-learning queue. */
  holdoutMode: boolean;
}

/** A read of the annotation log: the whole log, or only the entries after the last one seen. */
interface LogRead {
  whole: boolean;
  entries: AnnotationRecord[];
}

/** A log entry not yet confirmed by the live log. */
interface Pending {
  /** Temporary sequence number (above any real one) until written. */
  temp: number;
  seq: number | null;
  record: NewAnnotation;
  /** For undo entries: the pending entry or real seq they take back. */
  undoes?: Pending | number;
}

interface Action {
  entries: Pending[];
  itemIds: string[];
  /** Items that entered this session's history with the action (not relabels from history). */
  fresh: boolean;
}

export interface LabelingDeps {
  bridge?: ScoringBridge & Pick<MlBridge, 'trainModel'>;
  dbName?: string;
  annotations?: AnnotationsRepo;
  runs?: RunsRepo;
  settings?: SettingsRepo;
  /** A ready pool (tests); default: read from the page database on `open()`. */
  pool?: LabelingPool;
  sessionId?: string;
  annotator?: string;
  /** Claims on shown items shared with other tabs (tests pass their own channel). */
  claims?: ItemClaims;
  /**
   * The monitoring strategy's source: ranked candidates and a reader of their rows. Default: the
   * Monitor's stored windows and the production sources in the page database.
   */
  monitoring?: {
    candidates(projectId: string): Promise<MonitorCandidate[]>;
    load(items: readonly MonitorCandidate[]): Promise<LabelingPool>;
    /** The logged predictions of these items (their suggestions); none when absent. */
    served?(projectId: string, itemIds: readonly string[]): Promise<PredictionRecord[]>;
  };
}

const TEMP_BASE = 2 ** 40;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class LabelingState {
  readonly project: Project;
  readonly sessionId: string;
  readonly #deps: Required<Pick<LabelingDeps, 'annotations' | 'runs' | 'settings' | 'dbName'>> &
    LabelingDeps;
  #tempCounter = 0;
  #chain: Promise<void> = Promise.resolve();
  /** Entries waiting for the writer, in order. */
  readonly #unwritten: Pending[] = [];
  #pumping = false;
  #refillScheduled = false;
  /** Milliseconds between this session's last label actions (to refill the queue in time). */
  #lastActionAt = 0;
  #actionGapMs = 2000;
  #lastRefillMs = 0;

  // The replayed log, kept incrementally (see the header). Not reactive themselves: `#version`
  // ticks whenever any of them changes, and the public views read it.
  readonly #confirmedByItem = new Map<string, AnnotationRecord[]>();
  readonly #pendingByItem = new Map<string, Pending[]>();
  #pendingList: Pending[] = [];
  #confirmedCount = 0;
  #maxSeq = -Infinity;
  readonly #labelMap = new Map<string, string>();
  readonly #flagMap = new Map<string, 'skipped' | 'flagged'>();
  /** Labelled pool rows outside the holdout (for "n to go"). */
  #labelledPoolRows = 0;
  #version = $state(0);
  #labelsView: { version: number; view: ReadonlyMap<string, string> } | null = null;
  #flagsView: { version: number; view: ReadonlyMap<string, 'skipped' | 'flagged'> } | null = null;
  #disposeRoot: (() => void) | null = null;
  #refillController: AbortController | null = null;
  #retrainController: AbortController | null = null;
  #refills = 0;
  #disposed = false;
  /** Where each item handled in this session came from, to requeue it on undo. */
  readonly #origins = new Map<string, QueueEntry>();

  pool = $state.raw<LabelingPool | null>(null);
  /** Production items the monitoring strategy queued (not pool rows; grows, for history). */
  monitorItems = $state.raw<LabelingPool | null>(null);
  loading = $state(true);
  error = $state<string | null>(null);
  annotator = $state('');

  /** Entries not yet written (the UI shows "saving…"). */
  writing = $state(0);

  queue = $state.raw<QueueEntry[]>([]);
  /** Items acted on in this session, oldest first; ←/→ move `cursor` through them. */
  history = $state.raw<string[]>([]);
  cursor = $state(0);
  readonly done = new SvelteSet<string>();
  undoStack = $state.raw<Action[]>([]);
  redoStack = $state.raw<Action[]>([]);

  // The picked strategy; before a model exists a refill falls back to COLD_START_STRATEGY.
  settings = $state<QueueSettings>({
    strategy: DEFAULT_MODEL_STRATEGY,
    batchSize: DEFAULT_BATCH_SIZE,
    autoRetrain: true,
    retrainEvery: DEFAULT_RETRAIN_EVERY,
    holdoutMode: false,
  });
  keyOverrides = $state<Record<string, string>>({});
  suggestions = $state.raw<Map<string, Suggestion>>(new Map());
  refilling = $state(false);
  refillError = $state<string | null>(null);
  /** The strategy that produced the current batch (may differ from the pick before a model). */
  queueStrategy = $state<QueueStrategyId | 'holdout' | null>(null);
  retraining = $state(false);
  /** How far the background retrain is (epochs of a network, solver iterations of a linear fit). */
  retrainProgress = $state.raw<{ done: number; total: number; unit: 'epoch' | 'iteration' } | null>(
    null,
  );
  retrainError = $state<string | null>(null);
  labelsSinceRetrain = $state(0);

  gridMode = $state(false);
  readonly gridSelection = new SvelteSet<string>();
  helpOpen = $state(false);

  readonly runs: LiveQuery<RunRecord[]>;
  readonly claims: ItemClaims;
  readonly #live: LiveQuery<LogRead | null>;

  constructor(project: Project, deps: LabelingDeps = {}) {
    this.project = project;
    this.sessionId = deps.sessionId ?? PAGE_SESSION_ID;
    this.#deps = {
      ...deps,
      annotations: deps.annotations ?? pageAnnotations,
      runs: deps.runs ?? pageRuns,
      settings: deps.settings ?? pageSettings,
      dbName: deps.dbName ?? getDb().name,
    };
    if (deps.annotator) this.annotator = deps.annotator;
    this.claims = deps.claims ?? new ItemClaims(`${this.#deps.dbName}/${project.id}`);
    this.#live = new LiveQuery(() => this.#readLog(), null);
    this.runs = new LiveQuery(() => this.#deps.runs.list(project.id), []);
    // Keep both live queries subscribed for the state's life (also headless, with no component
    // reading them), mirroring the log into `confirmed`.
    this.#disposeRoot = $effect.root(() => {
      $effect(() => {
        const read = this.#live.current;
        if (read && !this.#live.loading) this.#acceptLog(read);
      });
      $effect(() => {
        void this.runs.current;
      });
      // Claim what this tab shows, so other tabs' queues skip it (issue 18.8: two tabs labelled
      // the same items, the last label silently winning).
      $effect(() => {
        const shown = this.gridMode
          ? this.gridItems.map((e) => e.itemId)
          : this.currentItemId === null
            ? []
            : [this.currentItemId];
        this.claims.show(shown);
      });
    });
  }

  // ------------------------------------------------------------------------------------------
  // Derived state

  // Getters, not $derived fields: field initialisers run before the constructor sets `project`.
  get classIndex(): Map<string, number> {
    return new Map(this.project.classes.map((c, i) => [c.id, i]));
  }
  get keymap(): Map<string, string> {
    return effectiveKeymap(this.project.classes, this.keyOverrides);
  }
  get keymapError(): string | null {
    return keymapProblem(this.keymap);
  }
  /** This tab's entries not yet confirmed by the live log, oldest first. */
  get pending(): readonly Pending[] {
    void this.#version;
    return this.#pendingList;
  }

  /**
   * Current label of every labelled item, this tab's unsaved edits included. A read-only view,
   * a new object whenever anything changed (so `$derived`s that return it see a change).
   */
  get labels(): ReadonlyMap<string, string> {
    const version = this.#version;
    if (this.#labelsView?.version !== version) {
      this.#labelsView = { version, view: readonlyView(this.#labelMap) };
    }
    return this.#labelsView.view;
  }

  /** Items whose latest (not undone) entry skipped or flagged them. */
  get flags(): ReadonlyMap<string, 'skipped' | 'flagged'> {
    const version = this.#version;
    if (this.#flagsView?.version !== version) {
      this.#flagsView = { version, view: readonlyView(this.#flagMap) };
    }
    return this.#flagsView.view;
  }

  /** The newest completed run that is not a cross-validation fold: the queue's model. */
  get latestRun(): RunRecord | null {
    return (
      this.runs.current.find((r) => r.status === 'completed' && r.purpose !== 'cross-validation') ??
      null
    );
  }

  /** The item shown now: a history item while browsing back, else the queue's head. */
  readonly currentItemId: string | null = $derived.by(() => {
    if (this.cursor < this.history.length) return this.history[this.cursor]!;
    return this.upcoming(1)[0]?.itemId ?? null;
  });
  readonly browsing = $derived(this.cursor < this.history.length);
  readonly current: ItemView | null = $derived.by(() => {
    const pool = this.pool;
    const id = this.currentItemId;
    if (!pool || id === null) return null;
    const row = pool.rowOf.get(id);
    if (row !== undefined) return itemView(pool, row);
    const extra = this.monitorItems;
    const r = extra?.rowOf.get(id);
    return extra && r !== undefined ? itemView(extra, r) : null;
  });
  readonly currentEntry: QueueEntry | null = $derived(
    this.queue.find((e) => e.itemId === this.currentItemId) ?? null,
  );
  readonly currentLabel = $derived(
    this.currentItemId === null ? undefined : this.labelOf(this.currentItemId),
  );
  readonly currentSuggestion = $derived(
    this.currentItemId === null ? undefined : this.suggestions.get(this.currentItemId),
  );
  readonly remaining = $derived(this.upcoming(Number.MAX_SAFE_INTEGER).length);
  readonly gridItems: QueueEntry[] = $derived(this.gridMode ? this.upcoming(GRID_SIZE) : []);
  readonly canUndo = $derived(this.undoStack.length > 0);
  readonly canRedo = $derived(this.redoStack.length > 0);
  /** Pool rows outside the holdout, counted once per pool. */
  readonly #poolRows = $derived.by(() => {
    const pool = this.pool;
    if (!pool) return 0;
    let n = 0;
    for (let r = 0; r < pool.holdout.length; r++) if (!pool.holdout[r]) n++;
    return n;
  });
  /** Unlabelled pool rows outside the holdout; O(1) per label (kept with the replay). */
  get unlabelledCount(): number {
    void this.#version;
    return this.#poolRows - this.#labelledPoolRows;
  }

  /**
   * Queue entries still to show, in order: not done in this session, not labelled, not skipped,
   * not shown in another tab right now.
   */
  upcoming(max: number): QueueEntry[] {
    const out: QueueEntry[] = [];
    for (const e of this.queue) {
      if (out.length >= max) break;
      if (this.done.has(e.itemId) || this.labelOf(e.itemId) !== undefined) continue;
      if (this.claims.heldByOther(e.itemId)) continue;
      out.push(e);
    }
    return out;
  }

  /** The item's current label: the written log replayed with this tab's pending entries. */
  labelOf(itemId: string): string | undefined {
    void this.#version;
    return this.#labelMap.get(itemId);
  }

  /** Re-replays the given items' entries (written, then pending) into the label and flag maps. */
  #replay(itemIds: Iterable<string>): void {
    const pool = this.pool;
    for (const itemId of itemIds) {
      const entries = this.#entriesOf(itemId);
      const undone = new Set<number>();
      for (const e of entries)
        if (e.kind === 'undo' && e.undoes !== undefined) undone.add(e.undoes);
      let label: string | undefined;
      let flag: 'skipped' | 'flagged' | undefined;
      for (const e of entries) {
        if (e.kind === 'undo' || undone.has(e.seq)) continue;
        if (e.flag) flag = e.flag;
        else if (e.label !== null) flag = undefined;
        if (e.label === null && e.flag) continue;
        label = e.label ?? undefined;
      }
      const had = this.#labelMap.has(itemId);
      if (label === undefined) this.#labelMap.delete(itemId);
      else this.#labelMap.set(itemId, label);
      if (flag === undefined) this.#flagMap.delete(itemId);
      else this.#flagMap.set(itemId, flag);
      const row = pool?.rowOf.get(itemId);
      if (row !== undefined && !pool!.holdout[row] && had !== (label !== undefined)) {
        this.#labelledPoolRows += had ? -1 : 1;
      }
    }
    this.#version++;
  }

  /** One item's log: written entries, then pending ones (by sequence number, temp ones last). */
  #entriesOf(itemId: string): AnnotationRecord[] {
    const confirmed = this.#confirmedByItem.get(itemId) ?? [];
    const pending = this.#pendingByItem.get(itemId);
    if (!pending) return confirmed;
    const out = [...confirmed];
    const seen = new Set(confirmed.map((e) => e.seq));
    for (const p of pending) {
      if (p.seq !== null && seen.has(p.seq)) continue;
      const u = p.undoes;
      const undoes = u === undefined ? undefined : typeof u === 'number' ? u : (u.seq ?? u.temp);
      out.push({ ...p.record, seq: p.seq ?? p.temp, ...(undoes !== undefined ? { undoes } : {}) });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Counts labelled non-holdout pool rows again (once, when the pool arrives). */
  #recountPool(): void {
    const pool = this.pool;
    let n = 0;
    if (pool) {
      for (const id of this.#labelMap.keys()) {
        const r = pool.rowOf.get(id);
        if (r !== undefined && !pool.holdout[r]) n++;
      }
    }
    this.#labelledPoolRows = n;
    this.#version++;
  }

  className(classId: string | undefined): string {
    return this.project.classes.find((c) => c.id === classId)?.name ?? '—';
  }

  // ------------------------------------------------------------------------------------------
  // Loading

  async open(): Promise<void> {
    this.loading = true;
    try {
      const s = this.#deps.settings;
      const [annotator, saved, keys] = await Promise.all([
        this.annotator ? Promise.resolve(this.annotator) : s.get<string>(ANNOTATOR_SETTING, ''),
        s.get<Partial<QueueSettings> | null>(this.#settingsKey('queue'), null),
        s.get<Record<string, string>>(this.#settingsKey('keymap'), {}),
      ]);
      this.annotator = typeof annotator === 'string' ? annotator : '';
      if (saved && typeof saved === 'object')
        this.settings = { ...this.settings, ...validQueue(saved) };
      if (keys && typeof keys === 'object') this.keyOverrides = { ...keys };
      this.pool = this.#deps.pool ?? (await loadPool(this.project.id, this.project.seed));
      this.#recountPool();
      this.#acceptLog(await this.#readLog());
    } catch (e) {
      this.error = `Could not read the project: ${message(e)}`;
    } finally {
      this.loading = false;
    }
    if (!this.error) await this.refill();
  }

  #settingsKey(what: string): string {
    return `labeling:${what}:${this.project.id}`;
  }

  /**
   * Reads what is new in the log: the entries after the last one seen (read by sequence number,
   * so a write costs a read of just the new entries, however long the log), unless the project's
   * log length says it was replaced meanwhile (a workspace import, a deleted project) or nothing
   * was seen yet — then the whole log. The state it compares with is taken before the reads.
   */
  async #readLog(): Promise<LogRead> {
    const repo = this.#deps.annotations;
    const after = this.#maxSeq;
    const known = this.#confirmedCount;
    if (after !== -Infinity) {
      const tail = await repo.logTail(this.project.id, after);
      if (tail.count === known + tail.entries.length)
        return { whole: false, entries: tail.entries };
    }
    return { whole: true, entries: await repo.log(this.project.id) };
  }

  /**
   * A fresh read of the log landed. The log only grows, so only entries past the last one seen
   * are new: they join their items' lists, pending entries they confirm are dropped, and just
   * those items are replayed. A whole log that disagrees with what is held (shorter, or an entry
   * before the last seen) means the log was replaced: everything is rebuilt.
   */
  #acceptLog(read: LogRead): void {
    const log = read.entries;
    if (!read.whole) {
      const fresh = log.filter((e) => e.seq > this.#maxSeq);
      if (fresh.length > 0) this.#replay(this.#addConfirmed(fresh));
      return;
    }
    let i = log.length;
    while (i > 0 && log[i - 1]!.seq > this.#maxSeq) i--;
    if (i !== this.#confirmedCount) {
      const all = new Set([...this.#confirmedByItem.keys(), ...this.#pendingByItem.keys()]);
      this.#confirmedByItem.clear();
      this.#confirmedCount = 0;
      this.#maxSeq = -Infinity;
      for (const e of log) all.add(e.itemId);
      this.#labelMap.clear();
      this.#flagMap.clear();
      this.#labelledPoolRows = 0;
      this.#addConfirmed(log);
      this.#replay(all);
      return;
    }
    if (i === log.length) return;
    this.#replay(this.#addConfirmed(log.slice(i)));
  }

  /** Adds written entries (seq order); drops the pending entries they confirm. */
  #addConfirmed(entries: AnnotationRecord[]): Set<string> {
    const touched = new Set<string>();
    const seqs = new Set<number>();
    for (const e of entries) {
      let list = this.#confirmedByItem.get(e.itemId);
      if (!list) this.#confirmedByItem.set(e.itemId, (list = []));
      list.push(e);
      seqs.add(e.seq);
      touched.add(e.itemId);
      if (e.seq > this.#maxSeq) this.#maxSeq = e.seq;
    }
    this.#confirmedCount += entries.length;
    if (this.#pendingList.some((p) => p.seq !== null && seqs.has(p.seq))) {
      this.#dropPending((p) => p.seq !== null && seqs.has(p.seq));
    }
    return touched;
  }

  #dropPending(drop: (p: Pending) => boolean): void {
    this.#pendingList = this.#pendingList.filter((p) => !drop(p));
    for (const [itemId, list] of this.#pendingByItem) {
      const left = list.filter((p) => !drop(p));
      if (left.length === 0) this.#pendingByItem.delete(itemId);
      else if (left.length !== list.length) this.#pendingByItem.set(itemId, left);
    }
  }

  /** Waits for every write of this tab, then re-reads the log (headless use and tests). */
  async flush(): Promise<void> {
    while (this.#pumping || this.#unwritten.length > 0) await this.#chain;
    this.#acceptLog(await this.#readLog());
  }

  // ------------------------------------------------------------------------------------------
  // Writing

  #entry(itemId: string, fields: Partial<NewAnnotation> & { kind: AnnotationKind }): NewAnnotation {
    return {
      projectId: this.project.id,
      itemId,
      label: null,
      annotator: this.annotator || 'anonymous',
      sessionId: this.sessionId,
      at: Date.now(),
      ...fields,
    };
  }

  #pend(record: NewAnnotation, undoes?: Pending | number): Pending {
    return {
      temp: TEMP_BASE + ++this.#tempCounter,
      seq: null,
      record,
      ...(undoes !== undefined ? { undoes } : {}),
    };
  }

  /** Applies entries at once and queues their write; never awaits on the caller's path. */
  #commit(entries: Pending[]): void {
    this.#pendingList = [...this.#pendingList, ...entries];
    for (const p of entries) {
      const list = this.#pendingByItem.get(p.record.itemId);
      if (list) list.push(p);
      else this.#pendingByItem.set(p.record.itemId, [p]);
    }
    this.#replay(new Set(entries.map((p) => p.record.itemId)));
    this.#unwritten.push(...entries);
    this.writing += entries.length;
    if (!this.#pumping) {
      this.#pumping = true;
      this.#chain = this.#pump();
    }
  }

  /**
   * The writer: after the current task (the key press's frame goes first), appends every queued
   * entry in one transaction, in order, and again until the queue is empty. An undo whose target
   * is still unwritten waits for the next transaction; one whose target failed fails too.
   */
  async #pump(): Promise<void> {
    try {
      await new Promise((r) => setTimeout(r, 0));
      while (this.#unwritten.length > 0) {
        let n = 0;
        while (n < this.#unwritten.length) {
          const u = this.#unwritten[n]!.undoes;
          if (u !== undefined && typeof u !== 'number' && u.seq === null) break;
          n++;
        }
        const batch = this.#unwritten.splice(0, Math.max(1, n));
        try {
          const records = batch.map((p) => {
            const u = p.undoes;
            const undoes = u === undefined ? undefined : typeof u === 'number' ? u : u.seq;
            if (u !== undefined && undoes == null)
              throw new Error('The undone entry was not saved');
            return { ...p.record, ...(undoes != null ? { undoes } : {}) };
          });
          const seqs = await this.#deps.annotations.append(records);
          batch.forEach((p, i) => (p.seq = seqs[i]!));
        } catch (e) {
          this.error = `Could not save the label: ${message(e)}`;
          const failed = new Set(batch);
          this.#dropPending((p) => failed.has(p));
        } finally {
          this.writing -= batch.length;
        }
        // Real sequence numbers may order our entries before another tab's.
        this.#replay(new Set(batch.map((p) => p.record.itemId)));
      }
    } finally {
      this.#pumping = false;
    }
  }

  #record(action: Action): void {
    this.undoStack = [...this.undoStack, action];
    this.redoStack = [];
  }

  /** Marks items as handled in this session: into history, out of the queue. */
  #handled(itemIds: string[]): boolean {
    if (this.browsing) {
      this.cursor++;
      return false;
    }
    for (const id of itemIds) {
      this.done.add(id);
      const origin = this.queue.find((e) => e.itemId === id);
      if (origin) this.#origins.set(id, origin);
    }
    this.history = [...this.history, ...itemIds];
    this.cursor = this.history.length;
    return true;
  }

  /** Labels the current item (or, in grid mode, the selected items) with a class. */
  label(classId: string, kind: AnnotationKind = 'human', itemIds?: string[]): void {
    if (!this.classIndex.has(classId)) return;
    const ids = itemIds ?? this.#targets();
    if (ids.length === 0) return;
    const entries = ids.map((id) => {
      const s = this.suggestions.get(id);
      const confidence =
        kind === 'suggestion' && s && Number.isFinite(s.confidence)
          ? { confidence: s.confidence }
          : {};
      return this.#pend(this.#entry(id, { kind, label: classId, ...confidence }));
    });
    this.#commit(entries);
    const fresh = this.#handled(ids);
    this.#record({ entries, itemIds: ids, fresh });
    this.gridSelection.clear();
    this.#afterLabels(ids.length);
  }

  /** Accepts the model's suggestion for the current item. */
  accept(): void {
    const id = this.currentItemId;
    const s = id === null ? undefined : this.suggestions.get(id);
    if (s) this.label(s.classId, 'suggestion');
  }

  skip(): void {
    this.#flagAs('skipped');
  }

  flag(): void {
    this.#flagAs('flagged');
  }

  #flagAs(flag: 'skipped' | 'flagged'): void {
    const ids = this.#targets();
    if (ids.length === 0) return;
    const entries = ids.map((id) => this.#pend(this.#entry(id, { kind: 'human', flag })));
    this.#commit(entries);
    const fresh = this.#handled(ids);
    this.#record({ entries, itemIds: ids, fresh });
    this.gridSelection.clear();
  }

  #targets(): string[] {
    if (this.gridMode && !this.browsing) {
      if (this.gridSelection.size > 0) {
        return this.gridItems.map((e) => e.itemId).filter((id) => this.gridSelection.has(id));
      }
      const first = this.gridItems[0];
      return first ? [first.itemId] : [];
    }
    return this.currentItemId === null ? [] : [this.currentItemId];
  }

  /** Takes back this session's last action with compensating `undo` events. */
  undo(): void {
    const action = this.undoStack.at(-1);
    if (!action) return;
    this.undoStack = this.undoStack.slice(0, -1);
    const undos = action.entries.map((p) =>
      this.#pend(this.#entry(p.record.itemId, { kind: 'undo' }), p.seq ?? p),
    );
    this.#commit(undos);
    if (action.fresh) {
      for (const id of action.itemIds) this.done.delete(id);
      // The undone items come back first, even if a refill replaced their batch meanwhile.
      const back = action.itemIds.flatMap((id) => {
        const o = this.#origins.get(id);
        return o ? [o] : [];
      });
      const ids = new Set(action.itemIds);
      this.queue = [...back, ...this.queue.filter((e) => !ids.has(e.itemId))];
      const h = this.history;
      const tail = h.slice(-action.itemIds.length);
      if (
        tail.length === action.itemIds.length &&
        tail.every((id, i) => id === action.itemIds[i])
      ) {
        this.history = h.slice(0, -action.itemIds.length);
      }
      this.cursor = this.history.length;
    } else {
      this.cursor = Math.max(0, this.history.lastIndexOf(action.itemIds[0]!));
    }
    this.redoStack = [...this.redoStack, action];
  }

  /** Appends the last undone action's entries again. */
  redo(): void {
    const action = this.redoStack.at(-1);
    if (!action) return;
    this.redoStack = this.redoStack.slice(0, -1);
    const again = action.entries.map((p) => this.#pend({ ...p.record, at: Date.now() }));
    this.#commit(again);
    if (action.fresh) {
      for (const id of action.itemIds) this.done.add(id);
      this.history = [...this.history, ...action.itemIds];
      this.cursor = this.history.length;
    }
    this.undoStack = [...this.undoStack, { ...action, entries: again }];
  }

  back(): void {
    if (this.cursor > 0) this.cursor--;
  }

  forward(): void {
    if (this.cursor < this.history.length) this.cursor++;
  }

  /** Runs a keyboard command (LabelPage maps keys with `commandOf`). */
  run(command: LabelCommand): void {
    switch (command.kind) {
      case 'label':
        return this.label(command.classId);
      case 'accept':
        return this.accept();
      case 'undo':
        return this.undo();
      case 'redo':
        return this.redo();
      case 'skip':
        return this.skip();
      case 'flag':
        return this.flag();
      case 'back':
        return this.back();
      case 'forward':
        return this.forward();
      case 'help':
        this.helpOpen = !this.helpOpen;
        return;
      case 'keep':
        return;
    }
  }

  /**
   * A review decision on one item: an 'adjudication' entry (keep = the same label again). It does
   * not touch the queue or this session's history and is not on the undo stack.
   */
  adjudicate(itemId: string, classId: string): void {
    if (!this.classIndex.has(classId)) return;
    this.#commit([this.#pend(this.#entry(itemId, { kind: 'adjudication', label: classId }))]);
  }

  toggleGridItem(itemId: string): void {
    if (this.gridSelection.has(itemId)) this.gridSelection.delete(itemId);
    else this.gridSelection.add(itemId);
  }

  selectAllGrid(): void {
    for (const e of this.gridItems) this.gridSelection.add(e.itemId);
  }

  // ------------------------------------------------------------------------------------------
  // Settings

  async setAnnotator(name: string): Promise<void> {
    this.annotator = name.trim();
    await this.#deps.settings.set(ANNOTATOR_SETTING, this.annotator);
  }

  async updateSettings(patch: Partial<QueueSettings>): Promise<void> {
    const before = this.settings;
    this.settings = { ...before, ...validQueue(patch) };
    await this.#deps.settings.set(this.#settingsKey('queue'), $state.snapshot(this.settings));
    const s = this.settings;
    if (
      s.strategy !== before.strategy ||
      s.batchSize !== before.batchSize ||
      s.holdoutMode !== before.holdoutMode
    ) {
      await this.refill();
    }
  }

  async remapKey(classId: string, key: string): Promise<void> {
    this.keyOverrides = { ...this.keyOverrides, [classId]: key.trim().toLowerCase() };
    if (this.keymapError === null) {
      await this.#deps.settings.set(this.#settingsKey('keymap'), { ...this.keyOverrides });
    }
  }

  async resetKeymap(): Promise<void> {
    this.keyOverrides = {};
    await this.#deps.settings.set(this.#settingsKey('keymap'), {});
  }

  // ------------------------------------------------------------------------------------------
  // Queue

  /** The strategy a refill will use: the pick, or a cold-start one while there is no model. */
  readonly effectiveStrategy: QueueStrategyId = $derived.by(() => {
    const s = getStrategy(this.settings.strategy);
    if (!s.needsModel || this.latestRun) return s.id;
    return COLD_START_STRATEGY;
  });

  /**
   * Computes a new batch in the background. The current item stays where it is; the rest of the
   * old batch is replaced when the new one is ready (until then labeling goes on with it).
   * `size`: exactly that many items (the headless API); default the batch size, or more for a
   * labeler faster than a refill (see `#refillSize`).
   */
  async refill(options: { size?: number } = {}): Promise<void> {
    const pool = this.pool;
    const bridge = this.#deps.bridge;
    if (!pool || this.#disposed) return;
    this.#refillController?.abort();
    const controller = new AbortController();
    this.#refillController = controller;
    this.refilling = true;
    this.refillError = null;
    const holdoutMode = this.settings.holdoutMode;
    const strategy: QueueStrategyId = holdoutMode ? 'random' : this.effectiveStrategy;
    const run = this.latestRun;
    const n = pool.itemIds.length;
    const t0 = performance.now();
    // Eligible: the right side of the holdout, minus labelled, skipped/flagged, done and current
    // items — cleared through the (small) sets rather than a lookup per pool row.
    const eligible = new Uint8Array(n);
    const side = holdoutMode ? 1 : 0;
    for (let r = 0; r < n; r++) eligible[r] = pool.holdout[r] === side ? 1 : 0;
    const labelledRows: number[] = [];
    for (const id of this.#labelMap.keys()) {
      const r = pool.rowOf.get(id);
      if (r === undefined) continue;
      eligible[r] = 0;
      if (!pool.holdout[r]) labelledRows.push(r);
    }
    const off = (id: string | null) => {
      const r = id === null ? undefined : pool.rowOf.get(id);
      if (r !== undefined) eligible[r] = 0;
    };
    for (const id of this.#flagMap.keys()) off(id);
    for (const id of this.done) off(id);
    off(this.currentItemId);
    const labelled = Int32Array.from(labelledRows).sort();
    try {
      if (strategy === 'monitoring') {
        await this.#refillMonitoring(options.size ?? this.#refillSize(), controller.signal);
        if (!controller.signal.aborted) this.#lastRefillMs = performance.now() - t0;
        return;
      }
      const seed = deriveSeed(this.project.seed, 1000 + this.#refills++);
      const batch =
        strategy === 'random' || strategy === 'diversity' || bridge
          ? await scorePool({
              bridge: bridge ?? noBridge,
              dbName: this.#deps.dbName,
              project: this.project,
              pool,
              runId: run?.id ?? null,
              strategy,
              k: options.size ?? (holdoutMode ? this.settings.batchSize : this.#refillSize()),
              seed,
              eligible,
              labelledRows: labelled,
              signal: controller.signal,
            })
          : null;
      if (!batch || controller.signal.aborted) return;
      this.#lastRefillMs = performance.now() - t0;
      const entries: QueueEntry[] = batch.rows.map((row, i) => ({
        row,
        itemId: pool.itemIds[row]!,
        strategy: holdoutMode ? 'holdout' : strategy,
        score: batch.scores[i]!,
        rank: i + 1,
      }));
      const head = this.queue.find((e) => e.itemId === this.currentItemId && !this.browsing);
      this.queue = head ? [head, ...entries] : entries;
      this.queueStrategy = holdoutMode ? 'holdout' : strategy;
      if (run && bridge) await this.#suggest(run.id, entries, batch.probs, controller.signal);
      else this.suggestions = new Map();
    } catch (e) {
      if (!controller.signal.aborted) this.refillError = message(e);
    } finally {
      if (this.#refillController === controller) {
        this.refilling = false;
        this.#refillController = null;
      }
    }
  }

  /**
   * The monitoring strategy: the Monitor's ranked candidates (unlabelled production items) in rank
   * order, minus labelled, skipped/flagged, done and current items; their rows are read from the
   * production sources. Their suggestions are what the serving model predicted for them (the
   * prediction log), not the labeling model's: that one never saw production data.
   */
  async #refillMonitoring(k: number, signal: AbortSignal): Promise<void> {
    const project = this.project;
    const m = this.#deps.monitoring ?? {
      candidates: (id: string) =>
        monitorCandidates(id, { monitor: pageMonitor, annotations: this.#deps.annotations }),
      load: (items: readonly MonitorCandidate[]) =>
        loadProductionItems(project.id, items, project.seed),
      served: (projectId: string, itemIds: readonly string[]) =>
        pagePredictions.byItems(projectId, itemIds),
    };
    const cands = await m.candidates(project.id);
    if (signal.aborted) return;
    const n = cands.length;
    const exclude = new Uint8Array(n);
    cands.forEach((c, i) => {
      const id = c.itemId;
      if (
        this.#labelMap.has(id) ||
        this.#flagMap.has(id) ||
        this.done.has(id) ||
        id === this.currentItemId
      )
        exclude[i] = 1;
    });
    const picked = getStrategy('monitoring').selectBatch(
      {
        rows: n,
        exclude,
        ranked: {
          rows: Int32Array.from({ length: n }, (_, i) => i),
          scores: Float64Array.from(cands, (c) => c.score),
        },
      },
      k,
      0,
    );
    if (!picked.ok) throw new Error(describeStrategyError(picked.error));
    const chosen = Array.from(picked.value.indices, (i) => cands[i]!);
    const loaded = chosen.length > 0 ? await m.load(chosen) : null;
    if (signal.aborted) return;
    const items =
      loaded && this.monitorItems ? mergePools(this.monitorItems, loaded, project.seed) : loaded;
    if (items) this.monitorItems = items;
    const entries: QueueEntry[] = [];
    for (const c of chosen) {
      const row = items?.rowOf.get(c.itemId);
      if (row === undefined) continue; // its source is gone
      entries.push({
        row,
        itemId: c.itemId,
        strategy: 'monitoring',
        score: c.score,
        rank: entries.length + 1,
        reason: `${c.reason === 'outlier' ? 'outlier' : 'drifted region'} (${c.detail}) · window ${c.windowIndex + 1}, ${c.windowState}`,
      });
    }
    const served =
      m.served && entries.length > 0
        ? await m.served(
            project.id,
            entries.map((e) => e.itemId),
          )
        : [];
    if (signal.aborted) return;
    const suggestions = new Map<string, Suggestion>();
    const flaggedBy = new Map(chosen.map((c) => [c.itemId, c.modelId]));
    const classIds = project.classes.map((c) => c.id);
    for (const [id, x] of servedSuggestions(served, classIds, flaggedBy)) {
      suggestions.set(id, { classId: x.classId, confidence: x.confidence, servedBy: x.version });
    }
    const head = this.queue.find((e) => e.itemId === this.currentItemId && !this.browsing);
    this.queue = head ? [head, ...entries] : entries;
    this.queueStrategy = 'monitoring';
    this.suggestions = suggestions;
  }

  async #suggest(
    runId: string,
    entries: QueueEntry[],
    probs: { data: Float32Array; classIds: string[] } | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const pool = this.pool!;
    const out = new Map<string, Suggestion>();
    const put = (itemId: string, p: Float32Array | number[], classIds: string[]) => {
      let best = 0;
      for (let j = 1; j < classIds.length; j++) if (p[j]! > p[best]!) best = j;
      out.set(itemId, { classId: classIds[best]!, confidence: p[best]! });
    };
    if (probs) {
      const k = probs.classIds.length;
      for (const e of entries)
        put(e.itemId, probs.data.subarray(e.row * k, (e.row + 1) * k), probs.classIds);
    } else {
      const ids = entries.map((e) => e.itemId);
      const head = this.currentItemId;
      if (head !== null && !ids.includes(head)) ids.push(head);
      const res = await poolProbabilities(
        this.#deps.bridge!,
        this.#deps.dbName,
        pool,
        runId,
        signal,
        ids,
      );
      const k = res.classIds.length;
      res.rows.forEach((r, i) => {
        if (r >= 0) put(pool.itemIds[r]!, res.data.subarray(i * k, (i + 1) * k), res.classIds);
      });
    }
    if (!signal.aborted) this.suggestions = new Map([...this.suggestions, ...out]);
  }

  #afterLabels(count: number): void {
    this.labelsSinceRetrain += count;
    const now = performance.now();
    const gap = now - this.#lastActionAt;
    // A moving average of the time between labels. Gaps over 5 s are pauses (or waits for an
    // empty queue), not the labeler's pace: they are left out.
    if (this.#lastActionAt > 0 && gap <= 5000) {
      this.#actionGapMs = 0.7 * this.#actionGapMs + 0.3 * gap;
    }
    this.#lastActionAt = now;
    const { autoRetrain, retrainEvery } = this.settings;
    // Refill before the batch runs out: at half the batch, or earlier when, at the current pace,
    // the rest would be labelled before a refill (inference + selection, seconds on a large
    // pool) comes back. The refill starts after this task, so the key press's frame goes first.
    const ahead = Math.ceil((1.5 * this.#lastRefillMs) / Math.max(1, this.#actionGapMs));
    const low = Math.max(
      Math.ceil(this.settings.batchSize / 2),
      Math.min(ahead, 10 * this.settings.batchSize),
    );
    if (this.remaining <= low) this.#refillSoon();
    const due = this.latestRun ? retrainEvery : Math.min(retrainEvery, FIRST_MODEL_AFTER);
    if (autoRetrain && this.labelsSinceRetrain >= due && !this.retraining) {
      setTimeout(() => void this.retrain(), 0);
    }
  }

  /**
   * Items a refill asks for: the batch size, or more when the labeler is faster than a refill —
   * enough to last twice the last refill's time at the current pace (at most ten batches), so a
   * fast labeler does not run the queue dry while the next refill runs. The new batch replaces
   * the rest of the old one, and with an unchanged model it is mostly the same items (the best
   * ones are still the best): the items still queued are asked for on top, so that what the
   * labeler works through meanwhile does not eat into the items ahead.
   */
  #refillSize(): number {
    const b = this.settings.batchSize;
    if (this.#lastRefillMs === 0 || this.#lastActionAt === 0) return b;
    const need = Math.ceil((2 * this.#lastRefillMs) / Math.max(1, this.#actionGapMs));
    return Math.min(10 * b, Math.max(b, need)) + this.remaining;
  }

  #refillSoon(): void {
    if (this.refilling || this.#refillScheduled) return;
    this.#refillScheduled = true;
    setTimeout(() => {
      this.#refillScheduled = false;
      if (!this.refilling) void this.refill();
    }, 0);
  }

  /**
   * Trains a model with the project's default preset in the worker, then refills the queue with
   * it. Labeling goes on meanwhile with the old batch.
   */
  async retrain(): Promise<void> {
    const bridge = this.#deps.bridge;
    if (!bridge || this.retraining) return;
    this.retraining = true;
    this.retrainError = null;
    this.labelsSinceRetrain = 0;
    const controller = new AbortController();
    this.#retrainController = controller;
    try {
      await this.#chain; // the worker reads labels from IndexedDB: let ours land first
      const config = {
        ...presetConfig(this.project.modality, DEFAULT_PRESET, this.project.seed),
        // The suggestion model must exist about a second after a batch: the exact linear learner
        // fits in milliseconds to a second where a network took minutes. BALD needs dropout's
        // stochastic passes, which only a network has.
        family: this.settings.strategy === 'bald' ? ('network' as const) : ('linear' as const),
      };
      const request = trainRequest(this.#deps.dbName, this.project.id, config);
      this.retrainProgress = null;
      await bridge.trainModel(request, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.kind === 'epoch') {
            this.retrainProgress = { done: p.point.epoch + 1, total: p.epochs, unit: 'epoch' };
          } else if (p.kind === 'batch' && config.family === 'linear') {
            this.retrainProgress = { done: p.batch, total: p.batchesPerEpoch, unit: 'iteration' };
          }
        },
      });
      await this.#waitForRun(request.runId);
      await this.refill();
    } catch (e) {
      if (!controller.signal.aborted) this.retrainError = message(e);
    } finally {
      this.retraining = false;
      this.retrainProgress = null;
      this.#retrainController = null;
    }
  }

  /** The live runs query may lag the worker's write by a tick; wait until it has the run. */
  async #waitForRun(runId: string): Promise<void> {
    for (let i = 0; i < 50; i++) {
      if (this.latestRun?.id === runId) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#refillController?.abort();
    this.#retrainController?.abort();
    this.#disposeRoot?.();
    this.#disposeRoot = null;
    this.claims.dispose();
  }
}

const noBridge: ScoringBridge = {
  predict: () => Promise.reject(new Error('No ML worker')),
  embed: () => Promise.reject(new Error('No ML worker')),
  mcDropout: () => Promise.reject(new Error('No ML worker')),
};

function validQueue(s: Partial<QueueSettings>): Partial<QueueSettings> {
  const out: Partial<QueueSettings> = {};
  if (typeof s.strategy === 'string') {
    try {
      out.strategy = getStrategy(s.strategy).id;
    } catch {
      /* a strategy that no longer exists: keep the default */
    }
  }
  if (Number.isInteger(s.batchSize) && s.batchSize! >= 1 && s.batchSize! <= 1000)
    out.batchSize = s.batchSize!;
  if (typeof s.autoRetrain === 'boolean') out.autoRetrain = s.autoRetrain;
  if (Number.isInteger(s.retrainEvery) && s.retrainEvery! >= 1) out.retrainEvery = s.retrainEvery!;
  if (typeof s.holdoutMode === 'boolean') out.holdoutMode = s.holdoutMode;
  return out;
}

/** A read-only view of a map (a fresh object per state version; the map itself is not copied). */
function readonlyView<K, V>(map: Map<K, V>): ReadonlyMap<K, V> {
  return {
    get size() {
      return map.size;
    },
    get: (k) => map.get(k),
    has: (k) => map.has(k),
    forEach: (fn, thisArg?: unknown) => map.forEach((v, k) => fn.call(thisArg, v, k, map)),
    entries: () => map.entries(),
    keys: () => map.keys(),
    values: () => map.values(),
    [Symbol.iterator]: () => map[Symbol.iterator](),
  };
}
