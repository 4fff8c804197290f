/** Hex SHA-256 (WebCrypto: in the page, in workers and in Node ≥ 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
  );
  let hex = '';
  for (const b of hash) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Lets the event loop run (input, rendering, a cancel click) between slices of long work. */
export function yieldToEventLoop(): Promise<void> {
  // A MessageChannel hop is not clamped to 4 ms like nested setTimeout.
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
