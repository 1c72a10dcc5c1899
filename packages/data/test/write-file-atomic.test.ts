import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/node.js';

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-data-atomic-'));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing folders, replaces the file, and leaves no temporary file', async () => {
    const file = path.join(temp, 'a', 'b', 'record.json');
    await writeFileAtomic(file, 'first\n');
    expect(await readFile(file, 'utf8')).toBe('first\n');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(file))]).toEqual([1, 2, 3]);
    expect(await readdir(path.dirname(file))).toEqual(['record.json']);
    // A folder removed between two writes is made again.
    await rm(path.join(temp, 'a'), { recursive: true });
    await writeFileAtomic(file, 'again\n');
    expect(await readFile(file, 'utf8')).toBe('again\n');
  });

  it('fails with the file system error and leaves nothing when the folder cannot exist', async () => {
    const blocker = path.join(temp, 'not-a-folder');
    await writeFile(blocker, 'a file where a folder should be');
    await expect(writeFileAtomic(path.join(blocker, 'x.json'), '{}')).rejects.toThrow(/ENOTDIR/);
    const target = path.join(temp, 'taken');
    await writeFileAtomic(path.join(target, 'inner', 'x'), 'x');
    // Renaming a file onto a non-empty folder fails: the temporary file is removed.
    await expect(writeFileAtomic(target, 'y')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect((await readdir(temp)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});
