import { readFileSync } from 'node:fs';
import type { Mask, ProbabilityMap } from '../types';

/** The part of `@crack/data/image`'s `decodeImage` the CLI uses. */
type DecodeImage = (
  bytes: Uint8Array,
  options?: { channels?: 1 | 3 | 4; name?: string },
) => { data: Uint8Array; width: number; height: number; channels: number };

let decoder: Promise<DecodeImage> | undefined;

/**
 * `decodeImage` of `@crack/data/image`, the project's one image codec, loaded on first use so
 * that `--help` stays instant and a missing codec is reported as such.
 */
function loadDecoder(): Promise<DecodeImage> {
  decoder ??= import('@crack/data/image').then((module: { decodeImage?: unknown }) => {
    if (typeof module.decodeImage !== 'function') {
      throw new Error('crack-metrics: @crack/data/image does not export decodeImage');
    }
    return module.decodeImage as DecodeImage;
  });
  return decoder;
}

/**
 * One 8-bit value per pixel: the largest colour channel (alpha ignored). Gray images keep their
 * value; a red-on-black or white-on-black colour mask reads as its bright channel.
 */
function brightest(image: { data: Uint8Array; width: number; height: number }): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  const data = image.data;
  for (let i = 0, s = 0; i < n; i++, s += 3) {
    out[i] = Math.max(data[s] as number, data[s + 1] as number, data[s + 2] as number);
  }
  return out;
}

/**
 * Reads an image file (PNG or JPEG) as a binary mask: a pixel is crack when its brightest colour
 * channel is > 127. A mask stored with values 0 and 1 (largest value 1) is read as 0/1.
 */
export async function readBinaryMask(file: string): Promise<Mask> {
  const decodeImage = await loadDecoder();
  const image = decodeImage(readFileSync(file), { channels: 3, name: file });
  const values = brightest(image);
  let max = 0;
  for (let i = 0; i < values.length; i++)
    if ((values[i] as number) > max) max = values[i] as number;
  const cut = max === 1 ? 0 : 127;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) > cut ? 1 : 0;
  return { data: values, width: image.width, height: image.height };
}

/**
 * Reads an 8-bit image file as a probability map: the brightest colour channel v, read as
 * v / 255 (so threshold 0.5 keeps v >= 128, the same pixels as {@link readBinaryMask}).
 */
export async function readProbabilityMap(file: string): Promise<ProbabilityMap> {
  const decodeImage = await loadDecoder();
  const image = decodeImage(readFileSync(file), { channels: 3, name: file });
  return { data: brightest(image), width: image.width, height: image.height };
}

/**
 * Reads an image file as a class-id map for `--classes N`: a pixel's class is its brightest
 * colour channel (a gray PNG of ids 0..N-1). With N = 2 the mask conventions of
 * {@link readBinaryMask} apply (0/255 or 0/1), so binary crack masks score as 2 classes.
 *
 * @throws Error naming the file, the pixel and the value when a value is not an id in [0, N).
 */
export async function readClassMap(file: string, classes: number): Promise<Mask> {
  if (classes === 2) return readBinaryMask(file);
  const decodeImage = await loadDecoder();
  const image = decodeImage(readFileSync(file), { channels: 3, name: file });
  const values = brightest(image);
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) >= classes) {
      throw new Error(
        `pixel ${i % image.width},${Math.floor(i / image.width)} has value ${values[i]}, not a class id in [0, ${classes - 1}]`,
      );
    }
  }
  return { data: values, width: image.width, height: image.height };
}
