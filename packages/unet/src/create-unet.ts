import {
  model as functionalModel,
  type LayersModel,
  type SymbolicTensor,
  input as symbolicInput,
} from '@tensorflow/tfjs-layers';
import {
  type BlockContext,
  concatenateSkip,
  dropout,
  levelConvolutions,
  logitHead,
  maxPool,
  upsample,
} from './blocks';
import { resolveUnetConfig, type UnetConfig } from './config';
import { mobileNetV2Encoder } from './encoders/mobilenetv2';
import { resnetEncoder } from './encoders/resnet';
import type { EncoderFeatures } from './encoders/types';
import { randomSeed } from './init';
import { type LevelBuilder, LIGHTWEIGHT_LEVELS } from './level-blocks/level-block';
import { writeUnetMetadata } from './metadata';
import {
  bottleneckLayerName,
  decoderLayerName,
  encoderLayerName,
  UNET_HEAD_NAME,
  UNET_INPUT_NAME,
  type UnetConvRole,
  type UnetDecoderRole,
  type UnetEncoderRole,
} from './naming';

/** The thesis's encoder: `depth` levels of the configured block, each followed by a max-pool. */
function unetEncoder(
  image: SymbolicTensor,
  level: LevelBuilder,
  context: BlockContext,
): EncoderFeatures {
  const { depth, baseFilters } = context.config;
  const skips: SymbolicTensor[] = [];
  let features: SymbolicTensor = image;
  for (let index = 1; index <= depth; index += 1) {
    const filters = baseFilters * 2 ** (index - 1);
    features = level(
      features,
      filters,
      (role) => encoderLayerName(index, role as UnetEncoderRole),
      context,
    );
    skips.push(features);
    features = maxPool(features, encoderLayerName(index, 'pool'));
  }
  const bottleneck = level(
    features,
    baseFilters * 2 ** depth,
    (role) => bottleneckLayerName(role as UnetConvRole),
    context,
  );
  return { skips, bottleneck };
}

/**
 * Builds a U-Net (functional tfjs-layers model) from one config object; every field has a default
 * (see {@link UnetConfig}), so `createUnet()` is the thesis's U-Net. The output is the logit map
 * [batch, height, width, 1], without a sigmoid (see {@link predictProbabilities}). Layers are named
 * by the scheme of {@link encoderLayerName} & co., and the resolved config (with the seed used) is
 * stored in the model's user-defined metadata, which `model.save` keeps (see {@link readUnetConfig}).
 *
 * Encoder level i (1..depth): two 3x3 convs with baseFilters*2^(i-1) channels, then a 2x2 max-pool.
 * Bottleneck: two 3x3 convs with baseFilters*2^depth channels. Decoder level i (depth..1): upsample
 * to baseFilters*2^(i-1) channels, concatenate with encoder level i, two 3x3 convs. Head: one conv
 * to a single channel. All convs use 'same' padding, so only pooling changes the resolution.
 *
 * @throws Error naming the bad field, e.g. "createUnet: depth must be an integer in [1, 6], got 7".
 */
export function createUnet(config: UnetConfig = {}): LayersModel {
  const resolved = resolveUnetConfig(config, 'createUnet');
  const context: BlockContext = { config: resolved, seed: resolved.seed ?? randomSeed() };
  const { depth, baseFilters, inputChannels, inputSize } = resolved;

  const image = symbolicInput({
    shape: [inputSize?.[0] ?? null, inputSize?.[1] ?? null, inputChannels],
    name: UNET_INPUT_NAME,
  });

  const level: LevelBuilder =
    LIGHTWEIGHT_LEVELS[resolved.block] ??
    ((input, filters, nameOf, blockContext) =>
      levelConvolutions(input, filters, nameOf as (role: UnetConvRole) => string, blockContext));
  const encoded =
    resolved.encoder === 'resnet'
      ? resnetEncoder(image, context)
      : resolved.encoder === 'mobilenetv2'
        ? mobileNetV2Encoder(image, context)
        : unetEncoder(image, level, context);
  const skips = encoded.skips;
  let features = encoded.bottleneck;
  if (resolved.dropout > 0) {
    features = dropout(features, resolved.dropout, bottleneckLayerName('dropout'));
  }

  for (let decoderLevel = depth; decoderLevel >= 1; decoderLevel -= 1) {
    const filters = baseFilters * 2 ** (decoderLevel - 1);
    const upsampled = upsample(
      features,
      filters,
      decoderLayerName(decoderLevel, 'up'),
      decoderLayerName(decoderLevel, 'up_conv'),
      context,
    );
    const merged = concatenateSkip(
      skips[decoderLevel - 1]!,
      upsampled,
      decoderLayerName(decoderLevel, 'concat'),
    );
    features = level(
      merged,
      filters,
      (role) => decoderLayerName(decoderLevel, role as UnetDecoderRole),
      context,
    );
  }

  const logits = logitHead(features, UNET_HEAD_NAME, context);
  const unet = functionalModel({ inputs: image, outputs: logits, name: resolved.name });
  writeUnetMetadata(unet, { ...resolved, seed: context.seed });
  return unet;
}
