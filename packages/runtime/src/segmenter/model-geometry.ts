import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelGeometry } from './types';

/** Key under which @crack/unet stores its config in a model's user-defined metadata. */
const UNET_METADATA_KEY = 'crackUnet';

/** Layers that shrink the resolution by their stride. */
const DOWNSAMPLING_LAYERS = new Set([
  'MaxPooling2D',
  'AveragePooling2D',
  'Conv2D',
  'SeparableConv2D',
  'DepthwiseConv2D',
]);

/**
 * Reads what a segmenter must know about a model: its input's size granularity (2^poolings),
 * channels, fixed size if any, and whether it outputs probabilities or logits.
 *
 * The granularity comes from @crack/unet's metadata (`crackUnet.depth`, which `createUnet`
 * writes and `model.save` keeps) when present; otherwise it is the product of the strides of
 * every pooling and strided convolution (a U-Net has one pooling per level, so this is 2^depth;
 * a model with parallel strided branches gets a larger, still valid, granularity).
 *
 * @throws Error if the model does not have one rank-4 input of 1 or 3 channels and one
 *   single-channel rank-4 output.
 */
export function readModelGeometry(
  model: LayersModel,
  output: 'auto' | 'logits' | 'probabilities' = 'auto',
  caller = 'loadSegmenter',
): ModelGeometry {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `${caller}: the model must have one input and one output, got ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const inputShape = model.inputs[0]!.shape;
  const outputShape = model.outputs[0]!.shape;
  if (inputShape.length !== 4) {
    throw new Error(
      `${caller}: the model input must be [batch, height, width, channels], got shape ${formatShape(inputShape)}`,
    );
  }
  const channels = inputShape[3];
  if (channels !== 1 && channels !== 3) {
    throw new Error(
      `${caller}: the model input must have 1 (gray) or 3 (RGB) channels, got ${channels}`,
    );
  }
  if (outputShape.length !== 4 || outputShape[3] !== 1) {
    throw new Error(
      `${caller}: the model output must be [batch, height, width, 1] (one crack logit per pixel), got ${formatShape(outputShape)}`,
    );
  }
  const height = inputShape[1];
  const width = inputShape[2];
  const fixedSize: readonly [number, number] | null =
    typeof height === 'number' && typeof width === 'number' ? [height, width] : null;

  let divisor = unetDivisor(model);
  let divisorSource: ModelGeometry['divisorSource'] = 'unet-metadata';
  if (divisor == null) {
    divisor = layerDivisor(model);
    divisorSource = 'layers';
  }
  return {
    divisor,
    channels,
    fixedSize,
    outputsProbabilities: output === 'auto' ? endsWithSigmoid(model) : output === 'probabilities',
    divisorSource,
  };
}

function unetDivisor(model: LayersModel): number | null {
  const metadata = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const config = metadata?.[UNET_METADATA_KEY] as { depth?: unknown } | undefined;
  const depth = config?.depth;
  if (typeof depth === 'number' && Number.isInteger(depth) && depth >= 0 && depth <= 10) {
    return 2 ** depth;
  }
  return null;
}

function layerDivisor(model: LayersModel): number {
  let divisor = 1;
  for (const layer of model.layers) {
    if (!DOWNSAMPLING_LAYERS.has(layer.getClassName())) continue;
    const config = layer.getConfig() as { strides?: number | number[]; poolSize?: number };
    const strides = config.strides ?? config.poolSize ?? 1;
    const stride = Math.max(...(Array.isArray(strides) ? strides : [strides]));
    if (Number.isInteger(stride) && stride > 1) divisor *= stride;
  }
  return divisor;
}

function endsWithSigmoid(model: LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  if (!last) return false;
  const config = last.getConfig() as { activation?: unknown };
  return config.activation === 'sigmoid';
}

/**
 * A layer shape as people write it: `[null, null, null, 3]`, where `join` printed `[, , , 3]`
 * (null is an unknown batch or image size).
 */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}
