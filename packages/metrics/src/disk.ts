/** The pixel offsets of a disk: every (dx, dy) with dx^2 + dy^2 <= maxSquared. */
export interface Disk {
  /** Radius in whole pixels: floor(sqrt(maxSquared)). */
  radius: number;
  dx: Int32Array;
  dy: Int32Array;
}

/** The offsets of the disk of squared radius `maxSquared` (an integer), centre first. */
export function diskOffsets(maxSquared: number): Disk {
  const radius = Math.floor(Math.sqrt(maxSquared));
  const dx: number[] = [0];
  const dy: number[] = [0];
  for (let y = -radius; y <= radius; y++) {
    for (let x = -radius; x <= radius; x++) {
      if ((x !== 0 || y !== 0) && x * x + y * y <= maxSquared) {
        dx.push(x);
        dy.push(y);
      }
    }
  }
  return { radius, dx: Int32Array.from(dx), dy: Int32Array.from(dy) };
}
