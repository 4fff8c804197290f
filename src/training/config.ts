// Training configuration: the presets per modality, validation of user-edited values (each bad
// parameter a typed error the UI turns into a sentence), and a canonical hash stored with every
// run so that two runs with the same config are recognisably the same. Pure TypeScript; the page
// and the ML worker both import it (crypto.subtle exists in both).
import type { Modality } from '../projects/types';
import { assertNever, err, ok, type Result } from '../lib/result';
import type { ImageAugment } from './featurize-types';

export type TrainPreset = 'fast' | 'balanced' | 'thorough';
export const TRAIN_PRESETS: readonly TrainPreset[] = ['fast', 'balanced', 'thorough'];

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';
export const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'sgd', 'rmsprop'];

/**
 * How labelled items are split into train / validation / test. `random`: stratified by a stable
 * hash of the item id (src/data/splits.ts). `time`: by the source's time column, oldest to train,
 * then validation, newest to test, so the test score says how the model does on data newer than
 * anything it saw (a random split of time-ordered data lets the future leak into training).
 */
export type SplitBy = 'random' | 'time';
export const SPLIT_BY: readonly SplitBy[] = ['random', 'time'];

export type ClassWeighting = 'none' | 'balanced';
export const CLASS_WEIGHTINGS: readonly ClassWeighting[] = ['none', 'balanced'];

/**
 * The kind of model a run fits. `network`: a TF.js network trained from random weights (MLP, CNN,
 * linear softmax on hashed text). `linear`: multinomial logistic regression solved exactly in the
 * worker (L-BFGS, src/learners/logistic-regression.ts) and served as a one-layer TF.js softmax
 * model. `boosted-trees`: histogram gradient boosting (tabular only, src/learners/hist-gbdt).
 * `auto`: tries the families that fit the data and the time budget and keeps the best by
 * validation log-loss (then macro-F1), recording every trial on the run.
 */
export type ModelFamily = 'auto' | 'linear' | 'boosted-trees' | 'network';
export const MODEL_FAMILIES: readonly ModelFamily[] = [
  'auto',
  'linear',
  'boosted-trees',
  'network',
];

/** Families a modality can train (boosted trees need tabular columns). */
export function familiesFor(modality: Modality): readonly ModelFamily[] {
  return modality === 'tabular' ? MODEL_FAMILIES : ['auto', 'linear', 'network'];
}

export type EarlyStoppingMetric = 'val_loss' | 'val_macro_f1';
export const EARLY_STOPPING_METRICS: readonly EarlyStoppingMetric[] = ['val_loss', 'val_macro_f1'];

export interface EarlyStopping {
  metric: EarlyStoppingMetric;
  /** Epochs without an improvement of at least `minDelta` before training stops. */
  patience: number;
  minDelta: number;
}

export interface TrainConfig {
  modality: Modality;
  /** Absent in runs recorded before the exact learners: those were all `network`. */
  family?: ModelFamily;
  /** Linear: inverse L2 strength, as scikit-learn's `C` (absent: 1, or chosen by Auto). */
  C?: number;
  /** The preset the values started from; the advanced panel may have changed them since. */
  preset: TrainPreset;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** L2 penalty on dense/conv kernels (added to the loss, as Keras' kernel regularizer). */
  weightDecay: number;
  /** Dropout rate after each hidden layer. */
  dropout: number;
  /** Dense hidden layers; `[]` gives a linear (softmax regression) model. */
  hiddenUnits: number[];
  /** `balanced`: class weight n / (K · n_k), as sklearn's `class_weight='balanced'`. */
  classWeighting: ClassWeighting;
  earlyStopping: EarlyStopping | null;
  /** Seeds shuffling, dropout and weight initialisation. Unsigned 32-bit integer. */
  seed: number;
  /** Image: filters of each conv block (conv 3×3 + ReLU + max-pool 2×2). */
  convFilters?: number[];
  /**
   * Text: scikit-learn's TfidfVectorizer over a vocabulary learned from the pool (`vocabulary`,
   * the default: one feature per word or bigram), or the hashing vectoriser (`hashing`, for huge
   * vocabularies; `textDim` buckets). Absent in runs recorded before the vocabulary: hashing.
   */
  textFeatures?: 'vocabulary' | 'hashing';
  /** Text: hash buckets of the hashing TF-IDF vectoriser. */
  textDim?: number;
  /** Text: char_wb n-gram range, or null for words only. */
  charNgrams?: [number, number] | null;
  /** Image: training-time augmentation. */
  augment?: ImageAugment;
  /** How the labelled items are split (absent: `random`, as every run before this option). */
  splitBy?: SplitBy;
}

// ---------------------------------------------------------------------------------------------
// Presets. Every preset starts on the Auto family (the exact learners first: a first model in
// seconds on any machine); the network settings below apply when the user picks Network. Sized for in-browser training on the demo projects: `fast` answers in seconds on a
// laptop CPU, `balanced` is the default, `thorough` trades minutes for the last points of accuracy.

const SEED_PLACEHOLDER = 0;

export const PRESETS: Record<Modality, Record<TrainPreset, TrainConfig>> = {
  tabular: {
    fast: {
      modality: 'tabular',
      preset: 'fast',
      family: 'auto',
      epochs: 30,
      batchSize: 32,
      learningRate: 0.01,
      optimizer: 'adam',
      weightDecay: 0,
      dropout: 0,
      hiddenUnits: [32],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 5, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
    },
    balanced: {
      modality: 'tabular',
      preset: 'balanced',
      family: 'auto',
      epochs: 100,
      batchSize: 32,
      learningRate: 0.005,
      optimizer: 'adam',
      weightDecay: 1e-4,
      dropout: 0.1,
      hiddenUnits: [64, 32],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 10, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
    },
    thorough: {
      modality: 'tabular',
      preset: 'thorough',
      family: 'auto',
      epochs: 300,
      batchSize: 32,
      learningRate: 0.003,
      optimizer: 'adam',
      weightDecay: 1e-4,
      dropout: 0.2,
      hiddenUnits: [128, 64],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 20, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
    },
  },
  image: {
    fast: {
      modality: 'image',
      preset: 'fast',
      family: 'auto',
      epochs: 5,
      batchSize: 32,
      learningRate: 0.001,
      optimizer: 'adam',
      weightDecay: 0,
      dropout: 0.1,
      hiddenUnits: [64],
      convFilters: [8, 16],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 2, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      augment: { flip: false, shift: 0 },
    },
    balanced: {
      modality: 'image',
      preset: 'balanced',
      family: 'auto',
      epochs: 15,
      batchSize: 32,
      learningRate: 0.001,
      optimizer: 'adam',
      weightDecay: 1e-4,
      dropout: 0.25,
      hiddenUnits: [128],
      convFilters: [16, 32],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 4, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      augment: { flip: false, shift: 0.1 },
    },
    thorough: {
      modality: 'image',
      preset: 'thorough',
      family: 'auto',
      epochs: 40,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      weightDecay: 1e-4,
      dropout: 0.3,
      hiddenUnits: [128],
      convFilters: [32, 64, 64],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 8, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      augment: { flip: false, shift: 0.1 },
    },
  },
  text: {
    fast: {
      modality: 'text',
      preset: 'fast',
      family: 'auto',
      textFeatures: 'vocabulary',
      epochs: 10,
      batchSize: 32,
      learningRate: 0.01,
      optimizer: 'adam',
      weightDecay: 0,
      dropout: 0,
      hiddenUnits: [],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 3, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      textDim: 4096,
      charNgrams: null,
    },
    balanced: {
      modality: 'text',
      preset: 'balanced',
      family: 'auto',
      textFeatures: 'vocabulary',
      epochs: 20,
      batchSize: 32,
      learningRate: 0.005,
      optimizer: 'adam',
      weightDecay: 1e-5,
      dropout: 0.2,
      hiddenUnits: [64],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 4, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      textDim: 16384,
      charNgrams: null,
    },
    thorough: {
      modality: 'text',
      preset: 'thorough',
      family: 'auto',
      textFeatures: 'vocabulary',
      epochs: 40,
      batchSize: 32,
      learningRate: 0.003,
      optimizer: 'adam',
      weightDecay: 1e-5,
      dropout: 0.3,
      hiddenUnits: [128],
      classWeighting: 'none',
      earlyStopping: { metric: 'val_loss', patience: 6, minDelta: 1e-4 },
      seed: SEED_PLACEHOLDER,
      textDim: 32768,
      charNgrams: [3, 5],
    },
  },
};

/** A deep copy of a preset with the given seed (usually the project's), safe to edit. */
export function presetConfig(modality: Modality, preset: TrainPreset, seed: number): TrainConfig {
  const copy = structuredClone(PRESETS[modality][preset]);
  copy.seed = seed;
  return copy;
}

/** The preset a new run starts from. */
export const DEFAULT_PRESET: TrainPreset = 'balanced';

// ---------------------------------------------------------------------------------------------
// Validation

/** Numeric parameters with a range; `integer` ones must also be whole numbers. */
export type TrainConfigNumberField =
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'weightDecay'
  | 'dropout'
  | 'seed'
  | 'hiddenUnits'
  | 'convFilters'
  | 'earlyStopping.patience'
  | 'earlyStopping.minDelta'
  | 'textDim'
  | 'charNgrams'
  | 'augment.shift'
  | 'C';

export type TrainConfigChoiceField =
  | 'modality'
  | 'preset'
  | 'optimizer'
  | 'classWeighting'
  | 'earlyStopping.metric'
  | 'family'
  | 'textFeatures'
  | 'splitBy';

interface NumberRule {
  min: number;
  max: number;
  /** Whether `min` itself is allowed (learning rate must be > 0). */
  minInclusive: boolean;
  integer: boolean;
}

/** Ranges of every numeric parameter; the advanced panel uses them for its inputs as well. */
export const TRAIN_CONFIG_LIMITS: Record<TrainConfigNumberField, NumberRule> = {
  epochs: { min: 1, max: 1000, minInclusive: true, integer: true },
  batchSize: { min: 1, max: 4096, minInclusive: true, integer: true },
  learningRate: { min: 0, max: 1, minInclusive: false, integer: false },
  weightDecay: { min: 0, max: 1, minInclusive: true, integer: false },
  // Dropout 1 would drop everything; 0.9 is already far beyond any useful rate.
  dropout: { min: 0, max: 0.9, minInclusive: true, integer: false },
  seed: { min: 0, max: 0xffffffff, minInclusive: true, integer: true },
  hiddenUnits: { min: 1, max: 4096, minInclusive: true, integer: true },
  convFilters: { min: 1, max: 512, minInclusive: true, integer: true },
  'earlyStopping.patience': { min: 1, max: 1000, minInclusive: true, integer: true },
  'earlyStopping.minDelta': { min: 0, max: 1, minInclusive: true, integer: false },
  // 2^18 buckets × batch 32 × 4 bytes = 32 MiB per dense batch: the most a browser tab should hold.
  textDim: { min: 16, max: 262144, minInclusive: true, integer: true },
  charNgrams: { min: 1, max: 8, minInclusive: true, integer: true },
  'augment.shift': { min: 0, max: 0.5, minInclusive: true, integer: false },
  C: { min: 0, max: 1e6, minInclusive: false, integer: false },
};

/** At most this many hidden layers / conv blocks. */
export const MAX_LAYERS = 8;

export type TrainConfigError =
  | { kind: 'not-a-number'; field: TrainConfigNumberField; value: unknown }
  | { kind: 'not-an-integer'; field: TrainConfigNumberField; value: number }
  | {
      kind: 'out-of-range';
      field: TrainConfigNumberField;
      value: number;
      min: number;
      max: number;
      minInclusive: boolean;
    }
  | {
      kind: 'invalid-choice';
      field: TrainConfigChoiceField;
      value: unknown;
      allowed: readonly string[];
    }
  | { kind: 'too-many-layers'; field: 'hiddenUnits' | 'convFilters'; count: number; max: number }
  | { kind: 'empty-conv-filters' }
  | { kind: 'invalid-range-order'; field: 'charNgrams'; min: number; max: number }
  | {
      kind: 'option-not-for-modality';
      field: 'textDim' | 'charNgrams' | 'augment' | 'convFilters' | 'textFeatures';
      modality: Modality;
    };

const MODALITY_NAMES: readonly Modality[] = ['tabular', 'image', 'text'];

function checkNumber(field: TrainConfigNumberField, value: unknown, out: TrainConfigError[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    out.push({ kind: 'not-a-number', field, value });
    return;
  }
  const rule = TRAIN_CONFIG_LIMITS[field];
  if (rule.integer && !Number.isInteger(value)) {
    out.push({ kind: 'not-an-integer', field, value });
    return;
  }
  const belowMin = rule.minInclusive ? value < rule.min : value <= rule.min;
  if (belowMin || value > rule.max) {
    out.push({
      kind: 'out-of-range',
      field,
      value,
      min: rule.min,
      max: rule.max,
      minInclusive: rule.minInclusive,
    });
  }
}

function checkChoice(
  field: TrainConfigChoiceField,
  value: unknown,
  allowed: readonly string[],
  out: TrainConfigError[],
): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    out.push({ kind: 'invalid-choice', field, value, allowed });
  }
}

function checkLayers(
  field: 'hiddenUnits' | 'convFilters',
  value: unknown,
  out: TrainConfigError[],
): void {
  if (!Array.isArray(value)) {
    out.push({ kind: 'not-a-number', field, value });
    return;
  }
  if (value.length > MAX_LAYERS) {
    out.push({ kind: 'too-many-layers', field, count: value.length, max: MAX_LAYERS });
  }
  for (const units of value as unknown[]) checkNumber(field, units, out);
}

/**
 * Every problem of a config, in field order (empty when valid): for a form that marks each
 * field. Defensive about runtime types, since configs also come from stored runs and files.
 */
export function trainConfigErrors(c: TrainConfig): TrainConfigError[] {
  const out: TrainConfigError[] = [];
  checkChoice('modality', c.modality, MODALITY_NAMES, out);
  if (c.family !== undefined) {
    const allowed = MODALITY_NAMES.includes(c.modality) ? familiesFor(c.modality) : MODEL_FAMILIES;
    checkChoice('family', c.family, allowed, out);
  }
  if (c.C !== undefined) checkNumber('C', c.C, out);
  checkChoice('preset', c.preset, TRAIN_PRESETS, out);
  checkNumber('epochs', c.epochs, out);
  checkNumber('batchSize', c.batchSize, out);
  checkNumber('learningRate', c.learningRate, out);
  checkChoice('optimizer', c.optimizer, OPTIMIZERS, out);
  checkNumber('weightDecay', c.weightDecay, out);
  checkNumber('dropout', c.dropout, out);
  checkLayers('hiddenUnits', c.hiddenUnits, out);
  checkChoice('classWeighting', c.classWeighting, CLASS_WEIGHTINGS, out);
  if (c.earlyStopping !== null) {
    checkChoice('earlyStopping.metric', c.earlyStopping.metric, EARLY_STOPPING_METRICS, out);
    checkNumber('earlyStopping.patience', c.earlyStopping.patience, out);
    checkNumber('earlyStopping.minDelta', c.earlyStopping.minDelta, out);
  }
  checkNumber('seed', c.seed, out);
  if (c.splitBy !== undefined) checkChoice('splitBy', c.splitBy, SPLIT_BY, out);

  if (c.convFilters !== undefined) {
    if (c.modality !== 'image') {
      out.push({ kind: 'option-not-for-modality', field: 'convFilters', modality: c.modality });
    } else if (Array.isArray(c.convFilters) && c.convFilters.length === 0) {
      out.push({ kind: 'empty-conv-filters' });
    } else {
      checkLayers('convFilters', c.convFilters, out);
    }
  }
  if (c.textFeatures !== undefined) {
    if (c.modality !== 'text') {
      out.push({ kind: 'option-not-for-modality', field: 'textFeatures', modality: c.modality });
    } else checkChoice('textFeatures', c.textFeatures, ['vocabulary', 'hashing'], out);
  }
  if (c.textDim !== undefined) {
    if (c.modality !== 'text') {
      out.push({ kind: 'option-not-for-modality', field: 'textDim', modality: c.modality });
    } else checkNumber('textDim', c.textDim, out);
  }
  if (c.charNgrams !== undefined && c.charNgrams !== null) {
    if (c.modality !== 'text') {
      out.push({ kind: 'option-not-for-modality', field: 'charNgrams', modality: c.modality });
    } else {
      const [lo, hi] = c.charNgrams;
      const before = out.length;
      checkNumber('charNgrams', lo, out);
      checkNumber('charNgrams', hi, out);
      if (out.length === before && lo > hi) {
        out.push({ kind: 'invalid-range-order', field: 'charNgrams', min: lo, max: hi });
      }
    }
  }
  if (c.augment !== undefined) {
    if (c.modality !== 'image') {
      out.push({ kind: 'option-not-for-modality', field: 'augment', modality: c.modality });
    } else checkNumber('augment.shift', c.augment.shift, out);
  }
  return out;
}

/** The config when it is valid, else its first problem (see `trainConfigErrors` for all). */
export function validateTrainConfig(c: TrainConfig): Result<TrainConfig, TrainConfigError> {
  const [first] = trainConfigErrors(c);
  return first === undefined ? ok(c) : err(first);
}

const FIELD_LABELS: Record<TrainConfigNumberField | TrainConfigChoiceField | 'augment', string> = {
  modality: 'Modality',
  preset: 'Preset',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  optimizer: 'Optimiser',
  weightDecay: 'Weight decay',
  dropout: 'Dropout',
  hiddenUnits: 'Hidden units',
  convFilters: 'Conv filters',
  classWeighting: 'Class weighting',
  'earlyStopping.metric': 'Early-stopping metric',
  'earlyStopping.patience': 'Early-stopping patience',
  'earlyStopping.minDelta': 'Early-stopping minimum improvement',
  seed: 'Seed',
  textDim: 'Text dimension',
  charNgrams: 'Character n-gram length',
  'augment.shift': 'Augmentation shift',
  augment: 'Augmentation',
  family: 'Model family',
  textFeatures: 'Text features',
  C: 'Regularisation C',
  splitBy: 'Split by',
};

/** One sentence for the UI. */
export function describeTrainConfigError(e: TrainConfigError): string {
  switch (e.kind) {
    case 'not-a-number':
      return `${FIELD_LABELS[e.field]} must be a number.`;
    case 'not-an-integer':
      return `${FIELD_LABELS[e.field]} must be a whole number (got ${e.value}).`;
    case 'out-of-range': {
      const range = e.minInclusive
        ? `between ${e.min} and ${e.max}`
        : `greater than ${e.min} and at most ${e.max}`;
      return `${FIELD_LABELS[e.field]} must be ${range} (got ${e.value}).`;
    }
    case 'invalid-choice':
      return `${FIELD_LABELS[e.field]} must be one of ${e.allowed.join(', ')} (got ${String(e.value)}).`;
    case 'too-many-layers':
      return `${FIELD_LABELS[e.field]}: at most ${e.max} layers (got ${e.count}).`;
    case 'empty-conv-filters':
      return 'An image model needs at least one convolution block.';
    case 'invalid-range-order':
      return `${FIELD_LABELS[e.field]}: the minimum (${e.min}) is larger than the maximum (${e.max}).`;
    case 'option-not-for-modality':
      return `${FIELD_LABELS[e.field]} does not apply to ${e.modality} projects.`;
    default:
      return assertNever(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Hash

/**
 * Canonical JSON: object keys sorted, `undefined` members dropped (as JSON.stringify does), no
 * whitespace. Two configs that differ only in key order or absent optionals hash the same.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (lowercase hex) of the config's canonical JSON; WebCrypto, so page and workers agree. */
export async function configHash(c: TrainConfig): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(c));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
