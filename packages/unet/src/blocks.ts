/**
 * The building blocks of the U-Net graph: the two convolutions of a level (standard or
 * depthwise-separable, optionally with batch norm), the 2x2 max-pool, the upsampling step and the
 * logit head. Each block names its layers by the scheme of naming.ts and seeds its kernels through
 * {@link layerSeed}, so the same config and seed always give the same model.
 */
import { layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { ResolvedUnetConfig } from './config';
import { heNormal, layerSeed, type WeightInitializer } from './init';
import type { UnetConvRole } from './naming';

/** A tfjs-layers layer. */
type Layer = ReturnType<typeof layers.separableConv2d>;

/** What every block needs to know: the resolved config and the model seed in use. */
export interface BlockContext {
  /** The validated config of the model being built. */
  config: ResolvedUnetConfig;
  /** The model seed (the config's, or a random one drawn once per model). */
  seed: number;
}

/**
 * The two 3x3 convolutions of one level (encoder, bottleneck or decoder), each followed by ReLU:
 * fused into the conv without batch norm, or conv -> `_bn` -> `_relu` with it.
 * `nameOf('conv1')` gives the name of the first conv, and so on.
 */
export function levelConvolutions(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: UnetConvRole) => string,
  context: BlockContext,
): SymbolicTensor {
  const first = convolutionWithRelu(input, filters, nameOf, 'conv1', context);
  return convolutionWithRelu(first, filters, nameOf, 'conv2', context);
}

function convolutionWithRelu(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: UnetConvRole) => string,
  role: 'conv1' | 'conv2',
  context: BlockContext,
): SymbolicTensor {
  const { block, batchNorm } = context.config;
  const name = nameOf(role);
  const inChannels = channelsOf(input);
  const common = {
    filters,
    kernelSize: 3,
    padding: 'same' as const,
    activation: batchNorm ? ('linear' as const) : ('relu' as const),
    // With batch norm the conv bias is redundant: the BN shift (beta) adds the same constant.
    useBias: !batchNorm,
    biasInitializer: 'zeros' as const,
    name,
  };
  let output: SymbolicTensor;
  if (block === 'separable') {
    // The depthwise half sees a ReLU output (He gain 2, fan-in 3*3); the pointwise half sees the
    // linear depthwise output (gain 1, fan-in inChannels), so the product keeps the variance a
    // standard 3x3 conv under He init keeps.
    const pointwiseInitializer = heNormal({
      fanIn: inChannels,
      gain: 1,
      seed: layerSeed(context.seed, name, 'pointwise_kernel'),
    });
    const convolution = layers.separableConv2d({
      ...common,
      depthMultiplier: 1,
      depthwiseInitializer: heNormal({
        fanIn: 9,
        gain: 2,
        seed: layerSeed(context.seed, name, 'depthwise_kernel'),
      }),
      pointwiseInitializer,
    });
    output = apply(convolution, input);
    redrawPointwiseKernel(convolution, pointwiseInitializer);
  } else {
    const convolution = layers.conv2d({
      ...common,
      kernelInitializer: heNormal({
        fanIn: 9 * inChannels,
        seed: layerSeed(context.seed, name, 'kernel'),
      }),
    });
    output = apply(convolution, input);
  }
  if (!batchNorm) return output;
  const normalised = apply(layers.batchNormalization({ axis: -1, name: `${name}_bn` }), output);
  return apply(layers.activation({ activation: 'relu', name: `${name}_relu` }), normalised);
}

/** 2x2 max-pooling with stride 2: halves height and width. */
export function maxPool(input: SymbolicTensor, name: string): SymbolicTensor {
  return apply(layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name }), input);
}

/**
 * Doubles height and width and sets the channels to `filters` (half of the input's in a U-Net).
 * 'transpose': one 2x2 stride-2 Conv2DTranspose named `upName`. 'bilinear': UpSampling2D
 * (bilinear) named `upName`, then a 3x3 Conv2D named `upConvName`. Both are linear, with bias.
 */
export function upsample(
  input: SymbolicTensor,
  filters: number,
  upName: string,
  upConvName: string,
  context: BlockContext,
): SymbolicTensor {
  const inChannels = channelsOf(input);
  if (context.config.upsampling === 'transpose') {
    return apply(
      layers.conv2dTranspose({
        filters,
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        activation: 'linear',
        useBias: true,
        biasInitializer: 'zeros',
        // Each output pixel sees one kernel tap per input channel: fan-in 2*2*inChannels / (2*2).
        kernelInitializer: heNormal({
          fanIn: inChannels,
          seed: layerSeed(context.seed, upName, 'kernel'),
        }),
        name: upName,
      }),
      input,
    );
  }
  const resized = apply(
    layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: upName }),
    input,
  );
  return apply(
    layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'linear',
      useBias: true,
      biasInitializer: 'zeros',
      kernelInitializer: heNormal({
        fanIn: 9 * inChannels,
        seed: layerSeed(context.seed, upConvName, 'kernel'),
      }),
      name: upConvName,
    }),
    resized,
  );
}

/** Channel concatenation [skip, upsampled] of a decoder level. */
export function concatenateSkip(
  skip: SymbolicTensor,
  upsampled: SymbolicTensor,
  name: string,
): SymbolicTensor {
  return layers.concatenate({ axis: -1, name }).apply([skip, upsampled]) as SymbolicTensor;
}

/** Dropout at rate `rate`, active only in training. */
export function dropout(input: SymbolicTensor, rate: number, name: string): SymbolicTensor {
  return apply(layers.dropout({ rate, name }), input);
}

/**
 * The logit map: a headKernel x headKernel Conv2D, linear, with bias, to one channel (sigmoid,
 * the thesis) or `classes` channels (softmax).
 */
export function logitHead(
  input: SymbolicTensor,
  name: string,
  context: BlockContext,
): SymbolicTensor {
  const kernel = context.config.headKernel;
  return apply(
    layers.conv2d({
      // One logit channel for a sigmoid (the thesis), or one per class for a softmax.
      filters: context.config.classes,
      kernelSize: kernel,
      padding: 'same',
      activation: 'linear',
      useBias: true,
      biasInitializer: 'zeros',
      kernelInitializer: heNormal({
        fanIn: kernel * kernel * channelsOf(input),
        seed: layerSeed(context.seed, name, 'kernel'),
      }),
      name,
    }),
    input,
  );
}

/**
 * tfjs-layers 4.22's SeparableConv2D builds its pointwise kernel with the *depthwise* initializer
 * (its constructor reads `config.depthwiseInitializer` for both), so the pointwise kernel is
 * drawn again here, with its own initializer, once the layer has been built.
 */
function redrawPointwiseKernel(layer: Layer, initializer: WeightInitializer): void {
  const kernel = layer.weights.find((weight) => weight.originalName.endsWith('/pointwise_kernel'));
  if (!kernel) throw new Error(`blocks: ${layer.name} has no pointwise kernel`);
  const values = initializer.apply(kernel.shape, 'float32');
  kernel.write(values);
  values.dispose();
}

function apply(layer: { apply(input: SymbolicTensor): unknown }, input: SymbolicTensor) {
  return layer.apply(input) as SymbolicTensor;
}

function channelsOf(tensor: SymbolicTensor): number {
  const channels = tensor.shape[tensor.shape.length - 1];
  if (channels == null)
    throw new Error(`blocks: the channel dimension of ${tensor.name} is unknown`);
  return channels;
}
