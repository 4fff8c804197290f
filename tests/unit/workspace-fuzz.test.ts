// Fuzz of the workspace reader: 1,200 mutated files, each either refused with a typed error (and a
// sentence) or read faithfully. No database here (the browser fuzz slice checks that a refusal
// leaves IndexedDB unchanged); this is the fast, pure half.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exportWorkspace, normaliseSeqs } from '../../src/workspace/export';
import { readWorkspace } from '../../src/workspace/import';
import { WORKSPACE_FORMAT_VERSION } from '../../src/workspace/format';
import { SCHEMA_VERSION } from '../../src/persistence/db';
import { describeWorkspaceError, type WorkspaceErrorKind } from '../../src/workspace/errors';
import { buildProjectRows } from './workspace-builders';
import { canonicalRows, rezip, sha } from './workspace-helpers';

const KINDS: readonly WorkspaceErrorKind[] = [
  'not-a-workspace',
  'damaged',
  'unsupported-zip',
  'too-many-entries',
  'too-large',
  'entry-too-large',
  'compression-ratio',
  'unsafe-entry-name',
  'invalid-manifest',
  'wrong-format',
  'newer-format',
  'newer-schema',
  'missing-entry',
  'unexpected-entry',
  'digest-mismatch',
  'invalid-json',
  'invalid-record',
];

function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Expect = 'same' | 'refused' | 'either';
interface Case {
  name: string;
  bytes: Uint8Array;
  /** 'same': if read, the rows must equal the original; 'refused': must be refused. */
  expect: Expect;
  limits?: Record<string, number>;
}

describe('workspace reader fuzz', () => {
  it(
    'refuses or faithfully reads 1,200 mutated files, never throwing',
    { timeout: 120_000 },
    async () => {
      const rows = buildProjectRows('p1', 40);
      const out = await exportWorkspace(rows, {
        appVersion: 'fuzz',
        schemaVersion: 1,
        now: 1_763_856_000_000,
      });
      const base = new Uint8Array(await out.blob.arrayBuffer());
      const expected = canonicalRows(normaliseSeqs(rows));
      const rand = rng(9);
      const int = (n: number) => Math.floor(rand() * n);
      const files = unzipSync(base);
      const jsonl = Object.keys(files).filter((p) => p.endsWith('.jsonl'));
      const cases: Case[] = [];

      for (let i = 0; i < 500; i++) {
        const b = base.slice();
        const flips = 1 + int(4);
        for (let f = 0; f < flips; f++) b[int(b.length)]! ^= 1 << int(8);
        cases.push({ name: `bit flips #${i}`, bytes: b, expect: 'same' });
      }
      for (let i = 0; i < 250; i++)
        cases.push({
          name: `truncated #${i}`,
          bytes: base.slice(0, int(base.length)),
          expect: 'refused',
        });
      for (let i = 0; i < 100; i++) {
        const b = base.slice();
        const at = int(b.length);
        for (let k = at; k < Math.min(b.length, at + 1 + int(64)); k++) b[k] = int(256);
        cases.push({ name: `overwritten range #${i}`, bytes: b, expect: 'same' });
      }
      // Versions newer than this build's (format and schema alike), and values of the wrong kind.
      const newer = Math.max(WORKSPACE_FORMAT_VERSION, SCHEMA_VERSION) + 1;
      const versions: unknown[] = [
        newer,
        newer + 1,
        100,
        2 ** 40,
        -1,
        0,
        1.5,
        '1',
        null,
        true,
        [1],
        {},
      ];
      for (let i = 0; i < 60; i++) {
        const v = versions[i % versions.length];
        const field = ['formatVersion', 'schemaVersion', 'format', 'entries', 'project', 'counts'][
          i % 6
        ]!;
        cases.push({
          name: `manifest ${field}=${JSON.stringify(v)}`,
          bytes: rezip(base, (_f, m) => (m[field] = v)),
          expect: 'refused',
        });
      }
      for (let i = 0; i < 60; i++) {
        const path = Object.keys(files).filter((p) => p !== 'manifest.json')[
          i % (Object.keys(files).length - 1)
        ]!;
        cases.push({
          name: `digest of ${path} changed`,
          bytes: rezip(
            base,
            (_f, m) => {
              const e = m.entries.find((x) => x.path === path)!;
              e.sha256 = e.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
            },
            false,
          ),
          expect: 'refused',
        });
      }
      for (let i = 0; i < 80; i++) {
        const path = jsonl[i % jsonl.length]!;
        const key = ['__proto__', 'constructor', 'prototype'][i % 3]!;
        cases.push({
          name: `${key} payload in ${path}`,
          bytes: rezip(base, (f) => {
            const lines = strFromU8(f[path]!).split('\n');
            const n = int(lines.length - 1);
            lines[n] = lines[n]!.replace(
              '{',
              `{"${key}":{"polluted":true,"prototype":{"polluted":true}},`,
            );
            f[path] = strToU8(lines.join('\n'));
          }),
          expect: 'same',
        });
      }
      for (let i = 0; i < 130; i++) {
        const path = jsonl[i % jsonl.length]!;
        cases.push({
          name: `row edit in ${path} #${i}`,
          bytes: rezip(base, (f) => {
            const text = strFromU8(f[path]!);
            const at = int(text.length);
            const junk = [
              'null',
              '"x"',
              '-1',
              '1e309',
              '[]',
              '{}',
              '"',
              '',
              'true',
              '9007199254740993',
            ][int(10)]!;
            f[path] = strToU8(text.slice(0, at) + junk + text.slice(at + int(6)));
          }),
          expect: 'either',
        });
      }
      // Zip bombs: an entry of zeros at DEFLATE's best ratio (~1000:1), digests made to match.
      const zeros = new Uint8Array(4 * 1024 * 1024);
      const zerosSha = sha(zeros);
      for (let i = 0; i < 10; i++) {
        const path = jsonl[i % jsonl.length]!;
        const bombFiles: Record<string, Uint8Array | [Uint8Array, { level: 9 }]> = { ...files };
        const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as {
          entries: { path: string; sha256: string; bytes: number }[];
        };
        const entry = manifest.entries.find((e) => e.path === path)!;
        entry.sha256 = zerosSha;
        entry.bytes = zeros.length;
        bombFiles[path] = [zeros, { level: 9 }];
        bombFiles['manifest.json'] = strToU8(JSON.stringify(manifest));
        cases.push({ name: `zip bomb #${i}`, bytes: zipSync(bombFiles), expect: 'refused' });
      }
      for (let i = 0; i < 10; i++) {
        const many: Record<string, Uint8Array> = { 'manifest.json': files['manifest.json']! };
        for (let k = 0; k < 2000 + i * 100; k++) many[`t/${k}`] = new Uint8Array(0);
        cases.push({
          name: `many tiny entries #${i}`,
          bytes: zipSync(many, { level: 0 }),
          expect: 'refused',
          limits: { maxEntries: 1000 },
        });
      }
      expect(cases.length).toBeGreaterThanOrEqual(1200);

      const tally = new Map<string, number>();
      for (const c of cases) {
        const result = await readWorkspace(c.bytes, { schemaVersion: 1, limits: c.limits });
        expect(({} as Record<string, unknown>).polluted, c.name).toBeUndefined();
        if (result.ok) {
          expect(c.expect, `${c.name} was read`).not.toBe('refused');
          if (c.expect === 'same') expect(canonicalRows(result.value.rows), c.name).toBe(expected);
          tally.set('read', (tally.get('read') ?? 0) + 1);
        } else {
          expect(KINDS, c.name).toContain(result.error.kind);
          expect(describeWorkspaceError(result.error).length).toBeGreaterThan(10);
          tally.set(result.error.kind, (tally.get(result.error.kind) ?? 0) + 1);
        }
      }
      // The mutations reach many different checks, not one early gate.
      expect(tally.size).toBeGreaterThanOrEqual(9);
      expect(tally.get('compression-ratio')).toBe(10);
    },
  );
});
