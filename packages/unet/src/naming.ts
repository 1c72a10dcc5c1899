/**
 * The layer-naming scheme of every model {@link createUnet} builds. Names are stable across
 * depths, widths and variants so that @crack/prune, weight surgery and users can find layers by
 * name. Levels count from 1 at full resolution: encoder level `i` works at 1/2^(i-1) of the
 * input size and has baseFilters * 2^(i-1) channels; decoder level `i` merges encoder level `i`
 * and works at the same size with the same channels.
 *
 * | layer | name |
 * |---|---|
 * | input | `input` |
 * | encoder level i, convolutions | `enc{i}_conv1`, `enc{i}_conv2` |
 * | encoder level i, 2x2 max-pool | `enc{i}_pool` |
 * | bottleneck convolutions | `bottleneck_conv1`, `bottleneck_conv2` |
 * | bottleneck dropout (only if dropout > 0) | `bottleneck_dropout` |
 * | decoder level i, upsampling | `dec{i}_up` (Conv2DTranspose, or UpSampling2D for 'bilinear') |
 * | decoder level i, conv after a bilinear resize | `dec{i}_up_conv` |
 * | decoder level i, skip concatenation [enc{i}_conv2, dec{i}_up] | `dec{i}_concat` |
 * | decoder level i, convolutions | `dec{i}_conv1`, `dec{i}_conv2` |
 * | output logits | `head` |
 *
 * The lightweight blocks name their layers inside a level by role (see README): inverted residual
 * `b1_expand`, `b1_dw`, `b1_project`, `b1_add`, then `b2_*`; fire `f1_squeeze`, `f1_expand1`,
 * `f1_expand3`, `f1_concat`, then `f2_*`; ShuffleNet `s1_gconv1`, `s1_shuffle`, `s1_dw`,
 * `s1_gconv2`, `s1_add`, `s1_relu`, then `s2_*`; Xception `sep1`, `sep2`, `shortcut`, `add`,
 * `relu`. The backbone encoders use Keras's names (`conv1_conv`, `conv2_block1_1_conv`, ...;
 * `Conv1`, `expanded_conv_project`, `block_1_expand`, ...), which this parser does not take apart.
 *
 * Without batch norm the ReLU is fused into the convolution (`activation: 'relu'`), so
 * `enc1_conv1 -> enc1_conv2` is a direct conv-to-conv edge. With batch norm every level
 * convolution `X` is linear and followed by `X_bn` (BatchNormalization) and `X_relu` (Activation).
 */
import { resolveUnetConfig, type UnetConfig } from './config';
import { createUnet } from './create-unet';

/** Role of a level convolution or of the layers batch norm adds after it. */
export type UnetConvRole =
  | 'conv1'
  | 'conv1_bn'
  | 'conv1_relu'
  | 'conv2'
  | 'conv2_bn'
  | 'conv2_relu';
/** Role of a layer inside an encoder level. */
export type UnetEncoderRole = UnetConvRole | 'pool';
/** Role of a layer inside the bottleneck. */
export type UnetBottleneckRole = UnetConvRole | 'dropout';
/** Role of a layer inside a decoder level. */
export type UnetDecoderRole = UnetConvRole | 'up' | 'up_conv' | 'concat';

/** Name of the input layer. */
export const UNET_INPUT_NAME = 'input';
/** Name of the output convolution (single-channel logits). */
export const UNET_HEAD_NAME = 'head';

/** Name of a layer of encoder level `level` (1 = full resolution), e.g. `enc1_conv2`. */
export function encoderLayerName(level: number, role: UnetEncoderRole): string {
  return `enc${checkLevel('encoderLayerName', level)}_${role}`;
}

/** Name of a layer of the bottleneck (the level below the last pooling), e.g. `bottleneck_conv1`. */
export function bottleneckLayerName(role: UnetBottleneckRole): string {
  return `bottleneck_${role}`;
}

/** Name of a layer of decoder level `level` (1 = full resolution, built last), e.g. `dec1_up`. */
export function decoderLayerName(level: number, role: UnetDecoderRole): string {
  return `dec${checkLevel('decoderLayerName', level)}_${role}`;
}

/** A layer name taken apart by {@link parseUnetLayerName}. */
export interface UnetLayerName {
  /** Which part of the U-Net the layer belongs to. */
  part: 'input' | 'encoder' | 'bottleneck' | 'decoder' | 'head';
  /** Level (1 = full resolution) for encoder and decoder layers, null otherwise. */
  level: number | null;
  /** Role inside the part, e.g. 'conv1', 'pool', 'up'; '' for the input and the head. */
  role: string;
}

const ENCODER_ROLES = [
  'conv1',
  'conv1_bn',
  'conv1_relu',
  'conv2',
  'conv2_bn',
  'conv2_relu',
  'pool',
];
const BOTTLENECK_ROLES = [...ENCODER_ROLES.slice(0, 6), 'dropout'];
const DECODER_ROLES = [...ENCODER_ROLES.slice(0, 6), 'up', 'up_conv', 'concat'];

/**
 * Roles of the layers of the lightweight blocks inside a level: inverted residual `b{1,2}_*`,
 * fire `f{1,2}_*`, ShuffleNet `s{1,2}_*`, Xception `sep1`, `sep2`, `shortcut`, `add`, `relu`
 * (each convolution possibly followed by its `_bn` and `_relu`).
 */
const LIGHTWEIGHT_ROLE =
  /^(b[12]_(expand|dw|project)(_bn|_relu)?|b[12]_add|f[12]_(squeeze|expand1|expand3)(_bn|_relu)?|f[12]_concat|s[12]_(gconv1|dw|gconv2)(_bn|_relu)?|s[12]_(shuffle|add|relu)|(sep1|sep2|shortcut)(_bn|_relu)?|add|relu)$/;

/** Parses a name of this scheme; returns null for a name the scheme does not produce. */
export function parseUnetLayerName(name: string): UnetLayerName | null {
  if (name === UNET_INPUT_NAME) return { part: 'input', level: null, role: '' };
  if (name === UNET_HEAD_NAME) return { part: 'head', level: null, role: '' };
  const bottleneck = /^bottleneck_(.+)$/.exec(name);
  if (
    bottleneck &&
    (BOTTLENECK_ROLES.includes(bottleneck[1]!) || LIGHTWEIGHT_ROLE.test(bottleneck[1]!))
  ) {
    return { part: 'bottleneck', level: null, role: bottleneck[1]! };
  }
  const level = /^(enc|dec)([1-9][0-9]*)_(.+)$/.exec(name);
  if (!level) return null;
  const [, side, digits, role] = level as unknown as [string, 'enc' | 'dec', string, string];
  const roles = side === 'enc' ? ENCODER_ROLES : DECODER_ROLES;
  if (!roles.includes(role) && !LIGHTWEIGHT_ROLE.test(role)) return null;
  return { part: side === 'enc' ? 'encoder' : 'decoder', level: Number(digits), role };
}

function checkLevel(caller: string, level: number): number {
  if (!Number.isInteger(level) || level < 1) {
    throw new RangeError(`${caller}: level must be an integer >= 1, got ${level}`);
  }
  return level;
}

/**
 * Every layer name {@link createUnet} gives a model of this config, in build order: input,
 * encoder levels 1..depth, bottleneck, decoder levels depth..1, head. For the lightweight blocks
 * and the backbone encoders (whose layers follow Keras's names) the model is built once, without
 * an input size, and its layer names listed.
 */
export function unetLayerNames(config: UnetConfig = {}): string[] {
  const resolved = resolveUnetConfig(config, 'unetLayerNames');
  const { depth, batchNorm, dropout, upsampling } = resolved;
  if (resolved.encoder !== 'unet' || !['standard', 'separable'].includes(resolved.block)) {
    const built = createUnet({ ...config, inputSize: null, seed: 0 });
    const names = built.layers.map((layer) => layer.name);
    built.dispose();
    return names;
  }
  const convolutions = (nameOf: (role: UnetConvRole) => string) =>
    (['conv1', 'conv2'] as const).flatMap((role) =>
      batchNorm ? [nameOf(role), nameOf(`${role}_bn`), nameOf(`${role}_relu`)] : [nameOf(role)],
    );
  const names = [UNET_INPUT_NAME];
  for (let level = 1; level <= depth; level += 1) {
    names.push(...convolutions((role) => encoderLayerName(level, role)));
    names.push(encoderLayerName(level, 'pool'));
  }
  names.push(...convolutions(bottleneckLayerName));
  if (dropout > 0) names.push(bottleneckLayerName('dropout'));
  for (let level = depth; level >= 1; level -= 1) {
    names.push(decoderLayerName(level, 'up'));
    if (upsampling === 'bilinear') names.push(decoderLayerName(level, 'up_conv'));
    names.push(decoderLayerName(level, 'concat'));
    names.push(...convolutions((role) => decoderLayerName(level, role)));
  }
  names.push(UNET_HEAD_NAME);
  return names;
}
