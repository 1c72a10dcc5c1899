import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type CallGraph, readCallGraph } from './graph';
import type { Layer } from './sites';
import type {
  ChannelAnalysis,
  ChannelGroup,
  GroupConsumer,
  GroupMember,
  GroupProducer,
  SkippedMap,
} from './types';

/** Layers whose output channels are filters / units of their own: they start a channel space. */
const PRODUCERS = new Set(['Conv2D', 'Dense', 'Conv2DTranspose', 'SeparableConv2D']);

/** Per-channel layers with no weights: channel i of the output depends only on channel i of the input. */
const PASS_THROUGH = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'MaxPooling2D',
  'AveragePooling2D',
  'MaxPool2D',
  'AvgPool2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAvgPool2D',
  'GlobalMaxPool2D',
  'UpSampling2D',
  'ZeroPadding2D',
  'Cropping2D',
  'Softmax',
]);

/** Per-channel layers whose weights have one entry per channel (sliced with the group). */
const MEMBERS = new Set(['BatchNormalization', 'PReLU', 'DepthwiseConv2D']);

/** Element-wise merges: all operands share their channels. */
const MERGES = new Set(['Add', 'Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum']);

/** Activations that normalise over the last (channel) axis: removing a channel changes the others. */
const CHANNEL_MIXING_ACTIVATIONS = new Set(['softmax', 'logSoftmax', 'log_softmax']);

const FN = 'findChannelGroups';

/** A run of channels of one space inside a tensor's channel axis. */
interface Segment {
  space: number;
  length: number;
}

/** How a tensor's channel axis is made of channel spaces; `repeat` > 1 after Flatten. */
interface Layout {
  segments: Segment[];
  repeat: number;
}

interface Space {
  size: number;
  parent: number;
  producers: GroupProducer[];
  reasons: string[];
}

interface Touch {
  space: number;
  layer: Layer;
  offset: number;
  width: number;
  repeat: number;
}

/**
 * Channel-dependency analysis of a tfjs-layers model (Sequential, functional, with nested models
 * expanded): which feature-map channels must be removed together, in the spirit of
 * Torch-Pruning's dependency graph.
 *
 * Every Conv2D, SeparableConv2D, Conv2DTranspose and Dense starts a channel space (its filters
 * or units). Per-channel layers carry the space through: BatchNormalization, PReLU and
 * DepthwiseConv2D (their per-channel weights are sliced with it), activations other than
 * softmax, dropout and noise, pooling (also global), UpSampling2D, ZeroPadding2D, Cropping2D.
 * Element-wise merges (Add, Multiply, Subtract, Average, Maximum, Minimum) join their operands'
 * spaces into one group; Concatenate on the channel axis places its operands' channels side by
 * side (an index map); Flatten maps channel c to features p*C + c. Every layer that reads a
 * group's channels with weights (Conv2D, SeparableConv2D, Conv2DTranspose, Dense) is a
 * consumer: it loses the matching input slices and is refitted.
 *
 * A group cannot be pruned when any of its channels is a model output, feeds softmax over
 * channels (an Activation, a Softmax layer or a fused activation), feeds a layer that mixes
 * channels (Reshape, Permute, ...) or an unsupported layer, is read twice by one layer, is made
 * or read by a shared layer, and so on; every producer of such a group (and every
 * DepthwiseConv2D in it) is listed in `skipped` with the reason. So every map is either in
 * `groups` or in `skipped`.
 */
export function findChannelGroups(model: LayersModel): ChannelAnalysis {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.outputs)) {
    throw new TypeError(
      `${FN}: model must be a tf.LayersModel (Sequential or functional), got ${String(model)}`,
    );
  }
  return analyseGraph(readCallGraph(model));
}

/** {@link findChannelGroups} on a graph already read. */
export function analyseGraph(graph: CallGraph): ChannelAnalysis {
  const spaces: Space[] = [];
  const layouts = new Map<string, Layout | null>();
  const members: Touch[] = [];
  const consumers: (Touch & { kind: GroupConsumer['kind'] })[] = [];
  const passThrough: Touch[] = [];
  const unsupportedMaps: { layer: Layer; reason: string }[] = [];

  const newSpace = (size: number, producer: GroupProducer | null): number => {
    spaces.push({
      size,
      parent: spaces.length,
      producers: producer ? [producer] : [],
      reasons: [],
    });
    return spaces.length - 1;
  };
  const root = (s: number): number => {
    let r = s;
    while ((spaces[r] as Space).parent !== r) r = (spaces[r] as Space).parent;
    (spaces[s] as Space).parent = r;
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = root(a);
    const rb = root(b);
    if (ra === rb) return;
    const [keep, drop] = ra < rb ? [ra, rb] : [rb, ra];
    const k = spaces[keep] as Space;
    const d = spaces[drop] as Space;
    d.parent = keep;
    k.producers.push(...d.producers);
    k.reasons.push(...d.reasons);
  };
  const block = (layout: Layout | null | undefined, reason: string) => {
    if (!layout) return;
    for (const segment of layout.segments) {
      const reasons = (spaces[root(segment.space)] as Space).reasons;
      if (!reasons.includes(reason)) reasons.push(reason);
    }
  };
  const width = (layout: Layout) => layout.segments.reduce((n, s) => n + s.length, 0);
  const touches = (layout: Layout, layer: Layer, into: Touch[], extra: object = {}) => {
    let offset = 0;
    const total = width(layout);
    for (const segment of layout.segments) {
      into.push({
        space: segment.space,
        layer,
        offset,
        width: total,
        repeat: layout.repeat,
        ...extra,
      });
      offset += segment.length;
    }
  };
  const describeLayer = (layer: Layer) => `${layer.getClassName()} '${layer.name}'`;

  for (const [i, key] of graph.inputs.entries()) {
    const shape = graph.shapes.get(key) ?? [];
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') {
      layouts.set(key, null);
      continue;
    }
    const space = newSpace(channels, null);
    (spaces[space] as Space).reasons.push(i === 0 ? 'is the model input' : `is model input ${i}`);
    layouts.set(key, { segments: [{ space, length: channels }], repeat: 1 });
  }

  for (const call of graph.calls) {
    const { layer } = call;
    const kind = layer.getClassName();
    const config = layer.getConfig();
    const inputs = call.inputs.map((key) => layouts.get(key) ?? null);
    const first = inputs[0] ?? null;
    const shared = (graph.callsOf.get(layer)?.length ?? 1) > 1;
    const outputShape = graph.shapes.get(call.outputs[0] as string) ?? [];
    const setOutputs = (layout: Layout | null) => {
      for (const key of call.outputs) layouts.set(key, layout);
    };
    const blockInputs = (reason: string) => {
      for (const layout of inputs) block(layout, reason);
    };
    const fresh = (reason: string | null, producer: GroupProducer | null) => {
      const channels = outputShape[outputShape.length - 1];
      if (typeof channels !== 'number' || call.outputs.length !== 1) {
        setOutputs(null);
        return;
      }
      const space = newSpace(channels, producer);
      if (reason) (spaces[space] as Space).reasons.push(reason);
      setOutputs({ segments: [{ space, length: channels }], repeat: 1 });
    };

    if (kind === 'InputLayer') continue;
    if (config.dataFormat === 'channelsFirst') {
      blockInputs(`feeds ${describeLayer(layer)} with dataFormat 'channelsFirst'`);
      fresh(`is made by ${describeLayer(layer)} with dataFormat 'channelsFirst'`, null);
      continue;
    }
    if (shared) {
      blockInputs(
        `feeds ${describeLayer(layer)}, which is applied ${graph.callsOf.get(layer)?.length} times (shared layer)`,
      );
      fresh(
        `is made by the shared layer ${describeLayer(layer)}`,
        PRODUCERS.has(kind) ? { layer: layer.name, kind: kind as GroupProducer['kind'] } : null,
      );
      continue;
    }

    if (PRODUCERS.has(kind)) {
      if (first) {
        const multiplier = Number(config.depthMultiplier ?? 1);
        if (kind === 'SeparableConv2D' && multiplier !== 1) {
          block(first, `feeds ${describeLayer(layer)} with depthMultiplier ${multiplier}`);
        } else if (
          kind === 'Dense' &&
          first.repeat > 1 &&
          (graph.shapes.get(call.inputs[0] as string)?.length ?? 0) !== 2
        ) {
          block(first, `feeds ${describeLayer(layer)} on a flattened map of rank > 2`);
        } else {
          touches(first, layer, consumers, {
            kind: kind as GroupConsumer['kind'],
          });
        }
      }
      const activation = String(config.activation ?? 'linear');
      fresh(
        CHANNEL_MIXING_ACTIVATIONS.has(activation)
          ? `${describeLayer(layer)} applies ${activation} over its channels`
          : null,
        { layer: layer.name, kind: kind as GroupProducer['kind'] },
      );
      continue;
    }

    if (MEMBERS.has(kind) || PASS_THROUGH.has(kind)) {
      let problem: string | null = null;
      if (kind === 'BatchNormalization') {
        const axis = config.axis;
        const rank = outputShape.length;
        if (axis !== -1 && axis !== rank - 1)
          problem = `normalises axis ${String(axis)}, not the channels`;
      } else if (kind === 'DepthwiseConv2D' && Number(config.depthMultiplier ?? 1) !== 1) {
        problem = `has depthMultiplier ${String(config.depthMultiplier)}`;
      } else if (
        kind === 'Activation' &&
        CHANNEL_MIXING_ACTIVATIONS.has(String(config.activation))
      ) {
        problem = `applies ${String(config.activation)} over the channels`;
      } else if (kind === 'Softmax') {
        const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
        if (axis.some((a) => a === -1 || a === outputShape.length - 1))
          problem = 'is a softmax over the channels';
      }
      if (!first || call.inputs.length !== 1) {
        blockInputs(`feeds ${describeLayer(layer)} with ${call.inputs.length} inputs`);
        fresh(null, null);
        continue;
      }
      if (problem) {
        block(first, `feeds ${describeLayer(layer)}, which ${problem}`);
        if (kind === 'DepthwiseConv2D') {
          unsupportedMaps.push({ layer, reason: problem });
          fresh(`is made by ${describeLayer(layer)}, which ${problem}`, null);
        } else {
          setOutputs(first);
        }
        continue;
      }
      if (MEMBERS.has(kind)) touches(first, layer, members);
      else touches(first, layer, passThrough);
      setOutputs(first);
      continue;
    }

    if (MERGES.has(kind)) {
      const known = inputs.filter((l): l is Layout => l !== null);
      const base = known[0];
      const same =
        known.length === inputs.length &&
        base !== undefined &&
        known.every(
          (l) =>
            l.repeat === base.repeat &&
            l.segments.length === base.segments.length &&
            l.segments.every(
              (s, i) =>
                s.length === (base.segments[i] as Segment).length &&
                s.length === (spaces[root(s.space)] as Space).size,
            ),
        );
      if (!same || !base) {
        blockInputs(
          `is combined by ${describeLayer(layer)} with a map whose channels are arranged differently`,
        );
        fresh(null, null);
        continue;
      }
      for (const l of known)
        l.segments.forEach((s, i) => {
          union(s.space, (base.segments[i] as Segment).space);
        });
      setOutputs(base);
      continue;
    }

    if (kind === 'Concatenate') {
      const rank = outputShape.length;
      const axis = Number(config.axis ?? -1);
      const known = inputs.filter((l): l is Layout => l !== null);
      if (known.length !== inputs.length || known.some((l) => l.repeat !== 1)) {
        blockInputs(`feeds ${describeLayer(layer)} together with a map of unknown channels`);
        fresh(null, null);
        continue;
      }
      if (axis === -1 || axis === rank - 1) {
        setOutputs({ segments: known.flatMap((l) => l.segments), repeat: 1 });
      } else {
        blockInputs(`feeds ${describeLayer(layer)}, which concatenates along axis ${axis}`);
        fresh(null, null);
      }
      continue;
    }

    if (kind === 'Flatten') {
      const inShape = graph.shapes.get(call.inputs[0] as string) ?? [];
      if (first && inShape.length === 2) {
        setOutputs(first);
        continue;
      }
      const spatial = inShape.slice(1, -1);
      if (first && first.repeat === 1 && spatial.every((d) => typeof d === 'number')) {
        setOutputs({
          segments: first.segments,
          repeat: (spatial as number[]).reduce((a, b) => a * b, 1),
        });
        continue;
      }
      blockInputs(`feeds ${describeLayer(layer)} of a map with unknown size`);
      fresh(null, null);
      continue;
    }

    // Anything else mixes channels or is not understood: its inputs stay whole.
    const why =
      kind === 'Reshape' || kind === 'Permute' || kind === 'RepeatVector'
        ? `feeds ${describeLayer(layer)}, which rearranges the channels`
        : `feeds ${describeLayer(layer)} (a layer the channel analysis does not support)`;
    blockInputs(why);
    fresh(null, null);
    if (layer.weights.length > 0)
      unsupportedMaps.push({ layer, reason: `is an unsupported layer ${kind}` });
  }

  for (const key of graph.outputs) block(layouts.get(key), 'is a model output');

  // Collect groups by root space.
  const byRoot = new Map<number, ChannelGroup & { reasons: string[] }>();
  const order = new Map<string, number>();
  graph.calls.forEach((call, i) => {
    if (!order.has(call.layer.name)) order.set(call.layer.name, i);
  });
  for (let s = 0; s < spaces.length; s++) {
    const r = root(s);
    if (byRoot.has(r)) continue;
    const space = spaces[r] as Space;
    const producers = [...space.producers].sort(
      (a, b) => (order.get(a.layer) ?? 0) - (order.get(b.layer) ?? 0),
    );
    byRoot.set(r, {
      name: producers[0]?.layer ?? `(input ${r})`,
      channels: space.size,
      producers,
      members: [],
      passThrough: [],
      consumers: [],
      reasons: space.reasons,
    });
  }
  const addTouch = (touch: Touch, list: 'members' | 'consumers', extra: object = {}) => {
    const group = byRoot.get(root(touch.space));
    if (!group) return;
    const target = group[list] as (GroupMember | GroupConsumer)[];
    if (target.some((t) => t.layer === touch.layer.name)) {
      const reason = `is read twice by ${describeLayer(touch.layer)}`;
      if (!group.reasons.includes(reason)) group.reasons.push(reason);
      return;
    }
    target.push({
      layer: touch.layer.name,
      offset: touch.offset,
      width: touch.width,
      repeat: touch.repeat,
      ...extra,
    } as GroupMember & GroupConsumer);
  };
  for (const touch of members) addTouch(touch, 'members', { kind: touch.layer.getClassName() });
  for (const touch of consumers) addTouch(touch, 'consumers', { kind: touch.kind });
  for (const touch of passThrough) {
    const group = byRoot.get(root(touch.space));
    if (group && !group.passThrough.includes(touch.layer.name))
      group.passThrough.push(touch.layer.name);
  }

  const groups: ChannelGroup[] = [];
  const skipped: SkippedMap[] = [];
  const sorted = [...byRoot.values()].sort(
    (a, b) =>
      (order.get(a.producers[0]?.layer ?? '') ?? Number.MAX_SAFE_INTEGER) -
      (order.get(b.producers[0]?.layer ?? '') ?? Number.MAX_SAFE_INTEGER),
  );
  for (const group of sorted) {
    const { reasons, ...rest } = group;
    const depthwise = group.members.filter((m) => m.kind === 'DepthwiseConv2D');
    if (group.producers.length === 0) {
      for (const member of depthwise) {
        skipped.push({
          producer: member.layer,
          channels: group.channels,
          reason: `its channels come from no prunable layer (${reasons[0] ?? 'the model input'})`,
        });
      }
      continue;
    }
    if (group.consumers.length === 0 && reasons.length === 0) {
      reasons.push('is not read by any layer with weights');
    }
    if (reasons.length > 0) {
      const reason = reasons.join('; ');
      for (const p of group.producers)
        skipped.push({ producer: p.layer, channels: group.channels, reason });
      for (const member of depthwise) {
        skipped.push({
          producer: member.layer,
          channels: group.channels,
          reason: `is in the group of '${group.name}', which ${reason}`,
        });
      }
      continue;
    }
    groups.push(rest);
  }
  for (const { layer, reason } of unsupportedMaps) {
    if (!skipped.some((s) => s.producer === layer.name)) {
      skipped.push({
        producer: layer.name,
        channels: Number(layer.getConfig().filters ?? 0) || 0,
        reason,
      });
    }
  }
  return { groups, skipped };
}

/** The group of `analysis` that `name` (its name or any of its producers) belongs to, or an error. */
export function groupByName(fn: string, analysis: ChannelAnalysis, name: string): ChannelGroup {
  const group = analysis.groups.find(
    (g) => g.name === name || g.producers.some((p) => p.layer === name),
  );
  if (group) return group;
  const skipped = analysis.skipped.find((s) => s.producer === name);
  if (skipped) throw new RangeError(`${fn}: '${name}' is not prunable: its map ${skipped.reason}`);
  throw new RangeError(
    `${fn}: no prunable channel group '${name}'; groups are ${analysis.groups.map((g) => `'${g.name}'`).join(', ') || 'none'}`,
  );
}
