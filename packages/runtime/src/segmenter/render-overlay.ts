import { assertPixelImage } from './to-pixel-image';
import type { PixelImage } from './types';

/** Options of {@link renderOverlay}. */
export interface RenderOverlayOptions {
  /** Colour painted over crack pixels, [r, g, b] each 0-255. Default [255, 0, 0] (red). */
  color?: readonly [number, number, number];
  /** Opacity of the colour over crack pixels, in [0, 1]. Default 0.6. */
  opacity?: number;
}

/** An 8-bit RGBA image, as {@link renderOverlay} returns it (ready for `new ImageData` or a PNG). */
export interface RgbaImage {
  /** RGBA values 0-255, row-major, length `width * height * 4`. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Always 4 (RGBA). */
  channels: 4;
}

/**
 * Paints the crack pixels of `mask` over the photo: crack pixels become
 * `(1 - opacity) * photo + opacity * color`, the rest stays the photo (gray photos become
 * colour). Returns a new opaque RGBA image of the photo's size.
 *
 * @param mask One value per pixel, crack where non-zero (0/1 or 0/255), row-major.
 */
export function renderOverlay(
  image: PixelImage,
  mask: ArrayLike<number>,
  options: RenderOverlayOptions = {},
): RgbaImage {
  const fn = 'renderOverlay';
  assertPixelImage(image, fn);
  const { color = [255, 0, 0], opacity = 0.6 } = options;
  if (
    !Array.isArray(color) ||
    color.length !== 3 ||
    !color.every((v) => typeof v === 'number' && v >= 0 && v <= 255)
  ) {
    throw new RangeError(
      `${fn}: options.color must be [r, g, b] with values in [0, 255], got ${JSON.stringify(color)}`,
    );
  }
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) {
    throw new RangeError(`${fn}: options.opacity must be a number in [0, 1], got ${opacity}`);
  }
  const { data, width, height, channels } = image;
  const count = width * height;
  if (mask == null || mask.length !== count) {
    throw new RangeError(
      `${fn}: mask must have width*height = ${count} values, got ${mask == null ? String(mask) : mask.length}`,
    );
  }
  const out = new Uint8Array(count * 4);
  const keep = 1 - opacity;
  const [r, g, b] = color;
  for (let i = 0, s = 0, d = 0; i < count; i++, s += channels, d += 4) {
    const red = data[s] as number;
    const green = channels >= 3 ? (data[s + 1] as number) : red;
    const blue = channels >= 3 ? (data[s + 2] as number) : red;
    if (mask[i]) {
      out[d] = Math.round(keep * red + opacity * r);
      out[d + 1] = Math.round(keep * green + opacity * g);
      out[d + 2] = Math.round(keep * blue + opacity * b);
    } else {
      out[d] = red;
      out[d + 1] = green;
      out[d + 2] = blue;
    }
    out[d + 3] = 255;
  }
  return { data: out, width, height, channels: 4 };
}
