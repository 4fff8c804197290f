// Fails the build when a file the app needs is missing from the service worker's precache.
// Workbox skips files over `maximumFileSizeToCacheInBytes` (2 MiB by default) with only a warning,
// and the TF.js worker chunk is far above that: without this check the app would build, pass
// online tests, and then fail offline.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const dist = 'dist';
const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
const precached = new Set([...sw.matchAll(/url:\s*"([^"]+)"/g)].map((m) => m[1]));

// Files the service worker itself is, or that only matter online.
const exempt = [/^sw\.js$/, /^workbox-[\w-]+\.js$/, /\.map$/];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [relative(dist, path)];
  });
}

const missing = walk(dist)
  .map((f) => f.split('\\').join('/'))
  .filter((f) => !exempt.some((re) => re.test(f)) && !precached.has(f));

if (missing.length > 0) {
  console.error(
    `✖ ${missing.length} built file(s) are not in the precache:\n  ${missing.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`✔ precache covers all ${precached.size} built files`);
