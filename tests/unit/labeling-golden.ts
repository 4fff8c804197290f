// Typed access to tests/fixtures/golden/labeling-golden.json (made by make-labeling-golden.py with
// numpy, scipy and scikit-learn; see the script for definitions). Not a test file itself.
import { readFileSync } from 'node:fs';

export interface LabelingGolden {
  numpy_version: string;
  scipy_version: string;
  sklearn_version: string;
  scores: {
    k: number;
    probs: number[];
    least_confidence: number[];
    margin: number[];
    entropy: number[];
    mc_passes: number;
    mc_k: number;
    mc_probs: number[];
    bald: number[];
  };
  cohen: {
    name: string;
    k: number;
    a: number[];
    b: number[];
    none: number;
    linear: number;
    quadratic: number;
  }[];
  fleiss: { name: string; k: number; counts: number[][]; kappa: number }[];
  confident_learning: {
    name: string;
    k: number;
    labels: number[];
    truth: number[];
    probs: number[];
    thresholds: number[];
    confident_joint: number[];
    calibrated_joint: number[];
    prune_counts: number[];
    issues: number[];
    suggested: number[];
  }[];
  kappa_average: { k: number; history: number[][]; kappas: number[]; stops: boolean[] };
}

export const golden = JSON.parse(
  readFileSync(new URL('../fixtures/golden/labeling-golden.json', import.meta.url), 'utf8'),
) as LabelingGolden;
