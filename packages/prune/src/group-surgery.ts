import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerKernel } from './consumers';
import type { ChannelGroup, ChannelPlacement } from './types';

type PyDict = { [key: string]: unknown };

/**
 * New weights of one consumer on its kept input channels, in the linear form the pruner fits:
 * kernel `kernelArea x keptInputs x channelsOut` (a Conv2DTranspose kernel with its input and output
 * axes swapped, a SeparableConv2D pointwise kernel, a Dense kernel by rows).
 */
export interface ConsumerWeights {
  /** `kernelArea x keptInputs x channelsOut`. */
  kernel: Float32Array;
  /** New bias (null: unchanged). */
  bias: Float32Array | null;
}

interface Weight {
  values: Float32Array;
  shape: number[];
}

/**
 * Model surgery for a channel group: a new LayersModel in which every producer of `group` keeps
 * only the `kept` filters / units (and bias), every member only the kept per-channel entries,
 * and every consumer only the kept input slices (replaced by `refits` where given). Built from
 * the model's own JSON with the producers' `filters` / `units` changed, so it saves, loads and
 * trains like any model; `model` itself is not modified.
 */
export async function pruneGroup(
  model: tfl.LayersModel,
  group: ChannelGroup,
  kept: readonly number[],
  refits: Map<string, ConsumerWeights>,
): Promise<tfl.LayersModel> {
  const keptSet = new Set(kept);
  const topology = model.toJSON(null, false) as PyDict;
  const layerConfigs = ((topology.config as PyDict).layers ?? []) as PyDict[];
  for (const producer of group.producers) {
    const entry = layerConfigs.find(
      (layer) =>
        layer.name === producer.layer ||
        (layer.config as PyDict | undefined)?.name === producer.layer,
    );
    if (!entry)
      throw new Error(`pruneGroup: layer '${producer.layer}' is missing from the model JSON`);
    const config = entry.config as PyDict;
    if (producer.kind === 'Dense') config.units = kept.length;
    else config.filters = kept.length;
  }
  const pruned = await tfl.models.modelFromJSON({ modelTopology: topology } as Parameters<
    typeof tfl.models.modelFromJSON
  >[0]);
  /** Indices of the channels a placement keeps: everything but the group's removed channels. */
  const keptInputs = (placement: ChannelPlacement): number[] => {
    const list: number[] = [];
    for (let c = 0; c < placement.width; c++) {
      const i = c - placement.offset;
      if (i < 0 || i >= group.channels || keptSet.has(i)) list.push(c);
    }
    return list;
  };
  const consumers = new Map(group.consumers.map((c) => [c.layer, c]));
  const members = new Map(group.members.map((m) => [m.layer, m]));
  const producers = new Map(group.producers.map((p) => [p.layer, p]));
  try {
    for (const layer of model.layers) {
      const old = layer.getWeights();
      if (old.length === 0) continue;
      let weights: Weight[] = old.map((w) => ({
        values: Float32Array.from(w.dataSync()),
        shape: w.shape.slice(),
      }));
      const consumer = consumers.get(layer.name);
      if (consumer) {
        const inputs = keptInputs(consumer);
        const refit = refits.get(layer.name);
        if (consumer.kind === 'Conv2D') {
          weights[0] = sliceAxis(weights[0] as Weight, 2, inputs);
        } else if (consumer.kind === 'Conv2DTranspose') {
          weights[0] = sliceAxis(weights[0] as Weight, 3, inputs);
        } else if (consumer.kind === 'SeparableConv2D') {
          weights[0] = sliceAxis(weights[0] as Weight, 2, inputs);
          weights[1] = sliceAxis(weights[1] as Weight, 2, inputs);
        } else {
          const rows: number[] = [];
          for (let p = 0; p < consumer.repeat; p++)
            for (const c of inputs) rows.push(p * consumer.width + c);
          weights[0] = sliceAxis(weights[0] as Weight, 0, rows);
        }
        if (refit) {
          const index = consumer.kind === 'SeparableConv2D' ? 1 : 0;
          const target = weights[index] as Weight;
          if (refit.kernel.length !== target.values.length)
            throw new Error(
              `pruneGroup: refitted kernel of '${layer.name}' has ${refit.kernel.length} values, expected ${target.values.length}`,
            );
          target.values = layerKernel(consumer.kind, refit.kernel, target.shape);
          const biasIndex = consumer.kind === 'SeparableConv2D' ? 2 : 1;
          if (refit.bias && weights[biasIndex])
            (weights[biasIndex] as Weight).values = Float32Array.from(refit.bias);
        }
      }
      const member = members.get(layer.name);
      if (member) {
        const channels = keptInputs(member);
        if (member.kind === 'DepthwiseConv2D') {
          weights = weights.map((w) => sliceAxis(w, w.shape.length === 4 ? 2 : 0, channels));
        } else {
          weights = weights.map((w) =>
            w.shape[w.shape.length - 1] === member.width
              ? sliceAxis(w, w.shape.length - 1, channels)
              : w,
          );
        }
      }
      const producer = producers.get(layer.name);
      if (producer) {
        const index = producer.kind === 'SeparableConv2D' ? 1 : 0;
        const kernel = weights[index] as Weight;
        const axis = producer.kind === 'Conv2DTranspose' ? 2 : kernel.shape.length - 1;
        weights[index] = sliceAxis(kernel, axis, kept);
        const biasIndex = index + 1;
        if (weights[biasIndex])
          weights[biasIndex] = sliceAxis(weights[biasIndex] as Weight, 0, kept);
      }
      const target = pruned.getLayer(layer.name);
      const tensors = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      try {
        target.setWeights(tensors);
      } finally {
        for (const t of tensors) t.dispose();
      }
    }
  } catch (error) {
    pruned.dispose();
    throw error;
  }
  return pruned;
}

/** The entries `indices` along `axis`, copied on the JS side (see surgery.ts: wasm Gather). */
function sliceAxis(weight: Weight, axis: number, indices: readonly number[]): Weight {
  const { values, shape } = weight;
  const size = shape[axis] as number;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = values.length / (size * inner);
  const out = new Float32Array(outer * indices.length * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      const start = (o * size + index) * inner;
      out.set(values.subarray(start, start + inner), offset);
      offset += inner;
    }
  }
  const next = shape.slice();
  next[axis] = indices.length;
  return { values: out, shape: next };
}
