import * as tfl from '@tensorflow/tfjs-layers';
import { readCallGraph } from './graph';
import { copyModel } from './surgery';

/**
 * A functional model with the same function and weights as `model` in which every nested model
 * (a backbone used as a layer) is replaced by the calls of its own layers, so that channels can
 * be followed and removed across the boundary. The layer names stay; `model` is not modified
 * (the layers are re-applied on a copy). Returns a copy when nothing is nested.
 */
export async function flattenModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const copy = await copyModel(model);
  try {
    const graph = readCallGraph(copy);
    if (!graph.nested) {
      const result = copy;
      return result;
    }
    const tensors = new Map<string, tfl.SymbolicTensor>();
    const inputs = copy.inputs.map((t, i) => {
      const input = tfl.input({
        batchShape: t.shape,
        name: copy.inputLayers[i]?.name,
        dtype: t.dtype,
      });
      tensors.set(graph.inputs[i] as string, input);
      return input;
    });
    for (const call of graph.calls) {
      if (call.layer.getClassName() === 'InputLayer') continue;
      const args = call.inputs.map((key) => {
        const tensor = tensors.get(key);
        if (!tensor) throw new Error(`flattenModel: input of '${call.layer.name}' was not made`);
        return tensor;
      });
      const result = call.layer.apply(args.length === 1 ? (args[0] as tfl.SymbolicTensor) : args);
      const outputs = Array.isArray(result) ? result : [result];
      call.outputs.forEach((key, i) => {
        tensors.set(key, outputs[i] as tfl.SymbolicTensor);
      });
    }
    const outputs = graph.outputs.map((key) => tensors.get(key) as tfl.SymbolicTensor);
    const flat = tfl.model({ inputs, outputs, name: copy.name });
    const result = await copyModel(flat);
    // The layers are shared by `flat` and `copy` (each holds a reference): release both.
    flat.dispose();
    copy.dispose();
    return result;
  } catch (error) {
    copy.dispose();
    throw error;
  }
}
