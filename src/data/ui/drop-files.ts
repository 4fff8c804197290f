// Files from a drop or a picker, with the relative path each was picked under, so that a dropped
// or picked folder keeps its structure (the image import labels by parent folder name).
import type { PathedFile } from '../import-types';

/** Picked through `<input type=file>` (with or without `webkitdirectory`). */
export function fromFileList(list: FileList | null): PathedFile[] {
  return [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/**
 * Dropped items: files as they are, folders walked recursively through the (non-standard but
 * universally supported) `webkitGetAsEntry` API. Entries must be taken synchronously in the
 * drop handler, before the first await, or the DataTransfer is emptied.
 */
export async function fromDataTransfer(transfer: DataTransfer): Promise<PathedFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.every((e) => e === null)) return fromFileList(transfer.files);
  const out: PathedFile[] = [];
  for (const entry of entries) if (entry) await walk(entry, '', out);
  return out;
}

async function walk(entry: FileSystemEntry, prefix: string, out: PathedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call: read until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path, out);
  }
}
