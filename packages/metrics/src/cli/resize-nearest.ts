/**
 * Nearest-neighbour resampling of a one-value-per-pixel map (a mask or an 8-bit probability map)
 * to `width` x `height`, for `crack-metrics --resize`. Written here rather than taken from an
 * image library: it is a dozen lines on a plain array, nearest keeps a mask binary (no new
 * values), and the only candidate (sharp) is a native dependency this package must not need.
 * Pixel centres are mapped: target x samples source floor((x + 0.5) * srcWidth / width).
 */
export function resizeNearest(
  map: { data: ArrayLike<number>; width: number; height: number },
  width: number,
  height: number,
): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height);
  const columns = new Int32Array(width);
  for (let x = 0; x < width; x++)
    columns[x] = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / width));
  for (let y = 0; y < height; y++) {
    const sourceRow = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / height));
    const offset = sourceRow * map.width;
    for (let x = 0; x < width; x++)
      data[y * width + x] = map.data[offset + (columns[x] as number)] as number;
  }
  return { data, width, height };
}
