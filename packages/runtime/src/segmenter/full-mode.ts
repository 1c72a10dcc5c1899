import { normalisedPixelWriter } from './normalise-pixels';
import { planTileAxis, reflectIndex, roundUp } from './tile-plan';
import type { ModelGeometry, PixelImage } from './types';

/** Runs the model on one normalised tile; returns its probabilities. */
export type TileRunner = (
  input: Float32Array,
  height: number,
  width: number,
) => Promise<Float32Array>;

/** Milliseconds spent per phase, added to by {@link segmentFull}. */
export interface PhaseClock {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

/** Tile settings of full mode (already validated). */
export interface TileSettings {
  tileSize: number;
  tileOverlap: number;
}

/** The tile and overlap actually used for a model: rounded up to its size granularity. */
export function effectiveTiles(
  settings: TileSettings,
  geometry: ModelGeometry,
): { tile: number; overlap: number } {
  const { divisor, fixedSize } = geometry;
  const tile = fixedSize ? Math.min(...fixedSize) : roundUp(settings.tileSize, divisor);
  const limit = Math.floor(tile / 2 / divisor) * divisor;
  return { tile, overlap: Math.min(roundUp(settings.tileOverlap, divisor), limit) };
}

/**
 * Full-mode inference: the whole photo at its own resolution, tile by tile (see
 * {@link planTileAxis}), accumulating weighted probabilities into one Float32Array. Memory
 * beyond the photo and its output is one tile's input, the model's activations for one tile,
 * and one row of weights per axis.
 */
export async function segmentFull(
  image: PixelImage,
  geometry: ModelGeometry,
  settings: TileSettings,
  run: TileRunner,
  clock: PhaseClock,
): Promise<Float32Array> {
  const { width, height } = image;
  const { channels, divisor, fixedSize } = geometry;
  const { tile, overlap } = effectiveTiles(settings, geometry);
  const rows = planTileAxis(height, divisor, tile, overlap, fixedSize ? fixedSize[0] : null);
  const cols = planTileAxis(width, divisor, tile, overlap, fixedSize ? fixedSize[1] : null);
  const write = normalisedPixelWriter(image, channels);
  const tileH = rows.tile;
  const tileW = cols.tile;
  const input = new Float32Array(tileH * tileW * channels);
  if (rows.starts.length === 1 && cols.starts.length === 1 && tileH === height && tileW === width) {
    // One tile that is the photo (a photo whose sides the granularity divides, up to the tile
    // size): no reflection, no blending, the model's output is the result. A fast engine's
    // whole time is then the model's.
    let start = performance.now();
    for (let i = 0; i < width * height; i++) write(i, input, i * channels);
    clock.preprocessMs += performance.now() - start;
    start = performance.now();
    const probabilities = await run(input, height, width);
    clock.inferenceMs += performance.now() - start;
    return probabilities;
  }
  const sourceRow = new Int32Array(tileH);
  const sourceCol = new Int32Array(tileW);
  const out = new Float32Array(width * height);

  for (let r = 0; r < rows.starts.length; r++) {
    const top = rows.starts[r] as number;
    const rowWeights = rows.weights[r] as Float32Array;
    for (let c = 0; c < cols.starts.length; c++) {
      const left = cols.starts[c] as number;
      const colWeights = cols.weights[c] as Float32Array;
      let start = performance.now();
      for (let i = 0; i < tileH; i++) sourceRow[i] = reflectIndex(top + i, height) * width;
      for (let j = 0; j < tileW; j++) sourceCol[j] = reflectIndex(left + j, width);
      for (let i = 0, o = 0; i < tileH; i++) {
        const base = sourceRow[i] as number;
        for (let j = 0; j < tileW; j++, o += channels)
          write(base + (sourceCol[j] as number), input, o);
      }
      clock.preprocessMs += performance.now() - start;

      start = performance.now();
      const probabilities = await run(input, tileH, tileW);
      clock.inferenceMs += performance.now() - start;

      start = performance.now();
      const rowsInPhoto = Math.min(tileH, height - top);
      const colsInPhoto = Math.min(tileW, width - left);
      for (let i = 0; i < rowsInPhoto; i++) {
        const wy = rowWeights[i] as number;
        if (wy === 0) continue;
        const o = (top + i) * width + left;
        const p = i * tileW;
        for (let j = 0; j < colsInPhoto; j++) {
          const w = wy * (colWeights[j] as number);
          if (w !== 0) out[o + j]! += w * (probabilities[p + j] as number);
        }
      }
      clock.postprocessMs += performance.now() - start;
    }
  }

  const start = performance.now();
  // Weights are separable and the tiles form a grid, so the total weight at (y, x) is
  // rows.total[y] * cols.total[x]; no per-pixel weight image is needed.
  for (let y = 0, i = 0; y < height; y++) {
    const wy = rows.total[y] as number;
    for (let x = 0; x < width; x++, i++)
      out[i] = (out[i] as number) / (wy * (cols.total[x] as number));
  }
  clock.postprocessMs += performance.now() - start;
  return out;
}
