/**
 * {@link exportOnnx}: a tfjs-layers model as an ONNX model. The graph is walked in the model's
 * own topological order; every layer becomes ONNX nodes in NCHW (ONNX's convolution layout),
 * batch normalisations are folded into the convolution before them, inference no-ops (Dropout)
 * are left out, and the input and output are transposed when the caller asks for NHWC.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import onnxProto from 'onnx-proto';
import { version } from '../../package.json';
import { SUPPORTED_ACTIVATIONS } from './activations';
import {
  batchNormOf,
  CONVOLUTION_LAYERS,
  convertLayer,
  INFERENCE_IDENTITY_LAYERS,
  type Layer,
  SUPPORTED_LAYERS,
  UnsupportedLayerError,
} from './convert-layer';
import { type AttributeValue, ONNX_FLOAT, OnnxGraph } from './onnx-graph';
import type { ExportOnnxOptions, OnnxExport, OnnxHead, OnnxLayout, OnnxTensorInfo } from './types';

/** The ONNX opset (default domain) of every exported graph, and the IR version of the file. */
export const ONNX_OPSET = 13;
const IR_VERSION = 8;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['layout', 'head', 'graphName']);
const LAYOUTS: readonly OnnxLayout[] = ['NCHW', 'NHWC'];
const HEADS: readonly OnnxHead[] = ['logits', 'sigmoid', 'softmax'];

type Shape = Array<number | null>;
/** One layer application: its class, the tensors it reads (by key) and the layer. */
interface Step {
  layer: Layer;
  className: string;
  inputs: string[];
}

/**
 * Converts a tfjs-layers model (functional or Sequential, e.g. a U-Net from `createUnet` with
 * standard or separable blocks, or a model pruned by `@crack/prune`) to ONNX (IR 8, opset 13)
 * and returns the serialised file with a description of its inputs and outputs.
 *
 * Written: Conv2D (any strides, dilations, 'same' or 'valid'), DepthwiseConv2D and
 * SeparableConv2D (as grouped Conv), Conv2DTranspose, MaxPooling2D, AveragePooling2D,
 * UpSampling2D (nearest and bilinear), ZeroPadding2D, Concatenate, Add, Multiply,
 * Average, Maximum, Minimum, BatchNormalization (folded into the convolution before it when that
 * convolution is linear and feeds only it; an ONNX BatchNormalization otherwise), Activation,
 * ReLU, LeakyReLU, ELU, Softmax, and the activations fused into layers (relu, relu6, sigmoid,
 * tanh, elu, selu, softplus, softsign, swish, mish, hardSigmoid, softmax, logSoftmax). Dropout
 * and the other noise layers are left out. Tensors must be rank 4 (images).
 *
 * Throws an Error naming the first layer (in topological order) that cannot be written, its class
 * and why, e.g. "exportOnnx: layer 'dense_1' (Dense) is not supported: no ONNX equivalent here".
 * Reads the weights synchronously and allocates no tensors.
 *
 * @example
 * ```ts
 * const { bytes } = exportOnnx(model, { layout: 'NHWC', head: 'sigmoid' });
 * ```
 */
export function exportOnnx(model: LayersModel, options: ExportOnnxOptions = {}): OnnxExport {
  const { layout, head, graphName } = resolveOptions(model, options);
  const graph = new OnnxGraph();
  const { inputs, steps, outputs } = walk(model);

  // Graph inputs and outputs keep the tfjs layer names; reserve them before any node takes them.
  const inputNames = inputs.map((input) => graph.uniqueName(input.name));
  const outputNames = outputs.map((output) => graph.uniqueName(output.layer.name));

  const tensors = new Map<string, string>();
  const shapes = new Map<string, Shape>();
  const inputInfos: OnnxTensorInfo[] = [];
  inputs.forEach((input, i) => {
    const name = inputNames[i] as string;
    if (input.shape.length !== 4) {
      throw new Error(
        `exportOnnx: input '${input.name}' has rank ${input.shape.length}; only rank-4 image inputs are supported`,
      );
    }
    inputInfos.push({ name, shape: toLayout(input.shape, layout) });
    shapes.set(input.key, input.shape);
    tensors.set(
      input.key,
      layout === 'NHWC'
        ? graph.addNode('Transpose', [name], `${name}/nchw`, { perm: [0, 3, 1, 2] })
        : name,
    );
  });

  const folds = foldableBatchNorms(
    steps,
    outputs.map((o) => o.key),
  );
  const foldedBatchNorms: string[] = [];
  const droppedLayers: string[] = [];
  for (const step of steps) {
    const { layer, className } = step;
    const key = keyOf(layer.name);
    const inputNamesOfStep = step.inputs.map((k) => tensors.get(k) as string);
    const inputShapes = step.inputs.map((k) => shapes.get(k) as Shape);
    try {
      shapes.set(key, outputShape(layer, inputShapes));
      if (INFERENCE_IDENTITY_LAYERS.has(className)) {
        droppedLayers.push(layer.name);
        tensors.set(key, inputNamesOfStep[0] as string);
      } else if (folds.has(layer.name)) {
        // A folded batch norm: its output is its convolution's, already scaled and shifted.
        foldedBatchNorms.push(layer.name);
        tensors.set(key, inputNamesOfStep[0] as string);
      } else {
        const bn = folds.get(`conv:${layer.name}`);
        tensors.set(
          key,
          convertLayer({
            graph,
            layer,
            inputs: inputNamesOfStep,
            inputShapes,
            ...(bn ? { fold: batchNormOf(bn) } : {}),
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof UnsupportedLayerError)) {
        throw new Error(
          `exportOnnx: layer '${layer.name}' (${className}): ${(error as Error).message ?? error}`,
        );
      }
      throw new Error(
        `exportOnnx: layer '${layer.name}' (${className}) is not supported: ${error.message}. ` +
          `Supported layers: ${[...SUPPORTED_LAYERS, ...INFERENCE_IDENTITY_LAYERS].join(', ')}; ` +
          `activations: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
      );
    }
  }

  const outputInfos: OnnxTensorInfo[] = [];
  outputs.forEach((output, i) => {
    const name = outputNames[i] as string;
    const shape = shapes.get(output.key) as Shape;
    if (shape.length !== 4) {
      throw new Error(
        `exportOnnx: output '${output.layer.name}' has rank ${shape.length}; only rank-4 outputs are supported`,
      );
    }
    if (head === 'softmax' && !((shape[3] ?? 0) >= 2)) {
      throw new Error(
        `exportOnnx: head 'softmax' needs at least 2 output channels, output '${output.layer.name}' has ${shape[3]}; use head 'sigmoid'`,
      );
    }
    let tensor = tensors.get(output.key) as string;
    // The last op writes the reserved output name; with nothing to add, an Identity does.
    const ops: Array<[string, Record<string, AttributeValue>]> = [];
    if (head === 'sigmoid') ops.push(['Sigmoid', {}]);
    if (head === 'softmax') ops.push(['Softmax', { axis: 1 }]);
    if (layout === 'NHWC') ops.push(['Transpose', { perm: [0, 2, 3, 1] }]);
    if (ops.length === 0) ops.push(['Identity', {}]);
    ops.forEach(([op, attributes], j) => {
      const last = j === ops.length - 1;
      tensor = graph.addNode(
        op,
        [tensor],
        last ? name : `${name}/${op.toLowerCase()}`,
        attributes,
        last,
      );
    });
    outputInfos.push({ name, shape: toLayout(shape, layout) });
  });

  const { onnx } = onnxProto;
  const valueInfo = (info: OnnxTensorInfo, role: string) => ({
    name: info.name,
    type: {
      tensorType: {
        elemType: ONNX_FLOAT,
        shape: {
          dim: info.shape.map((size, axis) =>
            size == null ? { dimParam: dimParam(axis, layout, role) } : { dimValue: size },
          ),
        },
      },
    },
  });
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@crack/export',
    producerVersion: version,
    docString: `Exported from the tfjs-layers model '${model.name}' (layout ${layout}, head ${head}).`,
    graph: {
      name: graphName,
      node: graph.nodes,
      initializer: graph.initializers,
      input: inputInfos.map((info) => valueInfo(info, inputInfos.length === 1 ? '' : info.name)),
      output: outputInfos.map((info) => valueInfo(info, info.name)),
    },
  });
  return {
    bytes: onnx.ModelProto.encode(proto).finish(),
    inputs: inputInfos,
    outputs: outputInfos,
    opset: ONNX_OPSET,
    foldedBatchNorms,
    droppedLayers,
  };
}

function resolveOptions(model: LayersModel, options: ExportOnnxOptions) {
  if (model == null || typeof (model as Partial<LayersModel>).getLayer !== 'function') {
    throw new TypeError(
      `exportOnnx: model must be a tfjs-layers LayersModel, got ${String(model)}`,
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`exportOnnx: options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(
        `exportOnnx: unknown option '${key}'; expected one of ${[...KNOWN_OPTIONS].join(', ')}`,
      );
    }
  }
  const { layout = 'NCHW', head = 'logits', graphName = model.name } = options;
  if (!LAYOUTS.includes(layout)) {
    throw new RangeError(`exportOnnx: layout must be 'NCHW' or 'NHWC', got '${String(layout)}'`);
  }
  if (!HEADS.includes(head)) {
    throw new RangeError(
      `exportOnnx: head must be one of ${HEADS.map((h) => `'${h}'`).join(', ')}, got '${String(head)}'`,
    );
  }
  if (typeof graphName !== 'string' || graphName.length === 0) {
    throw new TypeError(
      `exportOnnx: graphName must be a non-empty string, got ${String(graphName)}`,
    );
  }
  return { layout, head, graphName };
}

const keyOf = (layerName: string) => `layer:${layerName}`;

/** The model as inputs, steps in topological order, and outputs, with tensors keyed by layer. */
function walk(model: LayersModel) {
  const inputs = model.inputs.map((tensor) => ({
    name: tensor.sourceLayer.name,
    key: keyOf(tensor.sourceLayer.name),
    shape: [...tensor.shape] as Shape,
  }));
  const steps: Step[] = [];
  let outputs: Array<{ layer: Layer; key: string }>;
  if (model.getClassName() === 'Sequential') {
    let previous = inputs[0]?.key as string;
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      steps.push({ layer, className: layer.getClassName(), inputs: [previous] });
      previous = keyOf(layer.name);
    }
    const last = steps[steps.length - 1];
    if (!last) throw new Error(`exportOnnx: model '${model.name}' has no layers`);
    outputs = [{ layer: last.layer, key: previous }];
  } else {
    // The serialised config numbers each layer's nodes within this model, which a layer shared
    // with another model (as surgery may leave) would confuse in layer.inboundNodes.
    const config = model.getConfig() as unknown as {
      layers: Array<{
        name: string;
        className: string;
        inboundNodes: Array<Array<[string, number, number]>>;
      }>;
      outputLayers: Array<[string, number, number]>;
    };
    for (const entry of config.layers) {
      if (entry.className === 'InputLayer') continue;
      const layer = model.getLayer(entry.name);
      if (entry.inboundNodes.length !== 1) {
        throw new Error(
          `exportOnnx: layer '${entry.name}' (${entry.className}) is applied ${entry.inboundNodes.length} times in the model; shared layers are not supported`,
        );
      }
      const inbound = entry.inboundNodes[0] as Array<[string, number, number]>;
      for (const [name, nodeIndex, tensorIndex] of inbound) {
        if (nodeIndex !== 0 || tensorIndex !== 0) {
          throw new Error(
            `exportOnnx: layer '${entry.name}' reads output ${tensorIndex} of node ${nodeIndex} of '${name}'; only single-output, unshared layers are supported`,
          );
        }
      }
      steps.push({
        layer,
        className: entry.className,
        inputs: inbound.map(([name]) => keyOf(name)),
      });
    }
    outputs = config.outputLayers.map(([name]) => ({
      layer: model.getLayer(name),
      key: keyOf(name),
    }));
  }
  return { inputs, steps, outputs };
}

/**
 * Batch norms that can be folded: the only reader of a linear convolution's output, which is not
 * itself a model output. Keys: the BN's name (-> its layer) and `conv:` + the conv's name.
 */
function foldableBatchNorms(steps: Step[], outputKeys: string[]): Map<string, Layer> {
  const readers = new Map<string, number>();
  for (const key of outputKeys) readers.set(key, (readers.get(key) ?? 0) + 1);
  for (const step of steps)
    for (const key of step.inputs) readers.set(key, (readers.get(key) ?? 0) + 1);
  const producers = new Map(steps.map((step) => [keyOf(step.layer.name), step]));
  const folds = new Map<string, Layer>();
  for (const step of steps) {
    if (step.className !== 'BatchNormalization' || step.inputs.length !== 1) continue;
    const inputKey = step.inputs[0] as string;
    const producer = producers.get(inputKey);
    if (!producer || !CONVOLUTION_LAYERS.has(producer.className)) continue;
    const config = producer.layer.getConfig() as { activation?: string };
    const axis = (step.layer.getConfig() as { axis?: number | number[] }).axis ?? -1;
    const channelAxis = Array.isArray(axis) ? axis : [axis];
    if ((config.activation ?? 'linear') !== 'linear' || readers.get(inputKey) !== 1) continue;
    if (channelAxis.length !== 1 || (channelAxis[0] !== -1 && channelAxis[0] !== 3)) continue;
    folds.set(step.layer.name, step.layer);
    folds.set(`conv:${producer.layer.name}`, step.layer);
  }
  return folds;
}

function outputShape(layer: Layer, inputShapes: Shape[]): Shape {
  const shape = layer.computeOutputShape(
    (inputShapes.length === 1 ? inputShapes[0] : inputShapes) as Parameters<
      Layer['computeOutputShape']
    >[0],
  );
  if (Array.isArray(shape[0])) throw new UnsupportedLayerError('it has several outputs');
  return [...(shape as Shape)];
}

function toLayout(shape: Shape, layout: OnnxLayout): Shape {
  const [n, h, w, c] = shape as [number | null, number | null, number | null, number | null];
  return layout === 'NHWC' ? [n, h, w, c] : [n, c, h, w];
}

function dimParam(axis: number, layout: OnnxLayout, prefix: string): string {
  const labels =
    layout === 'NHWC'
      ? ['batch', 'height', 'width', 'channels']
      : ['batch', 'channels', 'height', 'width'];
  const label = labels[axis] as string;
  if (label === 'batch') return 'batch';
  return prefix ? `${prefix}_${label}` : label;
}
