import { decodeImage } from '@crack/data/image';
import { readImageFile } from '@crack/data/node';
import { toPixelImage } from '../segmenter/to-pixel-image';
import type { PixelImage, SegmentInput } from '../segmenter/types';

/**
 * What the Node segmenter accepts: everything {@link SegmentInput} does, plus the path of a
 * JPEG or PNG file, or its encoded bytes (a `Buffer` or `Uint8Array`).
 */
export type NodeSegmentInput = SegmentInput | string | Uint8Array;

/**
 * Turns a {@link NodeSegmentInput} into pixels: paths are read and bytes decoded with
 * @crack/data's codec (as RGB); the rest goes through the browser-safe conversion. Decoding
 * problems throw @crack/data's `ImageDecodeError` (with `.problem`: truncated, unknown-format,
 * zero-size, ...), whose message names the file.
 */
export async function readNodeInput(
  input: NodeSegmentInput,
  caller = 'segment',
): Promise<PixelImage> {
  if (typeof input === 'string') {
    if (input === '') throw new TypeError(`${caller}: the image path is empty`);
    return readImageFile(input, { channels: 3 });
  }
  if (input instanceof Uint8Array) {
    return decodeImage(input, { channels: 3, name: `${caller} input bytes` });
  }
  return toPixelImage(input, caller);
}
