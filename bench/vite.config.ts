// Builds the benchmark page (bench/pages) into dist-bench/, apart from the app's build: no PWA, no
// CSP — the ML bridge and its worker bundled the way the app bundles them, and Svelte for the
// labeling suite (LabelingState, ReviewState and the Label page are Svelte 5 modules).
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import pkg from '../package.json' with { type: 'json' };

export default defineConfig({
  root: fileURLToPath(new URL('./pages', import.meta.url)),
  base: './',
  logLevel: 'warn',
  plugins: [svelte({ configFile: fileURLToPath(new URL('../svelte.config.js', import.meta.url)) })],
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL(`../${process.env.BENCH_OUT ?? 'dist-bench'}`, import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8192,
  },
});
