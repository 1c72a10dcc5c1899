import { writePngFile } from '@crack/data/node';
import { maskToImage } from '../segmenter/mask-to-image';
import { type RenderOverlayOptions, renderOverlay } from '../segmenter/render-overlay';
import type { PixelImage } from '../segmenter/types';

/**
 * Writes a mask as an 8-bit PNG (crack 255, background 0), atomically (a temporary file, then
 * a rename), creating missing folders. Node only.
 */
export async function writeMaskPng(
  file: string,
  mask: ArrayLike<number>,
  width: number,
  height: number,
): Promise<void> {
  await writePngFile(file, maskToImage(mask, width, height));
}

/**
 * Writes the photo with the crack pixels of `mask` painted over it (see {@link renderOverlay})
 * as an RGBA PNG, atomically, creating missing folders. Node only.
 */
export async function writeOverlayPng(
  file: string,
  image: PixelImage,
  mask: ArrayLike<number>,
  options: RenderOverlayOptions = {},
): Promise<void> {
  await writePngFile(file, renderOverlay(image, mask, options));
}
