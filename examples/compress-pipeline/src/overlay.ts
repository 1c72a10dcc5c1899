/**
 * Overlay images: one PNG per held-out image with panels side by side: the photo, the ground
 * truth (white on black), then one panel per model with its predicted crack pixels tinted red.
 */
import type { Sample } from '@crack/data';
import type { DecodedImage } from '@crack/data/image';

const GAP = 4;

/** Composes the panels of one sample: photo, ground truth, then each model's prediction. */
export function overlayPanels(sample: Sample, predictions: readonly Uint8Array[]): DecodedImage {
  const { width, height } = sample;
  const panels = 2 + predictions.length;
  const outWidth = panels * width + (panels - 1) * GAP;
  const data = new Uint8Array(outWidth * height * 3).fill(255);
  const put = (panel: number, x: number, y: number, r: number, g: number, b: number): void => {
    const offset = (y * outWidth + panel * (width + GAP) + x) * 3;
    data[offset] = r;
    data[offset + 1] = g;
    data[offset + 2] = b;
  };
  const image = sample.image.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = y * width + x;
      const r = image[pixel * 3] as number;
      const g = image[pixel * 3 + 1] as number;
      const b = image[pixel * 3 + 2] as number;
      put(0, x, y, r, g, b);
      const crack = sample.mask[pixel] ? 255 : 0;
      put(1, x, y, crack, crack, crack);
      predictions.forEach((mask, index) => {
        // Tint: predicted crack pixels become mostly red, the photo shows through.
        if (mask[pixel])
          put(
            2 + index,
            x,
            y,
            Math.round(0.3 * r + 0.7 * 255),
            Math.round(0.3 * g),
            Math.round(0.3 * b),
          );
        else put(2 + index, x, y, r, g, b);
      });
    }
  }
  return { data, width: outWidth, height, channels: 3 };
}
