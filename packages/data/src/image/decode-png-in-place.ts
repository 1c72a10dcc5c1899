import { unzlibSync } from 'fflate';
import type { DecodedImage } from './decoded-image.js';

/** Channels of the 8-bit colour types decoded here: gray, RGB, gray + alpha, RGBA. */
const CHANNELS_BY_COLOUR_TYPE: Readonly<Record<number, 1 | 2 | 3 | 4>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Decodes the common PNGs of photos and masks (8-bit gray, RGB, gray + alpha or RGBA, not
 * interlaced, no tRNS) into one buffer: the zlib stream is inflated straight into a buffer of the
 * known size, rows are unfiltered in place and the filter bytes squeezed out in place, so the peak
 * is the compressed data plus about 1 byte per sample (issue 17: fast-png peaked at ~11 bytes per
 * pixel for RGB, with the inflated rows, their unfiltered copy and the inflater's chunks alive at
 * once). Returns null for any other PNG, which fast-png then decodes; the tests check both give the
 * same pixels. Written here because no maintained decoder offers decoding into a given buffer.
 * Assumes the chunk list is whole (checked before).
 */
export function decodePngInPlace(bytes: Uint8Array): DecodedImage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels: 1 | 2 | 3 | 4 | undefined;
  const idat: Uint8Array[] = [];
  let compressed = 0;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const [depth, colourType, , , interlace] = data.subarray(8, 13);
      channels = CHANNELS_BY_COLOUR_TYPE[colourType as number];
      if (depth !== 8 || channels === undefined || interlace !== 0) return null;
    } else if (type === 'tRNS' || type === 'PLTE') {
      return null;
    } else if (type === 'IDAT') {
      idat.push(data);
      compressed += length;
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (!channels || width === 0 || height === 0 || idat.length === 0) return null;
  const rowBytes = width * channels;
  const stride = rowBytes + 1;
  const raw = new Uint8Array(stride * height);
  const stream = idat.length === 1 ? (idat[0] as Uint8Array) : concat(idat, compressed);
  const inflated = unzlibSync(stream, { out: raw });
  if (inflated.length !== raw.length) return null; // short stream: let fast-png say what is wrong
  unfilter(raw, height, rowBytes, channels);
  for (let y = 0; y < height; y++) raw.copyWithin(y * rowBytes, y * stride + 1, (y + 1) * stride);
  return { data: raw.subarray(0, rowBytes * height), width, height, channels };
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Undoes the five PNG filters (PNG spec, section 9) row by row, in place: each row follows its
 * filter byte at `y * (rowBytes + 1)`, and the row above is already unfiltered when it is used.
 */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const row = y * stride + 1;
    const up = row - stride; // the row above, valid when y > 0
    const filter = raw[row - 1];
    if (filter === 0) continue;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? (raw[row + i - bpp] as number) : 0;
      const b = y > 0 ? (raw[up + i] as number) : 0;
      let predictor: number;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const c = y > 0 && i >= bpp ? (raw[up + i - bpp] as number) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`unknown PNG filter type ${filter} in row ${y}`);
      raw[row + i] = ((raw[row + i] as number) + predictor) & 255;
    }
  }
}
