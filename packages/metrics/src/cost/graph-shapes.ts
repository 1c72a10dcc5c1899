import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';

/** A tfjs-layers layer, as the model lists it. */
export type Layer = LayersModel['layers'][number];
/** A tensor shape with an unknown (`null`) batch dimension. */
export type Shape = Array<number | null>;

/** One call of a layer inside a model graph, with concrete shapes. */
export interface LayerCall {
  inputShapes: Shape[];
  outputShapes: Shape[];
}

/**
 * Every call of every layer of `model`, with the shapes it sees when the model inputs have
 * `inputShapes`.
 *
 * The model's own recorded shapes cannot be used: they hold `null` for a model built without an
 * input size. So the graph is walked backwards from the outputs (tensor -> the node that made it
 * -> its input tensors) down to the model inputs, and every layer's `computeOutputShape` is
 * applied on the way back up. Only nodes that belong to this model are reached, so a layer shared
 * with another model is not counted twice. Pure shape arithmetic: no tensor is allocated.
 */
export function traceLayerCalls(
  fn: string,
  model: LayersModel,
  inputShapes: Shape[],
): Map<Layer, LayerCall[]> {
  const shapes = new Map<number, Shape>();
  const calls = new Map<Layer, LayerCall[]>();
  const visitedNodes = new Set<unknown>();
  const record = (layer: Layer, call: LayerCall) => {
    const list = calls.get(layer);
    if (list) list.push(call);
    else calls.set(layer, [call]);
  };

  model.inputs.forEach((tensor, i) => {
    const shape = inputShapes[i] as Shape;
    shapes.set(tensor.id, shape);
    record(tensor.sourceLayer as Layer, { inputShapes: [shape], outputShapes: [shape] });
  });

  const shapeOf = (tensor: SymbolicTensor): Shape => {
    const known = shapes.get(tensor.id);
    if (known) return known;
    const layer = tensor.sourceLayer as Layer;
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (!node || node.inputTensors.length === 0) {
      throw new Error(
        `${fn}: tensor "${tensor.name}" of layer "${layer.name}" is not reachable from the model inputs`,
      );
    }
    const ins = node.inputTensors.map(shapeOf);
    if (!visitedNodes.has(node)) {
      visitedNodes.add(node);
      const out = layer.computeOutputShape(ins.length === 1 ? (ins[0] as Shape) : ins);
      const outs = (Array.isArray(out[0]) ? out : [out]) as Shape[];
      node.outputTensors.forEach((t, j) => {
        shapes.set(t.id, outs[j] as Shape);
      });
      record(layer, { inputShapes: ins, outputShapes: outs });
    }
    const shape = shapes.get(tensor.id);
    if (!shape) throw new Error(`${fn}: layer "${layer.name}" gave no shape for "${tensor.name}"`);
    return shape;
  };

  for (const output of model.outputs) shapeOf(output);
  return calls;
}
