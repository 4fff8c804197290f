// One place for how every tool here launches Chromium: Vitest browser mode, Playwright e2e and the
// benchmarks. Playwright cannot download browsers on these machines, so we drive the system
// Chromium (Debian's `chromium` package) and let CHROME_PATH point elsewhere (e.g. Chrome).
import { existsSync } from 'node:fs';

export const chromiumPath = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Keep Chromium from phoning home on a closed network (see shared/BROWSER.md). */
export const quietFlags = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * WebGPU without a GPU: SwiftShader's Vulkan. With only --enable-unsafe-webgpu Chromium hands out a
 * fallback adapter on which TF.js reads back zeros and loses the device; this set works.
 * On a machine with a real GPU the same flags still give a working adapter.
 */
export const webgpuFlags = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

export const chromiumArgs = [...quietFlags, ...webgpuFlags];

export function chromiumAvailable() {
  return existsSync(chromiumPath);
}

export const installHint =
  `No Chromium found at ${chromiumPath}.\n` +
  'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or point CHROME_PATH at a\n' +
  'Chrome/Chromium binary, e.g. `CHROME_PATH=/usr/bin/google-chrome npm test`.';
