// CSV/TSV/JSON Lines through the ingest bridge, in real Chromium: a real module worker writing
// real IndexedDB. Golden bad-input files (tests/fixtures/data) each assert the exact sentence the
// user reads and that the database is exactly as before.
import { describe, expect, it } from 'vitest';
import { describeImportError } from '../../src/data/import-errors';
import type { ImportProgress } from '../../src/data/import-types';
import { counts, csvFile, fixtureFile, setUp, tabularPlan } from './ingest-helpers';
import bomUrl from '../fixtures/data/bom.csv?url';
import duplicateColumnsUrl from '../fixtures/data/duplicate-columns.csv?url';
import emptyColumnNameUrl from '../fixtures/data/empty-column-name.csv?url';
import emptyUrl from '../fixtures/data/empty.csv?url';
import headerOnlyUrl from '../fixtures/data/header-only.csv?url';
import invalidUtf8Url from '../fixtures/data/invalid-utf8.csv?url';
import quotedNewlinesUrl from '../fixtures/data/quoted-newlines.csv?url';
import raggedUrl from '../fixtures/data/ragged.csv?url';

const peopleCsv = [
  'id,age,city,label',
  ...Array.from(
    { length: 50 },
    (_, i) => `u${i},${20 + (i % 30)},${['Paris', 'Lyon', 'Nice'][i % 3]},${i % 2 ? 'yes' : 'no'}`,
  ),
].join('\n');

const peopleColumns = [
  { name: 'id', type: 'identifier', role: 'id' },
  { name: 'age', type: 'integer', role: 'feature' },
  { name: 'city', type: 'categorical', role: 'feature' },
  { name: 'label', type: 'categorical', role: 'target' },
] as const;

describe('tabular import: happy paths', () => {
  it('previews a CSV: format, header, sample and inferred types', async () => {
    const { bridge } = setUp('preview');
    const result = await bridge.previewTabular(csvFile(peopleCsv));
    if (!result.ok) throw new Error(describeImportError(result.error));
    const p = result.value;
    expect(p.format).toBe('csv');
    expect(p.delimiter).toBe(',');
    expect(p.header).toEqual(['id', 'age', 'city', 'label']);
    expect(p.sampleRows).toHaveLength(50);
    expect(p.inferred.map((c) => c.type)).toEqual([
      'identifier',
      'integer',
      'categorical',
      'boolean',
    ]);
    expect(p.problems).toEqual([]);
  });

  it('imports a CSV into chunks, with labels, digest and progress', async () => {
    const { bridge, db, repo } = setUp('csv');
    const progress: ImportProgress[] = [];
    const result = await bridge.importTabular(
      csvFile(peopleCsv),
      tabularPlan([...peopleColumns], {
        idColumn: 'id',
        targetColumn: 'label',
        labelMap: { yes: 'class-yes', no: 'class-no' },
        importLabels: 1,
      }),
      { onProgress: (p) => progress.push(p) },
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    const { source, labelsImported } = result.value;
    expect(source.status).toBe('ready');
    expect(source.rowCount).toBe(50);
    expect(source.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(labelsImported).toBe(50);
    expect(source.columns.find((c) => c.name === 'city')?.vocab).toEqual(['Paris', 'Lyon', 'Nice']);

    const chunk = await repo.getChunk(source.id, 0);
    expect(chunk?.rowCount).toBe(50);
    expect(chunk?.itemIds[3]).toBe(`${source.id}:u3`);
    const age = chunk?.columns.age;
    expect(age?.kind === 'f32' && Array.from(age.values.slice(0, 3))).toEqual([20, 21, 22]);
    expect(await repo.listSources('p1')).toHaveLength(1);
    const labels = await db.annotations.where('sessionId').equals(`import:${source.id}`).toArray();
    expect(labels).toHaveLength(50);
    expect(labels.find((a) => a.itemId === `${source.id}:u1`)?.label).toBe('class-yes');
    expect(labels.every((a) => a.kind === 'import' && a.annotator === 'import')).toBe(true);
    expect(progress.at(-1)?.phase).toBe('finishing');
  });

  it('imports a fraction of the labels, the same rows every time', async () => {
    const { bridge, db } = setUp('fraction');
    const plan = tabularPlan([...peopleColumns], {
      idColumn: 'id',
      targetColumn: 'label',
      labelMap: { yes: 'y', no: 'n' },
      importLabels: 0.5,
    });
    const first = await bridge.importTabular(csvFile(peopleCsv), plan);
    const second = await bridge.importTabular(csvFile(peopleCsv), plan);
    if (!first.ok || !second.ok) throw new Error('import failed');
    expect(first.value.labelsImported).toBeGreaterThan(10);
    expect(first.value.labelsImported).toBeLessThan(40);
    const keys = async (id: string) =>
      (await db.annotations.where('sessionId').equals(`import:${id}`).toArray())
        .map((a) => a.itemId.slice(id.length))
        .sort();
    expect(await keys(first.value.source.id)).toEqual(await keys(second.value.source.id));
  });

  it('imports TSV (sniffed) and JSON Lines (union of keys, nested values as JSON)', async () => {
    const { bridge, repo } = setUp('tsv-jsonl');
    const tsv = new File(['a\tb\n1\tx y\n2\tz\n'], 'data.tsv');
    const preview = await bridge.previewTabular(tsv);
    expect(preview.ok && preview.value.format).toBe('tsv');
    const tsvResult = await bridge.importTabular(
      tsv,
      tabularPlan([
        { name: 'a', type: 'integer', role: 'feature' },
        { name: 'b', type: 'text', role: 'feature' },
      ]),
    );
    if (!tsvResult.ok) throw new Error(describeImportError(tsvResult.error));
    const tsvChunk = await repo.getChunk(tsvResult.value.source.id, 0);
    expect(tsvChunk?.columns.b).toEqual({ kind: 'str', values: ['x y', 'z'] });

    const jsonl = new File(
      ['{"a":1,"b":"x"}\n', '\n', '{"a":2,"c":{"d":[1,2]}}\n', '{"b":null}\n'],
      'data.jsonl',
    );
    const p = await bridge.previewTabular(jsonl);
    if (!p.ok) throw new Error(describeImportError(p.error));
    expect(p.value.format).toBe('jsonl');
    expect(p.value.header).toEqual(['a', 'b', 'c']);
    expect(p.value.sampleRows).toEqual([
      ['1', 'x', ''],
      ['2', '', '{"d":[1,2]}'],
      ['', '', ''],
    ]);
    const r = await bridge.importTabular(
      jsonl,
      tabularPlan(
        [
          { name: 'a', type: 'numeric', role: 'feature' },
          { name: 'c', type: 'text', role: 'feature' },
        ],
        { modality: 'text', textColumn: 'c' },
      ),
    );
    if (!r.ok) throw new Error(describeImportError(r.error));
    expect(r.value.source.rowCount).toBe(3);
    expect(r.value.source.columns.map((c) => c.name)).toEqual(['a', 'c']);
  });

  it('imports quoted newlines and quotes correctly, across parse pieces', async () => {
    const { bridge, repo } = setUp('quoted');
    const file = await fixtureFile(quotedNewlinesUrl, 'quoted-newlines.csv');
    const result = await bridge.importTabular(
      file,
      tabularPlan([
        { name: 'id', type: 'integer', role: 'feature' },
        { name: 'comment', type: 'text', role: 'feature' },
        { name: 'score', type: 'integer', role: 'feature' },
      ]),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(3);
    const chunk = await repo.getChunk(result.value.source.id, 0);
    expect(chunk?.columns.comment).toEqual({
      kind: 'str',
      values: ['first line\nsecond line', 'says "hi", then\r\nleaves', 'plain'],
    });
  });

  it('reads a BOM file: the header has no U+FEFF, the preview says so', async () => {
    const { bridge } = setUp('bom');
    const file = await fixtureFile(bomUrl, 'bom.csv');
    const preview = await bridge.previewTabular(file);
    if (!preview.ok) throw new Error(describeImportError(preview.error));
    expect(preview.value.hasBom).toBe(true);
    expect(preview.value.header).toEqual(['name', 'score']);
    expect(preview.value.problems).toContainEqual({ kind: 'bom' });
    const result = await bridge.importTabular(
      file,
      tabularPlan([
        { name: 'name', type: 'identifier', role: 'feature' },
        { name: 'score', type: 'integer', role: 'feature' },
      ]),
    );
    expect(result.ok && result.value.source.columns[0]?.name).toBe('name');
  });

  it('skips ragged rows when asked, counting them', async () => {
    const { bridge } = setUp('skip');
    const file = await fixtureFile(raggedUrl, 'ragged.csv');
    const preview = await bridge.previewTabular(file);
    expect(preview.ok && preview.value.problems).toContainEqual({
      kind: 'ragged-rows',
      rows: [2, 4],
      total: 2,
      expected: 3,
    });
    const result = await bridge.importTabular(
      file,
      tabularPlan(
        [
          { name: 'id', type: 'integer', role: 'feature' },
          { name: 'age', type: 'integer', role: 'feature' },
          { name: 'city', type: 'categorical', role: 'feature' },
        ],
        { skipRaggedRows: true },
      ),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(3);
    expect(result.value.skipped).toEqual([
      { reason: 'ragged row', count: 2, examples: ['2', '4'] },
    ]);
  });

  it('streams a file larger than one parse piece with records split across pieces', async () => {
    const { bridge, repo } = setUp('pieces');
    // ~2.5 MiB: three 1 MiB pieces; quoted fields with newlines land on piece boundaries.
    const rows = Array.from({ length: 40_000 }, (_, i) => `${i},"line ${i}\nnext, ""q""",${i % 7}`);
    const file = csvFile(['n,t,k', ...rows].join('\r\n'));
    const result = await bridge.importTabular(
      file,
      tabularPlan([
        { name: 'n', type: 'integer', role: 'feature' },
        { name: 't', type: 'text', role: 'feature' },
        { name: 'k', type: 'categorical', role: 'feature' },
      ]),
    );
    if (!result.ok) throw new Error(describeImportError(result.error));
    expect(result.value.source.rowCount).toBe(40_000);
    expect(await repo.chunkCount(result.value.source.id)).toBe(10);
    const last = await repo.getChunk(result.value.source.id, 9);
    const t = last?.columns.t;
    expect(t?.kind === 'str' && t.values.at(-1)).toBe('line 39999\nnext, "q"');
  });
});

describe('tabular import: bad input (golden files) leaves the database unchanged', () => {
  const cases = [
    {
      file: 'empty.csv',
      url: emptyUrl,
      message: 'The file is empty: there is nothing to import.',
    },
    {
      file: 'header-only.csv',
      url: headerOnlyUrl,
      message: 'The file has a header row but no data rows.',
    },
    {
      file: 'duplicate-columns.csv',
      url: duplicateColumnsUrl,
      message:
        'Column names must be unique; the header repeats "age". Rename the columns and import again.',
    },
    {
      file: 'empty-column-name.csv',
      url: emptyColumnNameUrl,
      message: 'Column 2 has no name in the header row. Give every column a name and import again.',
    },
    {
      file: 'invalid-utf8.csv',
      url: invalidUtf8Url,
      message:
        'The file is not valid UTF-8 text: the bytes at offset 13 cannot be decoded. Save it as UTF-8 and import again.',
    },
    {
      file: 'ragged.csv',
      url: raggedUrl,
      message:
        '2 rows have a different number of fields than the header (3): data rows 2, 4. Fix the file, or choose to skip these rows.',
    },
  ];

  for (const c of cases) {
    it(`${c.file}: "${c.message.slice(0, 40)}…"`, async () => {
      const { bridge, db } = setUp('golden');
      // Something already in the database, which must survive the failed import as it was.
      const seeded = await bridge.importTabular(
        csvFile('a,b\n1,2\n'),
        tabularPlan([{ name: 'a', type: 'integer', role: 'feature' }]),
      );
      expect(seeded.ok).toBe(true);
      const before = await counts(db);
      const file = await fixtureFile(c.url, c.file);
      const columns = [
        { name: 'id', type: 'integer', role: 'feature' },
        { name: 'age', type: 'integer', role: 'feature' },
        { name: 'city', type: 'categorical', role: 'feature' },
      ] as const;
      const result = await bridge.importTabular(
        file,
        tabularPlan(c.file === 'ragged.csv' ? [...columns] : []),
      );
      expect(result.ok).toBe(false);
      if (!result.ok) expect(describeImportError(result.error)).toBe(c.message);
      expect(await counts(db)).toEqual(before);
      if (c.file !== 'ragged.csv') {
        const preview = await bridge.previewTabular(file);
        expect(!preview.ok && describeImportError(preview.error)).toBe(c.message);
      }
    });
  }

  it('an invalid JSON line names its line number', async () => {
    const { bridge, db } = setUp('jsonl-bad');
    const before = await counts(db);
    const file = new File(['{"a":1}\n{"a":2}\n{"a":\n'], 'x.jsonl');
    const result = await bridge.importTabular(
      file,
      tabularPlan([{ name: 'a', type: 'integer', role: 'feature' }]),
    );
    expect(!result.ok && describeImportError(result.error)).toBe(
      'Line 3 is not a JSON object. Every line of a JSON Lines file must hold one object.',
    );
    expect(await counts(db)).toEqual(before);
  });

  it('duplicate ids fail the import and leave nothing', async () => {
    const { bridge, db } = setUp('dup-ids');
    const before = await counts(db);
    const result = await bridge.importTabular(
      csvFile('id,x\na,1\nb,2\na,3\n'),
      tabularPlan(
        [
          { name: 'x', type: 'integer', role: 'feature' },
          { name: 'id', type: 'identifier', role: 'id' },
        ],
        { idColumn: 'id' },
      ),
    );
    expect(!result.ok && describeImportError(result.error)).toBe(
      'The id column "id" repeats values ("a"); ids must be unique. Choose another id column or none.',
    );
    expect(await counts(db)).toEqual(before);
  });
});

describe('tabular import: cancel and abandoned staging', () => {
  it('cancel mid-import leaves the database exactly as before', async () => {
    const { bridge, db } = setUp('cancel');
    const before = await counts(db);
    const rows = Array.from({ length: 300_000 }, (_, i) => `${i},${i % 13},c${i % 5}`);
    const file = csvFile(['a,b,c', ...rows].join('\n'));
    const controller = new AbortController();
    let sawRows = false;
    const result = await bridge.importTabular(
      file,
      tabularPlan([
        { name: 'a', type: 'integer', role: 'feature' },
        { name: 'b', type: 'integer', role: 'feature' },
        { name: 'c', type: 'categorical', role: 'feature' },
      ]),
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.rows > 0 && !sawRows) {
            sawRows = true;
            controller.abort();
          }
        },
      },
    );
    expect(sawRows).toBe(true);
    expect(!result.ok && result.error).toEqual({ kind: 'cancelled' });
    expect(await counts(db)).toEqual(before);
    // The bridge still works afterwards.
    const again = await bridge.importTabular(
      csvFile('a\n1\n'),
      tabularPlan([{ name: 'a', type: 'integer', role: 'feature' }]),
    );
    expect(again.ok).toBe(true);
  });

  it('cleanupStaging removes an abandoned staging source and keeps a live one', async () => {
    const { bridge, db, repo } = setUp('staging');
    const source = (id: string) => ({
      id,
      projectId: 'p1',
      name: id,
      modality: 'tabular' as const,
      role: 'pool' as const,
      rowCount: 0,
      columns: [],
      createdAt: Date.now(),
    });
    await repo.createStaging(source('old'));
    await repo.appendChunks('old', [
      { sourceId: 'old', index: 0, rowStart: 0, rowCount: 1, columns: {}, itemIds: ['old:0'] },
    ]);
    await db.sources.update('old', { heartbeatAt: Date.now() - 10 * 60_000 });
    await repo.createStaging(source('live'));
    const removed = await bridge.cleanupStaging();
    expect(removed).toEqual({ ok: true, value: 1 });
    expect(await db.sources.toCollection().primaryKeys()).toEqual(['live']);
    expect(await db.chunks.count()).toBe(0);
    expect(await repo.listSources('p1')).toEqual([]);
  });
});
