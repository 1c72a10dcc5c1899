import type { Random } from '../random.js';

/**
 * Adds value noise to `out` (width x height): random values on a lattice of `cell`-pixel
 * squares, interpolated with a smoothstep, times `amplitude`. Summing a few scales gives the
 * fractal-like texture of asphalt without the cost of Perlin gradients.
 */
export function addValueNoise(
  out: Float32Array,
  width: number,
  height: number,
  cell: number,
  amplitude: number,
  random: Random,
): void {
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(columns * rows);
  for (let i = 0; i < lattice.length; i++) lattice[i] = (random() * 2 - 1) * amplitude;
  // Per-column interpolation weights are the same on every row: compute them once.
  const x0 = new Int32Array(width);
  const wx = new Float32Array(width);
  const offsetX = random() * cell;
  for (let x = 0; x < width; x++) {
    const fx = (x + offsetX) / cell;
    x0[x] = Math.floor(fx);
    const t = fx - Math.floor(fx);
    wx[x] = t * t * (3 - 2 * t);
  }
  const offsetY = random() * cell;
  for (let y = 0; y < height; y++) {
    const fy = (y + offsetY) / cell;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const wy = ty * ty * (3 - 2 * ty);
    const top = y0 * columns;
    const bottom = top + columns;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const cx = x0[x] as number;
      const a = lattice[top + cx] as number;
      const b = lattice[top + cx + 1] as number;
      const c = lattice[bottom + cx] as number;
      const d = lattice[bottom + cx + 1] as number;
      const w = wx[x] as number;
      const upper = a + (b - a) * w;
      const lower = c + (d - c) * w;
      out[row + x] = (out[row + x] as number) + upper + (lower - upper) * wy;
    }
  }
}
