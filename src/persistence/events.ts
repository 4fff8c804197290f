/**
 * What the database tells the page about other tabs:
 * - `version-change`: another tab opened a newer schema (or deleted the database). This tab's
 *   connection is closed so the other can proceed; the user must reload to continue.
 * - `blocked`: this tab wants to upgrade but an older tab still holds the database open; the
 *   upgrade waits until that tab is closed or reloaded.
 */
export interface DatabaseEvent {
  kind: 'version-change' | 'blocked';
  databaseName: string;
}

export type DatabaseEventListener = (event: DatabaseEvent) => void;

const listeners = new Set<DatabaseEventListener>();

/** Listens to database events of every open connection; returns the function that stops it. */
export function onDatabaseEvent(listener: DatabaseEventListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function emitDatabaseEvent(event: DatabaseEvent): void {
  for (const listener of listeners) listener(event);
}
