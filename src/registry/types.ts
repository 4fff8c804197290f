// Plain types of the model registry (no Svelte, Dexie or TF.js). A model version is stored as a
// `ModelRecord` row (src/persistence/schema.ts) with the registry's fields beside it: IndexedDB
// keeps whatever the row holds, and none of these fields is indexed.
import type { ModelRecord } from '../persistence/schema';
import type { GateVerdict } from './gate';
import type { Lineage } from './lineage';
import type { FeatureImportanceResult } from '../training/train-types';

/** The classes a version predicts, in output order, with their names at registration time. */
export type LabelSet = {
  classIds: string[];
  classes: { id: string; name: string }[];
};

/** How a version became champion through the gate, or past it. */
export type PromotionRecord = {
  at: number;
  actor: string;
  verdict: GateVerdict;
  /** True when the gate failed and a person promoted the version anyway. */
  overridden: boolean;
  /** The written reason of an override. */
  reason?: string;
};

export type ModelVersion = Omit<ModelRecord, 'lineage'> & {
  lineage: Lineage;
  tags: string[];
  notes: string;
  labels: LabelSet;
  /** Reference statistics of the training data for drift monitoring; filled by monitoring. */
  referenceProfile: Record<string, unknown> | null;
  /** Latest promotion to champion, with the gate verdict it passed (or overrode). */
  promotion: PromotionRecord | null;
  /**
   * Permutation feature importance on the frozen holdout, once computed (Models page → Compute).
   * Optional and not indexed, like `referenceProfile`: rows from before it read as not computed,
   * and no schema version bump is needed. Stored, not recomputed: the model never changes, and a
   * recompute is one button away when the holdout grew.
   */
  featureImportance?: FeatureImportanceResult;
};

/** Audit-log kinds written by the registry (`EventRecord.kind`). */
export type RegistryEventKind =
  | 'registry.register'
  | 'registry.alias'
  | 'registry.promote'
  | 'registry.override'
  | 'registry.rollback'
  | 'registry.archive'
  | 'registry.edit'
  | 'registry.delete';
