import type { CrackStroke } from './crack-strokes.js';

/**
 * Coverage of every pixel by the strokes, 0-1: 1 inside, falling linearly over `softness`
 * pixels across the edge, so that it is exactly 0.5 at the stroke's half-width. The crack
 * mask is therefore `coverage >= 0.5`: the exact rasterised stroke. A faint halo (< 0.5)
 * outside imitates the shadowed rim of real cracks without entering the mask.
 */
export function rasterizeStrokes(
  strokes: readonly CrackStroke[],
  width: number,
  height: number,
  softness = 1,
): Float32Array {
  const coverage = new Float32Array(width * height);
  const halo = 2;
  for (const { points } of strokes) {
    for (let p = 0; p + 5 < points.length; p += 3) {
      const ax = points[p] as number;
      const ay = points[p + 1] as number;
      const aw = points[p + 2] as number;
      const bx = points[p + 3] as number;
      const by = points[p + 4] as number;
      const bw = points[p + 5] as number;
      const reach = Math.max(aw, bw) + softness + halo;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
      const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + reach));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
      const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + reach));
      const dx = bx - ax;
      const dy = by - ay;
      const length2 = dx * dx + dy * dy || 1;
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5 - ay;
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5 - ax;
          const u = Math.min(1, Math.max(0, (px * dx + py * dy) / length2));
          const ex = px - u * dx;
          const ey = py - u * dy;
          const d = Math.sqrt(ex * ex + ey * ey);
          const halfWidth = aw + (bw - aw) * u;
          const edge = 0.5 + (halfWidth - d) / softness;
          const value =
            edge >= 0.5
              ? Math.min(1, edge)
              : Math.max(0, edge, 0.3 * Math.exp(-(d - halfWidth) / halo));
          const index = y * width + x;
          if (value > (coverage[index] as number)) coverage[index] = value;
        }
      }
    }
  }
  return coverage;
}
