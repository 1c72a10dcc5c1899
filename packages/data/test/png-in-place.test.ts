/**
 * Issue 17 (2): 8-bit PNGs decode into one buffer (inflate into place, unfilter in place) instead
 * of fast-png's several copies. The pixels must be exactly fast-png's, for every colour type and
 * every filter (sharp's adaptive filtering mixes all five), odd sizes included; PNGs the fast path
 * does not take (palette, 16-bit, interlaced, tRNS) still decode through fast-png.
 */
import { decode as fastPngDecode } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../src/image.js';

/** Deterministic texture with edges, so every PNG filter type wins somewhere. */
function pixels(width: number, height: number, channels: number): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0, i = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++, i++)
        data[i] = (x * (3 + c) + y * 5 + ((x * y) % 7) * 31 + (x > width / 2 ? 100 : 0)) & 255;
  return data;
}

/** fast-png's reading of the bytes, as the reference. */
function reference(bytes: Uint8Array) {
  const png = fastPngDecode(bytes);
  return {
    data: Uint8Array.from(png.data),
    width: png.width,
    height: png.height,
    channels: png.channels,
  };
}

describe('PNG decoding in place', () => {
  it.each([1, 3, 4] as const)(
    'equals fast-png for %i-channel 8-bit PNGs from sharp (all filters) and encodePng',
    async (channels) => {
      for (const [width, height] of [
        [37, 23],
        [1, 1],
        [64, 3],
      ] as const) {
        const data = pixels(width, height, channels);
        const encoded = [
          new Uint8Array(
            await sharp(Buffer.from(data), { raw: { width, height, channels } })
              .png({ adaptiveFiltering: true, compressionLevel: 9 })
              .toBuffer(),
          ),
          encodePng({ data, width, height, channels }),
        ];
        for (const bytes of encoded) {
          const expected = reference(bytes);
          // The file's own channel count (sharp may store gray as RGB), so nothing is converted.
          const got = decodeImage(bytes, { channels: expected.channels as 1 | 3 | 4 });
          expect([got.width, got.height, got.channels]).toEqual([width, height, expected.channels]);
          expect(Uint8Array.from(got.data)).toEqual(expected.data);
          // Decoded in place: the buffer is the inflated rows, one filter byte per row longer.
          expect(got.data.buffer.byteLength).toBe(got.data.length + height);
        }
      }
    },
  );

  it('keeps gray + alpha exact through the conversion to RGBA', async () => {
    const data = pixels(19, 11, 2);
    const bytes = new Uint8Array(
      await sharp(Buffer.from(data), { raw: { width: 19, height: 11, channels: 2 } })
        .png({ adaptiveFiltering: true })
        .toBuffer(),
    );
    const got = decodeImage(bytes, { channels: 4 });
    for (let i = 0; i < 19 * 11; i++) {
      expect([got.data[4 * i], got.data[4 * i + 2], got.data[4 * i + 3]]).toEqual([
        data[2 * i],
        data[2 * i],
        data[2 * i + 1],
      ]);
    }
  });

  it('leaves palette, 16-bit and interlaced PNGs to fast-png, with the same pixels', async () => {
    const data = pixels(33, 17, 3);
    const raw = sharp(Buffer.from(data), { raw: { width: 33, height: 17, channels: 3 } });
    for (const bytes of [
      await raw.clone().png({ palette: true, colours: 16 }).toBuffer(),
      await raw.clone().png({ progressive: true }).toBuffer(),
      await raw.clone().toColourspace('rgb16').png().toBuffer(),
    ]) {
      const got = decodeImage(new Uint8Array(bytes), { channels: 3 });
      expect([got.width, got.height]).toEqual([33, 17]);
      expect(got.data.length).toBe(33 * 17 * 3);
    }
  });
});
