// U-Net-shaped test models built with tf.layers only (weight copies and training steps: @crack/test-helpers).
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * U-Net-shaped test models built directly with tf.layers, covering every layer @crack/unet
 * uses: 3x3 'same' relu convolutions (standard or depthwise-separable), 2x2 max pooling or
 * stride-2 convolutions down, 2x2 stride-2 transposed convolutions or bilinear upsampling up,
 * skip concatenation, batch norm, dropout and a 3x3 head to one logit channel.
 */
export interface TestUnetConfig {
  /** Number of poolings. */
  depth: number;
  /** Channels of the first level; doubled after every pooling. */
  base: number;
  /** Convolution block. */
  block: 'standard' | 'separable';
  /** How the decoder goes up. */
  up: 'transpose' | 'bilinear';
  /** How the encoder goes down. */
  down?: 'pool' | 'stride';
  /** Batch norm after every convolution. */
  batchNorm?: boolean;
  /** Dropout rate at the bottleneck (seeded, so every backend drops the same units). */
  dropout?: number;
  /** Input height, width (default 16x16) and channels (3). */
  inputShape?: [number, number, number];
}

export function buildTestUnet(config: TestUnetConfig): tfl.LayersModel {
  const { depth, base, block, up, down = 'pool', batchNorm = false, dropout = 0 } = config;
  let seed = 1;
  const init = () => tfl.initializers.heNormal({ seed: seed++ });
  const conv = (x: tfl.SymbolicTensor, filters: number, strides = 1): tfl.SymbolicTensor => {
    const layer =
      block === 'separable'
        ? tfl.layers.separableConv2d({
            filters,
            kernelSize: 3,
            strides,
            padding: 'same',
            depthwiseInitializer: init(),
            pointwiseInitializer: init(),
          })
        : tfl.layers.conv2d({
            filters,
            kernelSize: 3,
            strides,
            padding: 'same',
            kernelInitializer: init(),
          });
    let y = layer.apply(x) as tfl.SymbolicTensor;
    if (batchNorm) y = tfl.layers.batchNormalization().apply(y) as tfl.SymbolicTensor;
    return tfl.layers.activation({ activation: 'relu' }).apply(y) as tfl.SymbolicTensor;
  };
  const input = tfl.input({ shape: config.inputShape ?? [16, 16, 3] });
  let x = input;
  const skips: tfl.SymbolicTensor[] = [];
  for (let level = 0; level < depth; level += 1) {
    const channels = base * 2 ** level;
    x = conv(conv(x, channels), channels);
    skips.push(x);
    x =
      down === 'pool'
        ? (tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor)
        : conv(x, channels, 2);
  }
  const bottom = base * 2 ** depth;
  x = conv(conv(x, bottom), bottom);
  if (dropout > 0)
    x = tfl.layers.dropout({ rate: dropout, seed: 7 }).apply(x) as tfl.SymbolicTensor;
  for (let level = depth - 1; level >= 0; level -= 1) {
    const channels = base * 2 ** level;
    x =
      up === 'transpose'
        ? (tfl.layers
            .conv2dTranspose({
              filters: channels,
              kernelSize: 2,
              strides: 2,
              padding: 'same',
              kernelInitializer: init(),
            })
            .apply(x) as tfl.SymbolicTensor)
        : (tfl.layers
            .upSampling2d({ size: [2, 2], interpolation: 'bilinear' })
            .apply(x) as tfl.SymbolicTensor);
    x = tfl.layers
      .concatenate()
      .apply([skips[level] as tfl.SymbolicTensor, x]) as tfl.SymbolicTensor;
    x = conv(conv(x, channels), channels);
  }
  const logits = tfl.layers
    .conv2d({ filters: 1, kernelSize: 3, padding: 'same', kernelInitializer: init() })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}
