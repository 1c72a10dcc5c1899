import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One file of a set: where it goes and its bytes. */
export interface OutputFile {
  /** Final path of the file. */
  file: string;
  /** Its bytes (a string is written as UTF-8). */
  data: Uint8Array | string;
}

/** Options of {@link writeOutputSet}. */
export interface WriteOutputSetOptions {
  /**
   * Folder for the temporary files (it must exist, on the same file system as the outputs, so
   * the renames stay atomic). Default: beside each output, as `<file>.<tag>.partial`. A separate
   * folder keeps the leftovers of a killed process out of the output folder, where they are
   * cheap to find and remove (`@crack/batch` uses `<out>/.partial`).
   */
  temporaryFolder?: string;
}

/**
 * Writes the outputs of one photo as a set: every file goes to a temporary name first, and only
 * when all are written are they renamed into place. The folders must exist (the CLI checks them
 * before any work). If any write fails, the temporary files are removed and no output of the set
 * appears (a rerun with --skip-existing then redoes the photo instead of keeping a mask without
 * its overlay, issue 17). Node only.
 */
export async function writeOutputSet(
  files: readonly OutputFile[],
  options: WriteOutputSetOptions = {},
): Promise<void> {
  const { temporaryFolder } = options;
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporary = files.map(({ file }) =>
    temporaryFolder === undefined
      ? `${file}.${tag}.partial`
      : path.join(temporaryFolder, `${path.basename(file)}.${tag}.partial`),
  );
  try {
    for (const [i, { data }] of files.entries()) await writeFile(temporary[i] as string, data);
  } catch (error) {
    await Promise.all(temporary.map((t) => rm(t, { force: true })));
    throw error;
  }
  const placed: string[] = [];
  try {
    for (const [i, { file }] of files.entries()) {
      await rename(temporary[i] as string, file);
      placed.push(file);
    }
  } catch (error) {
    // A rename failed (say, a folder in the way): take back the ones already placed, so the
    // photo has no outputs rather than some.
    await Promise.all([...placed, ...temporary].map((f) => rm(f, { force: true })));
    throw error;
  }
}
