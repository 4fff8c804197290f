import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import golden from '../fixtures/golden/workspace-golden.json';
import type { AnnotationRecord, Project } from '../../src/persistence/schema';
import { agreementOf, planMerge } from '../../src/workspace/merge';
import { buildSession, itemDigests, parseSession } from '../../src/workspace/session';
import {
  currentLabelRows,
  float32Shortest,
  labelStudioItemData,
  labelStudioTasks,
  labelsCsv,
  labelsJsonl,
  mlflowZip,
} from '../../src/workspace/standard-exports';
import { buildProjectRows } from './workspace-builders';

const project: Project = {
  id: 'p',
  name: 'Pets',
  modality: 'image',
  classes: golden.classes.map((c, i) => ({
    id: c,
    name: c.toUpperCase(),
    hotkey: String(i + 1),
    color: '#000',
  })),
  targetColumn: null,
  imageSize: 28,
  seed: 1,
  createdAt: 0,
  updatedAt: 0,
};

function goldenLog(): AnnotationRecord[] {
  const log: AnnotationRecord[] = [];
  let seq = 1;
  for (const [annotator, labels] of Object.entries(golden.annotators)) {
    labels.forEach((label, i) => {
      if (label === null) return;
      // A wrong label first, then undone: agreement must use the label that stands.
      if (i % 7 === 0) {
        log.push({
          seq,
          projectId: 'p',
          itemId: `i${i}`,
          label: golden.classes[(label + 1) % 3]!,
          annotator,
          sessionId: annotator,
          kind: 'human',
          at: seq,
        });
        log.push({
          seq: seq + 1,
          projectId: 'p',
          itemId: `i${i}`,
          label: null,
          annotator,
          sessionId: annotator,
          kind: 'undo',
          at: seq + 1,
          undoes: seq,
        });
        seq += 2;
      }
      log.push({
        seq: seq++,
        projectId: 'p',
        itemId: `i${i}`,
        label: golden.classes[label]!,
        annotator,
        sessionId: annotator,
        kind: 'human',
        at: seq,
      });
    });
  }
  // Suggestions are the model's, not an annotator's: they never count.
  log.push({
    seq: seq++,
    projectId: 'p',
    itemId: 'i0',
    label: 'cat',
    annotator: 'model',
    sessionId: 'm',
    kind: 'suggestion',
    at: seq,
  });
  return log;
}

describe('agreement between annotators (golden: scikit-learn and the definitions)', () => {
  it("gives Cohen's κ per pair, Fleiss' κ across three and κ per class", () => {
    const a = agreementOf(project, goldenLog());
    expect(a.annotators).toEqual(['ada', 'bob', 'cy']);
    expect(a.pairs).toHaveLength(3);
    a.pairs.forEach((p, i) => {
      const g = golden.pairs[i]!;
      expect([p.a, p.b, p.items]).toEqual([g.a, g.b, g.items]);
      expect(p.observed).toBeCloseTo(g.observed, 12);
      expect(p.kappa).toBeCloseTo(g.kappa, 12);
    });
    expect(a.fleiss?.items).toBe(golden.fleiss.items);
    expect(a.fleiss?.raters).toBe(3);
    expect(a.fleiss?.kappa).toBeCloseTo(golden.fleiss.kappa, 12);
    a.perClass.forEach((c, j) => expect(c.kappa).toBeCloseTo(golden.perClass[j]!, 12));
  });

  it('lists every item the annotators disagree on, with any adjudication', () => {
    const log = goldenLog();
    const a = agreementOf(project, log);
    const disagree = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const given = Object.values(golden.annotators)
        .map((l) => l[i])
        .filter((x) => x !== null);
      if (new Set(given).size > 1) disagree.add(i);
    }
    expect(a.conflicts.map((c) => c.itemId).sort()).toEqual(
      [...disagree].map((i) => `i${i}`).sort(),
    );
    const first = a.conflicts[0]!;
    log.push({
      seq: 10_000,
      projectId: 'p',
      itemId: first.itemId,
      label: 'dog',
      annotator: 'lead',
      sessionId: 'adj',
      kind: 'adjudication',
      at: 1,
    });
    const after = agreementOf(project, log);
    expect(after.conflicts.find((c) => c.itemId === first.itemId)?.adjudicated).toBe('dog');
    // The adjudicator is not an annotator of the agreement table.
    expect(after.annotators).toEqual(['ada', 'bob', 'cy']);
  });
});

describe('two tabs under one annotator name (issue 18.8)', () => {
  let seq = 0;
  const entry = (
    itemId: string,
    label: string,
    sessionId: string,
    at: number,
  ): AnnotationRecord => ({
    seq: ++seq,
    projectId: 'p',
    itemId,
    label,
    annotator: 'ada',
    sessionId,
    kind: 'human',
    at,
  });

  it('shows items two concurrent sessions labelled differently; a later correction is none', () => {
    const [cat, dog] = [project.classes[0]!.id, project.classes[1]!.id];
    const log = [
      // Two tabs open at once (their activity overlaps): x labelled both ways, y alike.
      entry('x', cat, 'tab-a', 100),
      entry('y', cat, 'tab-a', 110),
      entry('x', dog, 'tab-b', 105),
      entry('y', cat, 'tab-b', 120),
      // A page load the next day changes z: a correction, not a second person.
      entry('z', cat, 'tab-a', 130),
      entry('z', dog, 'day-2', 90_000_000),
    ];
    const a = agreementOf(project, log);
    expect(a.annotators).toEqual(['ada']);
    expect(a.conflicts).toEqual([
      {
        itemId: 'x',
        labels: [
          { annotator: 'ada (session …tab-a)', label: cat },
          { annotator: 'ada (session …tab-b)', label: dog },
        ],
        adjudicated: null,
      },
    ]);
  });
});

describe('annotation sessions', () => {
  const rows = buildProjectRows('p', 6);
  const tabular: Project = { ...rows.projects[0]!, id: 'p' };

  it('round-trips one annotator through a session file and merges it with undo and mismatches', async () => {
    const digests = await itemDigests(rows);
    expect(digests.size).toBe(6);
    const ids = [...digests.keys()];
    const bobLog: AnnotationRecord[] = [
      {
        seq: 5,
        projectId: 'p',
        itemId: ids[0]!,
        label: 'stay',
        annotator: 'bob',
        sessionId: 'sb',
        kind: 'human',
        at: 1,
      },
      {
        seq: 6,
        projectId: 'p',
        itemId: ids[1]!,
        label: 'churn',
        annotator: 'bob',
        sessionId: 'sb',
        kind: 'human',
        at: 2,
      },
      {
        seq: 7,
        projectId: 'p',
        itemId: ids[1]!,
        label: null,
        annotator: 'bob',
        sessionId: 'sb',
        kind: 'undo',
        at: 3,
        undoes: 6,
      },
      {
        seq: 8,
        projectId: 'p',
        itemId: ids[2]!,
        label: 'stay',
        annotator: 'bob',
        sessionId: 'sb',
        kind: 'human',
        at: 4,
      },
      {
        seq: 9,
        projectId: 'p',
        itemId: ids[3]!,
        label: 'stay',
        annotator: 'bob',
        sessionId: 'sb',
        kind: 'human',
        at: 5,
      },
    ];
    const session = buildSession(tabular, bobLog, 'bob', digests, { appVersion: 't', now: 0 });
    // The item whose content differs on the other machine, and one that does not exist here.
    session.items.find((i) => i.id === ids[2])!.digest = '0'.repeat(64);
    session.items.push({ id: 'ghost', digest: '1'.repeat(64) });
    session.events.push({
      seq: 99,
      itemId: 'ghost',
      label: 'stay',
      sessionId: 'sb',
      kind: 'human',
      at: 9,
    });
    const parsed = parseSession(JSON.stringify(session));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;

    const local: AnnotationRecord[] = [
      {
        seq: 1,
        projectId: 'p',
        itemId: ids[0]!,
        label: 'churn',
        annotator: 'ada',
        sessionId: 'sa',
        kind: 'human',
        at: 1,
      },
      {
        seq: 2,
        projectId: 'p',
        itemId: ids[3]!,
        label: 'stay',
        annotator: 'ada',
        sessionId: 'sa',
        kind: 'human',
        at: 1,
      },
    ];
    const plan = planMerge(tabular, local, digests, [parsed.value]);
    expect(plan.sessions[0]!.mismatches).toEqual([
      { itemId: ids[2], reason: 'content-differs' },
      { itemId: 'ghost', reason: 'unknown-item' },
    ]);
    expect(plan.append.map((e) => [e.itemId, e.label, e.kind, e.undoesIndex])).toEqual([
      [ids[0], 'stay', 'human', undefined],
      [ids[1], 'churn', 'human', undefined],
      [ids[1], null, 'undo', 1],
      [ids[3], 'stay', 'human', undefined],
    ]);
    expect(plan.pairs).toEqual([
      { a: 'ada', b: 'bob', items: 2, observed: 0.5, kappa: expect.any(Number) as number },
    ]);
    expect(plan.conflicts.map((c) => c.itemId)).toEqual([ids[0]]);
    // Merging the same session twice adds nothing.
    const merged = [
      ...local,
      ...plan.append.map((e, i) => ({ ...e, seq: 10 + i })),
    ] as AnnotationRecord[];
    const again = planMerge(tabular, merged, digests, [parsed.value]);
    expect(again.sessions[0]!.alreadyMerged).toBe(true);
    expect(again.append).toEqual([]);
  });

  it('refuses hostile or broken session files with typed errors', () => {
    const ok = {
      format: 'inloop-annotation-session',
      formatVersion: 1,
      appVersion: 't',
      createdAt: 0,
      project: { id: 'p', name: 'P', classes: [] },
      annotator: 'bob',
      items: [{ id: 'a', digest: '' }],
      events: [] as unknown[],
    };
    const kind = (v: unknown) => {
      const r = parseSession(typeof v === 'string' ? v : JSON.stringify(v));
      return r.ok ? 'ok' : r.error.kind;
    };
    expect(kind(ok)).toBe('ok');
    expect(kind('{')).toBe('invalid-json');
    expect(kind({ ...ok, formatVersion: 2 })).toBe('newer-format');
    expect(kind({ ...ok, format: 'other' })).toBe('wrong-format');
    expect(
      kind({
        ...ok,
        events: [{ seq: 1, itemId: 'b', label: 'x', sessionId: 's', kind: 'human', at: 0 }],
      }),
    ).toBe('invalid-record');
    expect(
      kind({
        ...ok,
        events: [
          { seq: 1, itemId: 'a', label: 'x', sessionId: 's', kind: 'human', at: 0, undoes: 5 },
        ],
      }),
    ).toBe('invalid-record');
    expect(kind('{"__proto__":{"polluted":1},"format":"inloop-annotation-session"}')).toBe(
      'invalid-manifest',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('standard exports', () => {
  const rows = buildProjectRows('p', 6);
  const p = rows.projects[0]!;

  it('writes current labels as CSV and JSON Lines (undone labels left out, formulas defused)', () => {
    const log: AnnotationRecord[] = [
      ...rows.annotations,
      {
        seq: 20,
        projectId: 'p',
        itemId: '=cmd()',
        label: 'stay',
        annotator: 'a,b',
        sessionId: 's',
        kind: 'human',
        at: 0,
      },
    ];
    const labelRows = currentLabelRows(p, log);
    expect(labelRows.map((r) => [r.itemId, r.label])).toEqual([
      ['=cmd()', 'stay'],
      ['p/src#0', 'churn'],
      ['p/src#2', 'stay'],
    ]);
    const csv = labelsCsv(labelRows).split('\n');
    expect(csv[0]).toBe('item_id,label,label_name,annotator,kind,labelled_at');
    expect(csv[1]).toBe(`'=cmd(),stay,Stays,"a,b",human,1970-01-01T00:00:00.000Z`);
    expect(JSON.parse(labelsJsonl(labelRows).split('\n')[1]!)).toMatchObject({
      item_id: 'p/src#0',
      label: 'churn',
      label_name: 'Churns',
    });
  });

  it('writes Label Studio tasks with choices annotations', () => {
    const { tasks, labelConfig } = labelStudioTasks(
      p,
      currentLabelRows(p, rows.annotations),
      new Map([['p/src#0', { age: 0 }]]),
    );
    expect(tasks[0]).toEqual({
      id: 1,
      data: { item_id: 'p/src#0', age: 0 },
      annotations: [
        {
          result: [
            {
              from_name: 'label',
              to_name: 'item',
              type: 'choices',
              value: { choices: ['Churns'] },
            },
          ],
          // Label Studio's own exports write the user's integer id, not a name.
          completed_by: 1,
          created_at: '2023-11-14T22:13:20.000Z',
        },
      ],
    });
    expect(labelConfig).toContain('<Choices name="label" toName="item" choice="single">');
  });

  it('numbers Label Studio users in name order and lists who each id is', () => {
    const labelRows = currentLabelRows(p, rows.annotations).map((r, i) => ({
      ...r,
      annotator: ['zoe', 'ada', 'zoe'][i % 3]!,
    }));
    const { tasks, annotators } = labelStudioTasks(p, labelRows);
    expect(annotators).toEqual([
      { id: 1, name: 'ada' },
      { id: 2, name: 'zoe' },
    ]);
    for (const [i, t] of tasks.entries()) {
      const id = t.annotations[0]!.completed_by;
      expect(Number.isInteger(id)).toBe(true);
      expect(annotators.find((a) => a.id === id)!.name).toBe(labelRows[i]!.annotator);
    }
  });

  it('writes float32 columns with the decimals of the source (39.1, not 39.099998474121094)', () => {
    // Values as a CSV holds them; the chunk stores their float32s.
    const source = [39.1, 0.1, 181, -3.75, 1e-7, 3.4028234663852886e38, 16777217, 0.30000001];
    const stored = Float32Array.from(source);
    expect(stored[0]).not.toBe(39.1); // the float32 widened to a double prints 39.099998474121094
    const ids = source.map((_, i) => `p/src#${i}`);
    const data = labelStudioItemData(
      p,
      [
        {
          sourceId: 'p/src',
          index: 0,
          rowStart: 0,
          rowCount: source.length,
          itemIds: ids,
          columns: {
            bill: {
              kind: 'f32',
              values: stored,
              missing: Uint8Array.from(source, (_, i) => (i === 3 ? 1 : 0)),
            },
          },
        },
      ],
      new Set(ids),
    );
    expect(ids.map((id) => data.get(id)!.bill)).toEqual([
      39.1,
      0.1,
      181,
      null,
      1e-7,
      3.4028235e38,
      // 16777217 has no float32; the nearest is 16777216, written as such.
      16777216,
      // 0.30000001 and 0.3 are the same float32: the shortest is written.
      0.3,
    ]);
    for (const [i, id] of ids.entries()) {
      const v = data.get(id)!.bill;
      if (v !== null) expect(Math.fround(v as number)).toBe(stored[i]);
    }
    expect(float32Shortest(NaN)).toBeNaN();
  });

  it("writes runs in MLflow's file-store layout", async () => {
    const zip = unzipSync(
      await mlflowZip(p, rows.runs, new Map(rows.modelWeights.map((w) => [w.modelId, w]))),
    );
    const paths = Object.keys(zip);
    const runDir = paths
      .find((x) => x.endsWith('/meta.yaml') && x.split('/').length === 4)!
      .split('/')
      .slice(0, 3)
      .join('/');
    expect(runDir).toMatch(/^mlruns\/1\/[0-9a-f]{32}$/);
    expect(strFromU8(zip['mlruns/1/meta.yaml']!)).toContain("name: 'Churn'");
    const meta = strFromU8(zip[`${runDir}/meta.yaml`]!);
    expect(meta).toContain('status: 3');
    expect(meta).toContain(`run_id: ${runDir.split('/')[2]}`);
    expect(strFromU8(zip[`${runDir}/params/epochs`]!)).toBe('3');
    expect(strFromU8(zip[`${runDir}/params/hidden`]!)).toBe('[16,8]');
    expect(strFromU8(zip[`${runDir}/metrics/loss`]!).trim().split('\n')).toEqual([
      '1700000000333 0.7 0',
      '1700000000667 0.5 1',
      '1700000001000 0.4 2',
    ]);
    expect(strFromU8(zip[`${runDir}/metrics/accuracy`]!)).toBe('1700000001000 0.8 0\n');
    expect(strFromU8(zip[`${runDir}/tags/mlflow.runName`]!)).toBe('p/run');
    expect(paths).toContain(`${runDir}/artifacts/model/model.json`);
  });
});
