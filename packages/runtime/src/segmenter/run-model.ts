import { sigmoid, type Tensor, tensor4d, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelGeometry } from './types';

/**
 * Runs `model` on one normalised tile ([height, width, channels] values, row-major) and returns
 * its crack probabilities (height x width). Every tensor is freed before it returns, also when
 * the model throws.
 */
export async function runModel(
  model: LayersModel,
  geometry: ModelGeometry,
  input: Float32Array,
  height: number,
  width: number,
): Promise<Float32Array> {
  const output = tidy(() => {
    const x = tensor4d(input, [1, height, width, geometry.channels]);
    const y = model.predict(x) as Tensor;
    return geometry.outputsProbabilities ? y : sigmoid(y);
  });
  try {
    const [, h, w] = output.shape;
    if (h !== height || w !== width) {
      throw new Error(
        `segment: the model turned a ${width}x${height} input into a ${w}x${h} output; it must keep the size (use 'same' padding)`,
      );
    }
    const data = await output.data();
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  } finally {
    output.dispose();
  }
}
