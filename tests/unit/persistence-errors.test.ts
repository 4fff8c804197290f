import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import {
  StorageFailure,
  describeStorageError,
  isQuotaExceeded,
  toStorageError,
  withStorageErrors,
} from '../../src/persistence/errors';

const quotaException = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('isQuotaExceeded', () => {
  it('recognises QuotaExceededError by name', () => {
    expect(isQuotaExceeded(quotaException())).toBe(true);
    expect(isQuotaExceeded({ name: 'QuotaExceededError', message: 'full' })).toBe(true);
    expect(isQuotaExceeded(new Dexie.QuotaExceededError('full'))).toBe(true);
  });

  it('recognises it as the inner error of a Dexie error, however deep', () => {
    const abort = new Dexie.AbortError('Transaction aborted', quotaException());
    expect(isQuotaExceeded(abort)).toBe(true);
    expect(isQuotaExceeded(new Dexie.OpenFailedError(abort))).toBe(true);
  });

  it('recognises a DOMException that only carries the legacy code 22', () => {
    class LegacyQuotaException extends DOMException {
      override get code() {
        return 22;
      }
    }
    const legacy = new LegacyQuotaException('full', 'Error');
    expect(legacy.name).toBe('Error');
    expect(isQuotaExceeded(legacy)).toBe(true);
  });

  it('rejects everything else', () => {
    for (const other of [
      new DOMException('exists', 'ConstraintError'),
      new Dexie.AbortError('aborted', new DOMException('exists', 'ConstraintError')),
      new Error('QuotaExceededError'),
      'QuotaExceededError',
      22,
      null,
      undefined,
    ]) {
      expect(isQuotaExceeded(other)).toBe(false);
    }
  });

  it('stops on a self-referencing inner chain', () => {
    const loop: { name: string; inner?: unknown } = { name: 'AbortError' };
    loop.inner = loop;
    expect(isQuotaExceeded(loop)).toBe(false);
  });
});

describe('toStorageError', () => {
  it('classifies quota, version change and the rest', async () => {
    await expect(
      toStorageError(new Dexie.AbortError('x', quotaException())),
    ).resolves.toMatchObject({ kind: 'quota' });
    await expect(toStorageError(new Dexie.DatabaseClosedError())).resolves.toEqual({
      kind: 'version-change',
    });
    await expect(toStorageError(new DOMException('newer', 'VersionError'))).resolves.toEqual({
      kind: 'version-change',
    });
    await expect(toStorageError(new Error('disk on fire'))).resolves.toEqual({
      kind: 'unknown',
      message: 'disk on fire',
    });
    await expect(toStorageError('plain string')).resolves.toEqual({
      kind: 'unknown',
      message: 'plain string',
    });
  });

  it('passes a StorageFailure through unchanged', async () => {
    const failure = new StorageFailure({ kind: 'quota', usage: 1, quota: 2 });
    await expect(toStorageError(failure)).resolves.toBe(failure.error);
  });
});

describe('withStorageErrors', () => {
  it('returns the result, or throws a StorageFailure carrying the cause', async () => {
    await expect(withStorageErrors(() => Promise.resolve(7))).resolves.toBe(7);

    const cause = new Dexie.AbortError('aborted', quotaException());
    const failure = await withStorageErrors(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageFailure);
    expect(failure).toMatchObject({ error: { kind: 'quota' }, cause });
  });
});

describe('describeStorageError', () => {
  it('says how full the storage is when it knows', () => {
    expect(describeStorageError({ kind: 'quota', usage: 1.2e9, quota: 1.3e9 })).toBe(
      "The browser's storage for this site is full (1.2 GB of 1.3 GB used). " +
        'Free space by deleting projects or exporting them, then try again.',
    );
    expect(describeStorageError({ kind: 'quota', usage: 65_536, quota: 65_536 })).toContain(
      '(65.5 KB of 65.5 KB used)',
    );
    expect(describeStorageError({ kind: 'quota', usage: 512, quota: 250e6 })).toContain(
      '(512 B of 250 MB used)',
    );
  });

  it('leaves the figures out when it does not', () => {
    expect(describeStorageError({ kind: 'quota' })).toBe(
      "The browser's storage for this site is full. " +
        'Free space by deleting projects or exporting them, then try again.',
    );
  });

  it('tells the user to reload after another tab upgraded', () => {
    expect(describeStorageError({ kind: 'version-change' })).toBe(
      'Inloop was updated in another tab, so this tab stopped using the database. ' +
        'Reload the page to continue.',
    );
  });

  it('keeps the browser message for anything else', () => {
    expect(describeStorageError({ kind: 'unknown', message: 'Internal error.' })).toBe(
      'The browser could not save or read data: Internal error.',
    );
  });

  it('is the message of a StorageFailure', () => {
    expect(new StorageFailure({ kind: 'version-change' }).message).toBe(
      describeStorageError({ kind: 'version-change' }),
    );
  });
});
