import { encode } from 'fast-png';
import type { DecodedImage } from './decoded-image.js';

/** Options for {@link encodePng}. */
export interface EncodePngOptions {
  /** Deflate level 0-9: higher is smaller and slower. Default 6. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/**
 * Encodes 8-bit gray (1), gray + alpha (2), RGB (3) or RGBA (4) pixels as a PNG. Lossless, so
 * masks written with it decode to exactly the same values. Synchronous and pure JavaScript.
 *
 * @throws RangeError when `image` is malformed (bad size, channel count or data length).
 */
export function encodePng(image: DecodedImage, options: EncodePngOptions = {}): Uint8Array {
  const { level = 6 } = options;
  const { data, width, height, channels } = image ?? ({} as DecodedImage);
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0)
    throw new RangeError(
      `encodePng: image.width and image.height must be positive integers, got ${width}x${height}`,
    );
  if (![1, 2, 3, 4].includes(channels))
    throw new RangeError(`encodePng: image.channels must be 1, 2, 3 or 4, got ${channels}`);
  if (!(data instanceof Uint8Array) && !((data as unknown) instanceof Uint8ClampedArray))
    throw new TypeError('encodePng: image.data must be a Uint8Array');
  if (data.length !== width * height * channels)
    throw new RangeError(
      `encodePng: image.data.length must be width*height*channels = ${width * height * channels}, got ${data.length}`,
    );
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw new RangeError(`encodePng: options.level must be an integer 0-9, got ${level}`);
  return encode({ width, height, data, channels, depth: 8 }, { zlib: { level } });
}
