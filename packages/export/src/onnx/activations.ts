/**
 * tfjs activations as ONNX ops. Channel-wise ones (softmax) act on axis 1, because the graph is
 * NCHW inside whatever layout its input and output have.
 */
import type { OnnxGraph } from './onnx-graph';

/** The tfjs activation identifiers this exporter writes, by the name tfjs gives them in configs. */
export const SUPPORTED_ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'softmax',
  'logSoftmax',
] as const;

/**
 * Appends `activation` applied to `input` and returns the output name (`input` itself for
 * 'linear'), or undefined when the activation is not supported.
 */
export function addActivation(
  graph: OnnxGraph,
  input: string,
  activation: string,
  outputBase: string,
): string | undefined {
  switch (activation) {
    case 'linear':
      return input;
    case 'relu':
      return graph.addNode('Relu', [input], outputBase);
    case 'relu6':
      return clip(graph, input, 0, 6, outputBase);
    case 'sigmoid':
      return graph.addNode('Sigmoid', [input], outputBase);
    case 'hardSigmoid':
      // tfjs: clip(0.2 x + 0.5, 0, 1), ONNX HardSigmoid with the same alpha and beta.
      return graph.addNode('HardSigmoid', [input], outputBase, {
        alpha: { float: 0.2 },
        beta: { float: 0.5 },
      });
    case 'tanh':
      return graph.addNode('Tanh', [input], outputBase);
    case 'elu':
      return graph.addNode('Elu', [input], outputBase, { alpha: { float: 1 } });
    case 'selu':
      // ONNX's default alpha and gamma are the SELU constants tfjs uses.
      return graph.addNode('Selu', [input], outputBase);
    case 'softplus':
      return graph.addNode('Softplus', [input], outputBase);
    case 'softsign':
      return graph.addNode('Softsign', [input], outputBase);
    case 'swish': {
      const gate = graph.addNode('Sigmoid', [input], `${outputBase}/sigmoid`);
      return graph.addNode('Mul', [input, gate], outputBase);
    }
    case 'mish': {
      const softplus = graph.addNode('Softplus', [input], `${outputBase}/softplus`);
      const gate = graph.addNode('Tanh', [softplus], `${outputBase}/tanh`);
      return graph.addNode('Mul', [input, gate], outputBase);
    }
    case 'softmax':
      return graph.addNode('Softmax', [input], outputBase, { axis: 1 });
    case 'logSoftmax':
      return graph.addNode('LogSoftmax', [input], outputBase, { axis: 1 });
    default:
      return undefined;
  }
}

/** Clip(input, min, max) in opset 13, where the bounds are inputs. */
export function clip(
  graph: OnnxGraph,
  input: string,
  min: number | null,
  max: number | null,
  outputBase: string,
): string {
  const low = min == null ? '' : graph.addFloat(`${outputBase}/min`, [], Float32Array.of(min));
  const high = max == null ? '' : graph.addFloat(`${outputBase}/max`, [], Float32Array.of(max));
  return graph.addNode('Clip', [input, low, high], outputBase);
}
