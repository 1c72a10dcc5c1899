import type { Random } from '../random.js';
import { gaussian } from './gaussian.js';

/** A crack as a polyline: points with the half-width of the crack at each. */
export interface CrackStroke {
  /** Interleaved x, y, halfWidth per point, in pixels. */
  points: number[];
}

/** What shapes the crack network of one image. */
export interface CrackStrokeOptions {
  /** Main cracks per image, inclusive range. */
  cracks: [number, number];
  /** Crack width at its widest, in pixels, inclusive range (tips taper to 1 px). */
  crackWidth: [number, number];
  /** Chance per 3-px step that a crack forks a branch. */
  branching: number;
}

const STEP = 3;

/**
 * Random-walk crack networks: each main crack starts inside the image and grows two arms in
 * opposite directions. The heading meanders (a slow drift), zig-zags at pixel scale (the
 * jaggedness of real asphalt cracks) and is pulled back to the arm's overall direction so
 * cracks run across the surface instead of curling. Arms taper towards their tips and fork
 * thinner branches, which fork again once.
 */
export function crackStrokes(
  width: number,
  height: number,
  random: Random,
  options: CrackStrokeOptions,
): CrackStroke[] {
  const strokes: CrackStroke[] = [];
  const [minCracks, maxCracks] = options.cracks;
  const count = Math.min(maxCracks, minCracks + Math.floor(random() * (maxCracks - minCracks + 1)));
  const span = Math.hypot(width, height);
  for (let c = 0; c < count; c++) {
    const x = width * (0.15 + 0.7 * random());
    const y = height * (0.15 + 0.7 * random());
    const heading = random() * 2 * Math.PI;
    const [minWidth, maxWidth] = options.crackWidth;
    const widest = minWidth + (maxWidth - minWidth) * random() ** 1.25;
    const length = span * (0.5 + 0.55 * random()) * (c === 0 ? 1 : 0.75);
    for (const direction of [0, Math.PI]) {
      const armLength = length * (0.35 + 0.3 * random());
      growArm(
        strokes,
        width,
        height,
        random,
        options,
        x,
        y,
        heading + direction,
        armLength,
        widest / 2,
        0,
      );
    }
  }
  return strokes;
}

function growArm(
  strokes: CrackStroke[],
  width: number,
  height: number,
  random: Random,
  options: CrackStrokeOptions,
  startX: number,
  startY: number,
  heading: number,
  length: number,
  startHalfWidth: number,
  depth: number,
) {
  const points = [startX, startY, startHalfWidth];
  const steps = Math.max(2, Math.round(length / STEP));
  const overall = heading;
  let direction = heading;
  let drift = gaussian(random) * 0.03;
  let x = startX;
  let y = startY;
  const margin = 8;
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    drift = drift * 0.95 + gaussian(random) * 0.012;
    direction += drift + gaussian(random) * 0.14 + (overall - direction) * 0.08;
    x += Math.cos(direction) * STEP;
    y += Math.sin(direction) * STEP;
    // Full width for most of the arm, narrowing over the last 40% to a 1-px tip.
    const taper = Math.min(1, (1 - t) / 0.4) ** 0.8;
    const halfWidth = Math.max(0.5, startHalfWidth * taper * (0.8 + 0.4 * random()));
    // Pixel-scale zig-zag across the path: the jagged edge of a real crack.
    const jitter = gaussian(random) * 0.7;
    points.push(x - Math.sin(direction) * jitter, y + Math.cos(direction) * jitter, halfWidth);
    if (x < -margin || y < -margin || x > width + margin || y > height + margin) break;
    if (depth < 2 && i < steps - 4 && random() < options.branching / (1 + 2 * depth)) {
      const side = random() < 0.5 ? -1 : 1;
      growArm(
        strokes,
        width,
        height,
        random,
        options,
        x,
        y,
        direction + side * (0.5 + random() * 0.8),
        (steps - i) * STEP * (0.15 + 0.35 * random()),
        Math.max(0.5, halfWidth * 0.7),
        depth + 1,
      );
    }
  }
  strokes.push({ points });
}
