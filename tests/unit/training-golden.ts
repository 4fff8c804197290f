// Typed access to tests/fixtures/golden/training-golden.json (made by make-training-golden.py
// with scikit-learn; see the script for definitions). Not a test file itself.
import { readFileSync } from 'node:fs';

export interface GoldenTextCase {
  name: string;
  dim: number;
  ngram_range: [number, number];
  char_ngrams: [number, number] | null;
  n_fit: number;
  terms: string[][];
  explicit_zeros: number;
  idf: number[];
  rows: [number, number][][];
}

export interface GoldenMetricsCase {
  name: string;
  k: number;
  y_true: number[];
  probs: number[];
  accuracy: number;
  macro_f1: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  confusion: number[][];
  log_loss: number;
  ece: number;
}

export interface TrainingGolden {
  sklearn_version: string;
  murmurhash: { text: string; seed: number; s32: number }[];
  corpus: string[];
  text: GoldenTextCase[];
  metrics: GoldenMetricsCase[];
  penguins: {
    rows_total: number;
    rows_used: number;
    train_ids: string[];
    validation_ids: string[];
    test_ids: string[];
    scaler_mean: number[];
    scaler_scale: number[];
    one_hot_categories: string[][];
    test_accuracy: number;
    validation_accuracy: number;
  };
  /** LogisticRegression on the pixels of public/demo/digits.zip; items named by zip path. */
  digits: {
    rows_total: number;
    train_paths: string[];
    validation_paths: string[];
    test_paths: string[];
    test_accuracy: number;
    validation_accuracy: number;
  };
  /** Hashed TF-IDF + LogisticRegression on public/demo/spam.jsonl; items named by `id`. */
  spam: {
    rows_total: number;
    text_dim: number;
    train_ids: string[];
    validation_ids: string[];
    test_ids: string[];
    test_accuracy: number;
    validation_accuracy: number;
  };
}

export const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/training-golden.json', import.meta.url), 'utf8'),
) as TrainingGolden;
