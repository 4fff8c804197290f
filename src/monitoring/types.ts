// Plain types of the monitoring core: drift results, detector and ensemble states, windows.
// No Svelte, Dexie or TF.js imports.

/** A category value of a categorical or binary column. */
export type CategoryValue = string | number | boolean;

/** How a column is tested: numeric columns by distribution, the rest by category frequencies. */
export type ColumnKind = 'numeric' | 'categorical' | 'binary';

/** The per-column drift tests (Evidently's names: ks, chisquare, z, wasserstein, jensenshannon, psi). */
export type DriftTestId = 'ks' | 'chi-square' | 'z' | 'wasserstein' | 'jensen-shannon' | 'psi';

/** A statistic and its p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/** One column's drift verdict with its evidence. */
export interface ColumnDrift {
  column: string;
  kind: ColumnKind;
  test: DriftTestId;
  /** The p-value (ks, chi-square, z) or the distance (wasserstein, jensen-shannon, psi). */
  value: number;
  /** The test statistic where the value is a p-value (D, χ², z). */
  statistic?: number;
  threshold: number;
  drifted: boolean;
  referenceSize: number;
  currentSize: number;
}

export interface DatasetDrift {
  columns: ColumnDrift[];
  driftedColumns: number;
  driftShare: number;
  drifted: boolean;
}

/** A streaming detector's verdict after one update. */
export type DetectorState = 'ok' | 'warning' | 'drift';

/** The three groups of signals the ensemble votes over. */
export type SignalGroup = 'data' | 'prediction' | 'performance';

/** State of a signal, a group or a window. */
export type DriftState = 'ok' | 'warning' | 'drift';
