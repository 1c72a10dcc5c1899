/** One 8-connected component of a mask, as {@link labelComponents} finds it. */
export interface ComponentBounds {
  /** Label of the component in `labels` (1-based). */
  label: number;
  /** Number of pixels. */
  pixels: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/**
 * Labels the 8-connected components of the non-zero pixels of `mask` (row-major,
 * `width * height`): `labels[i]` is 0 for background, else the 1-based component number, in
 * raster order of each component's first pixel. Iterative flood fill, so long cracks cannot
 * overflow the call stack.
 */
export function labelComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
): { labels: Int32Array; components: ComponentBounds[] } {
  const labels = new Int32Array(width * height);
  const components: ComponentBounds[] = [];
  let stack = new Int32Array(1024);
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start] !== 0) continue;
    const label = components.length + 1;
    const bounds: ComponentBounds = {
      label,
      pixels: 0,
      minX: width,
      minY: height,
      maxX: -1,
      maxY: -1,
    };
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const i = stack[--top] as number;
      const x = i % width;
      const y = (i - x) / width;
      bounds.pixels++;
      if (x < bounds.minX) bounds.minX = x;
      if (x > bounds.maxX) bounds.maxX = x;
      if (y < bounds.minY) bounds.minY = y;
      if (y > bounds.maxY) bounds.maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (!mask[j] || labels[j] !== 0) continue;
          labels[j] = label;
          if (top === stack.length) {
            const grown = new Int32Array(stack.length * 2);
            grown.set(stack);
            stack = grown;
          }
          stack[top++] = j;
        }
      }
    }
    components.push(bounds);
  }
  return { labels, components };
}
