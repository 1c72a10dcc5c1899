/**
 * Tiles along one axis of the photo, padded to the model's size granularity.
 *
 * Full-mode inference cuts the padded photo into tiles of `tile` pixels whose starts are
 * multiples of the granularity (so every tile sees the same pooling grid as one pass over the
 * whole photo would) and that overlap by at least `overlap`. Each tile's output is weighted by
 * {@link TileAxis.weights}: along an edge shared with another tile the outer quarter of the
 * overlap gets weight 0 (those pixels saw zero padding instead of their neighbours), the middle
 * half ramps linearly from 0 to 1, and the rest is 1; along the photo's own edges the weight is
 * 1. Neighbouring ramps add up to 1, so seams blend invisibly, and where receptive fields are
 * at most a quarter of the overlap the blend equals one pass over the whole photo.
 */
export interface TileAxis {
  /** Length of the photo along this axis. */
  length: number;
  /** Length after padding (a multiple of the granularity, at least one tile). */
  padded: number;
  /** Tile length (every tile has this length). */
  tile: number;
  /** Start of every tile, ascending. */
  starts: number[];
  /** Blend weight of every position of the tile starting at `starts[k]`. */
  weights: Float32Array[];
  /** Sum over tiles of the weights at every photo position (for normalising). */
  total: Float32Array;
}

/** Rounds `value` up to a multiple of `step`. */
export function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/**
 * Plans the tiles of one axis. `tile` and `overlap` must be multiples of `divisor`, with
 * `tile >= 2 * overlap` and `overlap >= 4` unless there is a single tile. `fixedTile` (a model
 * with a fixed input size) forces the tile length.
 */
export function planTileAxis(
  length: number,
  divisor: number,
  tile: number,
  overlap: number,
  fixedTile: number | null,
): TileAxis {
  let padded = roundUp(length, divisor);
  let size: number;
  if (fixedTile != null) {
    size = fixedTile;
    padded = Math.max(padded, fixedTile);
  } else {
    size = Math.min(tile, padded);
  }
  const starts: number[] = [0];
  if (padded > size) {
    const stride = size - overlap;
    while ((starts[starts.length - 1] as number) + stride + size < padded) {
      starts.push((starts[starts.length - 1] as number) + stride);
    }
    // The last tile ends at the padded edge; it overlaps its neighbour by at least `overlap`.
    starts.push(padded - size);
  }
  const margin = Math.floor(overlap / 4);
  const ramp = overlap - 2 * margin;
  const weights = starts.map((start) => {
    const w = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      let value = 1;
      if (start > 0) value = Math.min(value, rampWeight(i, margin, ramp));
      if (start + size < padded) value = Math.min(value, rampWeight(size - 1 - i, margin, ramp));
      w[i] = value;
    }
    return w;
  });
  const total = new Float32Array(length);
  starts.forEach((start, k) => {
    const w = weights[k] as Float32Array;
    for (let i = 0; i < size && start + i < length; i++) total[start + i]! += w[i] as number;
  });
  return { length, padded, tile: size, starts, weights, total };
}

/** Weight at distance `d` from an inner tile edge: 0 in the margin, then a linear ramp to 1. */
function rampWeight(d: number, margin: number, ramp: number): number {
  if (d < margin) return 0;
  if (d >= margin + ramp) return 1;
  return (d - margin + 0.5) / ramp;
}

/**
 * Index into the photo of padded position `i` along an axis of `length`: positions past the
 * end are mirrored back (reflect padding, "abcd|cba"), repeatedly if the padding is longer
 * than the photo.
 */
export function reflectIndex(i: number, length: number): number {
  if (i < length) return i;
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const k = i % period;
  return k < length ? k : period - k;
}
