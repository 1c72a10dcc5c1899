import { decode as decodePngBytes } from 'fast-png';
import { convertChannels } from './convert-channels.js';
import { decodePngInPlace } from './decode-png-in-place.js';
import type { ChannelCount, DecodedImage } from './decoded-image.js';
import { ImageDecodeError } from './image-decode-error.js';
import { jpegHeader, readHeader } from './read-image-header.js';
import decodeJpegBytes from './vendor/jpeg-decoder.js';

/** Options for {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * Channels of the result: 1 (gray), 3 (RGB) or 4 (RGBA), converted from whatever the file
   * stores. Default 3, the models' input.
   */
  channels?: ChannelCount;
  /** A file name or label for error messages. Default: none ("(bytes)"). */
  name?: string;
  /** Largest accepted image in megapixels, a guard against decompression bombs. Default 100. */
  maxMegapixels?: number;
}

/**
 * Decodes a JPEG or PNG (the format is read from the bytes, not a file name) into 8-bit
 * interleaved pixels. Pure JavaScript (jpeg-js, vendored; fast-png; fflate) and synchronous, so
 * it runs the same in Node, browsers and workers and gives the same pixels everywhere. Peak extra
 * memory is about 6 bytes per pixel for a colour JPEG and for an 8-bit PNG (PNGs decode in place;
 * the JPEG decoder keeps coefficients as 16-bit planes), see bench/large-photo.bench.ts.
 *
 * 16-bit PNGs are reduced to 8 bits, palettes are expanded, alpha is dropped unless
 * `channels: 4` is asked for.
 *
 * @throws {@link ImageDecodeError} for an empty, unknown, truncated, corrupt or 0x0 image;
 *   the message names `options.name` and the problem.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): DecodedImage {
  const { channels = 3, name, maxMegapixels = 100 } = options;
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new RangeError(`decodeImage: options.channels must be 1, 3 or 4, got ${channels}`);
  if (!(maxMegapixels > 0))
    throw new RangeError(`decodeImage: options.maxMegapixels must be > 0, got ${maxMegapixels}`);
  const header = readHeader('decodeImage', bytes, name);
  if (header.width * header.height > maxMegapixels * 1e6)
    throw new ImageDecodeError(
      'decodeImage',
      name,
      'too-large',
      `image is ${header.width}x${header.height} (${Number(((header.width * header.height) / 1e6).toPrecision(3))} MP), above options.maxMegapixels (${maxMegapixels})`,
    );
  const decoded =
    header.format === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name, maxMegapixels);
  return convertChannels(decoded, channels);
}

function decodeJpeg(
  bytes: Uint8Array,
  name: string | undefined,
  maxMegapixels: number,
): DecodedImage {
  // jpeg-js reports a cut-off file only as "marker was not found"; look for the end-of-image
  // marker first so the message says what is wrong. In the entropy-coded data 0xFF is always followed by 0x00 or a restart
  // marker (D0-D7), so the first FF D9 after the scan start is the real end of the image.
  const { header, scanStart } = jpegHeader('decodeImage', bytes, name);
  if (!hasEndOfImage(bytes, scanStart))
    throw new ImageDecodeError(
      'decodeImage',
      name,
      'truncated',
      'truncated JPEG (no end-of-image marker after the scan data)',
    );
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = decodeJpegBytes(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxMegapixels,
      maxMemoryUsageInMB: jpegMemoryBudgetMB(maxMegapixels),
    });
  } catch (error) {
    const message = messageOf(error);
    if (/maxMemoryUsageInMB/.test(message))
      throw new ImageDecodeError(
        'decodeImage',
        name,
        'too-large',
        `JPEG of ${header.width}x${header.height} needs more memory to decode than the budget for options.maxMegapixels ${maxMegapixels} (${jpegMemoryBudgetMB(maxMegapixels)} MB; jpeg-js: ${message})`,
      );
    throw new ImageDecodeError('decodeImage', name, 'corrupt', `corrupt JPEG (${message})`);
  }
  const channels = raw.data.length / (raw.width * raw.height);
  if (
    raw.width !== header.width ||
    raw.height !== header.height ||
    channels !== Math.round(channels)
  )
    throw new ImageDecodeError(
      'decodeImage',
      name,
      'corrupt',
      'corrupt JPEG (pixel data does not match the header)',
    );
  // jpeg-js returns 1 channel for gray JPEGs and 3 otherwise (CMYK is converted to RGB).
  return { data: raw.data, width: raw.width, height: raw.height, channels };
}

/**
 * The JPEG decoder's memory budget for an image of `maxMegapixels`. The vendored jpeg-js books
 * 2 bytes per DCT coefficient (one per pixel and component), 1 byte per component sample and the
 * 3-byte RGB result, so a 4:4:4 colour JPEG books 12 bytes per pixel and CMYK 19 (measured peak
 * for 4:4:4: 6.2). jpeg-js's own budget, 8 bytes per pixel against its 21, refused a valid 99 MP
 * JPEG after 24 s as "corrupt" (issue 17).
 */
function jpegMemoryBudgetMB(maxMegapixels: number): number {
  return Math.max(512, Math.ceil((maxMegapixels * 1e6 * 20) / 2 ** 20));
}

function hasEndOfImage(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

/**
 * Where a PNG's chunk list ends early, or null when every chunk is whole up to IEND. fast-png
 * reports a cut-off file as "Offset is outside the bounds of the DataView" or, cut inside the
 * compressed data, as a corrupt image with an empty message (issue 17); walking the chunk lengths
 * first lets the message say what is wrong.
 */
function pngTruncation(bytes: Uint8Array): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let index = 0;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.length)
      return `the file ends inside chunk ${index + 1} (${type}) at byte ${bytes.length}; the chunk needs ${end}`;
    if (type === 'IEND') return null;
    offset = end;
    index++;
  }
  return `the file ends after ${bytes.length} bytes, ${index} chunk(s), without the IEND chunk`;
}

function decodePng(bytes: Uint8Array, name: string | undefined): DecodedImage {
  const truncation = pngTruncation(bytes);
  if (truncation)
    throw new ImageDecodeError('decodeImage', name, 'truncated', `truncated PNG (${truncation})`);
  let fast: DecodedImage | null = null;
  try {
    fast = decodePngInPlace(bytes);
  } catch {
    fast = null; // anything unusual: fast-png decodes it, or says what is wrong
  }
  if (fast) return fast;
  let png: ReturnType<typeof decodePngBytes>;
  try {
    png = decodePngBytes(bytes);
  } catch (error) {
    const message = messageOf(error);
    const problem = /end of|out of range|offset|unexpected end|incomplete/i.test(message)
      ? 'truncated'
      : 'corrupt';
    const detail = message || (error as Error)?.name || 'the decoder gave no reason';
    throw new ImageDecodeError('decodeImage', name, problem, `${problem} PNG (${detail})`);
  }
  const { width, height, depth, palette } = png;
  const stored = png.channels;
  const expected = width * height * stored;
  if (png.data.length < (depth >= 8 ? expected : Math.ceil((width * stored * depth) / 8) * height))
    throw new ImageDecodeError(
      'decodeImage',
      name,
      'truncated',
      'truncated PNG (pixel data ends early)',
    );
  const samples = toEightBit(png.data, width, height, stored, depth, !palette);
  if (!palette) return { data: samples, width, height, channels: stored };
  const paletteChannels = palette[0]?.length === 4 ? 4 : 3;
  const out = new Uint8Array(width * height * paletteChannels);
  for (let i = 0; i < width * height; i++) {
    const colour = palette[samples[i] ?? 0] ?? [0, 0, 0, 255];
    for (let c = 0; c < paletteChannels; c++) out[i * paletteChannels + c] = colour[c] ?? 255;
  }
  return { data: out, width, height, channels: paletteChannels };
}

/**
 * One byte per sample: 16-bit samples keep their high byte; 1/2/4-bit rows (padded to a byte
 * each) are unpacked, and scaled to 0-255 unless they are palette indices.
 */
function toEightBit(
  data: Uint8Array | Uint8ClampedArray | Uint16Array,
  width: number,
  height: number,
  channels: number,
  depth: number,
  scale: boolean,
): Uint8Array {
  if (depth === 8) return data instanceof Uint8Array ? data : new Uint8Array(data);
  const count = width * height * channels;
  const out = new Uint8Array(count);
  if (depth === 16) {
    for (let i = 0; i < count; i++) out[i] = (data[i] ?? 0) >> 8;
    return out;
  }
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < perRow; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)] ?? 0;
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + x] = scale ? Math.round((value * 255) / max) : value;
    }
  }
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
