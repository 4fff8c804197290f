import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/chromium.js';

// End-to-end tests against the *built* app served by `vite preview` (the CSP header, the service
// worker and the precache are only real there). `npm run test:e2e` builds first.
// E2E_PORT and E2E_OUT let several builds be tested at once:
// `npx vite build --outDir dist-x && E2E_OUT=dist-x E2E_PORT=4180 npx playwright test`.
const port = Number(process.env.E2E_PORT ?? 4174);
const outDir = process.env.E2E_OUT ?? 'dist';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `npx vite preview --outDir ${outDir} --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
