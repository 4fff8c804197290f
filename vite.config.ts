import { defineConfig, type Plugin } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './scripts/chromium.js';
import { contentSecurityPolicy } from './src/app/csp.ts';
import { loadTfjsExport } from './tests/browser/commands/tfjs-export.ts';
import pkg from './package.json' with { type: 'json' };

/** Writes the CSP into the built index.html so it holds offline too (see src/app/csp.ts). */
function cspMeta(): Plugin {
  return {
    name: 'inloop-csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Big dependencies are pre-bundled up front; otherwise Vite discovers them mid-run and reloads
// the test page (shared/BROWSER.md).
const heavyDeps = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-backend-wasm',
  'dexie',
  'comlink',
  'chart.js',
  'fflate',
  'papaparse',
];

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
  },
  plugins: [
    svelte(),
    cspMeta(),
    // Always loaded so `virtual:pwa-register` resolves in dev and tests (as a no-op there);
    // the service worker itself is generated only by `vite build`.
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'demo/**/*'],
      manifest: {
        name: 'Inloop',
        short_name: 'Inloop',
        description: 'In-page machine-learning workbench: label, train, serve, monitor. Offline.',
        theme_color: '#1f2a44',
        background_color: '#f6f7f9',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // TF.js makes the ML worker chunk several MiB; Workbox's 2 MiB default would silently
        // leave it out and the app would not work offline. scripts/verify-precache.mjs fails
        // the build if anything in dist/ is still missing from the precache manifest.
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest,wasm,json,csv,txt}'],
        maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // Take control of the open page at once, so even the first visit is offline-capable; a
        // later version waits for the user's reload (src/app/updates.svelte.ts).
        clientsClaim: true,
        skipWaiting: false,
        // Cross-origin isolation for precached answers too (see the file's header).
        importScripts: ['sw-isolation.js'],
      },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 8192 },
  optimizeDeps: { include: heavyDeps },
  // Cross-origin isolation (COOP/COEP): SharedArrayBuffer and precise timers for the ML worker.
  // Everything the app loads is its own, so `require-corp` blocks nothing.
  server: { headers: isolationHeaders },
  preview: {
    headers: {
      ...isolationHeaders,
      'Content-Security-Policy': `${contentSecurityPolicy}; frame-ancestors 'none'`,
      'X-Content-Type-Options': 'nosniff',
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
            // Commands that run in Node, called from tests through `commands` of 'vitest/browser'.
            commands: { loadTfjsExport },
          },
        },
      },
    ],
  },
});
