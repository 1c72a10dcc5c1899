import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that readers (and a resumed download) only ever see the old file or the
 * whole new one: write a temporary file beside it, then rename, which is atomic on one
 * filesystem. The temporary file is removed if anything fails. Missing folders are created.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.partial`;
  try {
    try {
      await writeFile(temp, data);
    } catch (error) {
      // The folder usually exists (callers write many files into few folders): create it only
      // when the write says it is missing, rather than asking the file system every time.
      if ((error as NodeJS.ErrnoException)?.code !== 'ENOENT') throw error;
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(temp, data);
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
