/**
 * MobileNetV2's inverted residual with linear bottleneck (Sandler et al. 2018): a cheap 1x1
 * conv expands the channels t times, a depthwise 3x3 filters each channel (both with ReLU6),
 * and a linear 1x1 conv projects back down; the narrow ends carry the residual add, so the
 * non-linearity never acts on the compressed representation.
 *
 * Cost of one block Cin -> Cout at H x W, E = t*Cin (kernel weights; MACs = weights * H * W):
 * `Cin*E [expand, left out when t = 1] + 9*E [depthwise] + E*Cout [project]`; the residual add
 * (when Cin = Cout) has no weights and no multiply-adds.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { channelsOf, convUnit, residualAdd, unitNames } from './conv-unit';

/**
 * One inverted-residual block; layers `{prefix}_expand`, `_dw`, `_project` (each with `_bn` and
 * `_relu` under batch norm) and `_add` when the input and output shapes match.
 */
export function invertedResidualBlock(
  input: SymbolicTensor,
  filters: number,
  prefix: string,
  context: BlockContext,
): SymbolicTensor {
  const { expansion, batchNorm } = context.config;
  const inChannels = channelsOf(input);
  const expanded = expansion * inChannels;
  const seed = context.seed;
  let features = input;
  if (expansion > 1) {
    features = convUnit(features, {
      kind: 'conv',
      filters: expanded,
      kernelSize: 1,
      activation: 'relu6',
      names: unitNames(`${prefix}_expand`),
      batchNorm,
      gain: 1,
      seed,
    });
  }
  features = convUnit(features, {
    kind: 'depthwise',
    kernelSize: 3,
    activation: 'relu6',
    names: unitNames(`${prefix}_dw`),
    batchNorm,
    gain: expansion > 1 ? 2 : 1,
    seed,
  });
  features = convUnit(features, {
    kind: 'conv',
    filters,
    kernelSize: 1,
    activation: 'linear',
    names: unitNames(`${prefix}_project`),
    batchNorm,
    seed,
  });
  return inChannels === filters ? residualAdd(input, features, `${prefix}_add`) : features;
}

/** A level of two inverted-residual blocks, `{level}_b1` (Cin -> F) and `{level}_b2` (F -> F). */
export function invertedResidualLevel(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: string) => string,
  context: BlockContext,
): SymbolicTensor {
  const first = invertedResidualBlock(input, filters, nameOf('b1'), context);
  return invertedResidualBlock(first, filters, nameOf('b2'), context);
}
