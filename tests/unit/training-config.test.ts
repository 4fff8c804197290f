import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  configHash,
  describeTrainConfigError,
  PRESETS,
  presetConfig,
  trainConfigErrors,
  validateTrainConfig,
  type TrainConfig,
  type TrainConfigError,
} from '../../src/training/config';
import { MODALITIES } from '../../src/projects/types';

const base = (): TrainConfig => presetConfig('tabular', 'balanced', 42);

function firstError(patch: Partial<TrainConfig>, from: TrainConfig = base()): TrainConfigError {
  const r = validateTrainConfig({ ...from, ...patch });
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('presets', () => {
  it('every preset of every modality is valid and labelled with its own names', () => {
    for (const modality of MODALITIES) {
      for (const preset of ['fast', 'balanced', 'thorough'] as const) {
        const c = PRESETS[modality][preset];
        expect(c.modality).toBe(modality);
        expect(c.preset).toBe(preset);
        expect(trainConfigErrors(c), `${modality}/${preset}`).toEqual([]);
      }
    }
  });

  it('presetConfig copies deeply and sets the seed', () => {
    const c = presetConfig('text', 'fast', 7);
    expect(c.seed).toBe(7);
    c.hiddenUnits.push(3);
    expect(PRESETS.text.fast.hiddenUnits).toEqual([]);
  });
});

describe('validateTrainConfig', () => {
  it('accepts a valid config as it is', () => {
    const c = base();
    const r = validateTrainConfig(c);
    expect(r.ok && r.value).toBe(c);
  });

  it('reports each out-of-range parameter as a typed error', () => {
    expect(firstError({ epochs: 0 })).toMatchObject({ kind: 'out-of-range', field: 'epochs' });
    expect(firstError({ epochs: 2.5 })).toMatchObject({ kind: 'not-an-integer', field: 'epochs' });
    expect(firstError({ batchSize: 10000 })).toMatchObject({ field: 'batchSize', max: 4096 });
    expect(firstError({ learningRate: 0 })).toMatchObject({
      kind: 'out-of-range',
      field: 'learningRate',
      minInclusive: false,
    });
    expect(firstError({ learningRate: NaN })).toMatchObject({ kind: 'not-a-number' });
    expect(firstError({ weightDecay: -1 })).toMatchObject({ field: 'weightDecay' });
    expect(firstError({ dropout: 0.95 })).toMatchObject({ field: 'dropout' });
    expect(firstError({ seed: -1 })).toMatchObject({ field: 'seed' });
    expect(firstError({ hiddenUnits: [64, 0] })).toMatchObject({ field: 'hiddenUnits', value: 0 });
    expect(firstError({ hiddenUnits: new Array<number>(9).fill(8) })).toMatchObject({
      kind: 'too-many-layers',
    });
    expect(
      firstError({ earlyStopping: { metric: 'val_loss', patience: 0, minDelta: 0 } }),
    ).toMatchObject({ field: 'earlyStopping.patience' });
    expect(firstError({ optimizer: 'adagrad' as never })).toMatchObject({
      kind: 'invalid-choice',
      field: 'optimizer',
    });
  });

  it('checks modality-specific options', () => {
    expect(firstError({ textDim: 1024 })).toMatchObject({
      kind: 'option-not-for-modality',
      field: 'textDim',
    });
    const text = presetConfig('text', 'balanced', 1);
    expect(firstError({ textDim: 8 }, text)).toMatchObject({ field: 'textDim' });
    expect(firstError({ charNgrams: [5, 3] }, text)).toMatchObject({
      kind: 'invalid-range-order',
    });
    const image = presetConfig('image', 'fast', 1);
    expect(firstError({ augment: { flip: true, shift: 0.9 } }, image)).toMatchObject({
      field: 'augment.shift',
    });
    expect(firstError({ convFilters: [] }, image)).toMatchObject({ kind: 'empty-conv-filters' });
    expect(validateTrainConfig({ ...text, earlyStopping: null }).ok).toBe(true);
  });

  it('lists every problem at once for a form', () => {
    const errors = trainConfigErrors({ ...base(), epochs: 0, dropout: 2, batchSize: 0 });
    expect(errors.map((e) => ('field' in e ? e.field : e.kind))).toEqual([
      'epochs',
      'batchSize',
      'dropout',
    ]);
  });

  it('describes every error kind in a sentence', () => {
    const errors: TrainConfigError[] = [
      { kind: 'not-a-number', field: 'epochs', value: 'x' },
      { kind: 'not-an-integer', field: 'epochs', value: 1.5 },
      {
        kind: 'out-of-range',
        field: 'learningRate',
        value: 0,
        min: 0,
        max: 1,
        minInclusive: false,
      },
      { kind: 'invalid-choice', field: 'optimizer', value: 'x', allowed: ['adam', 'sgd'] },
      { kind: 'too-many-layers', field: 'hiddenUnits', count: 9, max: 8 },
      { kind: 'empty-conv-filters' },
      { kind: 'invalid-range-order', field: 'charNgrams', min: 5, max: 3 },
      { kind: 'option-not-for-modality', field: 'textDim', modality: 'image' },
    ];
    for (const e of errors) expect(describeTrainConfigError(e)).toMatch(/\.$/);
    expect(describeTrainConfigError(errors[2]!)).toBe(
      'Learning rate must be greater than 0 and at most 1 (got 0).',
    );
  });
});

describe('configHash', () => {
  it('is the SHA-256 of canonical JSON, independent of key order', async () => {
    expect(canonicalJson({ b: 1, a: [1, { d: null, c: 'x' }], u: undefined })).toBe(
      '{"a":[1,{"c":"x","d":null}],"b":1}',
    );
    const c = base();
    const reordered = Object.fromEntries(Object.entries(c).reverse()) as unknown as TrainConfig;
    const h = await configHash(c);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await configHash(reordered)).toBe(h);
    expect(await configHash({ ...c, seed: 43 })).not.toBe(h);
  });

  it('matches a known SHA-256', async () => {
    // sha256('{"a":1}') — canonicalJson of { a: 1 }.
    expect(await configHash({ a: 1 } as unknown as TrainConfig)).toBe(
      '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });
});
