// Imported first by the generated service worker (vite.config.ts: workbox.importScripts), so its
// fetch listener runs before Workbox's. Workbox answers from the precache with the stored
// responses, which carry no headers we set at serve time; this re-adds cross-origin isolation
// (COOP/COEP, as `vite preview` sends them) to every same-origin answer, so the app is just as
// isolated offline as online. It wraps `respondWith` on the event rather than answering itself:
// routing, precaching and the navigation fallback stay Workbox's.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function withIsolation(response) {
  // Opaque and error responses cannot be rebuilt (and are never ours to isolate).
  if (!response || response.type === 'opaque' || response.type === 'error' || response.status === 0) {
    return response;
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).origin !== self.location.origin) return;
  const respondWith = event.respondWith.bind(event);
  event.respondWith = (answer) => respondWith(Promise.resolve(answer).then(withIsolation));
});
