/**
 * Issue 17 (2): JPEGs decode with the vendored jpeg-js decoder (src/image/vendor), which keeps
 * coefficients in one Int16Array per component and writes RGB straight into the result, so a
 * photo peaks at ~6 bytes per pixel instead of ~20. The pixels must be exactly jpeg-js's: baseline
 * 4:4:4 and 4:2:0, progressive, low quality, gray, CMYK, RGBA output, and CFD's photos.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { decode as jpegJs } from 'jpeg-js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import decodeVendored from '../src/image/vendor/jpeg-decoder.js';
import { decodeImage } from '../src/image.js';
import { cfdDir } from './shared-data.js';

const options = { useTArray: true, formatAsRGBA: false } as const;

/** A 333x251 RGB texture with edges (odd sizes exercise the partial edge blocks). */
function source() {
  const width = 333;
  const height = 251;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + Math.floor(i / 999) * 13) & 255;
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

function expectSame(bytes: Uint8Array, label: string, rgba = false) {
  const expected = jpegJs(bytes, { ...options, formatAsRGBA: rgba });
  const got = decodeVendored(bytes, { ...options, formatAsRGBA: rgba });
  expect([got.width, got.height], label).toEqual([expected.width, expected.height]);
  expect(Buffer.compare(Buffer.from(got.data), Buffer.from(expected.data)), label).toBe(0);
}

describe('the vendored JPEG decoder', () => {
  it('gives exactly the pixels of jpeg-js for every kind of JPEG', async () => {
    const image = source();
    const variants: Array<[string, Buffer]> = [
      ['baseline 4:4:4', await image.clone().jpeg({ chromaSubsampling: '4:4:4' }).toBuffer()],
      ['baseline 4:2:0', await image.clone().jpeg({ chromaSubsampling: '4:2:0' }).toBuffer()],
      ['progressive', await image.clone().jpeg({ progressive: true }).toBuffer()],
      ['quality 20', await image.clone().jpeg({ quality: 20 }).toBuffer()],
      ['gray', await image.clone().greyscale().jpeg().toBuffer()],
      ['gray progressive', await image.clone().greyscale().jpeg({ progressive: true }).toBuffer()],
      ['CMYK', await image.clone().toColourspace('cmyk').jpeg().toBuffer()],
    ];
    for (const [label, bytes] of variants) expectSame(new Uint8Array(bytes), label);
    expectSame(new Uint8Array(variants[0]?.[1] as Buffer), 'RGBA output', true);
  });

  it.skipIf(!cfdDir)('gives exactly the pixels of jpeg-js on every CFD photo', async () => {
    const dir = path.join(cfdDir as string, 'images');
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.jpg')))
      expectSame(new Uint8Array(await readFile(path.join(dir, file))), file);
  });

  it('is what decodeImage uses', async () => {
    const bytes = new Uint8Array(await source().jpeg().toBuffer());
    const decoded = decodeImage(bytes, { channels: 3 });
    expect(
      Buffer.compare(Buffer.from(decoded.data), Buffer.from(jpegJs(bytes, options).data)),
    ).toBe(0);
  });
});
