// Plain data types shared by the exact learners (logistic regression, histogram gradient boosting)
// and the TF-IDF vectoriser. No TF.js, Svelte, Dexie or DOM here: the ML worker, the page, Node
// unit tests and the command line all import these files. Each learner follows one contract, as
// scikit-learn's estimators do: parameters as plain data, `fit` → a plain, JSON-serialisable model,
// `predictProba` → row-major N×K probabilities.

/** A dense row-major matrix; `NaN` marks a missing value where a learner accepts them. */
export interface DenseMatrix {
  kind: 'dense';
  rows: number;
  cols: number;
  /** `rows × cols` values, row-major. */
  values: Float32Array | Float64Array;
}

/** Compressed sparse rows, as scipy.sparse.csr_matrix: row r is `indices/values[indptr[r]..indptr[r+1])`. */
export interface CsrMatrix {
  kind: 'csr';
  rows: number;
  cols: number;
  /** `rows + 1` offsets into `indices` and `values`. */
  indptr: Int32Array;
  /** Column of each stored value, ascending within a row. */
  indices: Int32Array;
  values: Float32Array | Float64Array;
}

export type FeatureMatrix = DenseMatrix | CsrMatrix;

/** Progress of an iterative fit; `loss` is the training objective where the learner has one. */
export interface FitProgress {
  iteration: number;
  maxIterations: number;
  loss?: number;
  validationLoss?: number;
}

/** Hooks every fit accepts. `shouldStop` is polled between iterations (cooperative cancel). */
export interface FitHooks {
  onProgress?: (progress: FitProgress) => void;
  /** Returning true stops the fit by throwing a `FitCancelledError`. */
  shouldStop?: () => boolean;
}

/** Thrown by a fit whose `shouldStop` hook returned true. */
export class FitCancelledError extends Error {
  constructor() {
    super('The fit was cancelled');
    this.name = 'FitCancelledError';
  }
}

/** Thrown for input a learner cannot fit (one class, no rows, NaN where not allowed, …). */
export class LearnerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LearnerInputError';
  }
}
