/**
 * The study's Pareto plot, drawn into an RGB raster and encoded as PNG with @crack/data (the
 * project's one image codec; no plotting library). x: wasm latency (ms), y: F1 (2 px); one
 * coloured marker per student, the Pareto front (no other student is both faster and better) as
 * a line, axis ticks and a legend in a small built-in 3x5 pixel font.
 */
import { encodePng } from '@crack/data/image';

/** One point of the plot. */
export interface PlotPoint {
  /** Legend label. */
  label: string;
  /** x value (latency, ms). */
  x: number;
  /** y value (F1). */
  y: number;
}

// 3x5 glyphs, rows top to bottom, 3 bits each (4 = left pixel).
const FONT: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  ' ': [0, 0, 0, 0, 0],
  '(': [1, 2, 2, 2, 1],
  ')': [4, 2, 2, 2, 4],
  '/': [1, 1, 2, 4, 4],
  a: [2, 5, 7, 5, 5],
  b: [6, 5, 6, 5, 6],
  c: [7, 4, 4, 4, 7],
  d: [6, 5, 5, 5, 6],
  e: [7, 4, 6, 4, 7],
  f: [7, 4, 6, 4, 4],
  g: [7, 4, 5, 5, 7],
  h: [5, 5, 7, 5, 5],
  i: [7, 2, 2, 2, 7],
  j: [1, 1, 1, 5, 7],
  k: [5, 5, 6, 5, 5],
  l: [4, 4, 4, 4, 7],
  m: [5, 7, 7, 5, 5],
  n: [6, 5, 5, 5, 5],
  o: [7, 5, 5, 5, 7],
  p: [7, 5, 7, 4, 4],
  q: [7, 5, 5, 7, 1],
  r: [6, 5, 6, 5, 5],
  s: [7, 4, 7, 1, 7],
  t: [7, 2, 2, 2, 2],
  u: [5, 5, 5, 5, 7],
  v: [5, 5, 5, 5, 2],
  w: [5, 5, 7, 7, 5],
  x: [5, 5, 2, 5, 5],
  y: [5, 5, 2, 2, 2],
  z: [7, 1, 2, 4, 7],
};

/** Distinct marker colours, reused cyclically. */
const COLOURS: Array<[number, number, number]> = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** Indices of the points on the Pareto front (lower x and higher y are better), by x. */
export function paretoFront(points: readonly PlotPoint[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.x - points[b]!.x);
  const front: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    if (points[i]!.y > best) {
      front.push(i);
      best = points[i]!.y;
    }
  }
  return front;
}

/**
 * Draws the plot (default 420 px high and wide enough for a 400-px plot beside the legend's
 * longest label, at least 640; a title on top) and returns the PNG bytes.
 */
export function paretoPng(
  points: readonly PlotPoint[],
  options: { width?: number; height?: number; title?: string } = {},
): Uint8Array {
  // The legend: a swatch and the label in 8-px characters (scale 2 of the 4-px font).
  const legendWidth = 36 + 8 * Math.max(0, ...points.map((p) => p.label.length));
  const width = options.width ?? Math.max(640, 460 + legendWidth);
  const height = options.height ?? 420;
  const data = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.round(y) * width + Math.round(x)) * 3;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  };
  const text = (
    x: number,
    y: number,
    value: string,
    colour: [number, number, number] = [0, 0, 0],
    scale = 2,
  ) => {
    let cursor = x;
    for (const ch of value.toLowerCase()) {
      const glyph = FONT[ch] ?? FONT[' ']!;
      glyph.forEach((row, r) => {
        for (let c = 0; c < 3; c += 1)
          if (row & (4 >> c))
            for (let dy = 0; dy < scale; dy += 1)
              for (let dx = 0; dx < scale; dx += 1)
                set(cursor + c * scale + dx, y + r * scale + dy, colour);
      });
      cursor += 4 * scale;
    }
  };
  const line = (
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    colour: [number, number, number],
  ) => {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s += 1)
      set(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, colour);
  };

  const left = 60;
  const right = width - legendWidth;
  const top = 30;
  const bottom = height - 40;
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = finite.map((p) => p.x);
  const ys = finite.map((p) => p.y);
  const pad = (lo: number, hi: number) =>
    hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(lo) * 0.1, 0.01);
  const xMin = Math.max(0, Math.min(...xs, 0) - pad(Math.min(...xs), Math.max(...xs)));
  const xMax = Math.max(...xs, 1) + pad(Math.min(...xs), Math.max(...xs));
  const yMin = Math.max(0, Math.min(...ys, 1) - pad(Math.min(...ys), Math.max(...ys)));
  const yMax = Math.min(1, Math.max(...ys, 0) + pad(Math.min(...ys), Math.max(...ys)));
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin || 1)) * (right - left);
  const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin || 1)) * (bottom - top);

  const grey: [number, number, number] = [220, 220, 220];
  for (let t = 0; t <= 4; t += 1) {
    const x = xMin + ((xMax - xMin) * t) / 4;
    const y = yMin + ((yMax - yMin) * t) / 4;
    line(px(x), top, px(x), bottom, grey);
    line(left, py(y), right, py(y), grey);
    text(px(x) - 10, bottom + 6, x.toFixed(0));
    text(8, py(y) - 5, y.toFixed(3));
  }
  line(left, bottom, right, bottom, [0, 0, 0]);
  line(left, top, left, bottom, [0, 0, 0]);
  text((left + right) / 2 - 60, height - 16, 'latency wasm (ms)');
  text(left, 8, options.title ?? 'f1 (2 px) vs latency');

  const front = paretoFront(finite);
  for (let k = 1; k < front.length; k += 1) {
    const a = finite[front[k - 1]!]!;
    const b = finite[front[k]!]!;
    line(px(a.x), py(a.y), px(b.x), py(b.y), [0, 0, 0]);
  }
  points.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    if (Number.isFinite(p.x) && Number.isFinite(p.y)) {
      for (let dy = -4; dy <= 4; dy += 1)
        for (let dx = -4; dx <= 4; dx += 1)
          if (dx * dx + dy * dy <= 16) set(px(p.x) + dx, py(p.y) + dy, colour);
    }
    const ly = top + i * 16;
    for (let dy = 0; dy < 8; dy += 1)
      for (let dx = 0; dx < 8; dx += 1) set(right + 12 + dx, ly + dy, colour);
    text(right + 24, ly, p.label);
  });
  return encodePng({ data, width, height, channels: 3 });
}
