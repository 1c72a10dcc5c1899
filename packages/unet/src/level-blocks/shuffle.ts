/**
 * ShuffleNet's unit (Zhang et al. 2018): the 1x1 convolutions, which dominate the cost of a
 * depthwise-separable network, become group convolutions (g times cheaper), and a channel
 * shuffle between them lets information cross the groups; a depthwise 3x3 sits in the narrow
 * middle and a residual add closes the unit.
 *
 * Cost of one unit Cin -> F at H x W, bottleneck m = g*ceil(F/(4g)), g1 = g if Cin % g = 0 else 1
 * (kernel weights; MACs = weights * H * W): `Cin*m/g1 [group conv 1] + 9*m [depthwise] + m*F/g
 * [group conv 2]`; the shuffle and the residual add (when Cin = F) have no weights and no
 * multiply-adds.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { ChannelShuffle } from '../layers/channel-shuffle';
import { activationLayer, channelsOf, convUnit, residualAdd, unitNames } from './conv-unit';

/** Bottleneck width m of a ShuffleNet unit with `filters` outputs: F/4 rounded up to a multiple of g. */
export function shuffleBottleneck(filters: number, groups: number): number {
  return groups * Math.ceil(filters / (4 * groups));
}

/**
 * One ShuffleNet unit; layers `{prefix}_gconv1`, `_shuffle` (when grouped), `_dw`, `_gconv2`,
 * then `_add` and `_relu` when the input and output shapes match.
 */
export function shuffleUnit(
  input: SymbolicTensor,
  filters: number,
  prefix: string,
  context: BlockContext,
): SymbolicTensor {
  const { groups, batchNorm } = context.config;
  const seed = context.seed;
  const inChannels = channelsOf(input);
  const middle = shuffleBottleneck(filters, groups);
  const firstGroups = inChannels % groups === 0 ? groups : 1;
  const residual = inChannels === filters;
  let features = convUnit(input, {
    kind: 'grouped',
    filters: middle,
    kernelSize: 1,
    groups: firstGroups,
    activation: 'relu',
    names: unitNames(`${prefix}_gconv1`),
    batchNorm,
    seed,
  });
  if (firstGroups > 1) {
    features = new ChannelShuffle({ groups: firstGroups, name: `${prefix}_shuffle` }).apply(
      features,
    ) as SymbolicTensor;
  }
  features = convUnit(features, {
    kind: 'depthwise',
    kernelSize: 3,
    activation: 'linear',
    names: unitNames(`${prefix}_dw`),
    batchNorm,
    seed,
  });
  // Linear before the add when there is one (the ReLU follows the sum, as in ShuffleNet); with no
  // shortcut the unit ends in its own ReLU, like every other level block.
  features = convUnit(features, {
    kind: 'grouped',
    filters,
    kernelSize: 1,
    groups,
    activation: residual ? 'linear' : 'relu',
    names: unitNames(`${prefix}_gconv2`),
    batchNorm,
    gain: 1,
    seed,
  });
  if (!residual) return features;
  return activationLayer(residualAdd(input, features, `${prefix}_add`), 'relu', `${prefix}_relu`);
}

/** A level of two ShuffleNet units, `{level}_s1` (Cin -> F) and `{level}_s2` (F -> F). */
export function shuffleLevel(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: string) => string,
  context: BlockContext,
): SymbolicTensor {
  const first = shuffleUnit(input, filters, nameOf('s1'), context);
  return shuffleUnit(first, filters, nameOf('s2'), context);
}
