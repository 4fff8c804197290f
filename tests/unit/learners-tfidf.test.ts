// The TF-IDF vectoriser against scikit-learn's TfidfVectorizer: analyser output, vocabulary, idf
// and transformed rows from tests/fixtures/golden/learners-tfidf-golden.json
// (make-learners-tfidf-golden.py).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TFIDF_PARAMS,
  analyze,
  compareCodePoints,
  fitTfidf,
  fitTransformTfidf,
  transformTfidf,
  validateTfidfParams,
  type TfidfParams,
} from '../../src/learners/tfidf';
import { LearnerInputError, type CsrMatrix } from '../../src/learners/types';

interface GoldenCsr {
  indptr: number[];
  indices: number[];
  data: number[];
}
interface GoldenRow {
  row: number;
  indices: number[];
  data: number[];
}
interface TfidfGolden {
  sklearn_version: string;
  analyzer: ({ text: string } & Record<string, string[]>)[];
  corpora: {
    name: string;
    params: TfidfParams;
    fit_docs: string[];
    unseen_docs: string[];
    terms: string[];
    idf: number[];
    fit: GoldenCsr;
    unseen: GoldenCsr;
  }[];
  errors: { name: string; params: TfidfParams; docs: string[]; sklearn_error: string }[];
  spam: {
    n_fit: number;
    unseen_range: [number, number];
    params: TfidfParams;
    vocabulary_size: number;
    terms_sha256: string;
    sampled_terms: { index: number; term: string; idf: number }[];
    fit_rows: GoldenRow[];
    unseen_rows: GoldenRow[];
  };
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/learners-tfidf-golden.json', import.meta.url), 'utf8'),
) as TfidfGolden;

const ANALYZER_PARAMS: Record<string, Partial<TfidfParams>> = {
  default: {},
  strip_unicode: { stripAccents: 'unicode' },
  no_lowercase_unigrams: { lowercase: false, ngramRange: [1, 1] },
  strip_no_lowercase: { lowercase: false, stripAccents: 'unicode' },
  ngram_2_3: { ngramRange: [2, 3] },
  char_wb_2_4: { analyzer: 'char_wb', ngramRange: [2, 4] },
  char_wb_1_3_strip: { analyzer: 'char_wb', ngramRange: [1, 3], stripAccents: 'unicode' },
};

const REL = 1e-9;

function expectClose(actual: ArrayLike<number>, expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    expect(Math.abs(a - e), `${label}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(
      REL * Math.max(1, Math.abs(e)),
    );
  }
}

function expectCsr(m: CsrMatrix, g: GoldenCsr, label: string): void {
  expect(m.rows, label).toBe(g.indptr.length - 1);
  expect(Array.from(m.indptr), `${label} indptr`).toEqual(g.indptr);
  expect(Array.from(m.indices), `${label} indices`).toEqual(g.indices);
  expect(m.values).toBeInstanceOf(Float64Array);
  expectClose(m.values, g.data, `${label} data`);
}

function rowOf(m: CsrMatrix, r: number): { indices: number[]; values: number[] } {
  const s = m.indptr[r] as number;
  const e = m.indptr[r + 1] as number;
  return {
    indices: Array.from(m.indices.subarray(s, e)),
    values: Array.from(m.values.subarray(s, e)),
  };
}

describe('analyze (sklearn build_analyzer)', () => {
  it('finds the same terms as sklearn on tricky strings', () => {
    expect(golden.analyzer.length).toBeGreaterThanOrEqual(15);
    for (const row of golden.analyzer) {
      for (const [key, over] of Object.entries(ANALYZER_PARAMS)) {
        const p = { ...DEFAULT_TFIDF_PARAMS, ...over };
        expect(analyze(row.text, p), `${key}: ${JSON.stringify(row.text)}`).toEqual(row[key]);
      }
    }
  });

  it('drops one-character tokens and splits at apostrophes and hyphens', () => {
    const p = { ...DEFAULT_TFIDF_PARAMS, ngramRange: [1, 1] as [number, number] };
    expect(analyze("I don't know e-mail", p)).toEqual(['don', 'know', 'mail']);
  });
});

describe('fitTfidf / transformTfidf against TfidfVectorizer', () => {
  for (const c of golden.corpora) {
    it(`${c.name}: vocabulary, idf and rows`, () => {
      const vocab = fitTfidf(c.fit_docs, c.params);
      expect(vocab.kind).toBe('tfidf-vocabulary');
      expect(vocab.documents).toBe(c.fit_docs.length);
      expect(vocab.terms).toEqual(c.terms);
      expectClose(vocab.idf, c.idf, 'idf');
      expectCsr(transformTfidf(vocab, c.fit_docs), c.fit, 'transform(fit docs)');
      expectCsr(transformTfidf(vocab, c.unseen_docs), c.unseen, 'transform(unseen)');

      const both = fitTransformTfidf(c.fit_docs, c.params);
      expect(both.vocabulary).toEqual(vocab);
      expect(both.matrix.cols).toBe(c.terms.length);
      expectCsr(both.matrix, c.fit, 'fitTransform');
    });
  }

  it('accepts any iterable of documents, read once', () => {
    const c = golden.corpora[0]!;
    function* once() {
      yield* c.fit_docs;
    }
    expect(fitTfidf(once(), c.params)).toEqual(fitTfidf(c.fit_docs, c.params));
  });

  it('finds a bigram whose unigrams are not terms (max_features can keep it alone)', () => {
    const vocab = {
      kind: 'tfidf-vocabulary' as const,
      params: { ...DEFAULT_TFIDF_PARAMS, norm: null, sublinearTf: false },
      terms: ['eggs', 'spam eggs'],
      idf: [1, 2],
      documents: 3,
    };
    const m = transformTfidf(vocab, ['spam eggs spam eggs', 'spam', 'eggs spam']);
    expect(Array.from(m.indptr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(m.indices)).toEqual([0, 1, 0]);
    expect(Array.from(m.values)).toEqual([2, 4, 1]);
  });

  it('round-trips through JSON and transforms identically', () => {
    const c = golden.corpora[0]!;
    const vocab = fitTfidf(c.fit_docs, c.params);
    const copy = JSON.parse(JSON.stringify(vocab)) as typeof vocab;
    expectCsr(transformTfidf(copy, c.unseen_docs), c.unseen, 'from JSON');
  });
});

describe('errors as sklearn raises them', () => {
  for (const e of golden.errors) {
    it(`${e.name} (sklearn: "${e.sklearn_error}")`, () => {
      expect(() => fitTfidf(e.docs, e.params)).toThrow(LearnerInputError);
      expect(() => fitTransformTfidf(e.docs, e.params)).toThrow(LearnerInputError);
    });
  }

  it('says which bound is wrong', () => {
    const c = golden.errors.find((e) => e.name === 'max_df_below_min_df')!;
    expect(() => fitTfidf(c.docs, c.params)).toThrow(/maxDf .* fewer than minDf/);
    const p = golden.errors.find((e) => e.name === 'pruned_to_nothing')!;
    expect(() => fitTfidf(p.docs, p.params)).toThrow(/After pruning, no terms remain/);
  });
});

describe('validateTfidfParams', () => {
  const ok = DEFAULT_TFIDF_PARAMS;
  it('accepts the defaults', () => {
    expect(validateTfidfParams(ok)).toBeNull();
    expect(validateTfidfParams(ok, 10)).toBeNull();
  });
  it('rejects bad ranges and bounds with a sentence', () => {
    expect(validateTfidfParams({ ...ok, ngramRange: [2, 1] })).toMatch(/longer than/);
    expect(validateTfidfParams({ ...ok, ngramRange: [0, 1] })).toMatch(/≥ 1/);
    expect(validateTfidfParams({ ...ok, minDf: 1.5 })).toMatch(/proportion/);
    expect(validateTfidfParams({ ...ok, minDf: -1 })).toMatch(/≥ 0/);
    expect(validateTfidfParams({ ...ok, maxFeatures: 0 })).toMatch(/maxFeatures/);
    // Both counts: comparable without the corpus size.
    expect(validateTfidfParams({ ...ok, minDf: 5, maxDf: 3 })).toMatch(/fewer documents/);
    // Mixed: only once the corpus size is known (0.5 × 6 = 3 < 5).
    expect(validateTfidfParams({ ...ok, minDf: 5, maxDf: 0.5 })).toBeNull();
    expect(validateTfidfParams({ ...ok, minDf: 5, maxDf: 0.5 }, 6)).toMatch(/at most 3 of the 6/);
    expect(validateTfidfParams({ ...ok, minDf: 5, maxDf: 0.5 }, 10)).toBeNull();
  });
});

describe('code-point order (Python sorted on str)', () => {
  it('puts astral characters after U+E000..U+FFFF, unlike UTF-16 order', () => {
    const astral = '😀'; // U+1F600, surrogates D83D DE00
    const bmp = '\uff21'; // U+FF21
    expect(astral < bmp).toBe(true); // JS default: UTF-16 units
    expect(compareCodePoints(astral, bmp)).toBeGreaterThan(0);
    expect(['b', 'ab', 'a', '\u00e9', 'z'].sort(compareCodePoints)).toEqual([
      'a',
      'ab',
      'b',
      'z',
      '\u00e9',
    ]);
  });
});

describe('a real corpus: the Spam demo emails', () => {
  const emails = readFileSync(new URL('../../public/demo/spam.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const s = golden.spam;

  it('fits the same vocabulary, idf and vectors as sklearn', () => {
    const fit = emails.slice(0, s.n_fit);
    const { vocabulary, matrix } = fitTransformTfidf(fit, s.params);
    expect(vocabulary.terms.length).toBe(s.vocabulary_size);
    const sha = createHash('sha256').update(vocabulary.terms.join('\n'), 'utf8').digest('hex');
    expect(sha).toBe(s.terms_sha256);
    for (const t of s.sampled_terms) {
      expect(vocabulary.terms[t.index]).toBe(t.term);
      expectClose([vocabulary.idf[t.index]!], [t.idf], `idf ${t.term}`);
    }
    for (const g of s.fit_rows) {
      const r = rowOf(matrix, g.row);
      expect(r.indices, `row ${g.row}`).toEqual(g.indices);
      expectClose(r.values, g.data, `row ${g.row}`);
    }
    const unseen = transformTfidf(vocabulary, emails.slice(...s.unseen_range));
    s.unseen_rows.forEach((g, i) => {
      const r = rowOf(unseen, i);
      expect(r.indices, `unseen ${g.row}`).toEqual(g.indices);
      expectClose(r.values, g.data, `unseen ${g.row}`);
    });
  });
});
