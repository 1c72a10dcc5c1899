import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { PrunableSite, SiteAnalysis, SkippedMap } from './types';

/** A layer of a tfjs-layers model. */
export type Layer = LayersModel['layers'][number];
type GraphNode = Layer['inboundNodes'][number];

/**
 * Layers that act on every channel separately and keep the channel count, so a map can be
 * pruned through them (their per-channel weights are sliced with the producer's filters).
 */
const CHANNEL_WISE = new Set([
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'PReLU',
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

const FN = 'findPrunableSites';

/** Activations over the channel axis: a map they read cannot lose channels. */
const SOFTMAX = new Set(['softmax', 'logSoftmax', 'log_softmax']);

/**
 * Finds every prunable feature map of a tfjs-layers model (Sequential or functional): a map
 * produced by a Conv2D, optionally through channel-wise layers (BatchNormalization, activations,
 * dropout), and consumed by exactly one Conv2D and nothing else (He et al. 2017; thesis §6.3).
 * Every other Conv2D output is reported in `skipped` with the reason: it feeds pooling, a
 * concatenation, a transposed convolution, a dense layer, several layers, or is a model output.
 *
 * The graph is read from the layers' inbound nodes, walking back from the model outputs, so
 * only the calls that belong to this model count.
 */
export function findPrunableSites(model: LayersModel): SiteAnalysis {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.outputs)) {
    throw new TypeError(
      `${FN}: model must be a tf.LayersModel (Sequential or functional), got ${String(model)}`,
    );
  }
  const graph = readGraph(model);
  const sites: PrunableSite[] = [];
  const skipped: SkippedMap[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const channels = Number(layer.getConfig().filters);
    const skip = (reason: string) => skipped.push({ producer: layer.name, channels, reason });
    const nodes = graph.nodesOf.get(layer) ?? [];
    if (nodes.length !== 1) {
      skip(
        nodes.length === 0
          ? 'is not used by the model'
          : `is applied ${nodes.length} times (shared layer)`,
      );
      continue;
    }
    if (layer.getConfig().dataFormat === 'channelsFirst') {
      skip("uses dataFormat 'channelsFirst'");
      continue;
    }
    if (SOFTMAX.has(String(layer.getConfig().activation))) {
      skip(`applies ${String(layer.getConfig().activation)} over its channels`);
      continue;
    }
    const passThrough: string[] = [];
    let tensor = (nodes[0] as GraphNode).outputTensors[0] as SymbolicTensor;
    for (;;) {
      if (graph.outputs.has(tensor.id)) {
        skip(
          passThrough.length
            ? `is a model output (through ${passThrough.join(', ')})`
            : 'is a model output',
        );
        break;
      }
      const readers = graph.readers.get(tensor.id) ?? [];
      if (readers.length === 0) {
        skip('is not read by any layer');
        break;
      }
      if (readers.length > 1) {
        skip(
          `feeds ${readers.length} layers (${readers.map((r) => `${r.getClassName()} '${r.name}'`).join(', ')})`,
        );
        break;
      }
      const reader = readers[0] as Layer;
      const kind = reader.getClassName();
      const readerNodes = graph.nodesOf.get(reader) ?? [];
      if (readerNodes.length !== 1) {
        skip(
          `feeds ${kind} '${reader.name}', which is applied ${readerNodes.length} times (shared layer)`,
        );
        break;
      }
      if (kind === 'Conv2D') {
        const readerNode = readerNodes[0] as GraphNode;
        if (reader.getConfig().dataFormat === 'channelsFirst') {
          skip(`feeds Conv2D '${reader.name}' with dataFormat 'channelsFirst'`);
        } else if (readerNode.inputTensors.length !== 1) {
          skip(`feeds Conv2D '${reader.name}' with ${readerNode.inputTensors.length} inputs`);
        } else {
          sites.push({ producer: layer.name, consumer: reader.name, passThrough, channels });
        }
        break;
      }
      const why = channelWiseProblem(reader);
      if (why) {
        skip(`feeds ${kind} '${reader.name}'${why === true ? '' : ` (${why})`}`);
        break;
      }
      passThrough.push(reader.name);
      tensor = (readerNodes[0] as GraphNode).outputTensors[0] as SymbolicTensor;
    }
  }
  return { sites, skipped };
}

/** Why `layer` cannot be pruned through: true if it is not channel-wise, a string for details, or null if it can. */
function channelWiseProblem(layer: Layer): string | true | null {
  const kind = layer.getClassName();
  if (!CHANNEL_WISE.has(kind)) return true;
  if (kind === 'Activation' && SOFTMAX.has(String(layer.getConfig().activation))) {
    // Softmax normalises over the channels: removing one changes every other (issue 16).
    return `applies ${String(layer.getConfig().activation)} over the channels`;
  }
  if (kind === 'BatchNormalization') {
    const axis = layer.getConfig().axis;
    if (axis !== -1 && axis !== 3) return `normalises axis ${String(axis)}, not the channels`;
  }
  return null;
}

interface Graph {
  /** Calls of each layer inside this model. */
  nodesOf: Map<Layer, GraphNode[]>;
  /** Layers reading each symbolic tensor (by id), once per call. */
  readers: Map<number, Layer[]>;
  /** Ids of the model's output tensors. */
  outputs: Set<number>;
}

/** Collects the nodes reachable backwards from the model outputs, and who reads what. */
function readGraph(model: LayersModel): Graph {
  const nodesOf = new Map<Layer, GraphNode[]>();
  const readers = new Map<number, Layer[]>();
  const seen = new Set<GraphNode>();
  const visit = (tensor: SymbolicTensor) => {
    const layer = tensor.sourceLayer as Layer;
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (!node || seen.has(node)) return;
    seen.add(node);
    const list = nodesOf.get(layer);
    if (list) list.push(node);
    else nodesOf.set(layer, [node]);
    for (const input of node.inputTensors) {
      const list = readers.get(input.id);
      if (list) list.push(layer);
      else readers.set(input.id, [layer]);
      visit(input);
    }
  };
  for (const output of model.outputs) visit(output);
  const order = new Map(model.layers.map((layer, i) => [layer, i]));
  for (const list of readers.values())
    list.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { nodesOf, readers, outputs: new Set(model.outputs.map((t) => t.id)) };
}

/** The site of `model` whose producer is `name`, or an error listing what exists. */
export function siteByProducer(fn: string, analysis: SiteAnalysis, name: string): PrunableSite {
  const site = analysis.sites.find((s) => s.producer === name);
  if (site) return site;
  const skipped = analysis.skipped.find((s) => s.producer === name);
  if (skipped) throw new RangeError(`${fn}: '${name}' is not prunable: its map ${skipped.reason}`);
  throw new RangeError(
    `${fn}: no prunable site '${name}'; prunable sites are ${analysis.sites.map((s) => `'${s.producer}'`).join(', ') || 'none'}`,
  );
}
