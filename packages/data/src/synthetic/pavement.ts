import type { Random } from '../random.js';
import { gaussian } from './gaussian.js';
import { addValueNoise } from './value-noise.js';

/** A pavement surface before cracks: luminance per pixel and the surface's colour tint. */
export interface Pavement {
  /** Luminance, roughly 0-255, width x height row-major. */
  luminance: Float32Array;
  /** RGB multipliers applied to the luminance (asphalt is slightly blue-grey). */
  tint: [number, number, number];
}

/**
 * Paints asphalt the way CFD photos look: a mid-grey base, value noise at several scales
 * (patches down to grain), aggregate speckle (light stones, dark pits), an illumination
 * gradient, sometimes a soft shadow edge and a few stains.
 */
export function paintPavement(width: number, height: number, random: Random): Pavement {
  const luminance = new Float32Array(width * height);
  const base = 95 + random() * 55;
  luminance.fill(base);
  const scale = Math.sqrt((width * height) / (480 * 320));
  const grain = 0.8 + random() * 0.6;
  addValueNoise(luminance, width, height, Math.max(8, 90 * scale), 6 * grain, random);
  addValueNoise(luminance, width, height, Math.max(4, 22 * scale), 5 * grain, random);
  addValueNoise(luminance, width, height, 5, 7 * grain, random);
  addValueNoise(luminance, width, height, 2, 12 * grain, random);
  addSpeckle(luminance, width, height, random, grain);
  addStains(luminance, width, height, random);
  shade(luminance, width, height, random);
  const blue = 1 + random() * 0.09;
  const red = 1 - random() * 0.05;
  return { luminance, tint: [red, 1, blue] };
}

/** Aggregate: small light stones and dark pits of 1-3 px, the grain of an asphalt photo. */
function addSpeckle(l: Float32Array, width: number, height: number, random: Random, grain: number) {
  const count = Math.round(width * height * (0.025 + random() * 0.02) * grain);
  for (let n = 0; n < count; n++) {
    const cx = random() * width;
    const cy = random() * height;
    const light = random() < 0.55;
    const amount = light ? 12 + random() * 40 : -(12 + random() * 30);
    const radius = 0.6 + random() * random() * 1.8;
    const r = Math.ceil(radius + 1);
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, cx + r); x++) {
        const d2 = ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2) / (radius * radius);
        if (d2 < 2.2)
          l[y * width + x] = (l[y * width + x] as number) + amount * Math.exp(-d2 * 1.2);
      }
    }
  }
}

/** Oil or water stains and patched areas: soft blobs, darker or (less often) lighter. */
function addStains(l: Float32Array, width: number, height: number, random: Random) {
  const stains = Math.floor(random() * random() * 4);
  for (let s = 0; s < stains; s++) {
    const cx = random() * width;
    const cy = random() * height;
    const rx = 15 + random() * 70;
    const ry = rx * (0.4 + random() * 0.8);
    const angle = random() * Math.PI;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const amount = random() < 0.75 ? -(0.05 + random() * 0.12) : 0.04 + random() * 0.08;
    const wobble = 0.25 + random() * 0.3;
    const phase = random() * 10;
    const r = Math.max(rx, ry) * 1.6;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, cx + r); x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = (dx * cos + dy * sin) / rx;
        const v = (-dx * sin + dy * cos) / ry;
        const irregular = 1 + wobble * Math.sin(3 * Math.atan2(v, u) + phase);
        const d2 = (u * u + v * v) / (irregular * irregular);
        if (d2 < 2.6)
          l[y * width + x] = (l[y * width + x] as number) * (1 + amount * Math.exp(-d2 * d2));
      }
    }
  }
}

/** Lighting: a linear gradient across the photo and, sometimes, a soft-edged shadow. */
function shade(l: Float32Array, width: number, height: number, random: Random) {
  const angle = random() * 2 * Math.PI;
  const gx = (Math.cos(angle) * (0.05 + random() * 0.15)) / width;
  const gy = (Math.sin(angle) * (0.05 + random() * 0.15)) / height;
  const shadow = random() < 0.3;
  const sAngle = random() * 2 * Math.PI;
  const nx = Math.cos(sAngle);
  const ny = Math.sin(sAngle);
  const offset = (random() - 0.5) * 0.8 * Math.hypot(width, height) * 0.5;
  const softness = 4 + random() * 25;
  const depth = 0.1 + random() * 0.15;
  const wiggle = gaussian(random) * 8;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let factor = 1 + (x - width / 2) * gx + (y - height / 2) * gy;
      if (shadow) {
        const along = -ny * (x - width / 2) + nx * (y - height / 2);
        const d =
          nx * (x - width / 2) + ny * (y - height / 2) - offset + wiggle * Math.sin(along / 40);
        factor *= 1 - depth / (1 + Math.exp(-d / softness));
      }
      l[y * width + x] = (l[y * width + x] as number) * factor;
    }
  }
}
