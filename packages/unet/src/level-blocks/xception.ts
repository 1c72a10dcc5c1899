/**
 * An Xception-style block (Chollet 2017): Inception's idea pushed to the limit, cross-channel
 * and spatial correlations fully decoupled, i.e. depthwise-separable convolutions, stacked with
 * a residual shortcut around them (a 1x1 projection when the widths differ).
 *
 * Cost of one block Cin -> F at H x W (kernel weights; MACs = weights * H * W):
 * `9*Cin + Cin*F [separable 1] + 9*F + F*F [separable 2] + Cin*F [1x1 shortcut, only when Cin != F]`;
 * the residual add has no weights and no multiply-adds.
 */
import { layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { heNormal, layerSeed } from '../init';
import { activationLayer, channelsOf, convUnit, residualAdd, unitNames } from './conv-unit';

function separable(
  input: SymbolicTensor,
  filters: number,
  name: string,
  activation: 'relu' | 'linear',
  context: BlockContext,
): SymbolicTensor {
  const { batchNorm } = context.config;
  const inChannels = channelsOf(input);
  const pointwise = heNormal({
    fanIn: inChannels,
    gain: 1,
    seed: layerSeed(context.seed, name, 'pointwise_kernel'),
  });
  const layer = layers.separableConv2d({
    filters,
    kernelSize: 3,
    padding: 'same',
    depthMultiplier: 1,
    activation: batchNorm ? 'linear' : activation,
    useBias: !batchNorm,
    biasInitializer: 'zeros',
    depthwiseInitializer: heNormal({
      fanIn: 9,
      seed: layerSeed(context.seed, name, 'depthwise_kernel'),
    }),
    pointwiseInitializer: pointwise,
    name,
  });
  let output = layer.apply(input) as SymbolicTensor;
  // tfjs-layers 4.22 draws the pointwise kernel with the depthwise initializer; redraw it.
  const kernel = layer.weights.find((w) => w.originalName.endsWith('/pointwise_kernel'))!;
  const values = pointwise.apply(kernel.shape, 'float32');
  kernel.write(values);
  values.dispose();
  if (!batchNorm) return output;
  output = layers
    .batchNormalization({ axis: -1, name: `${name}_bn` })
    .apply(output) as SymbolicTensor;
  return activation === 'linear' ? output : activationLayer(output, 'relu', `${name}_relu`);
}

/**
 * A level made of one Xception block; layers `{level}_sep1`, `_sep2`, `_shortcut` (when
 * Cin != F), `_add`, `_relu`.
 */
export function xceptionLevel(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: string) => string,
  context: BlockContext,
): SymbolicTensor {
  const inChannels = channelsOf(input);
  const first = separable(input, filters, nameOf('sep1'), 'relu', context);
  const second = separable(first, filters, nameOf('sep2'), 'linear', context);
  const shortcut =
    inChannels === filters
      ? input
      : convUnit(input, {
          kind: 'conv',
          filters,
          kernelSize: 1,
          activation: 'linear',
          names: unitNames(nameOf('shortcut')),
          batchNorm: context.config.batchNorm,
          gain: 1,
          seed: context.seed,
        });
  return activationLayer(residualAdd(shortcut, second, nameOf('add')), 'relu', nameOf('relu'));
}
