/** A rectangle in pixel coordinates: columns [x, x + width), rows [y, y + height). */
export interface PixelRegion {
  /** First column. */
  x: number;
  /** First row. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** What the thesis's phone preprocessing (section 7) does with a photo of a given size. */
export interface ThesisCrop {
  /** Whether the photo is portrait (width < height) and so rotated 90° clockwise first. */
  rotated: boolean;
  /** The part of the photo the model sees, in the photo's own (unrotated) coordinates. */
  region: PixelRegion;
  /** The same part in the rotated (landscape) photo's coordinates. */
  rotatedRegion: PixelRegion;
}

/** The thesis's model input: 480 wide, 320 high (CFD's size, a 3:2 aspect). */
export const THESIS_SIZE = Object.freeze({
  /** Input width in pixels. */
  width: 480,
  /** Input height in pixels. */
  height: 320,
});

/**
 * The crop of the thesis's phone preprocessing (section 7) for a `width` x `height` photo:
 * 1. if width < height, rotate 90° clockwise (so the photo is landscape);
 * 2. if width / height > 1.5, keep the height and centre-crop the width to 1.5 * height,
 *    else keep the width and centre-crop the height to width / 1.5 (both rounded to pixels;
 *    an odd remainder leaves the extra pixel on the right / bottom);
 * then (not here) resize to 480x320.
 *
 * @example
 * thesisCrop(3000, 4000) // portrait: { rotated: true, region: { x: 0, y: 0, width: 3000, height: 4000 } ... }
 */
export function thesisCrop(width: number, height: number): ThesisCrop {
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`thesisCrop: ${field} must be a positive integer, got ${value}`);
    }
  }
  const rotated = width < height;
  const w = rotated ? height : width;
  const h = rotated ? width : height;
  let rotatedRegion: PixelRegion;
  if (w / h > 1.5) {
    const cropWidth = Math.min(w, Math.max(1, Math.round(1.5 * h)));
    rotatedRegion = { x: Math.floor((w - cropWidth) / 2), y: 0, width: cropWidth, height: h };
  } else {
    const cropHeight = Math.min(h, Math.max(1, Math.round(w / 1.5)));
    rotatedRegion = { x: 0, y: Math.floor((h - cropHeight) / 2), width: w, height: cropHeight };
  }
  // Rotated pixel (xr, yr) is photo pixel (x = yr, y = height - 1 - xr).
  const region = rotated
    ? {
        x: rotatedRegion.y,
        y: height - rotatedRegion.x - rotatedRegion.width,
        width: rotatedRegion.height,
        height: rotatedRegion.width,
      }
    : { ...rotatedRegion };
  return { rotated, region, rotatedRegion };
}
