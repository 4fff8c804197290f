// The data-quality report of a source, computed in one streaming pass over its chunks (the ingest
// worker runs it right after import, so chunks need not all be in memory):
//  - exact, over every row: missing counts, Welford moments, min/max, distinct counts (up to
//    DISTINCT_CAP), category counts, and a 53-bit hash of each row's feature values to find exact
//    duplicates (memory O(rows): one map entry per row; collision odds ≈ n²/2⁵⁴, 6·10⁻⁵ at 1M rows);
//  - on a seeded reservoir sample of `maxSample` rows (Vitter's Algorithm R; every row when the
//    source is smaller): quantiles, histograms, outliers and near-duplicates, which need sorting or
//    grouping. Findings from the sample say so in their message.
import type { ChunkColumn, ChunkRecord, ColumnSchema } from '../persistence/schema';
import { fmix32, mixWord, mulberry32, murmur3 } from './hash';
import { findNearDuplicateImages, findNearDuplicateTexts } from './near-duplicates';
import {
  DISTINCT_CAP,
  FINDING_SAMPLE_IDS,
  type ClassImbalanceFinding,
  type ColumnQuality,
  type FindingScope,
  type QualityFinding,
  type QualityReport,
} from './quality-types';
import { Moments, findOutliers, histogram, quantileSorted, sortedCopy } from './stats';

export interface QualityOptions {
  /** Labels by item id (items of other sources are ignored). Without it, a `target` column's values are the labels. */
  labels?: ReadonlyMap<string, string>;
  /** Class id → display name; its keys are the known classes (a class without items counts as 0). */
  classNames?: ReadonlyMap<string, string>;
  /** Rows kept for quantiles, histograms, outliers and near-duplicates (default 10,000). */
  maxSample?: number;
  /** Seed of the reservoir sample (default 0). */
  seed?: number;
  /** dHashes of the source's images, for image near-duplicates. */
  imageHashes?: readonly { itemId: string; hash: bigint }[];
  /** Timestamp for `computedAt` (default Date.now()). */
  now?: number;
  /**
   * For a `labels` map still being filled while chunks are added (the ingest worker adds labels
   * with their rows): also count the target column, and use it instead (without `classNames`) when
   * `labels` is still empty at `finish()` — what passing no `labels` would have given.
   */
  targetFallback?: boolean;
}

/** {@link computeQuality} one chunk at a time, for chunks at hand as they are built. */
export interface QualityAccumulator {
  /** Adds the source's next chunk (in chunk order; the chunk is only read). */
  add(chunk: ChunkRecord): void;
  /** The report over every chunk added. */
  finish(): QualityReport;
}

export const DEFAULT_MAX_SAMPLE = 10_000;
/** Missing share from which a column gets a warning rather than a note. */
export const MISSING_WARNING_PCT = 20;
/**
 * Tabular near-duplicates: rows whose standardised numeric features ((x − mean)/std) round to the
 * same multiple of this step, and whose other features are equal, are grouped. Two rows in one
 * group are therefore within 0.05 standard deviations of each other on every numeric feature
 * (L∞ distance < 0.05 in standard units). A grid is one linear pass; its price is that a pair
 * straddling a cell boundary is missed, which is acceptable for a report that samples anyway.
 */
export const NEAR_DUPLICATE_GRID = 0.05;
/** Class-imbalance warning thresholds (a common rule of thumb; scikit-learn's docs use similar). */
export const IMBALANCE_RATIO_WARNING = 10;
export const MIN_CLASS_EXAMPLES = 5;

type Acc =
  | {
      kind: 'num';
      schema: ColumnSchema;
      missing: number;
      missingIds: string[];
      moments: Moments;
      distinct: Set<number> | null;
      sample: Float64Array;
    }
  | {
      kind: 'cat';
      schema: ColumnSchema;
      missing: number;
      missingIds: string[];
      counts: number[];
      vocab: readonly string[];
      sample: Int32Array;
    }
  | {
      kind: 'str';
      schema: ColumnSchema;
      missing: number;
      missingIds: string[];
      distinct: Set<string> | null;
      /** Kept for text columns only (near-duplicate texts). */
      sample: string[] | null;
    };

const pushCapped = <T>(list: T[], x: T): void => {
  if (list.length < FINDING_SAMPLE_IDS) list.push(x);
};

const pct = (part: number, whole: number): number => (whole === 0 ? 0 : (part / whole) * 100);
const fmtPct = (p: number): string => (p > 0 && p < 1 ? '<1%' : `${Math.round(p)}%`);
const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

// Reinterpret numbers as 32-bit words for row hashing.
const f32 = new Float32Array(1);
const f32Word = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);
const MISSING_WORD = 0x7fc00bad;

/** Is a column part of "what the model sees" (duplicates are judged on these)? */
function isFeature(c: ColumnSchema): boolean {
  return c.role === 'feature' && c.type !== 'identifier';
}

export async function computeQuality(
  columns: readonly ColumnSchema[],
  chunks: Iterable<ChunkRecord> | AsyncIterable<ChunkRecord>,
  opts: QualityOptions = {},
): Promise<QualityReport> {
  const acc = qualityAccumulator(columns, opts);
  for await (const chunk of chunks) acc.add(chunk);
  return acc.finish();
}

export function qualityAccumulator(
  columns: readonly ColumnSchema[],
  opts: QualityOptions = {},
): QualityAccumulator {
  const maxSample = Math.max(1, opts.maxSample ?? DEFAULT_MAX_SAMPLE);
  const rng = mulberry32(opts.seed ?? 0);
  const used = columns.filter((c) => c.role !== 'ignored');
  const accs: Acc[] = used.map((schema): Acc => {
    const base = { schema, missing: 0, missingIds: [] as string[] };
    switch (schema.storage) {
      case 'f32':
      case 'f64':
        return {
          ...base,
          kind: 'num',
          moments: new Moments(),
          distinct: new Set(),
          sample: new Float64Array(maxSample).fill(NaN),
        };
      case 'i32':
        return {
          ...base,
          kind: 'cat',
          counts: [],
          vocab: schema.vocab ?? [],
          sample: new Int32Array(maxSample).fill(-1),
        };
      case 'str':
        return {
          ...base,
          kind: 'str',
          distinct: new Set(),
          sample: schema.type === 'text' ? [] : null,
        };
    }
  });
  const hashColumns = accs.filter((a) => isFeature(a.schema));
  const targetAcc = accs.find((a) => a.schema.role === 'target' && a.kind === 'cat');

  let rowCount = 0;
  const firstIds: string[] = [];
  const sampleIds: string[] = [];
  const sampleHash = new Float64Array(maxSample);
  const firstByHash = new FirstByKey();
  const dupGroups = new Map<number, string[]>();
  interface LabelTally {
    counts: Map<string, number>;
    ids: Map<string, string[]>;
  }
  const givenLabels: LabelTally = { counts: new Map(), ids: new Map() };
  const targetLabels: LabelTally = { counts: new Map(), ids: new Map() };
  const countLabel = (tally: LabelTally, itemId: string, classId: string): void => {
    tally.counts.set(classId, (tally.counts.get(classId) ?? 0) + 1);
    let ids = tally.ids.get(classId);
    if (!ids) tally.ids.set(classId, (ids = []));
    pushCapped(ids, itemId);
  };

  // Labels: the given label map, else the values of a categorical target column.
  const countLabels = (chunk: ChunkRecord, ids: readonly string[], n: number): void => {
    // An empty map has no label for this chunk's items (a live map gets them before their chunk).
    if (opts.labels && opts.labels.size > 0) {
      for (const itemId of ids) {
        const classId = opts.labels.get(itemId);
        if (classId !== undefined) countLabel(givenLabels, itemId, classId);
      }
    }
    if (targetAcc && (!opts.labels || opts.targetFallback)) {
      const col = chunk.columns[targetAcc.schema.name];

      if (col?.kind === 'i32') {
        for (let r = 0; r < n; r++) {
          const value = col.codes[r]! >= 0 ? col.vocab[col.codes[r]!] : undefined;

          if (value !== undefined) countLabel(targetLabels, ids[r]!, value);
        }
      }
    }
  };

  const add = (chunk: ChunkRecord): void => {
    const n = chunk.rowCount;
    const ids = chunk.itemIds;
    for (let r = 0; r < n && firstIds.length < FINDING_SAMPLE_IDS; r++) firstIds.push(ids[r]!);

    // Reservoir slots of this chunk's rows (-1: not sampled).
    const slots = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const t = rowCount + r;
      const slot = t < maxSample ? t : Math.floor(rng() * (t + 1));
      slots[r] = slot < maxSample ? slot : -1;
      if (slot < maxSample) sampleIds[slot] = ids[r]!;
    }

    // Column statistics, column by column (typed-array loops).
    for (const acc of accs) {
      scanColumn(acc, chunk.columns[acc.schema.name], n, ids, slots);
    }

    // Row hashes over feature columns, two 32-bit lanes. A source with no feature columns (an
    // image source: its content is in blobs, compared by the ingest worker) has no rows to compare.
    if (hashColumns.length === 0) {
      countLabels(chunk, ids, n);
      rowCount += n;
      return;
    }
    const h1 = new Int32Array(n).fill(0x9747b28c | 0);
    const h2 = new Int32Array(n).fill(0x3c6ef372 | 0);
    for (const acc of hashColumns) hashColumn(h1, h2, chunk.columns[acc.schema.name], n);
    for (let r = 0; r < n; r++) {
      // 32 + 21 bits: an exact integer key.
      const key = fmix32(h1[r]!) * 2097152 + (fmix32(h2[r]!) >>> 11);
      if (slots[r]! >= 0) sampleHash[slots[r]!] = key;
      const itemId = ids[r]!;
      const first = firstByHash.firstOrAdd(key, itemId);
      if (first === undefined) continue;
      let group = dupGroups.get(key);
      if (!group) dupGroups.set(key, (group = [first]));
      group.push(itemId);
    }

    countLabels(chunk, ids, n);
    rowCount += n;
  };

  const finish = (): QualityReport => {
    const sampleSize = Math.min(rowCount, maxSample);
    const sampled = rowCount > maxSample;
    const ids = sampleIds.slice(0, sampleSize);
    const findings: QualityFinding[] = [];
    const sampleNote = sampled ? ` (in a sample of ${plural(sampleSize, 'row')})` : '';
    // Findings from the reservoir sample say so; every other one saw each row of the source.
    const sampleScope: FindingScope = sampled ? 'sample' : 'source';

    const columnReports = accs.map((acc) => {
      const report = columnQuality(acc, rowCount, sampleSize, sampled);
      findings.push(
        ...columnFindings(acc, report, rowCount, firstIds, ids, sampleNote, sampleScope),
      );
      return report;
    });

    // Exact duplicates.
    const groups = [...dupGroups.values()];
    if (groups.length > 0) {
      const involved = groups.reduce((s, g) => s + g.length, 0);
      findings.push({
        kind: 'exact-duplicates',
        severity: 'warning',
        message: `${plural(involved, 'row')} ${involved === 1 ? 'is' : 'are'} exact copies of another row (${plural(groups.length, 'group')} of identical feature values).`,
        count: involved,
        itemIds: groups.flat().slice(0, FINDING_SAMPLE_IDS),
        groups: capGroups(groups),
        scope: 'source',
      });
    }

    // Near-duplicates: tabular rows on the grid, texts by shingles, images by dHash.
    const near = tabularNearDuplicates(hashColumns, sampleSize, ids, sampleHash);
    if (near.length > 0) {
      const involved = near.reduce((s, g) => s + g.length, 0);
      findings.push({
        kind: 'near-duplicates',
        severity: 'warning',
        message: `${plural(involved, 'row')} ${involved === 1 ? 'is' : 'are'} almost identical to another row: every numeric feature within ${NEAR_DUPLICATE_GRID} standard deviations, other features equal${sampleNote}.`,
        count: involved,
        itemIds: near.flat().slice(0, FINDING_SAMPLE_IDS),
        groups: capGroups(near),
        scope: sampleScope,
      });
    }
    for (const acc of accs) {
      if (acc.kind !== 'str' || !acc.sample) continue;
      const texts: { itemId: string; text: string }[] = [];
      for (let s = 0; s < sampleSize; s++) {
        const text = acc.sample[s];
        if (text) texts.push({ itemId: ids[s]!, text });
      }
      const textGroups = findNearDuplicateTexts(texts);
      if (textGroups.length === 0) continue;
      const involved = textGroups.reduce((s, g) => s + g.length, 0);
      findings.push({
        kind: 'near-duplicates',
        severity: 'warning',
        column: acc.schema.name,
        message: `${plural(involved, 'text')} in “${acc.schema.name}” share at least 80% of their 5-character shingles with another text${sampleNote}.`,
        count: involved,
        itemIds: textGroups.flat().slice(0, FINDING_SAMPLE_IDS),
        groups: capGroups(textGroups),
        scope: sampleScope,
      });
    }
    if (opts.imageHashes && opts.imageHashes.length > 1) {
      const imageGroups = findNearDuplicateImages(opts.imageHashes);
      if (imageGroups.length > 0) {
        const involved = imageGroups.reduce((s, g) => s + g.length, 0);
        findings.push({
          kind: 'near-duplicates',
          severity: 'warning',
          message: `${plural(involved, 'image')} look the same as another image (difference hash within 4 of 64 bits).`,
          count: involved,
          itemIds: imageGroups.flat().slice(0, FINDING_SAMPLE_IDS),
          groups: capGroups(imageGroups),
          scope: 'source',
        });
      }
    }

    const useGiven =
      opts.labels !== undefined && !(opts.targetFallback === true && opts.labels.size === 0);
    const tally = useGiven ? givenLabels : targetLabels;
    const classNames = useGiven || !opts.targetFallback ? opts.classNames : undefined;
    const imbalance = classImbalance(tally.counts, tally.ids, classNames);
    if (imbalance) {
      // The browser finds an import label's items again by their label; a target column's raw
      // values (no labels imported) are no class ids, so those keep the listed ids only.
      const smallest = imbalance.classCounts[imbalance.classCounts.length - 1];
      if (useGiven && smallest) imbalance.match = { kind: 'label', classId: smallest.classId };
      findings.push(imbalance);
    }

    return {
      rowCount,
      columns: columnReports,
      findings,
      computedAt: opts.now ?? Date.now(),
      sampleSize,
    };
  };

  return { add, finish };
}

/**
 * The first item id seen with each row-hash key: an open-addressing table (linear probing, at most
 * half full) over typed arrays. A `Map` with these keys (53-bit, so heap numbers, not small
 * integers) costs several times more per row, and this runs for every row of every import.
 */
class FirstByKey {
  #keys = new Float64Array(1 << 12);
  /** 1 + index into #ids; 0 = empty slot. */
  #slots = new Int32Array(1 << 12);
  #ids: string[] = [];

  /** The first item id seen with `key`, or undefined (and `itemId` is recorded) when it is new. */
  firstOrAdd(key: number, itemId: string): string | undefined {
    const mask = this.#slots.length - 1;
    // The key's high 32 bits are one fmix32 output: already well mixed.
    let i = (key / 2097152) & mask;
    for (;;) {
      const slot = this.#slots[i]!;
      if (slot === 0) break;
      if (this.#keys[i] === key) return this.#ids[slot - 1];
      i = (i + 1) & mask;
    }
    this.#slots[i] = this.#ids.push(itemId);
    this.#keys[i] = key;
    if (this.#ids.length * 2 > mask) this.#grow();
    return undefined;
  }

  #grow(): void {
    const keys = this.#keys;
    const slots = this.#slots;
    this.#keys = new Float64Array(keys.length * 2);
    this.#slots = new Int32Array(slots.length * 2);
    const mask = this.#slots.length - 1;
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      let i = (keys[j]! / 2097152) & mask;
      while (this.#slots[i] !== 0) i = (i + 1) & mask;
      this.#slots[i] = slots[j]!;
      this.#keys[i] = keys[j]!;
    }
  }
}

function scanColumn(
  acc: Acc,
  col: ChunkColumn | undefined,
  n: number,
  ids: readonly string[],
  slots: Int32Array,
): void {
  if (!col) {
    // A column absent from a chunk is missing there.
    acc.missing += n;
    for (let r = 0; r < n; r++) pushCapped(acc.missingIds, ids[r]!);
    return;
  }
  switch (acc.kind) {
    case 'num': {
      if (col.kind !== 'f32' && col.kind !== 'f64') break;
      for (let r = 0; r < n; r++) {
        if (col.missing[r]) {
          acc.missing++;
          pushCapped(acc.missingIds, ids[r]!);
          continue;
        }
        const x = col.values[r]!;
        acc.moments.push(x);
        if (acc.distinct) {
          acc.distinct.add(x);
          if (acc.distinct.size > DISTINCT_CAP) acc.distinct = null;
        }
        if (slots[r]! >= 0) acc.sample[slots[r]!] = x;
      }
      return;
    }
    case 'cat': {
      if (col.kind !== 'i32') break;
      acc.vocab = col.vocab;
      for (let r = 0; r < n; r++) {
        const code = col.codes[r]!;
        if (code < 0) {
          acc.missing++;
          pushCapped(acc.missingIds, ids[r]!);
        } else acc.counts[code] = (acc.counts[code] ?? 0) + 1;
        if (slots[r]! >= 0) acc.sample[slots[r]!] = code;
      }
      return;
    }
    case 'str': {
      if (col.kind !== 'str') break;
      for (let r = 0; r < n; r++) {
        const v = col.values[r] ?? '';
        if (v === '') {
          acc.missing++;
          pushCapped(acc.missingIds, ids[r]!);
        } else if (acc.distinct) {
          acc.distinct.add(v);
          if (acc.distinct.size > DISTINCT_CAP) acc.distinct = null;
        }
        if (acc.sample && slots[r]! >= 0) acc.sample[slots[r]!] = v;
      }
      return;
    }
  }
  throw new TypeError(
    `Column “${acc.schema.name}” is stored as ${col.kind}, but its schema says ${acc.schema.storage}`,
  );
}

function hashColumn(h1: Int32Array, h2: Int32Array, col: ChunkColumn | undefined, n: number): void {
  const mix = (r: number, word: number): void => {
    h1[r] = mixWord(h1[r]!, word);
    h2[r] = mixWord(h2[r]!, word ^ 0x5bd1e995);
  };
  if (!col) {
    for (let r = 0; r < n; r++) mix(r, MISSING_WORD);
    return;
  }
  switch (col.kind) {
    case 'f32':
      for (let r = 0; r < n; r++) {
        if (col.missing[r]) mix(r, MISSING_WORD);
        else {
          f32[0] = col.values[r]! + 0; // + 0 folds −0 into 0
          mix(r, f32Word[0]!);
        }
      }
      return;
    case 'f64':
      for (let r = 0; r < n; r++) {
        if (col.missing[r]) mix(r, MISSING_WORD);
        else {
          f64[0] = col.values[r]! + 0;
          mix(r, f64Words[0]!);
          mix(r, f64Words[1]!);
        }
      }
      return;
    case 'i32':
      // Codes are stable across a source's chunks (append-only vocab), so they hash like values.
      for (let r = 0; r < n; r++) mix(r, col.codes[r]! < 0 ? MISSING_WORD : col.codes[r]!);
      return;
    case 'str':
      for (let r = 0; r < n; r++) {
        const v = col.values[r] ?? '';
        mix(r, v === '' ? MISSING_WORD : murmur3(v));
        mix(r, v.length);
      }
      return;
  }
}

function columnQuality(
  acc: Acc,
  rowCount: number,
  sampleSize: number,
  sampled: boolean,
): ColumnQuality {
  const { name, type } = acc.schema;
  const base = {
    name,
    type,
    missing: acc.missing,
    missingPct: pct(acc.missing, rowCount),
  };
  switch (acc.kind) {
    case 'num': {
      const distinct = acc.distinct?.size ?? DISTINCT_CAP;
      const report: ColumnQuality = {
        ...base,
        distinct,
        distinctCapped: acc.distinct === null,
        constant: distinct <= 1,
      };
      if (acc.moments.n > 0) {
        const sorted = sortedCopy(acc.sample.subarray(0, sampleSize));
        report.numeric = {
          mean: acc.moments.mean,
          std: acc.moments.std,
          min: acc.moments.min,
          q1: quantileSorted(sorted, 0.25),
          median: quantileSorted(sorted, 0.5),
          q3: quantileSorted(sorted, 0.75),
          max: acc.moments.max,
        };
        report.histogram = histogram(sorted);
        report.sampled = sampled;
      }
      return report;
    }
    case 'cat': {
      const top: { value: string; count: number }[] = [];
      acc.counts.forEach((count, code) => {
        if (count > 0) top.push({ value: acc.vocab[code] ?? `#${code}`, count });
      });
      top.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
      return {
        ...base,
        distinct: top.length,
        distinctCapped: false,
        constant: top.length <= 1,
        topCategories: top.slice(0, 20),
      };
    }
    case 'str': {
      const distinct = acc.distinct?.size ?? DISTINCT_CAP;
      return {
        ...base,
        distinct,
        distinctCapped: acc.distinct === null,
        constant: distinct <= 1,
      };
    }
  }
}

function columnFindings(
  acc: Acc,
  report: ColumnQuality,
  rowCount: number,
  firstIds: string[],
  sampleIds: readonly string[],
  sampleNote: string,
  sampleScope: FindingScope,
): QualityFinding[] {
  const out: QualityFinding[] = [];
  const column = acc.schema.name;
  if (rowCount === 0) return out;
  if (acc.missing > 0) {
    out.push({
      kind: 'missing',
      severity: report.missingPct >= MISSING_WARNING_PCT ? 'warning' : 'info',
      column,
      message: `Column “${column}” is missing in ${fmtPct(report.missingPct)} of rows (${acc.missing.toLocaleString('en')} of ${rowCount.toLocaleString('en')}).`,
      count: acc.missing,
      itemIds: acc.missingIds,
      scope: 'source',
      match: { kind: 'missing', column },
    });
  }
  if (report.constant && acc.missing < rowCount && acc.schema.role !== 'target') {
    out.push({
      kind: 'constant',
      severity: 'warning',
      column,
      message: `Column “${column}” has the same value in every row that has one: it cannot help a model.`,
      count: rowCount - acc.missing,
      itemIds: firstIds.slice(0, FINDING_SAMPLE_IDS),
      scope: 'source',
    });
  }
  const present = rowCount - acc.missing;
  if (
    acc.kind === 'cat' &&
    acc.schema.type === 'categorical' &&
    report.distinct > 50 &&
    report.distinct >= 0.5 * present
  ) {
    out.push({
      kind: 'high-cardinality',
      severity: 'warning',
      column,
      message: `Column “${column}” has ${report.distinct.toLocaleString('en')} different values in ${present.toLocaleString('en')} rows: it looks like an identifier or free text rather than a category.`,
      count: report.distinct,
      itemIds: firstIds.slice(0, FINDING_SAMPLE_IDS),
      scope: 'source',
    });
  }
  if (acc.kind === 'num' && (acc.schema.type === 'numeric' || acc.schema.type === 'integer')) {
    // Outliers on the sample's present values, mapped back to their items.
    const values: number[] = [];
    const items: string[] = [];
    for (let s = 0; s < sampleIds.length; s++) {
      const x = acc.sample[s]!;
      if (!Number.isNaN(x)) {
        values.push(x);
        items.push(sampleIds[s]!);
      }
    }
    const { method, indices } = findOutliers(values);
    if (indices.length > 0) {
      const rule =
        method === 'modified-z'
          ? 'robust z-score above 3.5 (median and MAD)'
          : 'outside 1.5 × IQR of the quartiles';
      out.push({
        kind: 'outliers',
        severity: 'info',
        column,
        message: `Column “${column}” has ${plural(indices.length, 'outlier')}: ${rule}${sampleNote}.`,
        count: indices.length,
        itemIds: indices.slice(0, FINDING_SAMPLE_IDS).map((i) => items[i]!),
        scope: sampleScope,
      });
    }
  }
  return out;
}

function tabularNearDuplicates(
  accs: readonly Acc[],
  sampleSize: number,
  sampleIds: readonly string[],
  sampleHash: Float64Array,
): string[][] {
  const numeric = accs.filter((a) => a.kind === 'num');
  // Without numeric features, "near" equals "exact", which the exact-duplicate finding covers.
  if (numeric.length === 0 || sampleSize < 2) return [];
  const cells: string[] = new Array<string>(sampleSize).fill('');
  for (const acc of accs) {
    if (acc.kind === 'num') {
      const { mean, std } = acc.moments;
      for (let s = 0; s < sampleSize; s++) {
        const x = acc.sample[s]!;
        cells[s] += Number.isNaN(x)
          ? 'm,'
          : `${std > 0 ? Math.round((x - mean) / std / NEAR_DUPLICATE_GRID) : 0},`;
      }
    } else if (acc.kind === 'cat') {
      for (let s = 0; s < sampleSize; s++) cells[s] += `${acc.sample[s]},`;
    } else if (acc.sample) {
      for (let s = 0; s < sampleSize; s++) cells[s] += `${murmur3(acc.sample[s] ?? '')},`;
    }
    // Non-text str columns (none among features: identifiers are excluded) are not compared.
  }
  const byCell = new Map<string, number[]>();
  cells.forEach((key, s) => {
    let group = byCell.get(key);
    if (!group) byCell.set(key, (group = []));
    group.push(s);
  });
  const groups: string[][] = [];
  for (const members of byCell.values()) {
    if (members.length < 2) continue;
    // Exact copies are the exact-duplicate finding's: keep one row per distinct content.
    const seen = new Set<number>();
    const distinct = members.filter((s) => {
      const h = sampleHash[s]!;
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    });
    if (distinct.length > 1) groups.push(distinct.map((s) => sampleIds[s]!));
  }
  return groups;
}

function capGroups(groups: string[][]): string[][] {
  return groups.slice(0, FINDING_SAMPLE_IDS).map((g) => g.slice(0, FINDING_SAMPLE_IDS));
}

function classImbalance(
  counts: ReadonlyMap<string, number>,
  idsByClass: ReadonlyMap<string, string[]>,
  classNames: ReadonlyMap<string, string> | undefined,
): ClassImbalanceFinding | null {
  const classIds = new Set([...(classNames?.keys() ?? []), ...counts.keys()]);
  const labelled = [...counts.values()].reduce((a, b) => a + b, 0);
  if (labelled === 0 || classIds.size < 2) return null;
  const classCounts = [...classIds]
    .map((classId) => ({
      classId,
      name: classNames?.get(classId) ?? classId,
      count: counts.get(classId) ?? 0,
    }))
    .sort((a, b) => b.count - a.count || (a.classId < b.classId ? -1 : 1));
  const max = classCounts[0]!.count;
  const smallest = classCounts[classCounts.length - 1]!;
  const ratio = smallest.count > 0 ? max / smallest.count : null;
  const few = classCounts.filter((c) => c.count < MIN_CLASS_EXAMPLES);
  const warn = ratio === null || ratio >= IMBALANCE_RATIO_WARNING || few.length > 0;
  const parts: string[] = [];
  if (ratio === null) parts.push(`class “${smallest.name}” has no examples`);
  else if (ratio >= IMBALANCE_RATIO_WARNING) {
    parts.push(`the largest class has ${ratio.toFixed(1)}× as many examples as “${smallest.name}”`);
  }
  if (few.length > 0 && ratio !== null) {
    parts.push(
      `${few.map((c) => `“${c.name}”`).join(', ')} ${few.length === 1 ? 'has' : 'have'} fewer than ${MIN_CLASS_EXAMPLES} examples`,
    );
  }
  const message = warn
    ? `Classes are imbalanced: ${parts.join('; ')}.`
    : `Classes are reasonably balanced (largest/smallest = ${ratio.toFixed(1)}).`;
  return {
    kind: 'class-imbalance',
    severity: warn ? 'warning' : 'info',
    message,
    scope: 'source',
    count: smallest.count,
    itemIds: idsByClass.get(smallest.classId) ?? [],
    classCounts,
    ratio,
  };
}
