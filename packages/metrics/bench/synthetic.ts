// Deterministic crack-like test images for the benchmark: thin random-walk polylines on 480x320,
// about 1-2 % crack pixels like CFD.

import { mulberry32 } from '@crack/data';
import type { Mask, ProbabilityMap } from '../src';

const random = mulberry32;

/** A crack mask, and a prediction: the mask shifted by up to 1 px, with gaps and false pixels. */
export function syntheticPair(seed: number, width = 480, height = 320) {
  const rand = random(seed);
  const truth = new Uint8Array(width * height);
  for (let crack = 0; crack < 4; crack++) {
    let x = rand() * width;
    let y = rand() * height;
    let angle = rand() * Math.PI * 2;
    for (let step = 0; step < 500; step++) {
      angle += (rand() - 0.5) * 0.6;
      x += Math.cos(angle);
      y += Math.sin(angle);
      if (x < 0 || y < 0 || x >= width || y >= height) break;
      truth[Math.floor(y) * width + Math.floor(x)] = 1;
      if (rand() < 0.5 && x + 1 < width) truth[Math.floor(y) * width + Math.floor(x) + 1] = 1;
    }
  }
  const probability = new Float32Array(width * height);
  for (let i = 0; i < probability.length; i++) probability[i] = rand() * 0.3;
  for (let i = 0; i < truth.length; i++) {
    if (!truth[i]) continue;
    const shifted = Math.min(truth.length - 1, i + (rand() < 0.5 ? 1 : width));
    probability[shifted] = 0.4 + rand() * 0.6;
  }
  for (let k = 0; k < 300; k++) probability[Math.floor(rand() * truth.length)] = 0.5 + rand() / 2;
  const pred = new Uint8Array(width * height);
  for (let i = 0; i < pred.length; i++) pred[i] = (probability[i] as number) >= 0.5 ? 1 : 0;
  const asMask = (data: Uint8Array): Mask => ({ data, width, height });
  const map: ProbabilityMap = { data: probability, width, height };
  return { truth: asMask(truth), pred: asMask(pred), probability: map };
}
