/**
 * The thesis's input normalisation (eq 3-4), `y = (x - 127.5) / 127.5`: 8-bit pixel values from
 * [0, 255] to [-1, 1], the input convention of every model in this project. Writes
 * `pixels.length` values into `out` from `offset` on and returns `out`.
 *
 * @param pixels 8-bit values, e.g. a `DecodedImage`'s `data` (interleaved channels are fine).
 * @param out Where to write; default a new Float32Array of `pixels.length`.
 * @param offset First index of `out` to write. Default 0.
 */
export function normalizePixels(
  pixels: ArrayLike<number>,
  out: Float32Array = new Float32Array(pixels.length),
  offset = 0,
): Float32Array {
  if (offset < 0 || offset + pixels.length > out.length) {
    throw new RangeError(
      `normalizePixels: ${pixels.length} values from offset ${offset} do not fit in out (length ${out.length})`,
    );
  }
  for (let i = 0; i < pixels.length; i++) out[offset + i] = ((pixels[i] as number) - 127.5) / 127.5;
  return out;
}
