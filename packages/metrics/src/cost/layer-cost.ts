import type { Layer, LayerCall, Shape } from './graph-shapes';
import { layerKind } from './layer-kind';
import type { LayerCost, LayerCostKind } from './types';

/** Bytes per parameter: weights are stored as float32. */
const BYTES_PER_PARAM = 4;
const KERNEL_NAME = /(^|\/)(kernel|depthwise_kernel|pointwise_kernel)(_\d+)?$/;

/** Number of kernel weights (eq 4-1): every `kernel`, `depthwise_kernel` and `pointwise_kernel`. */
function kernelWeights(layer: Layer): number {
  let total = 0;
  for (const variable of layer.weights) {
    if (KERNEL_NAME.test(variable.originalName)) total += size(variable.shape);
  }
  return total;
}

function size(shape: ReadonlyArray<number | null>): number {
  let n = 1;
  for (const d of shape) n *= d ?? Number.NaN;
  return n;
}

/**
 * Output positions a kernel is applied at: the product of the output dimensions other than batch
 * and channels (the last axis, or axis 1 for `dataFormat: 'channelsFirst'`). A dense layer on a
 * rank-2 input has one position.
 */
function positions(shape: Shape, channelsFirst: boolean): number {
  let n = 1;
  const channelAxis = channelsFirst ? 1 : shape.length - 1;
  for (let axis = 1; axis < shape.length; axis++) {
    if (axis !== channelAxis) n *= shape[axis] ?? Number.NaN;
  }
  return n;
}

function macsOfCall(
  fn: string,
  layer: Layer,
  kind: LayerCostKind,
  weights: number,
  call: LayerCall,
): number {
  if (kind === 'free' || kind === 'unknown' || kind === 'model') return 0;
  const out = call.outputShapes[0] as Shape;
  const config = layer.getConfig();
  const channelsFirst = config.dataFormat === 'channelsFirst';
  // Batch normalisation is one scale-and-shift per output element; every other known kind is one
  // multiply-add per kernel weight per output position (eq 4-2). For a transposed convolution the
  // positions are its (larger) output pixels: the thesis's convention, which reproduces its
  // Table 4-3 exactly (see modelCost).
  const macs =
    kind === 'batch-norm'
      ? positions(out, channelsFirst) * (out[channelsFirst ? 1 : out.length - 1] ?? Number.NaN)
      : weights * positions(out, channelsFirst);
  if (!Number.isFinite(macs)) {
    throw new Error(
      `${fn}: the output size of layer "${layer.name}" is unknown (shape [${out.join(', ')}]); pass height and width`,
    );
  }
  return macs;
}

/**
 * The cost of one (non-model) layer over all its calls in the graph: weights and params once,
 * MACs summed over calls.
 */
export function layerCost(fn: string, layer: Layer, calls: LayerCall[]): LayerCost {
  const className = layer.getClassName();
  const params = layer.countParams();
  const kind = layerKind(className, params, false);
  const weights = kind === 'unknown' || kind === 'free' ? 0 : kernelWeights(layer);
  let macs = 0;
  for (const call of calls) macs += macsOfCall(fn, layer, kind, weights, call);
  const first = calls[0]?.outputShapes ?? [];
  return {
    name: layer.name,
    className,
    kind,
    outputShape: first.length === 1 ? (first[0] as Shape) : first,
    weights,
    params,
    macs,
    bytes: params * BYTES_PER_PARAM,
  };
}
