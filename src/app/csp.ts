// The Content-Security-Policy the built app runs under. It is written into index.html at build time
// (so it holds offline, when the service worker serves the page) and sent as a header by `vite
// preview`. The dev server runs without it: Vite's HMR injects <style> elements.
//
// - 'wasm-unsafe-eval': TF.js WASM kernels may be compiled; no JS eval is allowed.
// - style-src-attr 'unsafe-inline': Svelte and Chart.js set style attributes; <style>/<link> stay
//   restricted to our own origin, and attributes cannot run script.
// - connect-src 'self': the app never talks to another origin (also enforced by the e2e guard).
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "font-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
