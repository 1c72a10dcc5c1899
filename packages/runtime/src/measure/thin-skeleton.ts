/**
 * Thins a binary image (1 = foreground, row-major) in place to a one-pixel-wide, 8-connected
 * skeleton: Guo & Hall (1989), "Parallel thinning with two-subiteration algorithms" (a
 * Zhang-Suen-style two-pass thinning that, unlike Zhang-Suen, keeps two-pixel-thick diagonal
 * lines), then a clean-up that removes the staircase corners thinning leaves (a pixel with two or
 * three foreground neighbours that touch each other is not needed for 8-connectivity), so that
 * step lengths add up to the curve's length. The image's outermost rows and columns must be
 * background.
 */
export function thinSkeleton(image: Uint8Array, width: number, height: number): void {
  const remove: number[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (let step = 0; step < 2; step++) {
      remove.length = 0;
      for (let y = 1; y < height - 1; y++) {
        for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
          if (!image[i]) continue;
          const p2 = image[i - width] as number;
          const p3 = image[i - width + 1] as number;
          const p4 = image[i + 1] as number;
          const p5 = image[i + width + 1] as number;
          const p6 = image[i + width] as number;
          const p7 = image[i + width - 1] as number;
          const p8 = image[i - 1] as number;
          const p9 = image[i - width - 1] as number;
          const c =
            (!p2 && (p3 || p4) ? 1 : 0) +
            (!p4 && (p5 || p6) ? 1 : 0) +
            (!p6 && (p7 || p8) ? 1 : 0) +
            (!p8 && (p9 || p2) ? 1 : 0);
          if (c !== 1) continue;
          const n1 = (p9 | p2) + (p3 | p4) + (p5 | p6) + (p7 | p8);
          const n2 = (p2 | p3) + (p4 | p5) + (p6 | p7) + (p8 | p9);
          const n = Math.min(n1, n2);
          if (n < 2 || n > 3) continue;
          const m = step === 0 ? (p6 | p7 | (p9 ? 0 : 1)) & p8 : (p2 | p3 | (p5 ? 0 : 1)) & p4;
          if (m === 0) remove.push(i);
        }
      }
      for (const i of remove) image[i] = 0;
      if (remove.length > 0) changed = true;
    }
  }
  removeStaircaseCorners(image, width, height);
}

// Neighbour offsets (dx, dy) in ring order N, NE, E, SE, S, SW, W, NW.
const RING_X = [0, 1, 1, 1, 0, -1, -1, -1];
const RING_Y = [-1, -1, 0, 1, 1, 1, 0, -1];

function removeStaircaseCorners(image: Uint8Array, width: number, height: number): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const i = y * width + x;
        if (!image[i]) continue;
        const present: number[] = [];
        for (let k = 0; k < 8; k++) {
          if (image[i + (RING_Y[k] as number) * width + (RING_X[k] as number)]) present.push(k);
        }
        if (present.length < 2 || present.length > 3) continue;
        if (!allTouching(present)) continue;
        image[i] = 0;
        changed = true;
      }
    }
  }
}

/** Whether the given ring neighbours form one 8-connected group (without the centre). */
function allTouching(ring: number[]): boolean {
  const seen = [ring[0] as number];
  for (let s = 0; s < seen.length; s++) {
    const a = seen[s] as number;
    for (const b of ring) {
      if (seen.includes(b)) continue;
      const dx = Math.abs((RING_X[a] as number) - (RING_X[b] as number));
      const dy = Math.abs((RING_Y[a] as number) - (RING_Y[b] as number));
      if (dx <= 1 && dy <= 1) seen.push(b);
    }
  }
  return seen.length === ring.length;
}
