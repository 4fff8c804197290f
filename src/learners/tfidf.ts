// A TF-IDF vectoriser that reproduces scikit-learn's `TfidfVectorizer` (analyzer 'word' with the
// default token_pattern, or 'char_wb') term for term and weight for weight, so a vocabulary fitted here can be
// checked against sklearn and applied identically at serving time. The fitted `TfidfVocabulary`
// is plain JSON and is stored with the model. Reference values: tests/fixtures/golden/
// make-learners-tfidf-golden.py → learners-tfidf-golden.json.
//
// Pipeline (sklearn/feature_extraction/text.py):
// - `_preprocess`: `str.lower()` first, then `strip_accents_unicode` (NFKD, drop every code point
//   whose canonical combining class is non-zero).
// - `token_pattern = r"(?u)\b\w\w+\b"`: maximal runs of two or more word characters. Python's `\w`
//   on `str` is `str.isalnum()` or '_', which is exactly `[\p{L}\p{N}_]` for every code point of
//   Python's Unicode database (checked over all 1.1M code points against Python 3.11 / Unicode 14).
//   Marks (\p{M}) are NOT word characters in Python: 'e' + U+0301 + 'cole' tokenises to 'cole'.
//   Residual differences: code points assigned after the Python build's Unicode version (JS
//   engines follow newer Unicode), which Python treats as non-word; the same holds for lowercasing.
// - `_word_ngrams`: for n in [min, max], every window of n tokens joined by one space; unigrams
//   first, then bigrams, … Or, with analyzer 'char_wb', `_char_wb_ngrams`: character n-grams of
//   each `str.split()` word padded with one space on both sides.
// - `CountVectorizer.fit_transform` / `_limit_features`: keep terms with
//   min_doc_count ≤ df ≤ max_doc_count, then at most `max_features` by corpus term frequency,
//   then sort the vocabulary by code point (Python's `sorted` on str).
// - `TfidfTransformer`: tf = raw count (1 + ln(tf) when sublinear), idf = ln((1 + n) / (1 + df)) + 1
//   when smooth else ln(n / df) + 1, then each row divided by its l2 or l1 norm.

import { LearnerInputError, type CsrMatrix } from './types';

export interface TfidfParams {
  /**
   * 'word' (default when absent): word n-grams of the token pattern. 'char_wb': character
   * n-grams inside each whitespace-separated word padded with one space (sklearn's `char_wb`).
   */
  analyzer?: 'word' | 'char_wb';
  lowercase: boolean;
  stripAccents: 'unicode' | null;
  /** n-gram lengths (words, or characters for 'char_wb'), inclusive, both ≥ 1. */
  ngramRange: [number, number];
  /**
   * Minimum document frequency. sklearn tells a count from a proportion by type (int vs float),
   * which a JS number cannot carry, so: a value in [0, 1) is a proportion of the documents, a
   * whole number ≥ 1 is a count (1 = sklearn's default `min_df=1`).
   */
  minDf: number;
  /**
   * Maximum document frequency: a value in [0, 1] is a proportion (1 = sklearn's default
   * `max_df=1.0`, no limit), a whole number ≥ 2 is a count.
   */
  maxDf: number;
  /** Keep at most this many terms, the most frequent in the corpus; null = no limit. */
  maxFeatures: number | null;
  sublinearTf: boolean;
  smoothIdf: boolean;
  useIdf: boolean;
  norm: 'l2' | 'l1' | null;
}

/**
 * Our defaults. They differ from sklearn's where a browser needs it: unigrams + bigrams (sklearn
 * (1, 1)) because short emails carry much of their signal in phrases; min_df 2 (sklearn 1) drops
 * hapaxes, most of a bigram vocabulary; max_features 50 000 (sklearn None) bounds the model's
 * width and the vocabulary's memory in a tab; sublinear tf (sklearn False) damps long documents.
 */
export const DEFAULT_TFIDF_PARAMS: TfidfParams = {
  analyzer: 'word',
  lowercase: true,
  stripAccents: null,
  ngramRange: [1, 2],
  minDf: 2,
  maxDf: 1.0,
  maxFeatures: 50000,
  sublinearTf: true,
  smoothIdf: true,
  useIdf: true,
  norm: 'l2',
};

/** A fitted vectoriser as plain JSON: applied identically wherever the model is served. */
export interface TfidfVocabulary {
  kind: 'tfidf-vocabulary';
  params: TfidfParams;
  /** Feature names sorted by code point; column j of a transformed row is `terms[j]`. */
  terms: string[];
  /** The idf weight of each term (sklearn's `idf_`); all 1 when `params.useIdf` is false. */
  idf: number[];
  /** Number of documents the vocabulary was fitted on. */
  documents: number;
}

// ---------------------------------------------------------------------------------------------
// Analyser

// `(?u)\b\w\w+\b` (see header): maximal runs, so `\b` needs no lookaround.
const WORD_TOKEN = /[\p{L}\p{N}_]{2,}/gu;
// U+0345 has the largest canonical combining class (240) of all; see isCombining.
const YPOGEGRAMMENI = '\u0345';
const combiningCache = new Map<number, boolean>();

/**
 * `unicodedata.combining(c) != 0` without a Unicode table: canonical ordering (NFD) swaps
 * U+0345 (class 240) with a following mark of class 1..239 and leaves class-0 characters alone.
 * Only called on characters that are already NFKD-decomposed, so NFD changes nothing else.
 */
function isCombining(ch: string, cp: number): boolean {
  let known = combiningCache.get(cp);
  if (known === undefined) {
    known = cp === 0x345 || (YPOGEGRAMMENI + ch).normalize('NFD') !== YPOGEGRAMMENI + ch;
    combiningCache.set(cp, known);
  }
  return known;
}

/** sklearn's `strip_accents_unicode`: ASCII passes through; else NFKD minus combining marks. */
export function stripAccentsUnicode(s: string): string {
  // eslint-disable-next-line no-control-regex -- the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const ch of s.normalize('NFKD')) {
    const cp = ch.codePointAt(0) as number;
    // Every combining character is a mark (\p{M}); testing that first keeps the cache small.
    if (cp < 0x300 || !/\p{M}/u.test(ch) || !isCombining(ch, cp)) out += ch;
  }
  return out;
}

function preprocess(text: string, params: TfidfParams): string {
  // Order as sklearn's `_preprocess`: lowercase, then strip accents.
  let s = params.lowercase ? text.toLowerCase() : text;
  if (params.stripAccents === 'unicode') s = stripAccentsUnicode(s);
  return s;
}

/** The word tokens of one document after preprocessing. */
function tokenize(text: string, params: TfidfParams): string[] {
  return preprocess(text, params).match(WORD_TOKEN) ?? [];
}

// Python's `str.split()` separators (`str.isspace()`): JS `\s` lacks U+001C..U+001F and adds U+FEFF.
const PY_WHITESPACE =
  // eslint-disable-next-line no-control-regex -- U+001C..U+001F are separators in Python
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/** sklearn's `_char_wb_ngrams` of preprocessed text, slicing by code point as Python does. */
function charWbNgrams(text: string, range: readonly [number, number]): string[] {
  const [minN, maxN] = range;
  const out: string[] = [];
  for (const word of text.split(PY_WHITESPACE)) {
    if (word === '') continue;
    const w = [' ', ...word, ' '];
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(w.slice(offset, offset + n).join(''));
      while (offset + n < w.length) {
        offset++;
        out.push(w.slice(offset, offset + n).join(''));
      }
      // A padded word shorter than n is counted once, not again for every longer n (sklearn).
      if (offset === 0) break;
    }
  }
  return out;
}

/** The terms of one document in sklearn's `build_analyzer()` order (`_word_ngrams`). */
export function analyze(text: string, params: TfidfParams): string[] {
  if (params.analyzer === 'char_wb')
    return charWbNgrams(preprocess(text, params), params.ngramRange);
  const tokens = tokenize(text, params);
  const [minN, maxN] = params.ngramRange;
  const out: string[] = [];
  for (let n = minN; n <= maxN && n <= tokens.length; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      out.push(n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(' '));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parameters

function isWhole(x: number): boolean {
  return Number.isInteger(x);
}

function checkDf(name: 'minDf' | 'maxDf', x: number): string | null {
  if (!Number.isFinite(x) || x < 0) return `${name} must be a number ≥ 0 (got ${x}).`;
  if (x > 1 && !isWhole(x)) {
    return `${name} must be a proportion between 0 and 1 or a whole number of documents (got ${x}).`;
  }
  return null;
}

/** The document count a df bound stands for in a corpus of `n` documents (see TfidfParams). */
function resolveMinDf(minDf: number, n: number): number {
  return minDf >= 1 ? minDf : minDf * n;
}
function resolveMaxDf(maxDf: number, n: number): number {
  return maxDf > 1 ? maxDf : maxDf * n;
}

/**
 * A sentence for the UI when the parameters cannot be fitted, else null. With `documents`, the
 * df bounds are also resolved against that corpus size, as sklearn does before pruning.
 */
export function validateTfidfParams(p: TfidfParams, documents?: number): string | null {
  const [minN, maxN] = p.ngramRange;
  if (!isWhole(minN) || !isWhole(maxN) || minN < 1) {
    return `The n-gram range must be two whole numbers ≥ 1 (got ${minN}–${maxN}).`;
  }
  if (minN > maxN) {
    return `The shortest n-gram (${minN}) is longer than the longest (${maxN}).`;
  }
  const dfError = checkDf('minDf', p.minDf) ?? checkDf('maxDf', p.maxDf);
  if (dfError) return dfError;
  if (p.maxFeatures !== null && (!isWhole(p.maxFeatures) || p.maxFeatures < 1)) {
    return `maxFeatures must be a whole number ≥ 1 or none (got ${p.maxFeatures}).`;
  }
  if (p.norm !== null && p.norm !== 'l1' && p.norm !== 'l2') {
    return `norm must be 'l2', 'l1' or none (got ${String(p.norm)}).`;
  }
  if (p.analyzer !== undefined && p.analyzer !== 'word' && p.analyzer !== 'char_wb') {
    return `analyzer must be 'word' or 'char_wb' (got ${String(p.analyzer)}).`;
  }
  if (p.stripAccents !== null && p.stripAccents !== 'unicode') {
    return `stripAccents must be 'unicode' or none (got ${String(p.stripAccents)}).`;
  }
  // Comparable without a corpus size when both bounds are counts or both proportions.
  const minIsCount = p.minDf >= 1;
  const maxIsCount = p.maxDf > 1;
  const n = documents ?? (minIsCount === maxIsCount ? 1 : null);
  if (n !== null && resolveMaxDf(p.maxDf, n) < resolveMinDf(p.minDf, n)) {
    // sklearn: "max_df corresponds to < documents than min_df".
    return documents === undefined
      ? `maxDf (${p.maxDf}) allows fewer documents than minDf (${p.minDf}) requires.`
      : `maxDf (${p.maxDf}) allows terms in at most ${resolveMaxDf(p.maxDf, n)} of the ${n} documents, fewer than minDf (${p.minDf}) requires.`;
  }
  return null;
}

function resolveParams(params: Partial<TfidfParams> | undefined): TfidfParams {
  const p: TfidfParams = { ...DEFAULT_TFIDF_PARAMS, ...params };
  p.ngramRange = [p.ngramRange[0], p.ngramRange[1]];
  const error = validateTfidfParams(p);
  if (error) throw new LearnerInputError(error);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Counting (the fit pass)

function grown(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function grownF(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Term ids for unigrams (a string map) and longer n-grams (an open-addressing table keyed by
 * (id of the first n−1 tokens, id of the last token)), so an n-gram's string is only built for
 * the terms that survive pruning. Token strings contain no space, so a token sequence and its
 * space-joined term are in one-to-one correspondence.
 */
class TermTable {
  readonly unigrams = new Map<string, number>();
  size = 0;
  /** Per term id: the prefix term (−1 for a unigram) and the last token's unigram id. */
  prefix = new Int32Array(1024);
  last = new Int32Array(1024);
  words: string[] = [];
  #keysA = new Int32Array(1 << 12).fill(-1);
  #keysB = new Int32Array(1 << 12);
  #vals = new Int32Array(1 << 12);
  #filled = 0;

  #add(prefix: number, last: number): number {
    const id = this.size++;
    this.prefix = grown(this.prefix, this.size);
    this.last = grown(this.last, this.size);
    this.prefix[id] = prefix;
    this.last[id] = last;
    return id;
  }

  unigram(token: string): number {
    let id = this.unigrams.get(token);
    if (id === undefined) {
      id = this.#add(-1, 0);
      this.last[id] = id;
      this.words[id] = token;
      this.unigrams.set(token, id);
    }
    return id;
  }

  /** The id of the n-gram `prefix` followed by unigram `token`, or −1 when not in the table. */
  find(prefix: number, token: number): number {
    const mask = this.#keysA.length - 1;
    let h = (Math.imul(prefix, 0x9e3779b1) ^ Math.imul(token, 0x85ebca6b)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const a = this.#keysA[h] as number;
      if (a === -1) return -1;
      if (a === prefix && this.#keysB[h] === token) return this.#vals[h] as number;
      h = (h + 1) & mask;
    }
  }

  /** The id of the n-gram `prefix` followed by unigram `token`, added when new. */
  extend(prefix: number, token: number): number {
    const mask = this.#keysA.length - 1;
    let h = (Math.imul(prefix, 0x9e3779b1) ^ Math.imul(token, 0x85ebca6b)) >>> 0;
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const a = this.#keysA[h] as number;
      if (a === -1) break;
      if (a === prefix && this.#keysB[h] === token) return this.#vals[h] as number;
      h = (h + 1) & mask;
    }
    const id = this.#add(prefix, token);
    this.#keysA[h] = prefix;
    this.#keysB[h] = token;
    this.#vals[h] = id;
    if (++this.#filled * 2 > this.#keysA.length) this.#rehash();
    return id;
  }

  #rehash(): void {
    const oldA = this.#keysA;
    const oldB = this.#keysB;
    const oldV = this.#vals;
    const cap = oldA.length * 2;
    this.#keysA = new Int32Array(cap).fill(-1);
    this.#keysB = new Int32Array(cap);
    this.#vals = new Int32Array(cap);
    this.#filled = 0;
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i] as number;
      if (a === -1) continue;
      const mask = cap - 1;
      const b = oldB[i] as number;
      let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> 0;
      h = (h ^ (h >>> 15)) & mask;
      while (this.#keysA[h] !== -1) h = (h + 1) & mask;
      this.#keysA[h] = a;
      this.#keysB[h] = b;
      this.#vals[h] = oldV[i] as number;
      this.#filled++;
    }
  }

  term(id: number): string {
    const p = this.prefix[id] as number;
    if (p === -1) return this.words[id] as string;
    return `${this.term(p)} ${this.words[this.last[id] as number] as string}`;
  }
}

/** What one pass over the fitting documents leaves: per-term df and tf, optionally the counts. */
interface CountPass {
  table: TermTable;
  documents: number;
  df: Int32Array;
  tf: Float64Array;
  /** Per document (id, count) pairs, when kept for fitTransformTfidf. */
  rows: { indptr: number[]; ids: Int32Array; counts: Int32Array } | null;
}

function countDocuments(docs: Iterable<string>, params: TfidfParams, keepRows: boolean): CountPass {
  const table = new TermTable();
  const charWb = params.analyzer === 'char_wb';
  // char_wb terms are counted whole, as unigrams of the table.
  const [minN, maxN] = charWb ? [1, 1] : params.ngramRange;
  let df = new Int32Array(1024);
  let tf = new Float64Array(1024);
  let stamp = new Int32Array(1024);
  let slot = new Int32Array(1024);
  let tokens = new Int32Array(256);
  let rowIds = new Int32Array(256);
  let rowCounts = new Int32Array(256);
  const indptr = [0];
  let allIds = new Int32Array(keepRows ? 4096 : 0);
  let allCounts = new Int32Array(keepRows ? 4096 : 0);
  let stored = 0;
  let documents = 0;

  for (const doc of docs) {
    documents++;
    let nTokens = 0;
    const text = preprocess(doc, params);
    if (charWb) {
      for (const gram of charWbNgrams(text, params.ngramRange)) {
        tokens = grown(tokens, nTokens + 1);
        tokens[nTokens++] = table.unigram(gram);
      }
    } else {
      WORD_TOKEN.lastIndex = 0;
      for (let m = WORD_TOKEN.exec(text); m !== null; m = WORD_TOKEN.exec(text)) {
        tokens = grown(tokens, nTokens + 1);
        tokens[nTokens++] = table.unigram(m[0]);
      }
    }
    let rowLen = 0;
    for (let i = 0; i < nTokens; i++) {
      let g = tokens[i] as number;
      for (let n = 1; n <= maxN && i + n <= nTokens; n++) {
        if (n > 1) g = table.extend(g, tokens[i + n - 1] as number);
        if (n < minN) continue;
        if (table.size > stamp.length) {
          stamp = grown(stamp, table.size);
          slot = grown(slot, table.size);
        }
        // stamp holds document number + 1, so a fresh (zeroed) slot never matches.
        if (stamp[g] !== documents) {
          stamp[g] = documents;
          rowIds = grown(rowIds, rowLen + 1);
          rowCounts = grown(rowCounts, rowLen + 1);
          slot[g] = rowLen;
          rowIds[rowLen] = g;
          rowCounts[rowLen++] = 1;
        } else {
          const s = slot[g] as number;
          rowCounts[s] = (rowCounts[s] as number) + 1;
        }
      }
    }
    df = grown(df, table.size);
    tf = grownF(tf, table.size);
    for (let k = 0; k < rowLen; k++) {
      const id = rowIds[k] as number;
      df[id] = (df[id] as number) + 1;
      tf[id] = (tf[id] as number) + (rowCounts[k] as number);
    }
    if (keepRows) {
      allIds = grown(allIds, stored + rowLen);
      allCounts = grown(allCounts, stored + rowLen);
      allIds.set(rowIds.subarray(0, rowLen), stored);
      allCounts.set(rowCounts.subarray(0, rowLen), stored);
      stored += rowLen;
      indptr.push(stored);
    }
  }
  return {
    table,
    documents,
    df: grown(df, table.size),
    tf: grownF(tf, table.size),
    rows: keepRows ? { indptr, ids: allIds, counts: allCounts } : null,
  };
}

/** Python's `str` ordering: by code point, which UTF-16 order breaks only above the surrogates. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code-point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * `_limit_features` then `_sort_features`: the kept term ids in column order. With max_features,
 * sklearn sorts the vocabulary first and takes `(-tfs[mask]).argsort()[:limit]`, so among equal
 * corpus counts at the cutoff the alphabetically first win when the sort is stable. numpy's
 * default argsort is an unstable introsort above 16 elements, so sklearn's own choice among ties
 * at the cutoff is implementation-defined there; we always take the alphabetically first.
 */
function selectTerms(pass: CountPass, params: TfidfParams): { ids: Int32Array; terms: string[] } {
  const n = pass.documents;
  const low = resolveMinDf(params.minDf, n);
  const high = resolveMaxDf(params.maxDf, n);
  if (pass.table.size === 0 || n === 0) {
    // sklearn's `_count_vocab`: "empty vocabulary; perhaps the documents only contain stop words".
    throw new LearnerInputError(
      'The documents contain no terms: no word of two or more letters or digits was found.',
    );
  }
  if (high < low) {
    throw new LearnerInputError(validateTfidfParams(params, n) as string);
  }
  const candidates: number[] = [];
  for (let id = 0; id < pass.table.size; id++) {
    const d = pass.df[id] as number;
    // d > 0 excludes n-gram prefixes shorter than ngramRange[0], which are never counted.
    if (d > 0 && d >= low && d <= high) candidates.push(id);
  }
  let kept = candidates;
  const limit = params.maxFeatures;
  if (limit !== null && candidates.length > limit) {
    const tfs = Float64Array.from(candidates, (id) => pass.tf[id] as number).sort();
    const cutoff = tfs[tfs.length - limit] as number;
    kept = candidates.filter((id) => (pass.tf[id] as number) > cutoff);
    const tied = candidates
      .filter((id) => pass.tf[id] === cutoff)
      .map((id) => ({ id, term: pass.table.term(id) }))
      .sort((a, b) => compareCodePoints(a.term, b.term));
    for (let i = 0; kept.length < limit; i++) kept.push((tied[i] as { id: number }).id);
  }
  if (kept.length === 0) {
    throw new LearnerInputError(
      'After pruning, no terms remain. Try a lower minDf or a higher maxDf.',
    );
  }
  const named = kept
    .map((id) => ({ id, term: pass.table.term(id) }))
    .sort((a, b) => compareCodePoints(a.term, b.term));
  return { ids: Int32Array.from(named, (t) => t.id), terms: named.map((t) => t.term) };
}

function computeIdf(pass: CountPass, ids: Int32Array, params: TfidfParams): number[] {
  const out = new Array<number>(ids.length);
  const smooth = params.smoothIdf ? 1 : 0;
  for (let j = 0; j < ids.length; j++) {
    // TfidfTransformer.fit: np.log(n_samples / df) + 1 after adding `smooth` to both.
    out[j] = params.useIdf
      ? Math.log((pass.documents + smooth) / ((pass.df[ids[j] as number] as number) + smooth)) + 1
      : 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Weighting

/**
 * Turns per-row (column, count) pairs into TF-IDF rows in place: columns sorted ascending,
 * TfidfTransformer.transform's weights, then `normalize` (inplace_csr_row_normalize_l1/l2).
 */
function weightRows(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  vocab: TfidfVocabulary,
): void {
  const { sublinearTf, norm } = vocab.params;
  const idf = vocab.idf;
  const scratch = new Float64Array(vocab.terms.length);
  for (let r = 0; r + 1 < indptr.length; r++) {
    const start = indptr[r] as number;
    const end = indptr[r + 1] as number;
    for (let k = start; k < end; k++) scratch[indices[k] as number] = values[k] as number;
    indices.subarray(start, end).sort();
    let sum = 0;
    for (let k = start; k < end; k++) {
      const j = indices[k] as number;
      const count = scratch[j] as number;
      const v = (sublinearTf ? Math.log(count) + 1 : count) * (idf[j] as number);
      values[k] = v;
      sum += norm === 'l1' ? Math.abs(v) : v * v;
    }
    if (norm === null || sum === 0) continue;
    const divisor = norm === 'l2' ? Math.sqrt(sum) : sum;
    for (let k = start; k < end; k++) values[k] = (values[k] as number) / divisor;
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

function buildVocabulary(pass: CountPass, params: TfidfParams) {
  const { ids, terms } = selectTerms(pass, params);
  const vocabulary: TfidfVocabulary = {
    kind: 'tfidf-vocabulary',
    params,
    terms,
    idf: computeIdf(pass, ids, params),
    documents: pass.documents,
  };
  return { vocabulary, ids };
}

/** Learns the vocabulary and idf of `docs` (sklearn's `TfidfVectorizer.fit`). */
export function fitTfidf(
  docs: Iterable<string> | string[],
  params?: Partial<TfidfParams>,
): TfidfVocabulary {
  const p = resolveParams(params);
  return buildVocabulary(countDocuments(docs, p, false), p).vocabulary;
}

/** Fits on `docs` and returns their TF-IDF rows from the same counting pass. */
export function fitTransformTfidf(
  docs: Iterable<string> | string[],
  params?: Partial<TfidfParams>,
): { vocabulary: TfidfVocabulary; matrix: CsrMatrix } {
  const p = resolveParams(params);
  const pass = countDocuments(docs, p, true);
  const { vocabulary, ids } = buildVocabulary(pass, p);
  const rows = pass.rows as NonNullable<CountPass['rows']>;
  const column = new Int32Array(pass.table.size).fill(-1);
  ids.forEach((id, j) => (column[id] = j));
  // Keep only the pairs whose term survived pruning.
  const indptr = new Int32Array(pass.documents + 1);
  let nnz = 0;
  for (let r = 0; r < pass.documents; r++) {
    for (let k = rows.indptr[r] as number; k < (rows.indptr[r + 1] as number); k++) {
      const j = column[rows.ids[k] as number] as number;
      if (j < 0) continue;
      rows.ids[nnz] = j;
      rows.counts[nnz++] = rows.counts[k] as number;
    }
    indptr[r + 1] = nnz;
  }
  const indices = rows.ids.slice(0, nnz);
  const values = Float64Array.from(rows.counts.subarray(0, nnz));
  weightRows(indptr, indices, values, vocabulary);
  return {
    vocabulary,
    matrix: {
      kind: 'csr',
      rows: pass.documents,
      cols: vocabulary.terms.length,
      indptr,
      indices,
      values,
    },
  };
}

/**
 * How transformTfidf finds a document's columns. Word vocabularies are loaded back into a
 * TermTable (each term split at its spaces, which only ever join tokens), so a document's
 * n-grams are looked up by token ids and never built as strings; `column` maps a table id to its
 * column, −1 for a prefix that is not itself a term. char_wb terms are looked up by string.
 */
type Lookup =
  | { kind: 'word'; table: TermTable; column: Int32Array }
  | { kind: 'string'; map: Map<string, number> };

const lookups = new WeakMap<TfidfVocabulary, Lookup>();

function lookupOf(vocab: TfidfVocabulary): Lookup {
  let lookup = lookups.get(vocab);
  if (lookup) return lookup;
  if (vocab.params.analyzer === 'char_wb') {
    lookup = { kind: 'string', map: new Map(vocab.terms.map((t, j) => [t, j])) };
  } else {
    const table = new TermTable();
    const ids = vocab.terms.map((term) => {
      const tokens = term.split(' ');
      let id = table.unigram(tokens[0] as string);
      for (let k = 1; k < tokens.length; k++)
        id = table.extend(id, table.unigram(tokens[k] as string));
      return id;
    });
    const column = new Int32Array(table.size).fill(-1);
    ids.forEach((id, j) => (column[id] = j));
    lookup = { kind: 'word', table, column };
  }
  lookups.set(vocab, lookup);
  return lookup;
}

/** Calls `visit(column)` for every term occurrence of `doc` that is in the vocabulary. */
function forEachColumn(
  doc: string,
  params: TfidfParams,
  lookup: Lookup,
  visit: (j: number) => void,
): void {
  if (lookup.kind === 'string') {
    for (const term of analyze(doc, params)) {
      const j = lookup.map.get(term);
      if (j !== undefined) visit(j);
    }
    return;
  }
  const { table, column } = lookup;
  const [minN, maxN] = params.ngramRange;
  // −1 marks a token outside the table: no term contains it, so every n-gram over it is unknown.
  const tokens = tokenize(doc, params).map((t) => table.unigrams.get(t) ?? -1);
  for (let i = 0; i < tokens.length; i++) {
    let g = tokens[i] as number;
    for (let n = 1; g !== -1 && n <= maxN && i + n <= tokens.length; n++) {
      if (n > 1) {
        const t = tokens[i + n - 1] as number;
        g = t === -1 ? -1 : table.find(g, t);
        if (g === -1) break;
      }
      if (n >= minN && (column[g] as number) >= 0) visit(column[g] as number);
    }
  }
}

/**
 * TF-IDF rows of `docs` under a fitted vocabulary (sklearn's `TfidfVectorizer.transform`):
 * unknown terms are ignored; a document with no known term is an empty row.
 */
export function transformTfidf(vocab: TfidfVocabulary, docs: string[]): CsrMatrix {
  const lookup = lookupOf(vocab);
  const indptr = new Int32Array(docs.length + 1);
  let indices = new Int32Array(1024);
  let counts = new Float64Array(1024);
  const stamp = new Int32Array(vocab.terms.length);
  const slot = new Int32Array(vocab.terms.length);
  let nnz = 0;
  docs.forEach((doc, r) => {
    forEachColumn(doc, vocab.params, lookup, (j) => {
      if (stamp[j] !== r + 1) {
        stamp[j] = r + 1;
        slot[j] = nnz;
        indices = grown(indices, nnz + 1);
        counts = grownF(counts, nnz + 1);
        indices[nnz] = j;
        counts[nnz++] = 1;
      } else {
        const s = slot[j] as number;
        counts[s] = (counts[s] as number) + 1;
      }
    });
    indptr[r + 1] = nnz;
  });
  indices = indices.slice(0, nnz);
  const values = counts.slice(0, nnz);
  weightRows(indptr, indices, values, vocab);
  return { kind: 'csr', rows: docs.length, cols: vocab.terms.length, indptr, indices, values };
}
