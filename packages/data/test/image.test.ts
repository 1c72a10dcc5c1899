import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convertChannels,
  decodeImage,
  encodePng,
  ImageDecodeError,
  readImageHeader,
} from '../src/image.js';
import { readImageFile, writePngFile } from '../src/node.js';
import { cfdDir } from './shared-data.js';

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-data-image-'));
});
afterAll(() => rm(temp, { recursive: true, force: true }));

function gradient(width: number, height: number, channels: number) {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  return { data, width, height, channels };
}

/** A PNG header claiming 0x0 (the IHDR chunk with width 0, height 0). */
function zeroSizePng(): Uint8Array {
  const png = encodePng(gradient(2, 2, 1));
  const bytes = png.slice();
  new DataView(bytes.buffer).setUint32(16, 0);
  new DataView(bytes.buffer).setUint32(20, 0);
  return bytes;
}

describe('decodeImage / encodePng', () => {
  it('round-trips gray, RGB and RGBA losslessly', () => {
    for (const channels of [1, 3, 4] as const) {
      const image = gradient(7, 5, channels);
      const back = decodeImage(encodePng(image), { channels });
      expect(back).toEqual({ ...image, data: back.data });
      expect(Array.from(back.data)).toEqual(Array.from(image.data));
    }
  });

  it('converts channels: gray expands to RGB, RGB to gray uses BT.601 luma', () => {
    const gray = decodeImage(
      encodePng({ data: new Uint8Array([0, 100, 255, 7]), width: 2, height: 2, channels: 1 }),
    );
    expect(gray.channels).toBe(3);
    expect(Array.from(gray.data.subarray(0, 6))).toEqual([0, 0, 0, 100, 100, 100]);
    const rgb = { data: new Uint8Array([255, 0, 0, 0, 255, 0]), width: 2, height: 1, channels: 3 };
    expect(Array.from(convertChannels(rgb, 1).data)).toEqual([76, 150]);
    expect(Array.from(convertChannels(rgb, 4).data)).toEqual([255, 0, 0, 255, 0, 255, 0, 255]);
  });

  it('reads the header without decoding', () => {
    const header = readImageHeader(encodePng(gradient(9, 4, 3)));
    expect(header).toEqual({ format: 'png', width: 9, height: 4, channels: 3 });
  });

  it('names the file and the problem: truncated JPEG, text file, 0x0 image, empty file', async () => {
    const cases: [Uint8Array, string, RegExp][] = [
      [
        new TextEncoder().encode('hello, this is not an image'),
        'notes.jpg',
        /notes\.jpg: not a JPEG or PNG file \(starts with "hello, this "\)/,
      ],
      [zeroSizePng(), 'zero.png', /zero\.png: image is 0x0/],
      [new Uint8Array(0), 'empty.png', /empty\.png: empty file/],
      [encodePng(gradient(40, 30, 3)).subarray(0, 60), 'cut.png', /cut\.png: truncated PNG/],
    ];
    if (cfdDir) {
      const jpeg = await readFile(path.join(cfdDir, 'images/001.jpg'));
      cases.push([jpeg.subarray(0, jpeg.length >> 1), 'half.jpg', /half\.jpg: truncated JPEG/]);
      cases.push([jpeg.subarray(0, 300), 'head.jpg', /head\.jpg: truncated JPEG/]);
    }
    for (const [bytes, name, message] of cases) {
      let error: unknown;
      try {
        decodeImage(bytes, { name });
      } catch (caught) {
        error = caught;
      }
      expect(error, name).toBeInstanceOf(ImageDecodeError);
      expect((error as Error).message).toMatch(/^decodeImage: /);
      expect((error as Error).message).toMatch(message);
      expect((error as ImageDecodeError).file).toBe(name);
    }
  });

  // Issue 17 (8): a cut-off PNG was "truncated PNG (Offset is outside the bounds of the DataView)"
  // or "corrupt" with an empty detail; the message now says where the file ends.
  it('says where a truncated PNG ends: inside which chunk, or before IEND', () => {
    const png = encodePng(gradient(40, 30, 3));
    const cut = (length: number) => {
      try {
        decodeImage(png.subarray(0, length), { name: 'cut.png' });
      } catch (error) {
        return [(error as ImageDecodeError).problem, (error as Error).message];
      }
      return ['decoded', ''];
    };
    // Chunks: IHDR (8..33), IDAT (33..), IEND (last 12 bytes).
    expect(cut(60)).toEqual([
      'truncated',
      `decodeImage: cut.png: truncated PNG (the file ends inside chunk 2 (IDAT) at byte 60; the chunk needs ${png.length - 12})`,
    ]);
    expect(cut(png.length - 12)).toEqual([
      'truncated',
      `decodeImage: cut.png: truncated PNG (the file ends after ${png.length - 12} bytes, 2 chunk(s), without the IEND chunk)`,
    ]);
    expect(cut(png.length)[0]).toBe('decoded');
  });

  // Issue 17 (2): an image over the size limit was "corrupt"; it is 'too-large', with the size.
  it("refuses an image above maxMegapixels up front as 'too-large', naming its size and the limit", () => {
    const png = encodePng(gradient(400, 300, 3));
    let error: ImageDecodeError | undefined;
    try {
      decodeImage(png, { name: 'big.png', maxMegapixels: 0.1 });
    } catch (caught) {
      error = caught as ImageDecodeError;
    }
    expect(error?.problem).toBe('too-large');
    expect(error?.message).toBe(
      'decodeImage: big.png: image is 400x300 (0.12 MP), above options.maxMegapixels (0.1)',
    );
  });

  it('rejects bad options with the field name', () => {
    expect(() => decodeImage(new Uint8Array(4), { channels: 2 as 3 })).toThrow(
      /options\.channels must be 1, 3 or 4, got 2/,
    );
    expect(() => encodePng({ data: new Uint8Array(3), width: 2, height: 2, channels: 1 })).toThrow(
      /image\.data\.length must be/,
    );
  });

  it.skipIf(!cfdDir)('decodes every CFD JPEG and PNG mask at 480x320', async () => {
    const dir = cfdDir as string;
    for (const name of await readdir(path.join(dir, 'images'))) {
      const image = decodeImage(await readFile(path.join(dir, 'images', name)), { name });
      expect([image.width, image.height, image.channels]).toEqual([480, 320, 3]);
      const mask = decodeImage(
        await readFile(path.join(dir, 'masks', name.replace('.jpg', '.png'))),
        { channels: 1 },
      );
      expect([mask.width, mask.height, mask.channels]).toEqual([480, 320, 1]);
      expect(mask.data.every((v) => v === 0 || v === 255)).toBe(true);
    }
  });
});

describe('readImageFile / writePngFile', () => {
  it('writes atomically (no temporary file left) and reads back', async () => {
    const file = path.join(temp, 'deep/er/mask.png');
    const image = gradient(16, 8, 1);
    await writePngFile(file, image);
    expect(await readdir(path.dirname(file))).toEqual(['mask.png']);
    const back = await readImageFile(file, { channels: 1 });
    expect(Array.from(back.data)).toEqual(Array.from(image.data));
  });

  it('names the missing or corrupt file', async () => {
    await expect(readImageFile(path.join(temp, 'nope.png'))).rejects.toThrow(
      /readImageFile: cannot read .*nope\.png/,
    );
    const text = path.join(temp, 'readme.png');
    await writeFile(text, 'just text');
    await expect(readImageFile(text)).rejects.toThrow(/readme\.png: not a JPEG or PNG/);
  });
});
