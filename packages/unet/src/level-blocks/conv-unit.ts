/**
 * One convolution with its batch norm and activation, the unit every lightweight block and
 * backbone encoder is made of. Without batch norm the activation is fused into the convolution
 * (which keeps its bias); with it the convolution is linear, followed by a BatchNormalization
 * and, unless the unit is linear, an Activation layer.
 */
import { layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { heNormal, layerSeed } from '../init';
import { GroupedConv2D } from '../layers/grouped-conv2d';

/** Activation after a unit: ReLU, ReLU6 (MobileNetV2) or none (linear bottlenecks, projections). */
export type UnitActivation = 'relu' | 'relu6' | 'linear';

/** What {@link convUnit} builds. */
export interface ConvUnitSpec {
  /** Conv2D, DepthwiseConv2D (multiplier 1, channels kept) or {@link GroupedConv2D}. */
  kind: 'conv' | 'depthwise' | 'grouped';
  /** Output channels (ignored by 'depthwise'). */
  filters?: number;
  /** Square kernel side. */
  kernelSize: 1 | 3;
  /** Stride (Conv2D and DepthwiseConv2D only). Default 1. */
  strides?: 1 | 2;
  /** Groups of a 'grouped' unit. */
  groups?: number;
  /** Activation after the (normalised) convolution. */
  activation: UnitActivation;
  /** Layer names: the convolution, its batch norm, its activation layer. */
  names: { conv: string; bn: string; activation: string };
  /** Add batch normalisation. */
  batchNorm: boolean;
  /** Keep the conv bias even with batch norm (Keras's ResNet50 does). Default false. */
  biasWithBatchNorm?: boolean;
  /** Batch-norm epsilon. Default 1e-3 (tfjs and Keras MobileNetV2); Keras ResNet50 uses 1.001e-5. */
  epsilon?: number;
  /** He gain of the kernel init: 2 after a ReLU (default), 1 after a linear layer. */
  gain?: number;
  /** Model seed. */
  seed: number;
}

/** Builds a {@link ConvUnitSpec} on `input` and returns its output. */
export function convUnit(input: SymbolicTensor, spec: ConvUnitSpec): SymbolicTensor {
  const { kind, kernelSize, names, batchNorm, seed, gain = 2 } = spec;
  const inChannels = channelsOf(input);
  const fused = batchNorm ? 'linear' : spec.activation;
  const useBias = !batchNorm || spec.biasWithBatchNorm === true;
  const area = kernelSize * kernelSize;
  let output: SymbolicTensor;
  if (kind === 'depthwise') {
    output = layers
      .depthwiseConv2d({
        kernelSize,
        strides: spec.strides ?? 1,
        depthMultiplier: 1,
        padding: 'same',
        activation: fused,
        useBias,
        biasInitializer: 'zeros',
        depthwiseInitializer: heNormal({
          fanIn: area,
          gain,
          seed: layerSeed(seed, names.conv, 'depthwise_kernel'),
        }),
        name: names.conv,
      })
      .apply(input) as SymbolicTensor;
  } else if (kind === 'grouped') {
    const groups = spec.groups ?? 1;
    output = new GroupedConv2D({
      filters: spec.filters!,
      kernelSize,
      groups,
      activation: fused,
      useBias,
      kernelInitializer: heNormal({
        fanIn: (area * inChannels) / groups,
        gain,
        seed: layerSeed(seed, names.conv, 'kernel'),
      }),
      name: names.conv,
    }).apply(input) as SymbolicTensor;
  } else {
    output = layers
      .conv2d({
        filters: spec.filters!,
        kernelSize,
        strides: spec.strides ?? 1,
        padding: 'same',
        activation: fused,
        useBias,
        biasInitializer: 'zeros',
        kernelInitializer: heNormal({
          fanIn: area * inChannels,
          gain,
          seed: layerSeed(seed, names.conv, 'kernel'),
        }),
        name: names.conv,
      })
      .apply(input) as SymbolicTensor;
  }
  if (!batchNorm) return output;
  output = layers
    .batchNormalization({ axis: -1, epsilon: spec.epsilon ?? 1e-3, name: names.bn })
    .apply(output) as SymbolicTensor;
  if (spec.activation === 'linear') return output;
  return layers
    .activation({ activation: spec.activation, name: names.activation })
    .apply(output) as SymbolicTensor;
}

/** Element-wise sum of a residual branch and its shortcut. */
export function residualAdd(
  shortcut: SymbolicTensor,
  branch: SymbolicTensor,
  name: string,
): SymbolicTensor {
  return layers.add({ name }).apply([shortcut, branch]) as SymbolicTensor;
}

/** An activation layer on its own (after a residual add). */
export function activationLayer(
  input: SymbolicTensor,
  activation: 'relu' | 'relu6',
  name: string,
): SymbolicTensor {
  return layers.activation({ activation, name }).apply(input) as SymbolicTensor;
}

/** The channel count (last axis) of a symbolic tensor. */
export function channelsOf(tensor: SymbolicTensor): number {
  const channels = tensor.shape[tensor.shape.length - 1];
  if (channels == null)
    throw new Error(`blocks: the channel dimension of ${tensor.name} is unknown`);
  return channels;
}

/** The `{ conv, bn, activation }` names of a unit named `name` in the U-Net scheme. */
export function unitNames(name: string): ConvUnitSpec['names'] {
  return { conv: name, bn: `${name}_bn`, activation: `${name}_relu` };
}
