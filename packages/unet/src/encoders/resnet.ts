/**
 * A ResNet-style encoder (He et al. 2016) for the U-Net decoder: residual blocks learn a
 * correction F(x) added to their input, so deep stacks still train. Layer names and block
 * structure are Keras's (`conv1_conv`, `conv{s}_block{b}_{0..3}_conv`, `_bn`, `_relu`, `_add`,
 * `_out`), so the stages of a converted Keras ResNet50 load by name into the 'bottleneck'
 * layout [3, 4, 6, 3] at baseFilters 64.
 *
 * Differences from ResNet's ImageNet stem, forced by the U-Net's full-resolution skip: the stem
 * `conv1_conv` is a 3x3 stride-1 conv (ImageNet: 7x7 stride 2 then a max-pool), and every stage
 * starts with a stride-2 block (ImageNet: stage conv2 runs at stride 1 after the pool).
 *
 * Widths: the stem has baseFilters (w0) channels; stage s (1..depth, at 1/2^s of the input) has
 * inner width w = w0 * 2^(s-1). Basic block (two 3x3 convs): output w. Bottleneck block (1x1 to
 * w, 3x3, 1x1 to 4w): output 4w. The first block of each stage has a 1x1 projection shortcut
 * (`_0_conv`, stride 2, with batch norm); the others add their input.
 *
 * Cost (kernel weights; MACs = weights * output pixels; every conv also has a bias and a batch
 * norm of 4 params per channel, as in Keras):
 * stem `9*Cin*w0`; basic block Cin -> w: `9*Cin*w + 9*w*w [+ Cin*w shortcut]`;
 * bottleneck block Cin -> 4w: `Cin*w + 9*w*w + w*4w [+ Cin*4w shortcut]`.
 */
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { activationLayer, convUnit, residualAdd } from '../level-blocks/conv-unit';
import type { EncoderFeatures } from './types';

/** Keras's ResNet batch-norm epsilon. */
const EPSILON = 1.001e-5;

function unit(
  input: SymbolicTensor,
  name: string,
  filters: number,
  kernelSize: 1 | 3,
  strides: 1 | 2,
  activation: 'relu' | 'linear',
  context: BlockContext,
): SymbolicTensor {
  return convUnit(input, {
    kind: 'conv',
    filters,
    kernelSize,
    strides,
    activation,
    names: { conv: `${name}_conv`, bn: `${name}_bn`, activation: `${name}_relu` },
    batchNorm: true,
    biasWithBatchNorm: true,
    epsilon: EPSILON,
    seed: context.seed,
  });
}

/** Blocks per stage of a resolved config (one count for every stage, or a list). */
export function resnetStageBlocks(
  encoderBlocks: number | readonly number[],
  depth: number,
): number[] {
  return Array.isArray(encoderBlocks)
    ? [...encoderBlocks]
    : Array.from({ length: depth }, () => encoderBlocks as number);
}

/** Builds the ResNet encoder on `image`; see the module comment. */
export function resnetEncoder(image: SymbolicTensor, context: BlockContext): EncoderFeatures {
  const { depth, baseFilters, resnetBlock, encoderBlocks } = context.config;
  const stem = unit(image, 'conv1', baseFilters, 3, 1, 'relu', context);
  const skips: SymbolicTensor[] = [stem];
  let features = stem;
  const counts = resnetStageBlocks(encoderBlocks, depth);
  for (let stage = 1; stage <= depth; stage += 1) {
    const width = baseFilters * 2 ** (stage - 1);
    for (let block = 1; block <= counts[stage - 1]!; block += 1) {
      const name = `conv${stage + 1}_block${block}`;
      const first = block === 1;
      const strides = first ? 2 : 1;
      const out = resnetBlock === 'bottleneck' ? 4 * width : width;
      const shortcut = first ? unit(features, `${name}_0`, out, 1, 2, 'linear', context) : features;
      let branch: SymbolicTensor;
      if (resnetBlock === 'bottleneck') {
        branch = unit(features, `${name}_1`, width, 1, strides, 'relu', context);
        branch = unit(branch, `${name}_2`, width, 3, 1, 'relu', context);
        branch = unit(branch, `${name}_3`, out, 1, 1, 'linear', context);
      } else {
        branch = unit(features, `${name}_1`, width, 3, strides, 'relu', context);
        branch = unit(branch, `${name}_2`, width, 3, 1, 'linear', context);
      }
      features = activationLayer(
        residualAdd(shortcut, branch, `${name}_add`),
        'relu',
        `${name}_out`,
      );
    }
    if (stage < depth) skips.push(features);
  }
  return { skips, bottleneck: features };
}
