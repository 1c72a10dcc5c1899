import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type Layer, type Shape, traceLayerCalls } from './graph-shapes';
import { layerCost } from './layer-cost';
import type { CostFigures, LayerCost, ModelCost, ModelCostOptions } from './types';

const FN = 'modelCost';

function isModel(layer: Layer): layer is Layer & LayersModel {
  const candidate = layer as Partial<LayersModel>;
  return (
    Array.isArray(candidate.layers) &&
    Array.isArray(candidate.inputs) &&
    Array.isArray(candidate.outputs)
  );
}

function checkSize(name: 'height' | 'width', value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${FN}: options.${name} must be a positive integer, got ${String(value)}`);
  }
}

function sum(into: CostFigures, add: CostFigures): void {
  into.weights += add.weights;
  into.params += add.params;
  into.macs += add.macs;
  into.bytes += add.bytes;
}

function costOf(model: LayersModel, inputShapes: Shape[]): ModelCost {
  const calls = traceLayerCalls(FN, model, inputShapes);
  const layers: LayerCost[] = [];
  const total: CostFigures = { weights: 0, params: 0, macs: 0, bytes: 0 };
  const unknownLayers: string[] = [];
  for (const layer of model.layers) {
    const layerCalls = calls.get(layer) ?? [];
    let cost: LayerCost;
    if (isModel(layer)) {
      // A nested model: its layers are costed for the shapes of each call, MACs summed over calls.
      const nested = layerCalls.map((call) => costOf(layer, call.inputShapes));
      const first =
        nested[0] ??
        costOf(
          layer,
          layer.inputs.map((t) => t.shape),
        );
      const outputs = layerCalls[0]?.outputShapes ?? [];
      cost = {
        name: layer.name,
        className: layer.getClassName(),
        kind: 'model',
        outputShape: outputs.length === 1 ? (outputs[0] as Shape) : outputs,
        ...first.total,
        macs: nested.reduce((macs, c) => macs + c.total.macs, 0),
        layers: first.layers,
      };
      for (const name of first.unknownLayers) unknownLayers.push(`${layer.name}/${name}`);
    } else {
      cost = layerCost(FN, layer, layerCalls);
      if (cost.kind === 'unknown') unknownLayers.push(layer.name);
    }
    layers.push(cost);
    sum(total, cost);
  }
  return { layers, total, unknownLayers };
}

/**
 * Parameters, kernel weights, multiply-adds and float32 storage of a tfjs-layers model, per layer
 * and in total, for an input of `height` x `width` pixels.
 *
 * The convention is the thesis's (eq 4-1, 4-2): `weights` counts kernel weights only
 * (kw*kh*Cin*Cout per convolution, in*out per dense layer); `macs` counts one multiply-add per
 * kernel weight per output pixel. For a transposed convolution that is kw*kh*Cin*Cout*Hout*Wout,
 * with Hout*Wout its (up-sampled) output size: this is the convention that reproduces the
 * thesis's cost table (§9) exactly, e.g. 128,070,451,200 MACs and 31,025,408 weights for the
 * 4-pooling, 64-channel U-Net at 320x480; counting the transposed convolutions per input pixel
 * instead would give 112,970,956,800. A depthwise-separable convolution is its depthwise plus its
 * pointwise kernel; a batch normalisation costs one multiply-add per output element and has no
 * kernel weights; layers without parameters cost nothing. `params` counts every parameter
 * (biases, batch-norm statistics) and its total equals `model.countParams()`.
 *
 * Output shapes are propagated through the graph with each layer's `computeOutputShape`, so a
 * model built with a `null` input size can be costed at any size. Works for functional and
 * Sequential models, shared layers (MACs of every call) and nested models. No tensor is allocated.
 *
 * @example
 * ```ts
 * const { total } = modelCost(model, { height: 320, width: 480 });
 * console.log(total.params, total.macs / 1e9, 'GMACs');
 * ```
 * @throws Error when an option is out of range, the model has no inputs, or a layer's output
 * size stays unknown (pass `height` and `width`).
 */
export function modelCost(model: LayersModel, options: ModelCostOptions = {}): ModelCost {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.inputs)) {
    throw new TypeError(`${FN}: model must be a tfjs-layers LayersModel, got ${String(model)}`);
  }
  const { height, width } = options;
  checkSize('height', height);
  checkSize('width', width);
  if (model.inputs.length === 0) {
    throw new Error(
      `${FN}: model has no inputs yet; build it first (give its first layer an inputShape)`,
    );
  }
  const inputShapes = model.inputs.map((tensor) => {
    const shape = [...tensor.shape];
    if (shape.length === 4) {
      if (height !== undefined) shape[1] = height;
      if (width !== undefined) shape[2] = width;
    }
    return shape;
  });
  return costOf(model, inputShapes);
}
