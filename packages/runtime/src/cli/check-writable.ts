import { randomBytes } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const codeOf = (error: unknown) =>
  (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? String(error);

/** What an errno code means for someone choosing an output path. */
function explain(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'the file system does not allow creating it (a special folder such as /proc?)';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    default:
      return code;
  }
}

/**
 * Makes sure `dir` exists (creating missing folders one level at a time) and that a file can be
 * created in it, before any work is done. Returns a message naming `flag`, the path and the
 * reason, or null when the folder is usable.
 *
 * Written by hand rather than with `mkdir({ recursive: true })`: on special file systems such as
 * /proc, Node's recursive mkdir retries ENOENT forever at 100 % CPU (issue 17), and its EEXIST for
 * "a file is in the way" names neither the file nor the flag.
 */
export async function checkWritableFolder(dir: string, flag: string): Promise<string | null> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      const stats = await stat(existing);
      if (!stats.isDirectory()) return `${flag} ${dir}: ${existing} is a file, not a folder`;
      break;
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOTDIR') return `${flag} ${dir}: ${explain(code)}`;
      if (code !== 'ENOENT') return `${flag} ${dir}: cannot read ${existing}: ${explain(code)}`;
      const parent = path.dirname(existing);
      if (parent === existing) return `${flag} ${dir}: no such file system root`;
      missing.unshift(existing);
      existing = parent;
    }
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EEXIST') continue;
      return `${flag} ${dir}: cannot create the folder ${folder}: ${explain(code)}`;
    }
  }
  const probe = path.join(
    target,
    `.crack-segment-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    return `${flag} ${dir}: cannot write in this folder: ${explain(codeOf(error))}`;
  }
  await unlink(probe).catch(() => {});
  return null;
}

/**
 * Makes sure `file` can be written later (atomically: a temporary file in its folder, then a
 * rename): it is not a folder, and its folder exists or can be created and is writable. Returns a
 * message naming `flag`, or null.
 */
export async function checkWritableFile(file: string, flag: string): Promise<string | null> {
  try {
    if ((await stat(file)).isDirectory()) return `${flag} ${file}: is a folder, not a file`;
  } catch (error) {
    const code = codeOf(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      return `${flag} ${file}: cannot read it: ${explain(code)}`;
  }
  const problem = await checkWritableFolder(path.dirname(path.resolve(file)), flag);
  return problem === null
    ? null
    : problem.replace(`${flag} ${path.dirname(path.resolve(file))}`, `${flag} ${file}`);
}
