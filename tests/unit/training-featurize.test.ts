import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ChunkColumn, ChunkRecord, ColumnSchema } from '../../src/persistence/schema';
import { createRng, type Rng } from '../../src/lib/rng';
import {
  applyFeaturisation,
  applyImagePixels,
  applyToRaw,
  augmentImageBatch,
  encodeLabels,
  featureNames,
  fitFeaturisation,
  FeaturisationFitter,
} from '../../src/training/featurize';
import type { FeaturisationSpec } from '../../src/training/featurize-types';
import { golden } from './training-golden';

// ---------------------------------------------------------------------------------------------
// Builders

function f32(values: (number | null)[]): ChunkColumn {
  return {
    kind: 'f32',
    values: Float32Array.from(values, (v) => v ?? 0),
    missing: Uint8Array.from(values, (v) => (v === null ? 1 : 0)),
  };
}

function i32(values: (string | null)[]): ChunkColumn {
  const vocab: string[] = [];
  const codes = Int32Array.from(values, (v) => {
    if (v === null) return -1;
    let code = vocab.indexOf(v);
    if (code < 0) code = vocab.push(v) - 1;
    return code;
  });
  return { kind: 'i32', codes, vocab };
}

function chunk(
  columns: Record<string, ChunkColumn>,
  itemIds: string[],
  index = 0,
  rowStart = 0,
): ChunkRecord {
  return { sourceId: 's1', index, rowStart, rowCount: itemIds.length, columns, itemIds };
}

function col(name: string, type: ColumnSchema['type'], role: ColumnSchema['role'] = 'feature') {
  const storage =
    type === 'categorical' || type === 'boolean'
      ? 'i32'
      : type === 'text' || type === 'identifier'
        ? 'str'
        : 'f32';
  return { name, type, storage, role } as ColumnSchema;
}

const ids = (n: number, prefix = 'item') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** A small tabular source: `age` numeric with a missing value, `city` categorical, a target. */
function tabularSource(
  ageOf: (i: number) => number | null,
  cityOf: (i: number) => string | null,
  n: number,
) {
  const itemIds = ids(n);
  const columns: ColumnSchema[] = [
    col('id', 'identifier', 'id'),
    col('age', 'numeric'),
    col('city', 'categorical'),
    col('label', 'categorical', 'target'),
  ];
  const data = chunk(
    {
      id: { kind: 'str', values: itemIds },
      age: f32(itemIds.map((_, i) => ageOf(i))),
      city: i32(itemIds.map((_, i) => cityOf(i))),
      label: i32(itemIds.map((_, i) => (i % 2 ? 'yes' : 'no'))),
    },
    itemIds,
  );
  return { columns, data, itemIds };
}

const isTrain = (id: string) => Number(id.split('-')[1]) < 20;

// ---------------------------------------------------------------------------------------------
// Tabular

describe('tabular featurisation', () => {
  const cities = ['paris', 'paris', 'oslo', 'oslo', 'rome'];
  const { columns, data } = tabularSource(
    (i) => (i === 3 ? null : i),
    (i) => cities[i % 5] ?? null,
    30,
  );
  const spec = fitFeaturisation(columns, [data], isTrain, ['no', 'yes'], {
    modality: 'tabular',
    minCategoryCount: 5,
  });

  it('standardises numerics with the population std of the training rows', () => {
    const train = Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3);
    const mean = train.reduce((s, v) => s + v, 0) / train.length;
    const std = Math.sqrt(train.reduce((s, v) => s + (v - mean) ** 2, 0) / train.length);
    const age = spec.tabular!.numeric[0]!;
    expect(age.name).toBe('age');
    expect(age.mean).toBeCloseTo(mean, 10);
    expect(age.std).toBeCloseTo(std, 10);
    expect(age.missingIndicator).toBe(true);
  });

  it('folds categories rarer than minCount into other, keeping the source order', () => {
    // Training rows 0..19: paris 8, oslo 8, rome 4 (< 5) → rome folds into other.
    const city = spec.tabular!.categorical[0]!;
    expect(city.vocab).toEqual(['paris', 'oslo']);
    expect(city.otherIndex).toBe(2);
    expect(spec.featureDim).toBe(2 + 3);
    expect(spec.inputColumns).toEqual(['age', 'city']);
    expect(featureNames(spec)).toEqual([
      'age',
      'age (missing)',
      'city=paris',
      'city=oslo',
      'city=(other)',
    ]);
  });

  it('applies the spec row by row, missing → 0 with indicator, rare/unseen → other', () => {
    const age = spec.tabular!.numeric[0]!;
    const { x, itemIds, rows } = applyFeaturisation(spec, data, [0, 3, 4, 22]);
    expect(rows).toBe(4);
    expect(itemIds).toEqual(['item-0', 'item-3', 'item-4', 'item-22']);
    const row = (r: number) => Array.from(x.subarray(r * 5, r * 5 + 5));
    expect(row(0)[0]).toBeCloseTo((0 - age.mean) / age.std, 5);
    expect(row(0).slice(1)).toEqual([0, 1, 0, 0]);
    expect(row(1)).toEqual([0, 1, 0, 1, 0]); // missing age; oslo
    expect(row(2).slice(1)).toEqual([0, 0, 0, 1]); // rome (rare) → other
    expect(row(3)[0]).toBeCloseTo((22 - age.mean) / age.std, 5);
  });

  it('maps categories unseen in training, and missing ones, to other', () => {
    const itemIds = ['new-0', 'new-1', 'new-2'];
    const later = chunk({ age: f32([1, 2, null]), city: i32(['tokyo', null, 'paris']) }, itemIds);
    const { x } = applyFeaturisation(spec, later);
    expect(Array.from(x.subarray(2, 5))).toEqual([0, 0, 1]);
    expect(Array.from(x.subarray(7, 10))).toEqual([0, 0, 1]);
    expect(Array.from(x.subarray(12, 15))).toEqual([1, 0, 0]);
    expect(Array.from(x.subarray(10, 12))).toEqual([0, 1]);
  });

  it('writes into a caller-owned buffer at a row offset, clearing stale values', () => {
    const out = new Float32Array(6 * 5).fill(7);
    const res = applyFeaturisation(spec, data, [0, 1], { out, rowOffset: 2 });
    expect(res.x).toBe(out);
    expect(Array.from(out.subarray(0, 10))).toEqual(new Array(10).fill(7));
    expect(Array.from(out.subarray(10, 20))).toEqual(
      Array.from(applyFeaturisation(spec, data, [0, 1]).x),
    );
    expect(Array.from(out.subarray(20))).toEqual(new Array(10).fill(7));
    expect(() => applyFeaturisation(spec, data, [0, 1], { out, rowOffset: 5 })).toThrow(RangeError);
  });

  it('applyToRaw gives the same vector as the stored row', () => {
    const stored = applyFeaturisation(spec, data, [4]).x;
    expect(applyToRaw(spec, { age: '4', city: 'rome' })).toEqual(stored);
    expect(applyToRaw(spec, { age: 4, city: 'rome', other: 'x' })).toEqual(stored);
    const missing = applyToRaw(spec, { age: '', city: null });
    expect(Array.from(missing)).toEqual([0, 1, 0, 0, 1]);
  });

  it('is leak-free: changing validation/test rows does not change the spec', () => {
    // Same training rows (0..19), wildly different held-out rows.
    const other = tabularSource(
      (i) => (i < 20 ? (i === 3 ? null : i) : 1e6 + i),
      (i) => (i < 20 ? (cities[i % 5] ?? null) : 'rome'),
      60,
    );
    const spec2 = fitFeaturisation(other.columns, [other.data], isTrain, ['no', 'yes'], {
      modality: 'tabular',
    });
    expect(spec2).toEqual(spec);
    // …whereas the same rows all used for fitting do change it.
    const leaky = fitFeaturisation(other.columns, [other.data], () => true, ['no', 'yes'], {
      modality: 'tabular',
    });
    expect(leaky).not.toEqual(spec);
  });

  it('gives the same spec when the training rows arrive in several chunks', () => {
    const fitter = new FeaturisationFitter('tabular', columns, isTrain, ['no', 'yes']);
    for (let start = 0; start < 30; start += 7) {
      const rows = Array.from({ length: Math.min(7, 30 - start) }, (_, j) => start + j);
      const part = chunk(
        {
          age: f32(rows.map((i) => (i === 3 ? null : i))),
          city: i32(rows.map((i) => cities[i % 5] ?? null)),
        },
        rows.map((i) => `item-${i}`),
        start / 7,
        start,
      );
      fitter.addChunk(part);
    }
    expect(fitter.rows).toBe(20);
    const streamed = fitter.finish();
    expect(streamed.tabular!.numeric[0]!.mean).toBeCloseTo(spec.tabular!.numeric[0]!.mean, 10);
    expect(streamed.tabular!.numeric[0]!.std).toBeCloseTo(spec.tabular!.numeric[0]!.std, 10);
    expect(streamed.tabular!.categorical).toEqual(spec.tabular!.categorical);
  });

  it('uses std 1 for a constant column and no indicator when nothing is missing', () => {
    const s = tabularSource(
      () => 5,
      () => 'a',
      10,
    );
    const sp = fitFeaturisation(s.columns, [s.data], () => true, ['no', 'yes'], {
      modality: 'tabular',
    });
    expect(sp.tabular!.numeric[0]).toEqual({
      name: 'age',
      mean: 5,
      std: 1,
      missingIndicator: false,
    });
    expect(sp.featureDim).toBe(1 + 2);
    expect(Array.from(applyFeaturisation(sp, s.data, [0]).x)).toEqual([0, 1, 0]);
  });

  it('round-trips through JSON unchanged', () => {
    const copy = JSON.parse(JSON.stringify(spec)) as FeaturisationSpec;
    expect(copy).toEqual(spec);
    expect(applyFeaturisation(copy, data).x).toEqual(applyFeaturisation(spec, data).x);
  });

  it('encodes labels in the spec class order', () => {
    expect(Array.from(encodeLabels(spec, ['yes', 'no', null, 'maybe']))).toEqual([1, 0, -1, -1]);
  });
});

// ---------------------------------------------------------------------------------------------
// Text

function textSource(docs: string[]) {
  const itemIds = docs.map((_, i) => `doc-${i}`);
  const columns: ColumnSchema[] = [col('id', 'identifier', 'id'), col('body', 'text')];
  return {
    columns,
    data: chunk(
      { id: { kind: 'str', values: itemIds }, body: { kind: 'str', values: docs } },
      itemIds,
    ),
  };
}

describe('text featurisation (hashing TF-IDF)', () => {
  for (const c of golden.text) {
    it(`matches sklearn HashingVectorizer + TfidfTransformer + l2: ${c.name}`, () => {
      const { columns, data } = textSource(golden.corpus);
      const nFit = c.n_fit;
      const spec = fitFeaturisation(
        columns,
        [data],
        (id) => Number(id.slice(4)) < nFit,
        ['ham', 'spam'],
        { modality: 'text', textDim: c.dim, ngramRange: c.ngram_range, charNgrams: c.char_ngrams },
      );
      expect(spec.featureDim).toBe(c.dim);
      expect(spec.text!.idf.length).toBe(c.dim);
      spec.text!.idf.forEach((v, j) => expect(v, `idf[${j}]`).toBeCloseTo(c.idf[j]!, 12));

      const { x } = applyFeaturisation(spec, data);
      golden.corpus.forEach((_, i) => {
        const expected = new Float64Array(c.dim);
        for (const [j, v] of c.rows[i]!) expected[j] = v;
        let maxDiff = 0;
        for (let j = 0; j < c.dim; j++) {
          maxDiff = Math.max(maxDiff, Math.abs(x[i * c.dim + j]! - expected[j]!));
        }
        // float32 output against sklearn's float64.
        expect(maxDiff, `${c.name} doc ${i}`).toBeLessThan(1e-6);
      });
    });
  }

  it('the golden cases exercise in-document sign cancellation', () => {
    expect(golden.text.some((c) => c.explicit_zeros > 0)).toBe(true);
  });

  it('applyToRaw matches the stored row, and an empty text is the zero vector', () => {
    const { columns, data } = textSource(golden.corpus);
    const spec = fitFeaturisation(columns, [data], () => true, ['a', 'b'], {
      modality: 'text',
      textDim: 128,
    });
    const { x } = applyFeaturisation(spec, data, [2]);
    expect(applyToRaw(spec, { body: golden.corpus[2]! })).toEqual(x);
    expect(applyToRaw(spec, { body: null }).every((v) => v === 0)).toBe(true);
    // Re-applying reuses scratch buffers: results must not depend on previous calls.
    expect(applyFeaturisation(spec, data, [2]).x).toEqual(x);
  });

  it('sublinear tf keeps the sign of a bucket and l2-normalises', () => {
    const { columns, data } = textSource(['spam spam spam spam ham', 'ham eggs']);
    const spec = fitFeaturisation(columns, [data], () => true, ['a', 'b'], {
      modality: 'text',
      textDim: 1 << 12,
      ngramRange: [1, 1],
      sublinearTf: true,
    });
    const { x } = applyFeaturisation(spec, data, [0]);
    const norm = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 6);
    const nonzero = Array.from(x).filter((v) => v !== 0);
    expect(nonzero.length).toBe(2);
  });

  it('is leak-free: idf depends on training documents only', () => {
    const docs = ['cheap pills now', 'meeting at noon', 'cheap cheap offer', 'lunch at noon'];
    const a = textSource([...docs, 'zebra xylophone unseen words']);
    const b = textSource([...docs, 'cheap pills cheap offer now']);
    const train = (id: string) => Number(id.slice(4)) < 4;
    const opts = { modality: 'text' as const, textDim: 64 };
    expect(fitFeaturisation(a.columns, [a.data], train, ['x'], opts)).toEqual(
      fitFeaturisation(b.columns, [b.data], train, ['x'], opts),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Images

describe('image featurisation', () => {
  const spec3 = fitFeaturisation([], [], () => true, ['a', 'b'], {
    modality: 'image',
    imageSize: 2,
  });
  const spec1 = fitFeaturisation([], [], () => true, ['a', 'b'], {
    modality: 'image',
    imageSize: 2,
    imageChannels: 1,
    augment: { flip: true, shift: 0.5 },
  });
  const pixels = Uint8Array.from({ length: 12 }, (_, i) => i * 20);

  it('scales RGB bytes by 1/255 in HWC order', () => {
    expect(spec3.featureDim).toBe(12);
    expect(spec3.image).toEqual({
      size: 2,
      channels: 3,
      scale: 1 / 255,
      augment: { flip: false, shift: 0 },
    });
    const x = applyImagePixels(spec3, [pixels, pixels]);
    expect(x.length).toBe(24);
    for (let j = 0; j < 12; j++) expect(x[12 + j]).toBeCloseTo((j * 20) / 255, 6);
  });

  it('converts to luma for one channel', () => {
    const x = applyImagePixels(spec1, [pixels]);
    expect(x.length).toBe(4);
    expect(x[1]).toBeCloseTo((0.299 * 60 + 0.587 * 80 + 0.114 * 100) / 255, 6);
  });

  it('rejects pixel arrays of the wrong size', () => {
    expect(() => applyImagePixels(spec3, [new Uint8Array(5)])).toThrow(RangeError);
    expect(() => applyFeaturisation(spec3, chunk({}, ['a']))).toThrow();
  });

  it('augments deterministically per seed, flipping and shifting within bounds', () => {
    const spec = fitFeaturisation([], [], () => true, ['a'], {
      modality: 'image',
      imageSize: 4,
      imageChannels: 1,
      augment: { flip: true, shift: 0.25 },
    });
    const img = Uint8Array.from({ length: 48 }, (_, i) => (Math.floor(i / 3) + 1) * 10);
    const base = applyImagePixels(
      spec,
      Array.from({ length: 8 }, () => img),
    );
    const a = base.slice();
    const b = base.slice();
    augmentImageBatch(spec, a, 8, createRng(1));
    augmentImageBatch(spec, b, 8, createRng(1));
    expect(a).toEqual(b);
    expect(a).not.toEqual(base);
    // Scripted draws: randInt(2) = 1 → flip; randInt(3) = 2 → dy = +1; randInt(3) = 1 → dx = 0.
    const scripted = (...draws: number[]): Rng => ({
      state: 0,
      nextUint32: () => draws.shift() ?? 0,
      next: () => 0,
    });
    const flipped = base.slice(0, 16);
    augmentImageBatch(spec, flipped, 1, scripted(1), { flip: true, shift: 0 });
    for (let y = 0; y < 4; y++) {
      expect(Array.from(flipped.subarray(y * 4, y * 4 + 4))).toEqual(
        Array.from(base.subarray(y * 4, y * 4 + 4)).reverse(),
      );
    }
    const shifted = base.slice(0, 16);
    augmentImageBatch(spec, shifted, 1, scripted(0, 2, 1));
    expect(Array.from(shifted.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(shifted.subarray(4, 16))).toEqual(Array.from(base.subarray(0, 12)));
  });
});

// ---------------------------------------------------------------------------------------------
// Penguins demo: the same preprocessing as the scikit-learn reference

describe('penguins demo featurisation', () => {
  it("fits the same standardisation and categories as sklearn's on the reference split", () => {
    const text = readFileSync(new URL('../../public/demo/penguins.csv', import.meta.url), 'utf8');
    const [header, ...lines] = text.trim().split(/\r?\n/);
    const names = header!.split(',');
    const records = lines.map((l) => {
      const cells = l.split(',');
      return Object.fromEntries(names.map((n, i) => [n, cells[i] ?? '']));
    });
    const numeric = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
    const categorical = ['Island', 'Sex'];
    const itemIds = records.map((r) => r.id!);
    const cols: Record<string, ChunkColumn> = {};
    for (const n of numeric) cols[n] = f32(records.map((r) => (r[n] ? Number(r[n]) : null)));
    for (const n of categorical) cols[n] = i32(records.map((r) => r[n] || null));
    const schema = [
      ...numeric.map((n) => col(n, 'numeric')),
      ...categorical.map((n) => col(n, 'categorical')),
    ];
    const train = new Set(golden.penguins.train_ids);
    const spec = fitFeaturisation(schema, [chunk(cols, itemIds)], (id) => train.has(id), ['x'], {
      modality: 'tabular',
    });
    spec.tabular!.numeric.forEach((f, i) => {
      expect(f.mean).toBeCloseTo(golden.penguins.scaler_mean[i]!, 3);
      expect(f.std / golden.penguins.scaler_scale[i]!).toBeCloseTo(1, 6);
      // The reference split has no missing values.
      expect(f.missingIndicator).toBe(false);
    });
    spec.tabular!.categorical.forEach((f, i) => {
      expect([...f.vocab].sort()).toEqual(golden.penguins.one_hot_categories[i]);
    });
    expect(golden.penguins.test_accuracy).toBeGreaterThan(0.9);
  });
});

// The learned-vocabulary mode: the featurisation's rows are sklearn's TfidfVectorizer rows
// (golden values from tests/fixtures/golden/make-learners-tfidf-golden.py), stored dense.
describe('text featurisation (TF-IDF vocabulary)', () => {
  const tfidfGolden = JSON.parse(
    readFileSync(new URL('../fixtures/golden/learners-tfidf-golden.json', import.meta.url), 'utf8'),
  ) as {
    corpora: {
      name: string;
      params: Record<string, unknown>;
      fit_docs: string[];
      unseen_docs: string[];
      terms: string[];
      fit: { indptr: number[]; indices: number[]; data: number[] };
      unseen: { indptr: number[]; indices: number[]; data: number[] };
    }[];
  };
  const defaults = tfidfGolden.corpora.find((c) => c.name === 'defaults')!;

  function expectRows(
    x: Float32Array,
    dim: number,
    csr: { indptr: number[]; indices: number[]; data: number[] },
  ) {
    for (let r = 0; r + 1 < csr.indptr.length; r++) {
      const expected = new Float64Array(dim);
      for (let i = csr.indptr[r]!; i < csr.indptr[r + 1]!; i++)
        expected[csr.indices[i]!] = csr.data[i]!;
      for (let j = 0; j < dim; j++)
        expect(x[r * dim + j]!, `row ${r} term ${j}`).toBeCloseTo(expected[j]!, 6);
    }
  }

  it("matches sklearn's TfidfVectorizer (words + bigrams, min_df 2, sublinear tf, l2) on fit and unseen documents", () => {
    const { columns, data } = textSource([...defaults.fit_docs, ...defaults.unseen_docs]);
    const nFit = defaults.fit_docs.length;
    const spec = fitFeaturisation(columns, [data], (id) => Number(id.slice(4)) < nFit, ['a', 'b'], {
      modality: 'text',
      textFeatures: 'vocabulary',
    });
    expect(spec.text!.vocabulary!.terms).toEqual(defaults.terms);
    expect(spec.featureDim).toBe(defaults.terms.length);
    const rows = Array.from({ length: nFit }, (_, i) => i);
    expectRows(applyFeaturisation(spec, data, rows).x, spec.featureDim, defaults.fit);
    const unseen = defaults.unseen_docs.map((_, i) => nFit + i);
    expectRows(applyFeaturisation(spec, data, unseen).x, spec.featureDim, defaults.unseen);
    // "Try it" gives the stored row; feature names are the terms.
    expect(applyToRaw(spec, { body: defaults.unseen_docs[0]! })).toEqual(
      applyFeaturisation(spec, data, [nFit]).x,
    );
    expect(featureNames(spec).slice(0, 2)).toEqual(
      defaults.terms.slice(0, 2).map((t) => `body:${t}`),
    );
  });

  it('learns words from the unlabelled pool when asked, never from rows the filters leave out', () => {
    const { columns, data } = textSource([
      'red apple',
      'red apple',
      'blue whale',
      'blue whale',
      'green tea green tea',
    ]);
    const train = (id: string) => id === 'doc-0' || id === 'doc-1';
    const only = fitFeaturisation(columns, [data], train, ['a', 'b'], {
      modality: 'text',
      textFeatures: 'vocabulary',
    });
    expect(only.text!.vocabulary!.terms).toEqual(['apple', 'red', 'red apple']);
    const withPool = fitFeaturisation(columns, [data], train, ['a', 'b'], {
      modality: 'text',
      textFeatures: 'vocabulary',
      vocabularyRowFilter: (id) => id === 'doc-2' || id === 'doc-3',
    });
    expect(withPool.text!.vocabulary!.terms).toEqual([
      'apple',
      'blue',
      'blue whale',
      'red',
      'red apple',
      'whale',
    ]);
    expect(withPool.text!.vocabulary!.documents).toBe(4);
  });

  it('falls back to min_df 1 when no term is in two documents (the first rounds of labeling)', () => {
    const { columns, data } = textSource(['alpha beta', 'gamma delta']);
    const spec = fitFeaturisation(columns, [data], () => true, ['a', 'b'], {
      modality: 'text',
      textFeatures: 'vocabulary',
    });
    expect(spec.text!.vocabulary!.params.minDf).toBe(1);
    expect(spec.featureDim).toBe(6);
  });
});
