import type { DecodedImage } from '../image/decoded-image.js';
import { type EncodePngOptions, encodePng } from '../image/encode-png.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Encodes `image` as PNG and writes it atomically (temporary file + rename), creating missing
 * folders (Node only). A reader never sees a half-written file.
 */
export async function writePngFile(
  file: string,
  image: DecodedImage,
  options: EncodePngOptions = {},
): Promise<void> {
  if (typeof file !== 'string' || file === '')
    throw new TypeError(`writePngFile: file must be a non-empty path string, got ${String(file)}`);
  await writeFileAtomic(file, encodePng(image, options));
}
