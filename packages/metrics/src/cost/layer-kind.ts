import type { LayerCostKind } from './types';

/** Class names this package knows how to cost, by kind. */
const KNOWN: Record<string, LayerCostKind> = {
  Conv1D: 'conv',
  Conv2D: 'conv',
  Conv3D: 'conv',
  Conv2DTranspose: 'transposed-conv',
  Conv3DTranspose: 'transposed-conv',
  DepthwiseConv2D: 'depthwise-conv',
  SeparableConv2D: 'separable-conv',
  // @crack/unet's grouped convolution: its kernel [kh, kw, Cin/groups, Cout] already holds only
  // the weights of the groups, so one MAC per kernel weight per output pixel is exact.
  GroupedConv2D: 'grouped-conv',
  Dense: 'dense',
  BatchNormalization: 'batch-norm',
};

/**
 * The cost kind of a layer class. A class outside the known list is `free` when it has no
 * parameters (pooling, concatenation, activations, dropout, reshapes...) and `unknown` otherwise,
 * so a weighted layer is never silently costed as zero.
 */
export function layerKind(className: string, params: number, isModel: boolean): LayerCostKind {
  if (isModel) return 'model';
  const known = KNOWN[className];
  if (known) return known;
  return params === 0 ? 'free' : 'unknown';
}
