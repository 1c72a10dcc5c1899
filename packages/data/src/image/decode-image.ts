import { decode as decodePngBytes } from 'fast-png';
import { decode as decodeJpegBytes } from 'jpeg-js';
import { convertChannels } from './convert-channels.js';
import type { ChannelCount, DecodedImage } from './decoded-image.js';
import { ImageDecodeError } from './image-decode-error.js';
import { jpegHeader, readHeader } from './read-image-header.js';

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
 * interleaved pixels. Pure JavaScript (jpeg-js, fast-png) and synchronous, so it runs the same
 * in Node, browsers and workers and gives the same pixels everywhere.
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
      'corrupt',
      `image is ${header.width}x${header.height}, above options.maxMegapixels (${maxMegapixels})`,
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
      maxMemoryUsageInMB: Math.max(512, Math.ceil(maxMegapixels * 8)),
    });
  } catch (error) {
    throw new ImageDecodeError(
      'decodeImage',
      name,
      'corrupt',
      `corrupt JPEG (${messageOf(error)})`,
    );
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

function hasEndOfImage(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

function decodePng(bytes: Uint8Array, name: string | undefined): DecodedImage {
  let png: ReturnType<typeof decodePngBytes>;
  try {
    png = decodePngBytes(bytes);
  } catch (error) {
    const message = messageOf(error);
    const problem = /end of|out of range|offset|unexpected end|incomplete/i.test(message)
      ? 'truncated'
      : 'corrupt';
    throw new ImageDecodeError('decodeImage', name, problem, `${problem} PNG (${message})`);
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
