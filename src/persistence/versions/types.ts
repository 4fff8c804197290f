import type { Transaction } from 'dexie';

/**
 * One step of the database schema. Steps are applied in order; each lists only the tables it adds,
 * changes (new index string) or deletes (`null`): Dexie carries the others over from earlier steps.
 * A step that reshapes existing rows does so in `upgrade`, which runs once, inside the upgrade
 * transaction, when a browser first opens the database at this version.
 *
 * Never edit a step that has shipped: add a new one, named after what it changes, with a frozen
 * fixture of the previous version (tests/fixtures/db/).
 */
export interface SchemaStep {
  version: number;
  name: string;
  stores: Record<string, string | null>;
  upgrade?: (tx: Transaction) => Promise<void>;
}
