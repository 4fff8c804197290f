#!/usr/bin/env node
// The `inloop` command. The engine is TypeScript under src/; Vite (a devDependency, always present
// after `npm install` in this repository) loads it through its module runner — the same
// transform Vitest uses, so the CLI runs the very modules the tests check, with no build step and
// no second bundler. `configFile: false`: the app's vite.config.ts (PWA, CSP plugins) is not
// needed to load plain modules.
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { module } = await runnerImport(`${root}src/cli/index.ts`, {
  configFile: false,
  root,
  logLevel: 'silent',
});
const io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
process.exitCode = await module.main(process.argv.slice(2), io);
