// Helpers for the workspace tests: a canonical text of rows (typed arrays and buffers spelled out,
// so two exports compare exactly), and re-zipping a workspace after editing its entries (with the
// manifest's digests recomputed or not).
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { createHash } from 'node:crypto';
import type { ProjectRows } from '../../src/persistence/workspace-repo';

export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof ArrayBuffer) return { $buffer: [...new Uint8Array(v)] };
    if (ArrayBuffer.isView(v))
      return { [`$${v.constructor.name}`]: Array.from(v as unknown as ArrayLike<number>, String) };
    if (typeof v === 'number' && !Number.isFinite(v)) return `$${v}`;
    return v;
  });
}

export function canonicalRows(rows: ProjectRows): string {
  return canonical(rows);
}

export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface Manifest {
  [key: string]: unknown;
  entries: { path: string; sha256: string; bytes: number }[];
}

/** Unzips, lets `edit` change entries and the manifest, re-zips; digests follow when `fixDigests`. */
export function rezip(
  file: Uint8Array,
  edit: (files: Record<string, Uint8Array>, manifest: Manifest) => void,
  fixDigests = true,
): Uint8Array {
  const files = unzipSync(file);
  const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Manifest;
  edit(files, manifest);
  if (fixDigests) {
    for (const e of Array.isArray(manifest.entries) ? manifest.entries : []) {
      const bytes = files[e.path];
      if (bytes) {
        e.sha256 = sha(bytes);
        e.bytes = bytes.length;
      }
    }
  }
  if (!files['manifest.json!keep']) files['manifest.json'] = strToU8(JSON.stringify(manifest));
  delete files['manifest.json!keep'];
  return zipSync(files, { level: 1 });
}
