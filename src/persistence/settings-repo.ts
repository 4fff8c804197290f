import type { InloopDB } from './db';
import { withStorageErrors } from './errors';

export interface SettingsRepo {
  /**
   * The stored value, or `fallback` when the key was never set. The value is returned as stored:
   * callers that persist structured settings validate them (a setting may predate a code change).
   */
  get<T>(key: string, fallback: T): Promise<T>;
  set(key: string, value: unknown): Promise<void>;
}

export function createSettingsRepo(db: () => InloopDB): SettingsRepo {
  return {
    get: <T>(key: string, fallback: T) =>
      withStorageErrors(async () => {
        const record = await db().settings.get(key);
        return record === undefined ? fallback : (record.value as T);
      }),
    set: (key, value) =>
      withStorageErrors(async () => {
        await db().settings.put({ key, value });
      }),
  };
}
