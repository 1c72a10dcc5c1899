import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image.js';
import { decodeSeg } from '../src/index.js';
import { cfdDir } from './shared-data.js';

describe('decodeSeg', () => {
  it('decodes runs (segment row colStart colEnd, inclusive)', () => {
    const text =
      'format ascii cr\nwidth 4\nheight 2\nsegments 2\ndata\n0 0 0 3\n1 1 1 2\n0 1 0 0\n0 1 3 3\n';
    const { mask, width, height } = decodeSeg(text);
    expect([width, height]).toEqual([4, 2]);
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
  });

  it('names the file and line of a bad run', () => {
    expect(() => decodeSeg('width 4\nheight 2\ndata\n1 2 0 1\n', { name: 'x.seg' })).toThrow(
      /decodeSeg: x\.seg: line 4: run row 2 cols 0-1 is outside 4x2/,
    );
    expect(() => decodeSeg('width 4\nheight 2\n')).toThrow(/no "data" line/);
  });

  it.skipIf(!cfdDir)('decodes all 118 CFD .seg files to exactly the PNG masks', async () => {
    const dir = cfdDir as string;
    const files = (await readdir(path.join(dir, 'seg'))).filter((f) => f.endsWith('.seg'));
    expect(files.length).toBe(118);
    for (const file of files) {
      const id = file.slice(0, -4);
      const { mask, width, height } = decodeSeg(await readFile(path.join(dir, 'seg', file)), {
        name: file,
      });
      const png = decodeImage(await readFile(path.join(dir, 'masks', `${id}.png`)), {
        channels: 1,
      });
      expect([width, height], id).toEqual([png.width, png.height]);
      let differing = 0;
      for (let i = 0; i < mask.length; i++)
        if (mask[i] !== (png.data[i] === 255 ? 1 : 0)) differing++;
      expect(differing, `${id}: pixels differing from masks/${id}.png`).toBe(0);
    }
  });
});
