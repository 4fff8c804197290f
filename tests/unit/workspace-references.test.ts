// Workspace files whose digests were recomputed after a hand edit: every field can be well-typed and
// still point at nothing. Each case here was accepted before references were checked (issue 18.7).
import { strFromU8, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exportWorkspace } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';
import { describeWorkspaceError, type WorkspaceError } from '../../src/workspace/errors';
import type { ProjectRows } from '../../src/persistence/workspace-repo';
import { buildProjectRows } from './workspace-builders';
import { rezip } from './workspace-helpers';

const SCHEMA = 1;

async function exportBytes(rows: ProjectRows = buildProjectRows()): Promise<Uint8Array> {
  const out = await exportWorkspace(rows, {
    appVersion: 'test',
    schemaVersion: SCHEMA,
    now: 1_763_856_000_000,
  });
  return new Uint8Array(await out.blob.arrayBuffer());
}

async function outcome(bytes: Uint8Array): Promise<WorkspaceError | 'accepted'> {
  const result = await readWorkspace(bytes, { schemaVersion: SCHEMA });
  return result.ok ? 'accepted' : result.error;
}

/** Replaces text in one table entry and recomputes the digests, as a careful forger would. */
function edit(bytes: Uint8Array, table: string, from: string, to: string): Uint8Array {
  const path = `tables/${table}/00000.jsonl`;
  return rezip(bytes, (f) => {
    const before = strFromU8(f[path]!);
    if (!before.includes(from)) throw new Error(`"${from}" is not in ${path}`);
    f[path] = strToU8(before.replace(from, to));
  });
}

async function refusal(bytes: Uint8Array): Promise<{ table: string; reason: string }> {
  const got = await outcome(bytes);
  if (got === 'accepted' || got.kind !== 'invalid-record')
    throw new Error(`expected an invalid record, got ${JSON.stringify(got)}`);
  expect(describeWorkspaceError(got)).toContain(got.reason);
  return { table: got.table, reason: got.reason };
}

describe('workspace files check references, not only types', () => {
  it('the unedited file is accepted (the refusals below come from the edits)', async () => {
    expect(await outcome(await exportBytes())).toBe('accepted');
  });

  it('refuses a non-finite number where a finite one belongs ("seed": 1e999)', async () => {
    const bytes = await exportBytes();
    expect(await refusal(edit(bytes, 'runs', '"seed":42', '"seed":1e999'))).toEqual({
      table: 'runs',
      reason: '"seed" must be a finite number (it is Infinity)',
    });
    expect(
      (await refusal(edit(bytes, 'annotations', '"at":1700000000000', '"at":-1e400'))).table,
    ).toBe('annotations');
  });

  it('keeps non-finite metrics and curve points, which travel as $num', async () => {
    // The builder's run has kappa -Infinity and a NaN validation loss.
    const result = await readWorkspace(await exportBytes(), { schemaVersion: SCHEMA });
    expect(result.ok && result.value.rows.runs[0]!.metrics.kappa).toBe(-Infinity);
  });

  it("refuses an annotation whose label is not one of the project's classes", async () => {
    const bytes = await exportBytes();
    expect(await refusal(edit(bytes, 'annotations', '"label":"churn"', '"label":"ghost"'))).toEqual(
      { table: 'annotations', reason: `"label" "ghost" is not one of the project's classes` },
    );
  });

  it('refuses an annotation for an item that no source of the file holds', async () => {
    const bytes = await exportBytes();
    const r = await refusal(
      edit(bytes, 'annotations', '"itemId":"p1/src#0"', '"itemId":"p1/src#77"'),
    );
    expect(r).toEqual({
      table: 'annotations',
      reason: '"itemId" "p1/src#77" is not an item of any source in this file',
    });
  });

  it('refuses an annotation naming an item of a source that is in the file but lacks it', async () => {
    const uuid = '0b5e5d6e-8a4e-4b47-9a55-0c1f6d1d7a11';
    const rows = buildProjectRows();
    // A real source id (a UUID, as the importer makes), so the deleted-source rule cannot apply.
    const relabel = (s: string) => s.replaceAll('p1/src', uuid);
    const withUuid = JSON.parse(
      JSON.stringify({ sources: rows.sources, annotations: rows.annotations }),
      (_k, v: unknown) => (typeof v === 'string' ? relabel(v) : v),
    ) as Pick<ProjectRows, 'sources' | 'annotations'>;
    rows.sources = withUuid.sources;
    rows.annotations = withUuid.annotations;
    for (const c of rows.chunks) {
      c.sourceId = uuid;
      c.itemIds = c.itemIds.map(relabel);
    }
    for (const b of rows.blobs) Object.assign(b, { sourceId: uuid, itemId: relabel(b.itemId) });
    for (const p of rows.predictions)
      Object.assign(p, { sourceId: uuid, itemId: relabel(p.itemId) });
    rows.monitorWindows.forEach((w) => (w.sourceId = uuid));
    const bytes = await exportBytes(rows);
    expect(await outcome(bytes)).toBe('accepted');
    expect(
      (await refusal(edit(bytes, 'annotations', `"itemId":"${uuid}#0"`, `"itemId":"${uuid}:404"`)))
        .reason,
    ).toContain('is not an item of any source in this file');
  });

  it('accepts the labels a deleted source left in the log (sources-repo keeps human labels)', async () => {
    const rows = buildProjectRows();
    // deleteSource removed the source's rows; its items' human labels stay, ids `<uuid>:<key>`.
    rows.annotations[0]!.itemId = '9f1c2d3e-4b5a-4c6d-8e7f-a0b1c2d3e4f5:12';
    expect(await outcome(await exportBytes(rows))).toBe('accepted');
  });

  it('refuses an image blob for an item its source does not hold', async () => {
    const bytes = await exportBytes();
    expect(
      (await refusal(edit(bytes, 'blobs', '"itemId":"p1/src#0"', '"itemId":"p1/src#90"'))).table,
    ).toBe('blobs');
  });

  it('refuses a model version whose run is not in the file', async () => {
    const bytes = await exportBytes();
    expect(await refusal(edit(bytes, 'models', '"runId":"p1/run"', '"runId":"p1/gone"'))).toEqual({
      table: 'models',
      reason: '"runId" "p1/gone" is not a run in this file',
    });
  });

  it('refuses a prediction or monitor window of a version the file neither holds nor deleted', async () => {
    const bytes = await exportBytes();
    expect(
      await refusal(edit(bytes, 'predictions', '"modelId":"p1/model"', '"modelId":"p1/v9"')),
    ).toEqual({
      table: 'predictions',
      reason: '"modelId" "p1/v9" is not a model version in this file',
    });
    expect(
      (await refusal(edit(bytes, 'monitorWindows', '"modelId":"p1/model"', '"modelId":"p1/v9"')))
        .table,
    ).toBe('monitorWindows');
    expect(
      (await refusal(edit(bytes, 'predictions', '"label":"stay"', '"label":"maybe"'))).reason,
    ).toBe(`"label" "maybe" is not one of the project's classes`);
  });

  it('accepts predictions of a version the registry deleted (its audit log says so)', async () => {
    const rows = buildProjectRows();
    rows.predictions[0]!.modelId = 'p1/deleted';
    const bytes = await exportBytes(rows);
    expect(await outcome(bytes)).not.toBe('accepted');
    rows.events.push({
      seq: 100,
      projectId: 'p1',
      kind: 'registry.delete',
      at: 1,
      actor: 'ada',
      detail: { modelId: 'p1/deleted', version: 2, runId: 'p1/run' },
    });
    expect(await outcome(await exportBytes(rows))).toBe('accepted');
  });
});

describe('a truncated file', () => {
  it('is reported as damaged and truncated, not as some other kind of file', async () => {
    const bytes = await exportBytes();
    for (const keep of [0.9, 0.5, 0.02]) {
      const cut = bytes.slice(0, Math.floor(bytes.length * keep));
      const got = await outcome(cut);
      expect(got).toMatchObject({ kind: 'damaged' });
      expect(describeWorkspaceError(got as WorkspaceError)).toMatch(/truncated/);
    }
    // Text that merely ends early is still not a workspace.
    expect(await outcome(strToU8('name,age\nada,'))).toMatchObject({ kind: 'not-a-workspace' });
  });
});
