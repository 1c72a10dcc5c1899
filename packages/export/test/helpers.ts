import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../src/index';
import type { ExportOnnxOptions } from '../src/onnx/types';

/** Switches to the cpu backend once. */
export async function useCpu(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Gives every batch norm of `model` non-trivial statistics (mean, variance, gamma, beta drawn from
 * `seed`), so folding them is actually tested; freshly built BNs are the identity.
 */
export function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const random = uniforms(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.weights.map((weight) => {
        const size = weight.shape.reduce((a: number, b) => a * (b ?? 1), 1);
        const values = Float32Array.from({ length: size }, () => {
          const u = random();
          if (weight.originalName.endsWith('variance')) return 0.5 + u;
          if (weight.originalName.endsWith('gamma')) return 0.5 + 0.5 * u;
          return u - 0.5;
        });
        return tf.tensor(values, weight.shape as number[]);
      }),
    );
  }
}

/** `count` images [count, height, width, channels] of values in [-1, 1). */
export function randomImages(seed: number, shape: [number, number, number, number]): Float32Array {
  const random = uniforms(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * random() - 1);
}

/** NHWC -> NCHW of a dense array. */
export function toNchw(values: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < (n as number); b++)
    for (let y = 0; y < (h as number); y++)
      for (let x = 0; x < (w as number); x++)
        for (let k = 0; k < (c as number); k++)
          out[((b * (c as number) + k) * (h as number) + y) * (w as number) + x] = values[
            ((b * (h as number) + y) * (w as number) + x) * (c as number) + k
          ] as number;
  return out;
}

/** The tfjs model's output on `images` (NHWC), as a plain array. */
export function tfjsOutput(model: tfl.LayersModel, images: Float32Array, shape: number[]) {
  return tf.tidy(() => {
    const output = model.predict(
      tf.tensor4d(images, shape as [number, number, number, number]),
    ) as tf.Tensor;
    return { values: output.dataSync() as Float32Array, shape: output.shape };
  });
}

/** Runs the ONNX bytes in onnxruntime-node on one input and returns its first output. */
export async function onnxOutput(
  bytes: Uint8Array,
  input: Float32Array,
  shape: number[],
): Promise<{ values: Float32Array; shape: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', input, shape) };
    const results = await session.run(feeds);
    const output = results[session.outputNames[0] as string] as ort.Tensor;
    return { values: output.data as Float32Array, shape: output.dims };
  } finally {
    await session.release();
  }
}

/** Largest |a - b| over two arrays of the same length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/**
 * Exports `model` and runs it in onnxruntime-node on seeded images; returns the largest absolute
 * difference from the tfjs output (NHWC both ways, the ONNX output transposed back when NCHW).
 */
export async function roundTrip(
  model: tfl.LayersModel,
  imageShape: [number, number, number, number],
  options: ExportOnnxOptions = {},
  seed = 7,
): Promise<{ diff: number; range: number; outputShape: readonly number[] }> {
  const images = randomImages(seed, imageShape);
  const expected = tfjsOutput(model, images, imageShape);
  const { bytes } = exportOnnx(model, options);
  const nchw = (options.layout ?? 'NCHW') === 'NCHW';
  const [n, h, w, c] = imageShape;
  const actual = await onnxOutput(
    bytes,
    nchw ? toNchw(images, imageShape) : images,
    nchw ? [n, c, h, w] : imageShape,
  );
  let values = actual.values;
  if (nchw) {
    const [on, oc, oh, ow] = actual.shape as [number, number, number, number];
    values = toNhwcFromNchw(values, [on, oc, oh, ow]);
  }
  let head = expected.values;
  if (options.head === 'sigmoid') head = head.map((v) => 1 / (1 + Math.exp(-v)));
  let range = 0;
  for (const v of head) range = Math.max(range, Math.abs(v));
  return { diff: maxAbsDiff(head, values), range, outputShape: actual.shape };
}

function toNhwcFromNchw(values: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < (n as number); b++)
    for (let k = 0; k < (c as number); k++)
      for (let y = 0; y < (h as number); y++)
        for (let x = 0; x < (w as number); x++)
          out[((b * (h as number) + y) * (w as number) + x) * (c as number) + k] = values[
            ((b * (c as number) + k) * (h as number) + y) * (w as number) + x
          ] as number;
  return out;
}
