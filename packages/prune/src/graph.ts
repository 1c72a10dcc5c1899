import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from './sites';

/** One call of a layer inside a model, with nested models expanded into their own calls. */
export interface LayerCall {
  /** The layer called (never a nested model: those are expanded). */
  layer: Layer;
  /** Keys of the input tensors, in order. */
  inputs: string[];
  /** Keys of the output tensors, in order. */
  outputs: string[];
}

/** A model's graph as a flat list of layer calls in topological order. */
export interface CallGraph {
  /** Every call reachable from the model outputs, each after the calls that make its inputs. */
  calls: LayerCall[];
  /** Keys of the model inputs. */
  inputs: string[];
  /** Keys of the model outputs. */
  outputs: string[];
  /** Static shape of every tensor by key (batch dimension first, null where unknown). */
  shapes: Map<string, (number | null)[]>;
  /** Calls of each layer (more than one: a shared layer). */
  callsOf: Map<Layer, LayerCall[]>;
  /** Whether a nested model (a model used as a layer) was expanded. */
  nested: boolean;
}

/** Whether `layer` is itself a model (a backbone used as a layer). */
export function isNestedModel(layer: Layer): boolean {
  const candidate = layer as unknown as Partial<LayersModel>;
  return Array.isArray(candidate.layers) && Array.isArray(candidate.outputs);
}

/**
 * Reads the graph of `model` from the layers' inbound nodes, walking back from the outputs (so
 * only the calls that belong to this model count), and expands every nested model into the
 * calls of its own layers: the tensors inside a nested model get keys of their own, its inputs
 * take the keys of the tensors it is called on.
 */
export function readCallGraph(model: LayersModel): CallGraph {
  const calls: LayerCall[] = [];
  const shapes = new Map<string, (number | null)[]>();
  const callsOf = new Map<Layer, LayerCall[]>();
  let nested = false;
  let scopes = 0;

  const expand = (inner: LayersModel, inputKeys: string[] | null, prefix: string): string[] => {
    const done = new Map<SymbolicTensor, string>();
    const seenNodes = new Set<unknown>();
    const inputIds = new Map(inner.inputs.map((t, i) => [t.id, i]));
    const keyOf = (tensor: SymbolicTensor): string => {
      const known = done.get(tensor);
      if (known !== undefined) return known;
      const inputIndex = inputIds.get(tensor.id);
      if (inputIndex !== undefined) {
        const key = inputKeys ? (inputKeys[inputIndex] as string) : `${prefix}${tensor.id}`;
        if (!shapes.has(key)) shapes.set(key, tensor.shape.slice());
        done.set(tensor, key);
        return key;
      }
      const layer = tensor.sourceLayer as Layer;
      const node = layer.inboundNodes[tensor.nodeIndex];
      if (!node) throw new Error(`readCallGraph: tensor of layer '${layer.name}' has no node`);
      if (!seenNodes.has(node)) {
        seenNodes.add(node);
        const inputs = node.inputTensors.map((t) => keyOf(t as SymbolicTensor));
        let outputs: string[];
        if (isNestedModel(layer)) {
          nested = true;
          scopes++;
          outputs = expand(layer as unknown as LayersModel, inputs, `${prefix}${scopes}/`);
        } else {
          outputs = node.outputTensors.map((t) => `${prefix}${t.id}`);
          node.outputTensors.forEach((t, i) => {
            shapes.set(outputs[i] as string, (t as SymbolicTensor).shape.slice());
          });
          const call: LayerCall = { layer, inputs, outputs };
          calls.push(call);
          const list = callsOf.get(layer);
          if (list) list.push(call);
          else callsOf.set(layer, [call]);
        }
        node.outputTensors.forEach((t, i) => {
          done.set(t as SymbolicTensor, outputs[i] as string);
        });
      }
      const key = done.get(tensor);
      if (key === undefined) throw new Error(`readCallGraph: tensor ${tensor.name} was not made`);
      return key;
    };
    return inner.outputs.map((t) => keyOf(t));
  };
  const inputs = model.inputs.map((t) => `${t.id}`);
  const outputs = expand(model, inputs, '');
  model.inputs.forEach((t, i) => {
    shapes.set(inputs[i] as string, t.shape.slice());
  });
  return { calls, inputs, outputs, shapes, callsOf, nested };
}
