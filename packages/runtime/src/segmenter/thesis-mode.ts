import { normalisedPixelWriter } from './normalise-pixels';
import { THESIS_SIZE, type ThesisCrop } from './thesis-crop';
import type { PixelImage } from './types';

/**
 * The model input of the thesis's preprocessing (section 7): the crop of {@link ThesisCrop},
 * rotated to landscape, resized bilinearly to 480x320 and normalised to [-1, 1]
 * ([320, 480, channels], row-major). Sampling is done straight from the photo, so a
 * 24-megapixel photo needs no rotated or cropped copy.
 */
export function thesisModelInput(
  image: PixelImage,
  crop: ThesisCrop,
  channels: number,
): Float32Array {
  const { width: outW, height: outH } = THESIS_SIZE;
  const { rotatedRegion: region, rotated } = crop;
  const write = normalisedPixelWriter(image, channels);
  const photoWidth = image.width;
  const photoHeight = image.height;
  // Index in the photo of rotated-frame pixel (xr, yr).
  const photoIndex = rotated
    ? (xr: number, yr: number) => (photoHeight - 1 - xr) * photoWidth + yr
    : (xr: number, yr: number) => yr * photoWidth + xr;
  const out = new Float32Array(outW * outH * channels);
  const corner = new Float32Array(4 * channels);
  const xs = bilinearTaps(outW, region.width);
  const ys = bilinearTaps(outH, region.height);
  for (let oy = 0; oy < outH; oy++) {
    const y0 = region.y + (ys.low[oy] as number);
    const y1 = region.y + (ys.high[oy] as number);
    const fy = ys.fraction[oy] as number;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = region.x + (xs.low[ox] as number);
      const x1 = region.x + (xs.high[ox] as number);
      const fx = xs.fraction[ox] as number;
      write(photoIndex(x0, y0), corner, 0);
      write(photoIndex(x1, y0), corner, channels);
      write(photoIndex(x0, y1), corner, 2 * channels);
      write(photoIndex(x1, y1), corner, 3 * channels);
      const o = (oy * outW + ox) * channels;
      for (let c = 0; c < channels; c++) {
        const top =
          (corner[c] as number) + ((corner[channels + c] as number) - (corner[c] as number)) * fx;
        const bottom =
          (corner[2 * channels + c] as number) +
          ((corner[3 * channels + c] as number) - (corner[2 * channels + c] as number)) * fx;
        out[o + c] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/**
 * Maps the 480x320 probabilities of {@link thesisModelInput} back onto the photo: resized
 * bilinearly to the crop, rotated back, placed at the crop; pixels outside the crop are 0.
 */
export function thesisToPhoto(
  probabilities: Float32Array,
  crop: ThesisCrop,
  photoWidth: number,
  photoHeight: number,
): Float32Array {
  const { width: inW } = THESIS_SIZE;
  const { rotatedRegion: region, rotated } = crop;
  const out = new Float32Array(photoWidth * photoHeight);
  const xs = bilinearTaps(region.width, THESIS_SIZE.width);
  const ys = bilinearTaps(region.height, THESIS_SIZE.height);
  // Walk the crop in the rotated frame; write each value where that pixel lies in the photo.
  for (let cy = 0; cy < region.height; cy++) {
    const r0 = (ys.low[cy] as number) * inW;
    const r1 = (ys.high[cy] as number) * inW;
    const fy = ys.fraction[cy] as number;
    const yr = region.y + cy;
    for (let cx = 0; cx < region.width; cx++) {
      const c0 = xs.low[cx] as number;
      const c1 = xs.high[cx] as number;
      const fx = xs.fraction[cx] as number;
      const top =
        (probabilities[r0 + c0] as number) +
        ((probabilities[r0 + c1] as number) - (probabilities[r0 + c0] as number)) * fx;
      const bottom =
        (probabilities[r1 + c0] as number) +
        ((probabilities[r1 + c1] as number) - (probabilities[r1 + c0] as number)) * fx;
      const xr = region.x + cx;
      const index = rotated ? (photoHeight - 1 - xr) * photoWidth + yr : yr * photoWidth + xr;
      out[index] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/**
 * Source taps of a bilinear resize from `inSize` to `outSize` samples with half-pixel centres
 * (`tf.image.resizeBilinear(..., halfPixelCenters = true)`): output i reads input
 * (i + 0.5) * inSize / outSize - 0.5, clamped to the input.
 */
function bilinearTaps(outSize: number, inSize: number) {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const fraction = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const source = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const l = Math.floor(source);
    low[i] = l;
    high[i] = Math.min(l + 1, inSize - 1);
    fraction[i] = source - l;
  }
  return { low, high, fraction };
}
