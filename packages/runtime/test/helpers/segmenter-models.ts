import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { randomValues } from './backends';

/**
 * A model whose output is a known function of its input: one 1x1 convolution with hand-set
 * weights, so logit = a * R + b (R the red channel normalised to [-1, 1]); optionally followed by
 * a 2x2 max-pool and nearest upsampling (size granularity 2), which keeps the function on images
 * that are constant over aligned 2x2 blocks.
 */
export function linearModel(
  options: { a?: number; b?: number; pool?: boolean; channels?: number } = {},
) {
  const { a = 4, b = 0, pool = false, channels = 3 } = options;
  const input = tfl.input({ shape: [null, null, channels] });
  const conv = tfl.layers.conv2d({ filters: 1, kernelSize: 1, useBias: true });
  let x = conv.apply(input) as tfl.SymbolicTensor;
  if (pool) {
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.upSampling2d({ size: [2, 2] }).apply(x) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: x });
  const kernel = new Float32Array(channels);
  kernel[0] = a;
  tf.tidy(() => conv.setWeights([tf.tensor4d(kernel, [1, 1, channels, 1]), tf.tensor1d([b])]));
  return model;
}

/**
 * A small random model with a limited receptive field (a few pixels): 3x3 conv + ReLU, 2x2
 * max-pool, 3x3 conv + ReLU, 2x upsampling, 1x1 conv to one logit. Seeded weights.
 */
export function localModel(seed = 1) {
  const input = tfl.input({ shape: [null, null, 3] });
  const layers = [
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.upSampling2d({ size: [2, 2] }),
    tfl.layers.conv2d({ filters: 1, kernelSize: 1 }),
  ];
  let x: tfl.SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: x });
  let k = seed;
  for (const layer of layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const values = weights.map((w) => tf.tensor(randomValues(w.size, k++), w.shape));
    layer.setWeights(values);
    for (const v of values) v.dispose();
  }
  return model;
}

/** Pixels of a `width` x `height` RGB image filled by `fill(x, y) -> [r, g, b]`. */
export function rgbImage(
  width: number,
  height: number,
  fill: (x: number, y: number) => readonly [number, number, number],
) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      const [r, g, b] = fill(x, y);
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return { data, width, height, channels: 3 };
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
