/**
 * One tfjs-layers layer as ONNX nodes. Inside the graph every tensor is NCHW; the tfjs shapes
 * passed in are NHWC, as tfjs reports them.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { addActivation, clip } from './activations';
import {
  batchNormAffine,
  type ChannelAffine,
  convKernel,
  depthwiseKernel,
  foldAffine,
  transposeKernel,
} from './kernels';
import type { AttributeValue, OnnxGraph } from './onnx-graph';
import { forwardPadding, type OnnxPadding, transposePadding } from './padding';

/** A layer of a tfjs-layers model. */
export type Layer = ReturnType<LayersModel['getLayer']>;

/** Layers that only act in training: at inference they pass their input through. */
export const INFERENCE_IDENTITY_LAYERS: ReadonlySet<string> = new Set([
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

/** Convolutions a following BatchNormalization can be folded into. */
export const CONVOLUTION_LAYERS: ReadonlySet<string> = new Set([
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Conv2DTranspose',
  // @crack/unet's grouped convolution: an ONNX Conv with its `group` attribute.
  'GroupedConv2D',
]);

/** Every layer class {@link convertLayer} writes (besides InputLayer and the identity layers). */
export const SUPPORTED_LAYERS: readonly string[] = [
  ...CONVOLUTION_LAYERS,
  'MaxPooling2D',
  'AveragePooling2D',
  'UpSampling2D',
  'ZeroPadding2D',
  'ChannelShuffle',
  'Concatenate',
  'Add',
  'Multiply',
  'Average',
  'Maximum',
  'Minimum',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
];

/** Why a layer cannot be exported; the caller turns it into an error naming the layer. */
export class UnsupportedLayerError extends Error {}

/** What {@link convertLayer} needs about one layer application. */
export interface LayerConversion {
  graph: OnnxGraph;
  layer: Layer;
  /** ONNX names of the layer's inputs (NCHW). */
  inputs: string[];
  /** tfjs (NHWC) shapes of the layer's inputs. */
  inputShapes: Array<Array<number | null>>;
  /** A batch normalisation to fold into this convolution's output channels. */
  fold?: ChannelAffine;
}

type Config = Record<string, unknown>;

/** Writes the ONNX nodes of one layer and returns the name of its (NCHW) output. */
export function convertLayer(conversion: LayerConversion): string {
  const { layer, inputShapes } = conversion;
  const className = layer.getClassName();
  const config = layer.getConfig() as Config;
  if (!SUPPORTED_LAYERS.includes(className))
    throw new UnsupportedLayerError('no ONNX equivalent here');
  for (const shape of inputShapes) {
    if (shape.length !== 4) {
      throw new UnsupportedLayerError(
        `only rank-4 (image) inputs are supported, got rank ${shape.length}`,
      );
    }
  }
  if (config.dataFormat != null && config.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(`dataFormat '${config.dataFormat}' (only channelsLast)`);
  }
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return convolution(conversion, className, config);
    case 'GroupedConv2D': {
      // Always stride 1 and 'same'; its kernel [k, k, Cin/groups, Cout] transposes to ONNX's
      // grouped layout [Cout, Cin/groups, k, k] with output group i reading input group i, as
      // tfjs computes it.
      const k = Number(config.kernelSize);
      return convolution(conversion, className, {
        ...config,
        kernelSize: [k, k],
        strides: [1, 1],
        padding: 'same',
      });
    }
    case 'ChannelShuffle':
      return channelShuffle(conversion, config);
    case 'Conv2DTranspose':
      return transposedConvolution(conversion, config);
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return pooling(conversion, className, config);
    case 'UpSampling2D':
      return upsampling(conversion, config);
    case 'ZeroPadding2D':
      return zeroPadding(conversion, config);
    case 'BatchNormalization':
      return batchNormalization(conversion);
    default:
      return merge(conversion, className, config) ?? activationLayer(conversion, className, config);
  }
}

/** The float32 values of the layer's weight whose name ends with `/suffix`, or null. */
export function weightValues(layer: Layer, suffix: string): Float32Array | null {
  const weight = layer.weights.find(
    (w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix,
  );
  if (!weight) return null;
  return Float32Array.from(weight.read().dataSync() as Float32Array);
}

function weightShape(layer: Layer, suffix: string): number[] {
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (!weight) throw new UnsupportedLayerError(`it has no '${suffix}' weight`);
  return [...weight.shape] as number[];
}

function requiredWeight(layer: Layer, suffix: string): Float32Array {
  const values = weightValues(layer, suffix);
  if (!values) throw new UnsupportedLayerError(`it has no '${suffix}' weight`);
  return values;
}

function pair(value: unknown, field: string): [number, number] {
  const list = typeof value === 'number' ? [value, value] : (value as number[] | undefined);
  if (!Array.isArray(list) || list.length !== 2 || !list.every(Number.isInteger)) {
    throw new UnsupportedLayerError(`${field} ${JSON.stringify(value)} is not two integers`);
  }
  return [list[0] as number, list[1] as number];
}

function paddingOf(config: Config): 'same' | 'valid' {
  const padding = config.padding;
  if (padding !== 'same' && padding !== 'valid') {
    throw new UnsupportedLayerError(`padding '${String(padding)}' (only same and valid)`);
  }
  return padding;
}

function paddingAttributes(padding: OnnxPadding): Record<string, AttributeValue> {
  return 'pads' in padding ? { pads: padding.pads } : { auto_pad: padding.autoPad };
}

function spatial(shape: Array<number | null> | undefined): [number | null, number | null] {
  return [shape?.[1] ?? null, shape?.[2] ?? null];
}

function finish(conversion: LayerConversion, output: string, config: Config): string {
  const activation = String(config.activation ?? 'linear');
  const name = conversion.layer.name;
  const result = addActivation(conversion.graph, output, activation, name);
  if (result === undefined) throw new UnsupportedLayerError(`activation '${activation}'`);
  return result;
}

function convolution(conversion: LayerConversion, className: string, config: Config): string {
  const { graph, layer, inputs, inputShapes, fold } = conversion;
  const name = layer.name;
  const kernel = pair(config.kernelSize, 'kernelSize');
  const strides = pair(config.strides ?? 1, 'strides');
  const dilations = pair(config.dilationRate ?? 1, 'dilationRate');
  const pads = paddingAttributes(
    forwardPadding(paddingOf(config), spatial(inputShapes[0]), kernel, strides, dilations),
  );
  const common = { kernel_shape: kernel, strides, dilations, ...pads };
  let input = inputs[0] as string;
  let bias = config.useBias === false ? null : weightValues(layer, 'bias');

  if (className === 'DepthwiseConv2D' || className === 'SeparableConv2D') {
    const suffix = 'depthwise_kernel';
    const depthwise = depthwiseKernel(requiredWeight(layer, suffix), weightShape(layer, suffix));
    const group = weightShape(layer, suffix)[2] as number;
    if (className === 'DepthwiseConv2D') {
      const folded = fold ? foldAffine(depthwise, bias, fold, 0) : { weight: depthwise, bias };
      const w = graph.addFloat(
        `${name}/depthwise_kernel`,
        folded.weight.shape,
        folded.weight.values,
      );
      const b = folded.bias
        ? graph.addFloat(`${name}/bias`, [folded.bias.length], folded.bias)
        : null;
      const out = graph.addNode('Conv', b ? [input, w, b] : [input, w], `${name}/conv`, {
        ...common,
        group,
      });
      return finish(conversion, out, config);
    }
    const w = graph.addFloat(`${name}/depthwise_kernel`, depthwise.shape, depthwise.values);
    input = graph.addNode('Conv', [input, w], `${name}/depthwise`, { ...common, group });
    // The pointwise half: a 1x1 convolution with the layer's bias, stride 1, no padding.
    const pointwise = convKernel(
      requiredWeight(layer, 'pointwise_kernel'),
      weightShape(layer, 'pointwise_kernel'),
    );
    const folded = fold ? foldAffine(pointwise, bias, fold, 0) : { weight: pointwise, bias };
    bias = folded.bias;
    const pw = graph.addFloat(
      `${name}/pointwise_kernel`,
      folded.weight.shape,
      folded.weight.values,
    );
    const b = bias ? graph.addFloat(`${name}/bias`, [bias.length], bias) : null;
    const out = graph.addNode('Conv', b ? [input, pw, b] : [input, pw], `${name}/pointwise`, {
      kernel_shape: [1, 1],
    });
    return finish(conversion, out, config);
  }

  const weight = convKernel(requiredWeight(layer, 'kernel'), weightShape(layer, 'kernel'));
  const folded = fold ? foldAffine(weight, bias, fold, 0) : { weight, bias };
  const w = graph.addFloat(`${name}/kernel`, folded.weight.shape, folded.weight.values);
  const b = folded.bias ? graph.addFloat(`${name}/bias`, [folded.bias.length], folded.bias) : null;
  const attributes =
    className === 'GroupedConv2D' ? { ...common, group: Number(config.groups) } : common;
  const out = graph.addNode('Conv', b ? [input, w, b] : [input, w], `${name}/conv`, attributes);
  return finish(conversion, out, config);
}

/**
 * ShuffleNet's channel shuffle as a 1x1 Conv whose weight is the permutation matrix (output
 * channel j*groups + i = input channel i*(C/groups) + j): exact (one product by 1 per output),
 * and unlike Reshape-Transpose-Reshape it needs no spatial size, so free-size models export.
 */
function channelShuffle(conversion: LayerConversion, config: Config): string {
  const { graph, layer, inputs, inputShapes } = conversion;
  const channels = inputShapes[0]?.[3];
  const groups = Number(config.groups);
  if (channels == null || !Number.isInteger(groups) || channels % groups !== 0) {
    throw new UnsupportedLayerError(`channels ${channels} are not a multiple of groups ${groups}`);
  }
  const perGroup = channels / groups;
  const values = new Float32Array(channels * channels);
  for (let i = 0; i < groups; i += 1) {
    for (let j = 0; j < perGroup; j += 1)
      values[(j * groups + i) * channels + i * perGroup + j] = 1;
  }
  const w = graph.addFloat(`${layer.name}/permutation`, [channels, channels, 1, 1], values);
  return graph.addNode('Conv', [inputs[0] as string, w], `${layer.name}/shuffle`, {
    kernel_shape: [1, 1],
  });
}

function transposedConvolution(conversion: LayerConversion, config: Config): string {
  const { graph, layer, inputs, fold } = conversion;
  const name = layer.name;
  const kernel = pair(config.kernelSize, 'kernelSize');
  const strides = pair(config.strides ?? 1, 'strides');
  const dilations = pair(config.dilationRate ?? 1, 'dilationRate');
  if (dilations[0] !== 1 || dilations[1] !== 1) {
    throw new UnsupportedLayerError(`dilationRate [${dilations}] (tfjs itself only runs 1)`);
  }
  const { pads, outputPadding } = transposePadding(paddingOf(config), kernel, strides);
  const weight = transposeKernel(requiredWeight(layer, 'kernel'), weightShape(layer, 'kernel'));
  const bias = config.useBias === false ? null : weightValues(layer, 'bias');
  const folded = fold ? foldAffine(weight, bias, fold, 1) : { weight, bias };
  const w = graph.addFloat(`${name}/kernel`, folded.weight.shape, folded.weight.values);
  const b = folded.bias ? graph.addFloat(`${name}/bias`, [folded.bias.length], folded.bias) : null;
  const attributes: Record<string, AttributeValue> = { kernel_shape: kernel, strides, pads };
  if (outputPadding.some((p) => p > 0)) attributes.output_padding = outputPadding;
  const input = inputs[0] as string;
  const out = graph.addNode(
    'ConvTranspose',
    b ? [input, w, b] : [input, w],
    `${name}/conv_transpose`,
    attributes,
  );
  return finish(conversion, out, config);
}

function pooling(conversion: LayerConversion, className: string, config: Config): string {
  const { graph, layer, inputs, inputShapes } = conversion;
  const kernel = pair(config.poolSize, 'poolSize');
  const strides = pair(config.strides ?? config.poolSize, 'strides');
  const padding = forwardPadding(
    paddingOf(config),
    spatial(inputShapes[0]),
    kernel,
    strides,
    [1, 1],
  );
  // TensorFlow's 'same' average pooling divides by the pixels inside the image only, which is
  // ONNX's default count_include_pad = 0.
  return graph.addNode(
    className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool',
    [inputs[0] as string],
    layer.name,
    { kernel_shape: kernel, strides, ...paddingAttributes(padding) },
  );
}

function upsampling(conversion: LayerConversion, config: Config): string {
  const { graph, layer, inputs } = conversion;
  const [sh, sw] = pair(config.size ?? 2, 'size');
  const interpolation = config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    throw new UnsupportedLayerError(`interpolation '${String(interpolation)}'`);
  }
  const scales = graph.addFloat(`${layer.name}/scales`, [4], Float32Array.of(1, 1, sh, sw));
  // tfjs resizes with alignCorners = false and halfPixelCenters = false: the source pixel of
  // output x is x / scale, ONNX's 'asymmetric' transform (and floor for nearest).
  const attributes: Record<string, AttributeValue> =
    interpolation === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : { mode: 'linear', coordinate_transformation_mode: 'asymmetric' };
  return graph.addNode('Resize', [inputs[0] as string, '', scales], layer.name, attributes);
}

function zeroPadding(conversion: LayerConversion, config: Config): string {
  const { graph, layer, inputs } = conversion;
  const value = config.padding as number | number[] | number[][];
  let rows: [number, number];
  let cols: [number, number];
  if (typeof value === 'number') {
    rows = [value, value];
    cols = [value, value];
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    const [h, w] = pair(value, 'padding');
    rows = [h, h];
    cols = [w, w];
  } else {
    const [r, c] = value as number[][];
    rows = pair(r, 'padding');
    cols = pair(c, 'padding');
  }
  const pads = graph.addInt64(`${layer.name}/pads`, [
    0,
    0,
    rows[0],
    cols[0],
    0,
    0,
    rows[1],
    cols[1],
  ]);
  return graph.addNode('Pad', [inputs[0] as string, pads], layer.name, { mode: 'constant' });
}

function channelAxis(config: Config): void {
  const axis = config.axis ?? -1;
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length !== 1 || (list[0] !== -1 && list[0] !== 3)) {
    throw new UnsupportedLayerError(
      `axis ${JSON.stringify(axis)} (only the channel axis, -1 or 3)`,
    );
  }
}

/** The inference-time affine map of a BatchNormalization layer. */
export function batchNormOf(layer: Layer): ChannelAffine {
  const config = layer.getConfig() as Config;
  channelAxis(config);
  return batchNormAffine({
    gamma: config.scale === false ? null : weightValues(layer, 'gamma'),
    beta: config.center === false ? null : weightValues(layer, 'beta'),
    mean: requiredWeight(layer, 'moving_mean'),
    variance: requiredWeight(layer, 'moving_variance'),
    epsilon: Number(config.epsilon ?? 1e-3),
  });
}

function batchNormalization(conversion: LayerConversion): string {
  const { graph, layer, inputs } = conversion;
  const { scale, shift } = batchNormOf(layer);
  const channels = scale.length;
  // Written as the folded affine map (mean 0, variance 1, epsilon 0), so the op computes exactly
  // x * scale + shift.
  const s = graph.addFloat(`${layer.name}/scale`, [channels], scale);
  const b = graph.addFloat(`${layer.name}/shift`, [channels], shift);
  const mean = graph.addFloat(`${layer.name}/mean`, [channels], new Float32Array(channels));
  const variance = graph.addFloat(
    `${layer.name}/variance`,
    [channels],
    new Float32Array(channels).fill(1),
  );
  return graph.addNode(
    'BatchNormalization',
    [inputs[0] as string, s, b, mean, variance],
    layer.name,
    {
      epsilon: { float: 0 },
    },
  );
}

const ELEMENTWISE: Record<string, string> = {
  Add: 'Sum',
  Multiply: 'Mul',
  Maximum: 'Max',
  Minimum: 'Min',
};

function merge(conversion: LayerConversion, className: string, config: Config): string | undefined {
  const { graph, layer, inputs } = conversion;
  const name = layer.name;
  if (className === 'Concatenate') {
    const axis = Number(config.axis ?? -1);
    // NHWC axis -> NCHW axis: channels (-1 or 3) -> 1, height 1 -> 2, width 2 -> 3.
    const nchw = [0, 2, 3, 1][axis < 0 ? axis + 4 : axis];
    if (nchw === undefined) throw new UnsupportedLayerError(`axis ${axis}`);
    return graph.addNode('Concat', inputs, name, { axis: nchw });
  }
  if (className === 'Average') {
    const sum = graph.addNode('Sum', inputs, `${name}/sum`);
    const factor = graph.addFloat(`${name}/factor`, [], Float32Array.of(1 / inputs.length));
    return graph.addNode('Mul', [sum, factor], name);
  }
  const op = ELEMENTWISE[className];
  if (!op) return undefined;
  if (op === 'Mul' && inputs.length > 2) {
    let product = inputs[0] as string;
    for (let i = 1; i < inputs.length; i++) {
      product = graph.addNode(
        'Mul',
        [product, inputs[i] as string],
        i === inputs.length - 1 ? name : `${name}/${i}`,
      );
    }
    return product;
  }
  return graph.addNode(op === 'Sum' && inputs.length === 2 ? 'Add' : op, inputs, name);
}

function activationLayer(conversion: LayerConversion, className: string, config: Config): string {
  const { graph, layer, inputs } = conversion;
  const input = inputs[0] as string;
  const name = layer.name;
  switch (className) {
    case 'Activation':
      return finish(conversion, input, config);
    case 'ReLU': {
      const max = config.maxValue == null ? null : Number(config.maxValue);
      return max == null ? graph.addNode('Relu', [input], name) : clip(graph, input, 0, max, name);
    }
    case 'LeakyReLU':
      return graph.addNode('LeakyRelu', [input], name, {
        alpha: { float: Number(config.alpha ?? 0.3) },
      });
    case 'ELU':
      return graph.addNode('Elu', [input], name, { alpha: { float: Number(config.alpha ?? 1) } });
    case 'Softmax':
      channelAxis(config);
      return graph.addNode('Softmax', [input], name, { axis: 1 });
    default:
      throw new UnsupportedLayerError('no ONNX equivalent here');
  }
}
