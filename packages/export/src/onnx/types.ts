/** Memory layout of the exported model's image input and output. */
export type OnnxLayout = 'NCHW' | 'NHWC';

/** What the exported model outputs: the tfjs model's own output, or it passed through a head. */
export type OnnxHead = 'logits' | 'sigmoid' | 'softmax';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Layout of the graph's input and output tensors. 'NCHW' (default): [batch, channels, height,
   * width], what ONNX convolutions use and most ONNX consumers expect. 'NHWC': [batch, height,
   * width, channels], what tfjs uses, so the same pixel buffer feeds both; the graph then starts
   * and ends with a Transpose.
   */
  layout?: OnnxLayout;
  /**
   * 'logits' (default): the model's output as it is (this project's models output logits).
   * 'sigmoid': a Sigmoid after every output, giving crack probabilities. 'softmax': a Softmax
   * over the channels of every output (needs at least 2 output channels).
   */
  head?: OnnxHead;
  /** Name of the ONNX graph. Default: the tfjs model's name. */
  graphName?: string;
}

/** One input or output of the exported graph. */
export interface OnnxTensorInfo {
  /** The tensor's name in the graph: the tfjs layer's name. */
  name: string;
  /** Its shape in the requested layout; null where the size is free (batch, or any image size). */
  shape: Array<number | null>;
}

/** What {@link exportOnnx} returns: the serialised model and what it did to the graph. */
export interface OnnxExport {
  /** The ONNX ModelProto, serialised: write it to a `.onnx` file as it is. */
  bytes: Uint8Array;
  /** The graph's inputs, in the order of the tfjs model's inputs. */
  inputs: OnnxTensorInfo[];
  /** The graph's outputs, in the order of the tfjs model's outputs. */
  outputs: OnnxTensorInfo[];
  /** ONNX opset of the default domain the graph uses. */
  opset: number;
  /** Batch-normalisation layers folded into the convolution before them. */
  foldedBatchNorms: string[];
  /** Layers that do nothing at inference (Dropout and other noise layers), left out. */
  droppedLayers: string[];
}
