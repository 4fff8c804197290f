// Output files are written atomically: the content goes to a temporary file beside the target
// (same directory, so the rename stays on one file system), is flushed to disk, and only then
// renamed over the target. A run that fails or is killed part-way leaves the previous file as it
// was — a CI job never reads a half-written model or id list. POSIX rename(2) replaces atomically;
// on Windows Node's rename replaces the file too, as one call.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `content` (a string, or string parts as they are produced) to `path` atomically. */
export async function writeFileAtomic(
  path: string,
  content: string | Iterable<string>,
): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'wx');
  let renamed = false;
  try {
    try {
      if (typeof content === 'string') await handle.writeFile(content, 'utf8');
      else for (const part of content) await handle.writeFile(part, 'utf8');
      // Flush before the rename: otherwise a crash could leave the new name on empty blocks.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}
