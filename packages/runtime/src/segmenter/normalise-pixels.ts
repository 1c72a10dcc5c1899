import type { PixelImage } from './types';

/**
 * Writes pixel `index` of `image` into `out` at `offset`, normalised as in training
 * (thesis eq 3-4: (v - 127.5) / 127.5, from [0, 255] to [-1, 1]), with `channels` values:
 * 3 (RGB; gray is repeated, alpha dropped) or 1 (gray; colour becomes BT.601 luma, as
 * @crack/data's codec converts).
 */
export type PixelWriter = (index: number, out: Float32Array, offset: number) => void;

/** A {@link PixelWriter} for `image` and a model reading `channels` (1 or 3) channels. */
export function normalisedPixelWriter(image: PixelImage, channels: number): PixelWriter {
  const { data, channels: from } = image;
  if (channels === 3) {
    if (from === 1) {
      return (index, out, offset) => {
        const v = ((data[index] as number) - 127.5) / 127.5;
        out[offset] = v;
        out[offset + 1] = v;
        out[offset + 2] = v;
      };
    }
    return (index, out, offset) => {
      const s = index * from;
      out[offset] = ((data[s] as number) - 127.5) / 127.5;
      out[offset + 1] = ((data[s + 1] as number) - 127.5) / 127.5;
      out[offset + 2] = ((data[s + 2] as number) - 127.5) / 127.5;
    };
  }
  if (from === 1) {
    return (index, out, offset) => {
      out[offset] = ((data[index] as number) - 127.5) / 127.5;
    };
  }
  return (index, out, offset) => {
    const s = index * from;
    const luma =
      0.299 * (data[s] as number) +
      0.587 * (data[s + 1] as number) +
      0.114 * (data[s + 2] as number);
    out[offset] = (luma - 127.5) / 127.5;
  };
}
