// The featurisation spec: everything needed to turn stored items (or a raw "try it" input) into
// the model's input vector, computed once on the training split and stored with every run and
// model version. Serving applies the same spec (featurize.ts), so there is no training/serving
// skew. Plain JSON (no typed arrays, no Infinity/NaN): it round-trips through IndexedDB and
// workspace files unchanged. No imports beyond plain types: workers import this file too.
import type { Modality } from '../projects/types';
import type { TfidfParams } from '../learners/tfidf';

/** Bumped when the layout of the feature vector changes; old specs must then be migrated. */
export const FEATURISATION_SPEC_VERSION = 1;

/**
 * A standardised numeric column: `(value - mean) / std`. `std` is the population standard
 * deviation (ddof = 0, as sklearn's StandardScaler) over the training rows' non-missing values,
 * replaced by 1 when it is 0 (constant column) so the feature is 0 rather than NaN.
 * A missing value becomes 0 (the training mean after standardising); when the column had any
 * missing value in training, `missingIndicator` adds a 0/1 column right after it.
 */
export interface NumericFeature {
  name: string;
  mean: number;
  std: number;
  missingIndicator: boolean;
}

/**
 * A one-hot categorical column. `vocab` holds the kept categories (seen at least `minCount` times
 * in training) in first-seen order of the source vocabulary; everything else — rare categories,
 * categories unseen at training time and missing values — goes to the "other" slot, which is
 * always the last one: `otherIndex === vocab.length`, block width `vocab.length + 1`.
 */
export interface CategoricalFeature {
  name: string;
  vocab: string[];
  otherIndex: number;
  encoding: 'one-hot';
}

/** Tabular layout: numerics first (each followed by its indicator), then categorical blocks. */
export interface TabularFeaturisation {
  numeric: NumericFeature[];
  categorical: CategoricalFeature[];
}

/**
 * Hashing TF-IDF over one text column, matching scikit-learn's
 * `HashingVectorizer(n_features=dim, alternate_sign=True, norm=None, ngram_range)` followed by
 * `TfidfTransformer(smooth_idf=True, sublinear_tf)` and l2 normalisation (see text-hashing.ts for
 * the tokeniser and the hash).
 */
export interface TextFeaturisation {
  column: string;
  /**
   * Present: the features are scikit-learn's `TfidfVectorizer` over this learned vocabulary (one
   * feature per term, `dim = terms.length`, `idf` per term; src/learners/tfidf.ts). Absent: the
   * hashing vectoriser below (runs recorded before the vocabulary, or chosen for huge vocabularies).
   */
  vocabulary?: { terms: string[]; params: TfidfParams; documents: number };
  /** Number of hash buckets = feature dimension. */
  dim: number;
  /** Word n-gram range, inclusive. */
  ngramRange: [number, number];
  /** Character n-grams within word boundaries (sklearn's `char_wb`), inclusive; null = none. */
  charNgrams: [number, number] | null;
  /** Smooth idf per bucket: ln((1 + n) / (1 + df)) + 1, from the training rows; length `dim`. */
  idf: number[];
  /** Use 1 + ln(tf) instead of the raw (signed) count. */
  sublinearTf: boolean;
  norm: 'l2';
  /** MurmurHash3 seed; sklearn uses 0. */
  hashSeed: number;
}

/** Random augmentation applied to training batches only, never at serving time. */
export interface ImageAugment {
  /** Random horizontal flip with probability 1/2. */
  flip: boolean;
  /** Largest random translation, as a fraction of the image size (0 = none). */
  shift: number;
}

export interface ImageFeaturisation {
  /** Square input size (the project's `imageSize`); pixels are stored at this size. */
  size: number;
  /** 3 = RGB; 1 = grayscale, converted with ITU-R BT.601 luma weights. */
  channels: 1 | 3;
  /** Multiplies the 0–255 byte values: 1/255 maps them to [0, 1]. */
  scale: number;
  augment: ImageAugment;
}

export interface FeaturisationSpec {
  version: typeof FEATURISATION_SPEC_VERSION;
  modality: Modality;
  /** Columns the spec reads, in the order they contribute features. */
  inputColumns: string[];
  tabular?: TabularFeaturisation;
  text?: TextFeaturisation;
  image?: ImageFeaturisation;
  /** Output classes in model order: probability k belongs to `classIds[k]` (a `LabelClass.id`). */
  labels: { classIds: string[] };
  /** Length of one feature vector (image: size × size × channels, HWC order). */
  featureDim: number;
}

/** Options for `fitFeaturisation`; every field has a documented default. */
export interface FitFeaturisationOptions {
  /** Categories seen fewer times than this in training fold into "other". Default 5. */
  minCategoryCount?: number;
  /** Text: the column to vectorise; default the first `str` feature column of type `text`. */
  textColumn?: string;
  /** Text: hash buckets. Default 2^14. */
  textDim?: number;
  /** Text: a learned TF-IDF vocabulary (default) or hashing. */
  textFeatures?: 'vocabulary' | 'hashing';
  /** Text, vocabulary: the vectoriser's parameters (default DEFAULT_TFIDF_PARAMS). */
  tfidf?: Partial<TfidfParams>;
  /**
   * Text, vocabulary: the rows whose words build the vocabulary and idf, beside the training rows
   * (the unlabelled pool: words, never labels). Default: the training rows only.
   */
  vocabularyRowFilter?: (itemId: string) => boolean;
  /** Text: word n-gram range. Default [1, 2]. */
  ngramRange?: [number, number];
  /** Text: char_wb n-grams, default none. */
  charNgrams?: [number, number] | null;
  /** Text: sublinear tf. Default false (sklearn's default). */
  sublinearTf?: boolean;
  /** Text: hash seed. Default 0 (sklearn). */
  hashSeed?: number;
  /** Image: the project's input size. Required for image projects. */
  imageSize?: number;
  /** Image: default 3. */
  imageChannels?: 1 | 3;
  /** Image: default no augmentation. */
  augment?: ImageAugment;
}

/** A batch of feature vectors, row-major (`rows × featureDim`), with the item each row is. */
export interface FeatureBatch {
  x: Float32Array;
  rows: number;
  itemIds: string[];
}

/** A raw input for "try it": column name → value as typed or parsed (null = missing). */
export type RawRecord = Record<string, string | number | null>;
