import { readFile } from 'node:fs/promises';
import { decodeImage } from '../image/decode-image.js';
import type { ChannelCount, DecodedImage } from '../image/decoded-image.js';

/** Options for {@link readImageFile}. */
export interface ReadImageFileOptions {
  /** Channels of the result: 1, 3 or 4. Default 3 (RGB). */
  channels?: ChannelCount;
}

/**
 * Reads and decodes a JPEG or PNG file (Node only). Errors name the file: a missing file is
 * `readImageFile: cannot read photo.jpg (ENOENT ...)`, bad bytes throw
 * {@link image!ImageDecodeError} (from `@crack/data/image`) with the path as `file`.
 */
export async function readImageFile(
  file: string,
  options: ReadImageFileOptions = {},
): Promise<DecodedImage> {
  if (typeof file !== 'string' || file === '')
    throw new TypeError(`readImageFile: file must be a non-empty path string, got ${String(file)}`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`readImageFile: cannot read ${file} (${(error as Error).message})`, {
      cause: error,
    });
  }
  return decodeImage(bytes, { ...options, name: file });
}
