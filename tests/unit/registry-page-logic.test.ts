// Pure helpers behind the Models page: the safe Markdown reader of model cards, audit sentences,
// tags, annotators, and the TF.js export's files.
import { unzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { AnnotationRecord } from '../../src/persistence/schema';
import { describeRegistryEvent } from '../../src/registry/audit';
import { EXPORT_FILES, versionExportName, versionExportZip } from '../../src/registry/export';
import { parseInline, parseMarkdown, splitRow } from '../../src/registry/markdown';
import { codeSpan, escapeMarkdown } from '../../src/registry/model-card';
import { annotatorsOf, parseTags } from '../../src/registry/register';

describe('markdown reader', () => {
  it('reads headings, lists, tables and paragraphs', () => {
    const blocks = parseMarkdown(
      '# Title\n\n- **Version:** 2\n- plain\n\n| A | B |\n| --- | --- |\n| 1 | `x|y` |\n\nSome text  \nmore',
    );
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'list', 'table', 'paragraph']);
    expect(blocks[1]).toEqual({
      kind: 'list',
      items: [
        [
          { kind: 'strong', children: [{ kind: 'text', text: 'Version:' }] },
          { kind: 'text', text: ' 2' },
        ],
        [{ kind: 'text', text: 'plain' }],
      ],
    });
    expect(blocks[2]).toMatchObject({
      kind: 'table',
      rows: [[[{ kind: 'text', text: '1' }], [{ kind: 'code', text: 'x|y' }]]],
    });
  });

  it('round-trips what the card escapes: user text stays literal text', () => {
    const nasty = '<img src=x onerror=alert(1)> **bold** `tick` | pipe & # [link](http://x) \\ end';
    const nodes = parseInline(escapeMarkdown(nasty));
    expect(nodes).toEqual([{ kind: 'text', text: nasty }]);
    expect(parseInline(codeSpan('a ``b`` c'))).toEqual([{ kind: 'code', text: 'a ``b`` c' }]);
    // A heading made from escaped text is still one text node.
    expect(parseMarkdown(`# ${escapeMarkdown('# not a heading')}`)[0]).toEqual({
      kind: 'heading',
      level: 1,
      content: [{ kind: 'text', text: '# not a heading' }],
    });
  });

  it('splits table rows on unescaped pipes outside code', () => {
    expect(splitRow('| a \\| b | `c | d` | e |')).toEqual(['a \\| b', '`c | d`', 'e']);
  });

  it('shows what it does not understand as text, and never loops on a lone pipe line', () => {
    expect(parseMarkdown('| not a table\nnext')).toEqual([
      { kind: 'paragraph', content: [{ kind: 'text', text: '| not a table\nnext' }] },
    ]);
    expect(parseInline('**open')).toEqual([{ kind: 'text', text: '**open' }]);
  });
});

describe('audit sentences', () => {
  it('says what happened to which version', () => {
    expect(
      describeRegistryEvent({ kind: 'registry.promote', detail: { version: 2, fromVersion: 1 } }),
    ).toBe('Promoted version 2 to champion through the gate (was version 1).');
    expect(
      describeRegistryEvent({
        kind: 'registry.promote',
        detail: { version: 1, fromVersion: null },
      }),
    ).toBe('Promoted version 1 to champion (first champion).');
    expect(
      describeRegistryEvent({
        kind: 'registry.override',
        detail: { version: 3, reason: 'urgent fix' },
      }),
    ).toMatch(/override\)\. Reason: urgent fix$/);
    expect(
      describeRegistryEvent({
        kind: 'registry.rollback',
        detail: { version: 1, fromVersion: 2, reason: 'bad' },
      }),
    ).toBe('Rolled the champion back from version 2 to version 1. Reason: bad');
  });
});

describe('register helpers', () => {
  it('parses tags', () => {
    expect(parseTags(' a, b ,, a,c ')).toEqual(['a', 'b', 'c']);
  });

  it('lists annotators who set labels, not suggestions or undone entries', () => {
    const e = (
      seq: number,
      annotator: string,
      kind: AnnotationRecord['kind'],
      extra: Partial<AnnotationRecord> = {},
    ) => ({
      seq,
      projectId: 'p',
      itemId: `i${seq}`,
      label: 'x',
      annotator,
      sessionId: 's',
      kind,
      at: seq,
      ...extra,
    });
    expect(
      annotatorsOf([
        e(1, 'zoe', 'human'),
        e(2, 'model', 'suggestion'),
        e(3, 'bob', 'human'),
        e(4, 'bob', 'undo', { undoes: 3, label: null }),
        e(5, 'import', 'import'),
        e(6, 'amy', 'human', { label: null }),
      ]),
    ).toEqual(['import', 'zoe']);
  });
});

describe('version export', () => {
  const weights = {
    topology: { class_name: 'Sequential', config: { layers: [] } },
    weightSpecs: [{ name: 'dense/kernel', shape: [2, 3], dtype: 'float32' as const }],
    weightData: Float32Array.from([1, 2, 3, 4, 5, 6]).buffer,
  };
  const version = {
    id: 'm1',
    version: 4,
    featurisation: { modality: 'tabular', featureDim: 2 },
    labels: { classIds: ['a', 'b', 'c'], classes: [] },
  };

  it('zips model.json, weights.bin, featurisation, labels and the card', () => {
    const files = unzipSync(versionExportZip({ version, weights, card: '# Card\n' }));
    // A layers (TF.js) version: no boosted-trees files.
    const { trees: _trees, treeInputs: _treeInputs, ...layersFiles } = EXPORT_FILES;
    expect(Object.keys(files).sort()).toEqual(Object.values(layersFiles).sort());
    const model = JSON.parse(strFromU8(files['model.json']!)) as Record<string, unknown>;
    expect(model).toMatchObject({
      format: 'layers-model',
      modelTopology: weights.topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: weights.weightSpecs }],
    });
    expect([...new Float32Array(files['weights.bin']!.slice().buffer)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(JSON.parse(strFromU8(files['labels.json']!))).toEqual(version.labels);
    expect(strFromU8(files['MODEL_CARD.md']!)).toBe('# Card\n');
  });

  it('refuses weights that do not match their manifest', () => {
    expect(() =>
      versionExportZip({
        version,
        weights: { ...weights, weightData: new ArrayBuffer(8) },
        card: '',
      }),
    ).toThrow(/manifest describes 24/);
  });

  it('names the file safely', () => {
    expect(versionExportName('Penguins / ä demo!', 3)).toBe('penguins-a-demo-v3-tfjs.zip');
  });
});
