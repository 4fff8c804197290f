// Featurisation: fit a FeaturisationSpec on the training rows only, then turn chunks (training
// batches, scoring), raw records ("try it") and image pixels into model inputs with that same spec.
// The spec is the only state: what training saw is exactly what serving applies.
//
// Layout of one feature vector (see featurize-types.ts):
// - tabular: for each numeric column its standardised value, followed by a 0/1 missing indicator
//   when the column had missing values in training; then one one-hot block per categorical column
//   (kept categories, then "other").
// - text: `dim` hashed TF-IDF buckets.
// - image: size × size × channels, height-width-channel order (what tf.conv2d expects).
import type { ColumnSchema, ChunkColumn, ChunkRecord } from '../persistence/schema';
import type { Modality } from '../projects/types';
import type { Rng } from '../lib/rng';
import { randInt } from '../lib/rng';
import {
  FEATURISATION_SPEC_VERSION,
  type CategoricalFeature,
  type FeatureBatch,
  type FeaturisationSpec,
  type FitFeaturisationOptions,
  type ImageAugment,
  type NumericFeature,
  type RawRecord,
  type TextFeaturisation,
} from './featurize-types';
import { hashDocumentInto } from './text-hashing';
import {
  DEFAULT_TFIDF_PARAMS,
  fitTfidf,
  transformTfidf,
  type TfidfParams,
  type TfidfVocabulary,
} from '../learners/tfidf';
import { LearnerInputError } from '../learners/types';

/**
 * A learned vocabulary reads at most this many documents (training rows first, then the unlabelled
 * pool in chunk order): a 20k-document fit is ~3 s in a worker, and every background retrain of
 * the labeling panel pays it. Further documents change the vocabulary's tail, not its head.
 */
const MAX_VOCABULARY_DOCUMENTS = 20_000;

/** Categories seen fewer times in training fold into "other" (sklearn's `min_frequency` idea). */
export const DEFAULT_MIN_CATEGORY_COUNT = 5;
/** 2^14 buckets: few collisions for vocabularies of tens of thousands of n-grams. */
export const DEFAULT_TEXT_DIM = 16384;
export const DEFAULT_NGRAM_RANGE: [number, number] = [1, 2];

const NUMERIC_TYPES = new Set(['numeric', 'integer', 'datetime']);
const CATEGORICAL_TYPES = new Set(['categorical', 'boolean']);

// ---------------------------------------------------------------------------------------------
// Fitting

interface NumericAcc {
  name: string;
  count: number;
  mean: number;
  m2: number;
  missing: number;
}

interface CategoricalAcc {
  name: string;
  /** The source vocabulary's order, so kept categories come out in a stable order. */
  order: string[];
  counts: Map<string, number>;
}

/** Which columns a modality reads, from the source schema. */
export function featureColumns(
  modality: Modality,
  columns: readonly ColumnSchema[],
  textColumn?: string,
): { numeric: ColumnSchema[]; categorical: ColumnSchema[]; text: ColumnSchema | undefined } {
  const features = columns.filter((c) => c.role === 'feature');
  if (modality === 'tabular') {
    return {
      // Free text and identifiers in a tabular project are not features (yet): an identifier
      // would only let the model memorise rows.
      numeric: features.filter((c) => NUMERIC_TYPES.has(c.type) && c.storage !== 'i32'),
      categorical: features.filter((c) => CATEGORICAL_TYPES.has(c.type) && c.storage === 'i32'),
      text: undefined,
    };
  }
  if (modality === 'text') {
    const text =
      textColumn !== undefined
        ? columns.find((c) => c.name === textColumn && c.storage === 'str')
        : (features.find((c) => c.type === 'text' && c.storage === 'str') ??
          features.find((c) => c.storage === 'str'));
    return { numeric: [], categorical: [], text };
  }
  return { numeric: [], categorical: [], text: undefined };
}

/**
 * Fits a spec chunk by chunk, so the ML worker can stream chunks from IndexedDB (`addChunk` per
 * chunk, then `finish`). Only rows whose item id passes `trainRowFilter` are read: validation and
 * test rows never influence the spec.
 */
export class FeaturisationFitter {
  readonly #modality: Modality;
  readonly #classIds: string[];
  readonly #filter: (itemId: string) => boolean;
  readonly #opts: FitFeaturisationOptions;
  readonly #numeric: NumericAcc[];
  readonly #categorical: CategoricalAcc[];
  readonly #text: { column: string; dim: number; df: Float64Array; docs: number } | undefined;
  readonly #textScratch: { row: Float64Array; touched: Int32Array; seen: Uint8Array } | undefined;
  readonly #textOpts: Omit<TextFeaturisation, 'idf' | 'column'> | undefined;
  /** Vocabulary mode: the documents (training rows, then others the filter admits) to learn from. */
  readonly #vocabularyDocs: { train: string[]; pool: string[] } | undefined;
  #rows = 0;

  constructor(
    modality: Modality,
    columns: readonly ColumnSchema[],
    trainRowFilter: (itemId: string) => boolean,
    classIds: readonly string[],
    opts: FitFeaturisationOptions = {},
  ) {
    this.#modality = modality;
    this.#classIds = [...classIds];
    this.#filter = trainRowFilter;
    this.#opts = opts;
    const picked = featureColumns(modality, columns, opts.textColumn);
    this.#numeric = picked.numeric.map((c) => ({
      name: c.name,
      count: 0,
      mean: 0,
      m2: 0,
      missing: 0,
    }));
    this.#categorical = picked.categorical.map((c) => ({
      name: c.name,
      order: [...(c.vocab ?? [])],
      counts: new Map(),
    }));
    if (modality === 'text' && (opts.textFeatures ?? 'hashing') === 'vocabulary') {
      if (!picked.text) throw new Error('fitFeaturisation: a text project needs a text column');
      this.#vocabularyDocs = { train: [], pool: [] };
      this.#text = { column: picked.text.name, dim: 0, df: new Float64Array(0), docs: 0 };
    } else if (modality === 'text') {
      if (!picked.text) throw new Error('fitFeaturisation: a text project needs a text column');
      const dim = opts.textDim ?? DEFAULT_TEXT_DIM;
      this.#textOpts = {
        dim,
        ngramRange: opts.ngramRange ?? DEFAULT_NGRAM_RANGE,
        charNgrams: opts.charNgrams ?? null,
        sublinearTf: opts.sublinearTf ?? false,
        norm: 'l2',
        hashSeed: opts.hashSeed ?? 0,
      };
      this.#text = { column: picked.text.name, dim, df: new Float64Array(dim), docs: 0 };
      this.#textScratch = {
        row: new Float64Array(dim),
        touched: new Int32Array(dim),
        seen: new Uint8Array(dim),
      };
    }
    if (modality === 'image' && !(opts.imageSize && opts.imageSize > 0)) {
      throw new Error('fitFeaturisation: an image project needs imageSize');
    }
  }

  /** Training rows seen so far. */
  get rows(): number {
    return this.#rows;
  }

  addChunk(chunk: ChunkRecord): void {
    const n = chunk.rowCount;
    const take = new Uint8Array(n);
    let taken = 0;
    for (let r = 0; r < n; r++) {
      if (this.#filter(chunk.itemIds[r] as string)) {
        take[r] = 1;
        taken++;
      }
    }
    if (taken === 0) return;
    this.#rows += taken;

    for (const acc of this.#numeric) {
      const col = chunk.columns[acc.name];
      if (!col || (col.kind !== 'f32' && col.kind !== 'f64')) {
        acc.missing += taken; // column absent from this chunk: every row is missing
        continue;
      }
      for (let r = 0; r < n; r++) {
        if (take[r] === 0) continue;
        const v = col.values[r] as number;
        if (col.missing[r] === 1 || !Number.isFinite(v)) {
          acc.missing++;
          continue;
        }
        // Welford's update: stable for large offsets (epoch milliseconds, prices in cents).
        acc.count++;
        const delta = v - acc.mean;
        acc.mean += delta / acc.count;
        acc.m2 += delta * (v - acc.mean);
      }
    }

    for (const acc of this.#categorical) {
      const col = chunk.columns[acc.name];
      if (!col || col.kind !== 'i32') continue; // all missing → nothing to count
      for (let r = 0; r < n; r++) {
        if (take[r] === 0) continue;
        const code = col.codes[r] as number;
        if (code < 0) continue;
        const value = col.vocab[code];
        if (value === undefined) continue;
        acc.counts.set(value, (acc.counts.get(value) ?? 0) + 1);
      }
    }

    if (this.#text && this.#vocabularyDocs) {
      const col = chunk.columns[this.#text.column];
      const values = col?.kind === 'str' ? col.values : undefined;
      const docs = this.#vocabularyDocs;
      const extra = this.#opts.vocabularyRowFilter;
      for (let r = 0; r < n; r++) {
        const doc = values?.[r] ?? '';
        if (take[r] !== 0) docs.train.push(doc);
        else if (extra?.(chunk.itemIds[r]!)) docs.pool.push(doc);
      }
    }

    if (this.#text && this.#textOpts && this.#textScratch) {
      const col = chunk.columns[this.#text.column];
      const { row, touched, seen } = this.#textScratch;
      const values = col?.kind === 'str' ? col.values : undefined;
      for (let r = 0; r < n; r++) {
        if (take[r] === 0) continue;
        this.#text.docs++;
        const doc = values?.[r] ?? '';
        const k = hashDocumentInto(doc, this.#textOpts, row, 0, touched, seen);
        // sklearn's df counts every stored entry of the hashed matrix, including a bucket whose
        // signed counts cancelled to 0 within the document: so do we (every touched bucket).
        for (let i = 0; i < k; i++) {
          const b = touched[i] as number;
          this.#text.df[b] = (this.#text.df[b] as number) + 1;
          row[b] = 0;
          seen[b] = 0;
        }
      }
    }
  }

  finish(): FeaturisationSpec {
    const inputColumns: string[] = [];
    const spec: FeaturisationSpec = {
      version: FEATURISATION_SPEC_VERSION,
      modality: this.#modality,
      inputColumns,
      labels: { classIds: [...this.#classIds] },
      featureDim: 0,
    };

    if (this.#modality === 'tabular') {
      const minCount = this.#opts.minCategoryCount ?? DEFAULT_MIN_CATEGORY_COUNT;
      const numeric: NumericFeature[] = this.#numeric.map((acc) => {
        // Population standard deviation (ddof = 0), as sklearn's StandardScaler; a constant or
        // all-missing column gets std 1 so its standardised value is 0, not NaN.
        const std = acc.count > 0 ? Math.sqrt(acc.m2 / acc.count) : 0;
        return {
          name: acc.name,
          mean: acc.count > 0 ? acc.mean : 0,
          std: std > 0 ? std : 1,
          missingIndicator: acc.missing > 0,
        };
      });
      const categorical: CategoricalFeature[] = this.#categorical.map((acc) => {
        const order = [...acc.order];
        const known = new Set(order);
        for (const value of acc.counts.keys()) if (!known.has(value)) order.push(value);
        const vocab = order.filter((value) => (acc.counts.get(value) ?? 0) >= minCount);
        return { name: acc.name, vocab, otherIndex: vocab.length, encoding: 'one-hot' };
      });
      spec.tabular = { numeric, categorical };
      for (const f of numeric) inputColumns.push(f.name);
      for (const f of categorical) inputColumns.push(f.name);
    } else if (this.#modality === 'text' && this.#text && this.#vocabularyDocs) {
      spec.text = fitVocabulary(this.#text.column, this.#vocabularyDocs, this.#opts.tfidf);
      inputColumns.push(this.#text.column);
    } else if (this.#modality === 'text' && this.#text && this.#textOpts) {
      const { df, docs, column } = this.#text;
      // Smooth idf (sklearn's TfidfTransformer(smooth_idf=True)): as if one extra document
      // contained every term once, so no bucket divides by zero.
      const idf = Array.from(df, (d) => Math.log((1 + docs) / (1 + d)) + 1);
      spec.text = { column, ...this.#textOpts, idf };
      inputColumns.push(column);
    } else if (this.#modality === 'image') {
      spec.image = {
        size: this.#opts.imageSize as number,
        channels: this.#opts.imageChannels ?? 3,
        scale: 1 / 255,
        augment: this.#opts.augment ?? { flip: false, shift: 0 },
      };
    }
    spec.featureDim = featureDimOf(spec);
    return spec;
  }
}

/**
 * Fits the featurisation on the training rows: `trainRowFilter(itemId)` says which rows of
 * `trainChunks` are training rows; nothing else is read. `classIds` fixes the model's output order.
 */
export function fitFeaturisation(
  columns: readonly ColumnSchema[],
  trainChunks: Iterable<ChunkRecord>,
  trainRowFilter: (itemId: string) => boolean,
  classIds: readonly string[],
  opts: FitFeaturisationOptions & { modality: Modality },
): FeaturisationSpec {
  const fitter = new FeaturisationFitter(opts.modality, columns, trainRowFilter, classIds, opts);
  for (const chunk of trainChunks) fitter.addChunk(chunk);
  return fitter.finish();
}

/** Length of one feature vector under `spec`. */
export function featureDimOf(spec: FeaturisationSpec): number {
  switch (spec.modality) {
    case 'tabular': {
      const t = spec.tabular;
      if (!t) return 0;
      let dim = 0;
      for (const f of t.numeric) dim += f.missingIndicator ? 2 : 1;
      for (const f of t.categorical) dim += f.vocab.length + 1;
      return dim;
    }
    case 'text':
      return spec.text?.dim ?? 0;
    case 'image':
      return spec.image ? spec.image.size * spec.image.size * spec.image.channels : 0;
  }
}

/** A readable name per feature, in vector order (for drift charts and explanations). */
export function featureNames(spec: FeaturisationSpec): string[] {
  const names: string[] = [];
  if (spec.tabular) {
    for (const f of spec.tabular.numeric) {
      names.push(f.name);
      if (f.missingIndicator) names.push(`${f.name} (missing)`);
    }
    for (const f of spec.tabular.categorical) {
      for (const v of f.vocab) names.push(`${f.name}=${v}`);
      names.push(`${f.name}=(other)`);
    }
  } else if (spec.text?.vocabulary) {
    for (const term of spec.text.vocabulary.terms) names.push(`${spec.text.column}:${term}`);
  } else if (spec.text) {
    for (let i = 0; i < spec.text.dim; i++) names.push(`${spec.text.column}#${i}`);
  } else if (spec.image) {
    const { size, channels } = spec.image;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < channels; c++) names.push(`pixel[${y},${x},${c}]`);
      }
    }
  }
  return names;
}

/** Class index of each label in the spec's class order; -1 for null or a class it doesn't know. */
export function encodeLabels(
  spec: FeaturisationSpec,
  labels: readonly (string | null | undefined)[],
): Int32Array {
  const index = new Map(spec.labels.classIds.map((id, k) => [id, k]));
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    out[i] = l == null ? -1 : (index.get(l) ?? -1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Applying

// Lookups derived from a spec, cached by the spec's own objects so the hot path allocates nothing
// after the first batch. WeakMaps: they go when the spec goes.
const vocabIndexCache = new WeakMap<CategoricalFeature, Map<string, number>>();
const codeLutCache = new WeakMap<CategoricalFeature, WeakMap<readonly string[], Int32Array>>();
const textScratchCache = new WeakMap<
  TextFeaturisation,
  { touched: Int32Array; seen: Uint8Array }
>();

function vocabIndex(f: CategoricalFeature): Map<string, number> {
  let map = vocabIndexCache.get(f);
  if (!map) {
    map = new Map(f.vocab.map((v, i) => [v, i]));
    vocabIndexCache.set(f, map);
  }
  return map;
}

/** Chunk code → slot in the one-hot block (unknown and rare categories → other). */
function codeLut(f: CategoricalFeature, chunkVocab: readonly string[]): Int32Array {
  let perVocab = codeLutCache.get(f);
  if (!perVocab) {
    perVocab = new WeakMap();
    codeLutCache.set(f, perVocab);
  }
  let lut = perVocab.get(chunkVocab);
  if (!lut) {
    const index = vocabIndex(f);
    lut = Int32Array.from(chunkVocab, (v) => index.get(v) ?? f.otherIndex);
    perVocab.set(chunkVocab, lut);
  }
  return lut;
}

function textScratch(t: TextFeaturisation): { touched: Int32Array; seen: Uint8Array } {
  let s = textScratchCache.get(t);
  if (!s) {
    s = { touched: new Int32Array(t.dim), seen: new Uint8Array(t.dim) };
    textScratchCache.set(t, s);
  }
  return s;
}

/**
 * TF-IDF of the signed hashed counts already in `x[base .. base+dim)` (touched buckets listed in
 * `touched[0..k)`): tf (optionally sublinear) × idf, then l2-normalised. Clears `seen`.
 */
function finishTextRow(
  t: TextFeaturisation,
  x: Float32Array,
  base: number,
  touched: Int32Array,
  seen: Uint8Array,
  k: number,
): void {
  let sumSq = 0;
  for (let i = 0; i < k; i++) {
    const b = touched[i] as number;
    seen[b] = 0;
    let tf = x[base + b] as number;
    // sklearn's sublinear_tf takes log(tf) of the signed hashed counts, which is NaN for a
    // negative bucket; we apply it to the magnitude and keep the sign: sign(tf)·(1 + ln|tf|).
    if (t.sublinearTf && tf !== 0) tf = Math.sign(tf) * (1 + Math.log(Math.abs(tf)));
    const v = tf * (t.idf[b] as number);
    x[base + b] = v;
    sumSq += v * v;
  }
  if (sumSq > 0) {
    const inv = 1 / Math.sqrt(sumSq);
    for (let i = 0; i < k; i++) {
      const b = touched[i] as number;
      x[base + b] = (x[base + b] as number) * inv;
    }
  }
}

/**
 * The vocabulary's TF-IDF (sklearn's TfidfVectorizer): the training rows first, then unlabelled
 * pool rows up to MAX_VOCABULARY_DOCUMENTS, so the model has words for the items active learning
 * will ask about (labels are never read). A pool whose terms all fall below `minDf` (a handful of
 * short documents in the first rounds of labeling) falls back to `minDf = 1` instead of failing.
 */
function fitVocabulary(
  column: string,
  docs: { train: string[]; pool: string[] },
  overrides: Partial<TfidfParams> | undefined,
): TextFeaturisation {
  const corpus = docs.train.concat(
    docs.pool.slice(0, Math.max(0, MAX_VOCABULARY_DOCUMENTS - docs.train.length)),
  );
  const params: TfidfParams = { ...DEFAULT_TFIDF_PARAMS, ...overrides };
  let vocabulary: TfidfVocabulary;
  try {
    vocabulary = fitTfidf(corpus, params);
  } catch (error) {
    if (!(error instanceof LearnerInputError) || params.minDf === 1) throw error;
    vocabulary = fitTfidf(corpus, { ...params, minDf: 1 });
  }
  return {
    column,
    vocabulary: {
      terms: vocabulary.terms,
      params: vocabulary.params,
      documents: vocabulary.documents,
    },
    dim: vocabulary.terms.length,
    ngramRange: vocabulary.params.ngramRange,
    charNgrams: null,
    idf: vocabulary.idf,
    sublinearTf: vocabulary.params.sublinearTf,
    norm: 'l2',
    hashSeed: 0,
  };
}

const tfidfCache = new WeakMap<TextFeaturisation, TfidfVocabulary>();

/** The spec's vocabulary as the vectoriser takes it (one object per spec, so its caches hold). */
function tfidfOf(t: TextFeaturisation): TfidfVocabulary {
  let v = tfidfCache.get(t);
  if (!v) {
    const { terms, params, documents } = t.vocabulary!;
    v = { kind: 'tfidf-vocabulary', params, terms, idf: t.idf, documents };
    tfidfCache.set(t, v);
  }
  return v;
}

function writeText(t: TextFeaturisation, doc: string, x: Float32Array, base: number): void {
  if (t.vocabulary) {
    const row = transformTfidf(tfidfOf(t), [doc]);
    x.fill(0, base, base + t.dim);
    for (let i = row.indptr[0]!; i < row.indptr[1]!; i++) {
      x[base + row.indices[i]!] = row.values[i]!;
    }
    return;
  }
  const { touched, seen } = textScratch(t);
  const k = hashDocumentInto(doc, t, x, base, touched, seen);
  finishTextRow(t, x, base, touched, seen, k);
}

export interface ApplyTarget {
  /** Write into this array instead of allocating; it must hold `rowOffset + rows` vectors. */
  out: Float32Array;
  /** First row of `out` to write (for filling one batch from several chunks). Default 0. */
  rowOffset?: number;
}

/**
 * Feature vectors of `rows` of `chunk` (default: every row), row-major. The hot path of training
 * and scoring: with a `target` it allocates only the returned item-id list.
 */
export function applyFeaturisation(
  spec: FeaturisationSpec,
  chunk: ChunkRecord,
  rows?: ArrayLike<number>,
  target?: ApplyTarget,
): FeatureBatch {
  const n = rows ? rows.length : chunk.rowCount;
  const dim = spec.featureDim;
  const rowOffset = target?.rowOffset ?? 0;
  const x = target?.out ?? new Float32Array(n * dim);
  if (x.length < (rowOffset + n) * dim) {
    throw new RangeError(
      `applyFeaturisation: output holds ${Math.floor(x.length / dim)} rows, needs ${rowOffset + n}`,
    );
  }
  const start = rowOffset * dim;
  if (target) x.fill(0, start, start + n * dim);
  const rowAt = (i: number): number => (rows ? (rows[i] as number) : i);
  const itemIds = new Array<string>(n);
  for (let i = 0; i < n; i++) itemIds[i] = chunk.itemIds[rowAt(i)] as string;

  switch (spec.modality) {
    case 'tabular': {
      const t = spec.tabular;
      if (!t) break;
      let offset = 0;
      for (const f of t.numeric) {
        const col = chunk.columns[f.name];
        const numeric = col && (col.kind === 'f32' || col.kind === 'f64') ? col : undefined;
        for (let i = 0; i < n; i++) {
          const r = rowAt(i);
          const base = start + i * dim + offset;
          const v = numeric ? (numeric.values[r] as number) : NaN;
          if (!numeric || numeric.missing[r] === 1 || !Number.isFinite(v)) {
            // Missing → the training mean, i.e. 0 after standardising; the indicator says so.
            x[base] = 0;
            if (f.missingIndicator) x[base + 1] = 1;
          } else {
            x[base] = (v - f.mean) / f.std;
          }
        }
        offset += f.missingIndicator ? 2 : 1;
      }
      for (const f of t.categorical) {
        const col: ChunkColumn | undefined = chunk.columns[f.name];
        const lut = col?.kind === 'i32' ? codeLut(f, col.vocab) : undefined;
        for (let i = 0; i < n; i++) {
          const code = col?.kind === 'i32' ? (col.codes[rowAt(i)] as number) : -1;
          // Missing (code −1) and codes outside the chunk's vocabulary go to "other".
          const slot = lut && code >= 0 && code < lut.length ? (lut[code] as number) : f.otherIndex;
          x[start + i * dim + offset + slot] = 1;
        }
        offset += f.vocab.length + 1;
      }
      break;
    }
    case 'text': {
      const t = spec.text;
      if (!t) break;
      const col = chunk.columns[t.column];
      const values = col?.kind === 'str' ? col.values : undefined;
      for (let i = 0; i < n; i++) writeText(t, values?.[rowAt(i)] ?? '', x, start + i * dim);
      break;
    }
    case 'image':
      throw new Error('applyFeaturisation: image pixels live in blobs; use applyImagePixels');
  }
  return { x, rows: n, itemIds };
}

function parseNumber(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed === '' ? NaN : Number(trimmed);
}

/**
 * The feature vector of one raw input ("try it"): numbers may come as strings (form fields), an
 * empty string or null is missing, a category is matched by its text.
 */
export function applyToRaw(spec: FeaturisationSpec, record: RawRecord): Float32Array {
  const x = new Float32Array(spec.featureDim);
  switch (spec.modality) {
    case 'tabular': {
      const t = spec.tabular;
      if (!t) break;
      let offset = 0;
      for (const f of t.numeric) {
        const v = parseNumber(record[f.name]);
        if (Number.isFinite(v)) x[offset] = (v - f.mean) / f.std;
        else if (f.missingIndicator) x[offset + 1] = 1;
        offset += f.missingIndicator ? 2 : 1;
      }
      for (const f of t.categorical) {
        const raw = record[f.name];
        const slot =
          raw === null || raw === undefined || raw === ''
            ? f.otherIndex
            : (vocabIndex(f).get(String(raw)) ?? f.otherIndex);
        x[offset + slot] = 1;
        offset += f.vocab.length + 1;
      }
      break;
    }
    case 'text': {
      const t = spec.text;
      if (!t) break;
      const raw = record[t.column];
      writeText(t, raw === null || raw === undefined ? '' : String(raw), x, 0);
      break;
    }
    case 'image':
      throw new Error('applyToRaw: images are featurised from pixels; use applyImagePixels');
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Images

/**
 * Model inputs from stored pixel arrays (`Uint8` RGB, size × size × 3, row-major HWC): scaled by
 * `spec.image.scale`; for one channel, converted to luma Y = 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601). Returns `pixels.length × featureDim`, row-major.
 */
export function applyImagePixels(
  spec: FeaturisationSpec,
  pixels: readonly Uint8Array[],
  target?: ApplyTarget,
): Float32Array {
  const img = spec.image;
  if (!img) throw new Error('applyImagePixels: the spec has no image part');
  const { size, channels, scale } = img;
  const dim = spec.featureDim;
  const rowOffset = target?.rowOffset ?? 0;
  const x = target?.out ?? new Float32Array(pixels.length * dim);
  if (x.length < (rowOffset + pixels.length) * dim) {
    throw new RangeError('applyImagePixels: the output array is too small');
  }
  const area = size * size;
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i] as Uint8Array;
    if (p.length !== area * 3) {
      throw new RangeError(
        `applyImagePixels: image ${i} has ${p.length} bytes, expected ${area * 3} (${size}×${size} RGB)`,
      );
    }
    const base = (rowOffset + i) * dim;
    if (channels === 3) {
      for (let j = 0; j < area * 3; j++) x[base + j] = (p[j] as number) * scale;
    } else {
      for (let j = 0; j < area; j++) {
        const o = j * 3;
        x[base + j] =
          (0.299 * (p[o] as number) + 0.587 * (p[o + 1] as number) + 0.114 * (p[o + 2] as number)) *
          scale;
      }
    }
  }
  return x;
}

/**
 * Training-time augmentation in place on a batch from `applyImagePixels`: per image, a horizontal
 * flip with probability 1/2 (when `flip`) and a random integer translation of up to
 * round(shift × size) pixels in each direction, filling uncovered pixels with 0. Seeded, so a run
 * sees the same augmented batches when repeated. `scratch` (length ≥ featureDim) avoids allocation.
 */
export function augmentImageBatch(
  spec: FeaturisationSpec,
  x: Float32Array,
  rows: number,
  rng: Rng,
  augment: ImageAugment | undefined = spec.image?.augment,
  scratch: Float32Array = new Float32Array(spec.featureDim),
): void {
  const img = spec.image;
  if (!img || !augment) return;
  const { size, channels } = img;
  const dim = spec.featureDim;
  const maxShift = Math.round(augment.shift * size);
  if (!augment.flip && maxShift === 0) return;
  for (let i = 0; i < rows; i++) {
    const flip = augment.flip && randInt(rng, 2) === 1;
    const dy = maxShift > 0 ? randInt(rng, 2 * maxShift + 1) - maxShift : 0;
    const dx = maxShift > 0 ? randInt(rng, 2 * maxShift + 1) - maxShift : 0;
    if (!flip && dx === 0 && dy === 0) continue;
    const base = i * dim;
    scratch.set(x.subarray(base, base + dim));
    for (let y = 0; y < size; y++) {
      const sy = y - dy;
      for (let xx = 0; xx < size; xx++) {
        // Output (y, xx) reads source (y − dy, xx' − dx), xx' = xx or its mirror when flipped.
        const fx = flip ? size - 1 - xx : xx;
        const sx = fx - dx;
        const out = base + (y * size + xx) * channels;
        const inside = sy >= 0 && sy < size && sx >= 0 && sx < size;
        const src = (sy * size + sx) * channels;
        for (let c = 0; c < channels; c++) x[out + c] = inside ? (scratch[src + c] as number) : 0;
      }
    }
  }
}
