import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Switches to the cpu backend once. */
export async function useCpu(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

/** Deterministic normal numbers (Box-Muller over mulberry32). */
export function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A Float32Array of `length` standard normal values. */
export function randomArray(length: number, random: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => random() * scale);
}

/** Sets every weight of `model` to seeded normal values scaled by 1/sqrt(fan-in)-ish. */
export function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  const random = normals(seed);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (!weights.length) continue;
    const values = weights.map((w, i) => {
      const fanIn = w.rank >= 2 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const isVariance = /variance/.test(layer.weights[i]?.originalName ?? '');
      const data = Float32Array.from({ length: w.size }, () =>
        isVariance
          ? 0.5 + Math.abs(random())
          : random() * (w.rank >= 2 ? Math.sqrt(2 / fanIn) : 0.1),
      );
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(values);
    for (const v of values) v.dispose();
  }
}

/** conv(3->8, relu) -> conv(8->6, relu) -> conv(6->4, relu) -> maxpool -> flatten -> dense(2). */
export function sequentialCnn(seed = 1, size = 12): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 's_conv1',
      }),
      tfl.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 's_conv2',
      }),
      tfl.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'valid',
        activation: 'relu',
        name: 's_conv3',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 's_pool' }),
      tfl.layers.flatten({ name: 's_flatten' }),
      tfl.layers.dense({ units: 2, name: 's_dense' }),
    ],
  });
  randomizeWeights(model, seed);
  return model;
}

/**
 * A tiny U-Net-like functional model:
 * conv -> conv -> pool -> conv -> conv -> conv2dTranspose -> concat -> conv -> conv -> head.
 * Optional batch norm after the first convolution of each block.
 */
export function tinyUnet(
  options: { seed?: number; size?: number; base?: number; batchNorm?: boolean } = {},
): tfl.LayersModel {
  const { seed = 2, size = 16, base = 8, batchNorm = false } = options;
  const conv = (filters: number, name: string, activation: 'relu' | 'linear' = 'relu') =>
    tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, name });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;
  const block1 = (x: tfl.SymbolicTensor, filters: number, name: string) => {
    if (!batchNorm) return apply(conv(filters, name), x);
    const linear = apply(conv(filters, name, 'linear'), x);
    const normalised = apply(tfl.layers.batchNormalization({ name: `${name}_bn` }), linear);
    return apply(tfl.layers.activation({ activation: 'relu', name: `${name}_relu` }), normalised);
  };
  const input = tfl.input({ shape: [size, size, 3], name: 'u_input' });
  const e1 = block1(input, base, 'e1_conv1');
  const e2 = apply(conv(base, 'e1_conv2'), e1);
  const pooled = apply(tfl.layers.maxPooling2d({ poolSize: 2, name: 'e1_pool' }), e2);
  const b1 = block1(pooled, base * 2, 'b_conv1');
  const b2 = apply(conv(base * 2, 'b_conv2'), b1);
  const up = apply(
    tfl.layers.conv2dTranspose({
      filters: base,
      kernelSize: 2,
      strides: 2,
      padding: 'same',
      name: 'd1_up',
    }),
    b2,
  );
  const merged = apply(tfl.layers.concatenate({ name: 'd1_concat' }), [e2, up]);
  const d1 = block1(merged, base, 'd1_conv1');
  const d2 = apply(conv(base, 'd1_conv2'), d1);
  const head = apply(conv(1, 'head', 'linear'), d2);
  const model = tfl.model({ inputs: input, outputs: head, name: 'tiny_unet' });
  randomizeWeights(model, seed);
  return model;
}

/** A batch of seeded normal images in [-1, 1]-ish. */
export function randomImages(
  count: number,
  height: number,
  width: number,
  seed = 3,
  channels = 3,
): tf.Tensor4D {
  const random = normals(seed);
  return tf.tensor4d(
    Float32Array.from({ length: count * height * width * channels }, () => Math.tanh(random())),
    [count, height, width, channels],
  );
}

/** Largest absolute difference between two model outputs on `images`. */
export function maxOutputDifference(
  a: tfl.LayersModel,
  b: tfl.LayersModel,
  images: tf.Tensor,
): number {
  return tf.tidy(() => {
    const ya = a.predict(images) as tf.Tensor;
    const yb = b.predict(images) as tf.Tensor;
    return tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0] as number;
  });
}
