// `npm test`: every test suite, in the order a failure is cheapest to find.
//   1. unit     Vitest in Node (pure code)
//   2. browser  Vitest browser mode in real Chromium (IndexedDB, module workers, WebGPU)
//   3. e2e      Playwright against the built app (`vite build` + `vite preview`)
// Extra arguments go to every runner, e.g. `npm test -- --reporter=dot`.
import { spawnSync } from 'node:child_process';
import { chromiumAvailable, installHint } from './chromium.js';

if (!chromiumAvailable()) {
  console.error(installHint);
  process.exit(1);
}

const steps = [
  ['unit tests', 'npx', ['vitest', 'run', '--project', 'unit']],
  ['browser tests', 'npx', ['vitest', 'run', '--project', 'browser']],
  ['build', 'npm', ['run', 'build']],
  ['end-to-end tests', 'npx', ['playwright', 'test']],
];

for (const [title, cmd, args] of steps) {
  console.log(`\n▶ ${title}`);
  const { status } = spawnSync(cmd, args, { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${status}).`);
    process.exit(status ?? 1);
  }
}
console.log('\n✔ all test suites passed');
