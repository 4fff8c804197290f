// Shared by the browser tests that make a database of their own: removing it afterwards.

/**
 * Deletes an IndexedDB database for clean-up after a test: resolves whatever happens (a blocked
 * or failed delete must not fail the test that already ran; the name is random per test anyway).
 */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}
