import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../src/image.js';
import { FolderDatasetError, loadFolderDataset } from '../src/node.js';

let dir: string;

function rgb(width: number, height: number, value: number) {
  return encodePng({
    data: new Uint8Array(width * height * 3).fill(value),
    width,
    height,
    channels: 3,
  });
}
function mask(width: number, height: number, on: number[]) {
  const data = new Uint8Array(width * height);
  for (const i of on) data[i] = 255;
  return encodePng({ data, width, height, channels: 1 });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'crack-data-folder-'));
  await mkdir(path.join(dir, 'images'));
  await mkdir(path.join(dir, 'masks'));
  const files: [string, Uint8Array | string][] = [
    ['images/a.png', rgb(6, 4, 10)],
    ['masks/a.png', mask(6, 4, [0, 7])],
    ['images/b.png', rgb(6, 4, 20)],
    ['masks/b.png', mask(6, 4, [23])],
    ['images/corrupt.jpg', 'this is a text file, not a photo'],
    ['masks/corrupt.png', mask(6, 4, [])],
    ['images/lonely.png', rgb(6, 4, 30)],
    ['images/wrongsize.png', rgb(6, 4, 40)],
    ['masks/wrongsize.png', mask(4, 6, [])],
    ['masks/orphan.png', mask(6, 4, [])],
    ['images/notes.txt', 'ignored: not an image extension'],
    ['folds.json', JSON.stringify({ description: 'test', folds: [['a', 'corrupt'], ['b']] })],
  ];
  for (const [name, content] of files) await writeFile(path.join(dir, name), content);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadFolderDataset', () => {
  it('throws one error listing every problem by file name', async () => {
    const error = await loadFolderDataset(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderDatasetError);
    const { problems, message } = error as FolderDatasetError;
    expect(problems.map((p) => p.file)).toEqual([
      'images/corrupt.jpg',
      'images/lonely.png',
      'masks/orphan.png',
      'images/wrongsize.png',
    ]);
    expect(message).toMatch(/^loadFolderDataset: 4 invalid file\(s\) in /);
    expect(message).toMatch(/images\/corrupt\.jpg: not a JPEG or PNG file/);
    expect(message).toMatch(/images\/lonely\.png: no mask masks\/lonely\.\* for this image/);
    expect(message).toMatch(/masks\/orphan\.png: no image images\/orphan\.\* for this mask/);
    expect(message).toMatch(
      /images\/wrongsize\.png: size 6x4 does not match mask masks\/wrongsize\.png \(4x6\)/,
    );
  });

  it('header validation finds the same problems', async () => {
    const error = (await loadFolderDataset(dir, { validate: 'header' }).catch(
      (e: unknown) => e,
    )) as FolderDatasetError;
    expect(error.problems.length).toBe(4);
  });

  it('skips invalid pairs with skipInvalid and decodes the rest on demand', async () => {
    const dataset = await loadFolderDataset(dir, { skipInvalid: true });
    expect(dataset.ids).toEqual(['a', 'b']);
    expect(dataset.size).toBe(2);
    expect(dataset.problems.length).toBe(4);
    expect(dataset.folds).toEqual([['a'], ['b']]);
    const a = await dataset.get(0);
    expect([a.id, a.width, a.height, a.image.channels]).toEqual(['a', 6, 4, 3]);
    expect(a.image.data[0]).toBe(10);
    expect(Array.from(a.mask).flatMap((v, i) => (v ? [i] : []))).toEqual([0, 7]);
    const ids: string[] = [];
    for await (const sample of dataset) ids.push(sample.id);
    expect(ids).toEqual(['a', 'b']);
    const selected = dataset.select(['b']);
    expect((await selected.get(0)).mask[23]).toBe(1);
    expect(() => dataset.select(['zzz'])).toThrow(/select: unknown id\(s\) zzz/);
    await expect(dataset.get(5)).rejects.toThrow(/index must be an integer from 0 to 1, got 5/);
  });

  it('names a missing folder', async () => {
    await expect(loadFolderDataset(path.join(dir, 'nope'))).rejects.toThrow(
      /cannot read folder .*nope.images/,
    );
  });
});
