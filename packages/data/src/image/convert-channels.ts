import type { ChannelCount, DecodedImage } from './decoded-image.js';

/**
 * Converts interleaved 8-bit pixels between gray (1), gray + alpha (2), RGB (3) and RGBA (4).
 * Colour to gray uses the BT.601 luma weights (0.299, 0.587, 0.114), as JPEG does; alpha is
 * dropped, not composited; a missing alpha becomes 255.
 */
export function convertChannels(image: DecodedImage, channels: ChannelCount): DecodedImage {
  const { data, width, height, channels: from } = image;
  if (from === channels) return image;
  if (![1, 2, 3, 4].includes(from))
    throw new RangeError(`convertChannels: image.channels must be 1, 2, 3 or 4, got ${from}`);
  if (![1, 3, 4].includes(channels))
    throw new RangeError(`convertChannels: channels must be 1, 3 or 4, got ${channels}`);
  const count = width * height;
  const out = new Uint8Array(count * channels);
  const gray = from <= 2;
  for (let i = 0, s = 0, d = 0; i < count; i++, s += from, d += channels) {
    const r = data[s] ?? 0;
    const g = gray ? r : (data[s + 1] ?? 0);
    const b = gray ? r : (data[s + 2] ?? 0);
    if (channels === 1) {
      out[d] = gray ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      continue;
    }
    out[d] = r;
    out[d + 1] = g;
    out[d + 2] = b;
    if (channels === 4) out[d + 3] = from === 2 || from === 4 ? (data[s + from - 1] ?? 255) : 255;
  }
  return { data: out, width, height, channels };
}
