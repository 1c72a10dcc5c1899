/**
 * A MobileNetV2-style encoder (Sandler et al. 2018) for the U-Net decoder: a stack of
 * inverted residuals (1x1 expand, ReLU6, depthwise 3x3, ReLU6, linear 1x1 project, add when the
 * shapes match) with Keras's layer names (`Conv1`, `bn_Conv1`, `expanded_conv_*`,
 * `block_{k}_expand`, `_depthwise`, `_project`, `_BN`, `_relu`, `_add`) and Keras's stage table
 * (t, c, n, s): (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
 * (6, 160, 3, 2), (6, 320, 1, 1), with widths scaled by alpha = baseFilters / 32 and rounded as
 * Keras does (to a multiple of 8, never below 90 %), and t = the config's `expansion`.
 *
 * Differences from the ImageNet network, forced by the U-Net's full-resolution skip: `Conv1` is
 * stride 1 (ImageNet: stride 2), stride-2 depthwise convs pad 'same' (Keras pads explicitly; the
 * same for even sizes), and the final 1x1 conv to 1280 channels is left out. So the five
 * resolutions are: level 1 (full) `Conv1` + `expanded_conv`; level 2 (1/2) blocks 1-2; level 3
 * (1/4) blocks 3-5; level 4 (1/8) blocks 6-12; level 5 (1/16) blocks 13-16. With depth d the
 * bottleneck is level d + 1 and deeper blocks are not built.
 *
 * Cost (kernel weights; MACs = weights * output pixels; batch norm after every conv, no conv
 * biases): `Conv1` 9*Cin*c0; block Cin -> Cout with E = t*Cin: `Cin*E [expand, not in
 * expanded_conv] + 9*E + E*Cout`.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { channelsOf, convUnit, residualAdd } from '../level-blocks/conv-unit';
import type { EncoderFeatures } from './types';

/** Keras's MobileNetV2 table: [expansion (null: the config's), channels, repeats, stride]. */
const STAGES: ReadonlyArray<[number | null, number, number, 1 | 2]> = [
  [1, 16, 1, 1],
  [null, 24, 2, 2],
  [null, 32, 3, 2],
  [null, 64, 4, 2],
  [null, 96, 3, 1],
  [null, 160, 3, 2],
  [null, 320, 1, 1],
];

/** Keras's `_make_divisible(v, 8)`: nearest multiple of 8, at least 8 and at least 90 % of v. */
export function makeDivisible(value: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** One MobileNetV2 block as the encoder builds it: widths and stride. */
export interface MobileNetV2BlockPlan {
  /** Keras name prefix: 'expanded_conv_' for block 0, 'block_{k}_' after. */
  prefix: string;
  /** Expansion factor t. */
  expansion: number;
  /** Output channels. */
  filters: number;
  /** Depthwise stride. */
  strides: 1 | 2;
}

/** The blocks of the encoder for `baseFilters`, `expansion` and `depth`, in build order. */
export function mobileNetV2Plan(
  baseFilters: number,
  expansion: number,
  depth: number,
): {
  /** Output channels of the stem convolution. */
  stem: number;
  /** Every inverted-residual block, in order. */
  blocks: MobileNetV2BlockPlan[];
} {
  const alpha = baseFilters / 32;
  const blocks: MobileNetV2BlockPlan[] = [];
  let downsamplings = 0;
  for (const [t, c, n, s] of STAGES) {
    for (let i = 0; i < n; i += 1) {
      const strides = i === 0 ? s : 1;
      if (strides === 2) downsamplings += 1;
      if (downsamplings > depth) return { stem: makeDivisible(32 * alpha), blocks };
      const index = blocks.length;
      blocks.push({
        prefix: index === 0 ? 'expanded_conv_' : `block_${index}_`,
        expansion: t ?? expansion,
        filters: makeDivisible(c * alpha),
        strides,
      });
    }
  }
  return { stem: makeDivisible(32 * alpha), blocks };
}

/** Builds the MobileNetV2 encoder on `image`; see the module comment. */
export function mobileNetV2Encoder(image: SymbolicTensor, context: BlockContext): EncoderFeatures {
  const { baseFilters, expansion, depth } = context.config;
  const seed = context.seed;
  const plan = mobileNetV2Plan(baseFilters, expansion, depth);
  let features = convUnit(image, {
    kind: 'conv',
    filters: plan.stem,
    kernelSize: 3,
    activation: 'relu6',
    names: { conv: 'Conv1', bn: 'bn_Conv1', activation: 'Conv1_relu' },
    batchNorm: true,
    seed,
  });
  const skips: SymbolicTensor[] = [];
  for (const block of plan.blocks) {
    if (block.strides === 2) skips.push(features);
    const input = features;
    const inChannels = channelsOf(input);
    const p = block.prefix;
    if (block.expansion > 1) {
      features = convUnit(features, {
        kind: 'conv',
        filters: block.expansion * inChannels,
        kernelSize: 1,
        activation: 'relu6',
        names: { conv: `${p}expand`, bn: `${p}expand_BN`, activation: `${p}expand_relu` },
        batchNorm: true,
        gain: 1,
        seed,
      });
    }
    features = convUnit(features, {
      kind: 'depthwise',
      kernelSize: 3,
      strides: block.strides,
      activation: 'relu6',
      names: { conv: `${p}depthwise`, bn: `${p}depthwise_BN`, activation: `${p}depthwise_relu` },
      batchNorm: true,
      seed,
    });
    features = convUnit(features, {
      kind: 'conv',
      filters: block.filters,
      kernelSize: 1,
      activation: 'linear',
      names: { conv: `${p}project`, bn: `${p}project_BN`, activation: `${p}project_relu` },
      batchNorm: true,
      seed,
    });
    if (block.strides === 1 && inChannels === block.filters) {
      features = residualAdd(input, features, `${p}add`);
    }
  }
  // One skip before each of the `depth` stride-2 blocks: levels 1..depth.
  return { skips, bottleneck: features };
}
