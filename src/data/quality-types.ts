// The data-quality report of one source: computed in the ingest worker by `computeQuality()`
// (quality.ts), stored on `SourceRecord.quality`, rendered by the data UI. Plain, structured-clone
// friendly data only (no Maps, no class instances) so it crosses Comlink and IndexedDB unchanged.
import type { ColumnType } from './types';

/** At most this many item ids are kept on a finding; `count` always says how many there are. */
export const FINDING_SAMPLE_IDS = 200;

/** Distinct values are counted exactly up to this many; beyond it `distinctCapped` is true. */
export const DISTINCT_CAP = 10_000;

export interface NumericSummary {
  mean: number;
  /** Sample standard deviation (ddof = 1, as pandas' `describe()`); 0 with fewer than 2 values. */
  std: number;
  min: number;
  /** Quartiles by linear interpolation (numpy's default, Hyndman & Fan method 7). */
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface Histogram {
  /** `counts.length + 1` bin edges, ascending; the last bin includes its right edge (as numpy). */
  edges: number[];
  counts: number[];
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface ColumnQuality {
  name: string;
  type: ColumnType;
  missing: number;
  /** `missing / rowCount * 100`; 0 for an empty source. */
  missingPct: number;
  /** Distinct non-missing values, exact up to {@link DISTINCT_CAP}. */
  distinct: number;
  distinctCapped: boolean;
  /** At most one distinct non-missing value: the column carries no information. */
  constant: boolean;
  /** numeric, integer and datetime (epoch ms) columns. */
  numeric?: NumericSummary;
  /** numeric, integer and datetime columns; computed on the (bounded) sample when the source is large. */
  histogram?: Histogram;
  /** categorical and boolean columns: most frequent values, most frequent first. */
  topCategories?: CategoryCount[];
  /** True when quantiles/histogram come from a reservoir sample rather than every value. */
  sampled?: boolean;
}

export type FindingKind =
  | 'missing'
  | 'constant'
  | 'exact-duplicates'
  | 'near-duplicates'
  | 'class-imbalance'
  | 'outliers'
  | 'high-cardinality'
  | 'duplicate-ids'
  | 'parse-failures';

export type FindingSeverity = 'info' | 'warning';

/** What a finding was computed on: every row of the source, or the seeded reservoir sample. */
export type FindingScope = 'source' | 'sample';

/**
 * The rule that picks a finding's items, which the data browser applies to every row: its list
 * then holds all `count` items, page after page, not only the first {@link FINDING_SAMPLE_IDS}.
 */
export type FindingMatch =
  | { kind: 'missing'; column: string }
  /** Items whose label is this class. */
  | { kind: 'label'; classId: string };

interface FindingBase {
  severity: FindingSeverity;
  /** A human sentence, shown as it is ("Column “age” is missing in 31% of rows."). */
  message: string;
  /** How many items are concerned (may exceed `itemIds.length`). */
  count: number;
  /** Items behind the finding, at most {@link FINDING_SAMPLE_IDS}. */
  itemIds: string[];
  /** Absent in reports stored before it was recorded (then the report's `sampleSize` tells). */
  scope?: FindingScope;
  /** Present when every item can be found again by a rule (see {@link FindingMatch}). */
  match?: FindingMatch;
}

export interface ColumnFinding extends FindingBase {
  kind: 'missing' | 'constant' | 'outliers' | 'high-cardinality' | 'parse-failures';
  column: string;
}

export interface DuplicateFinding extends FindingBase {
  kind: 'exact-duplicates' | 'near-duplicates' | 'duplicate-ids';
  /** For near-duplicate texts: the text column compared. */
  column?: string;
  /** Each group lists the item ids that are (near-)copies of each other; capped like `itemIds`. */
  groups: string[][];
}

export interface ClassImbalanceFinding extends FindingBase {
  kind: 'class-imbalance';
  /** Labelled items per class id, every known class included (0 when it has none). */
  classCounts: { classId: string; name: string; count: number }[];
  /** Largest class count / smallest class count; null when a class has no example (kept JSON-safe). */
  ratio: number | null;
}

export type QualityFinding = ColumnFinding | DuplicateFinding | ClassImbalanceFinding;

export interface QualityReport {
  rowCount: number;
  columns: ColumnQuality[];
  findings: QualityFinding[];
  /** Epoch ms. */
  computedAt: number;
  /** Rows the quantiles, histograms, outliers and near-duplicates were computed on. */
  sampleSize: number;
}
