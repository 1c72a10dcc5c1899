/**
 * What a layer costs is decided by its kind:
 * - `conv`: Conv1D, Conv2D, Conv3D; `transposed-conv`: Conv2DTranspose, Conv3DTranspose;
 * - `depthwise-conv`: DepthwiseConv2D, kh*kw*C*multiplier weights (one filter per channel, not
 *   kh*kw*C*C); `separable-conv`: SeparableConv2D (depthwise + pointwise);
 * - `grouped-conv`: @crack/unet's GroupedConv2D, kh*kw*(Cin/groups)*Cout weights: each output
 *   channel sees only the input channels of its group (however the layer computes it);
 * - `dense`: Dense; `batch-norm`: BatchNormalization;
 * - `free`: any layer without weights (input, pooling, concatenation, activations, dropout,
 *   reshape, up-sampling, padding, channel shuffle, residual Add, ...), which costs nothing under
 *   the thesis convention: a MAC is a multiply-add of a weight, and a residual add multiplies
 *   nothing (its H*W*C additions are not MACs);
 * - `model`: a nested model, costed recursively;
 * - `unknown`: a layer with weights whose class this package does not know. Its `params` and
 *   `bytes` are exact (they come from the weights), but `weights` and `macs` are 0 and the layer
 *   is named in {@link ModelCost.unknownLayers}, so a total is never silently short.
 */
export type LayerCostKind =
  | 'conv'
  | 'transposed-conv'
  | 'depthwise-conv'
  | 'separable-conv'
  | 'grouped-conv'
  | 'dense'
  | 'batch-norm'
  | 'free'
  | 'model'
  | 'unknown';

/** Cost figures, per layer or summed over a model. */
export interface CostFigures {
  /**
   * Kernel weights only, the thesis convention (eq 4-1): kw*kh*Cin*Cout per convolution or
   * transposed convolution, in*out per dense layer; biases and batch-norm parameters excluded.
   */
  weights: number;
  /** Every parameter, trainable or not (biases, batch-norm statistics included); equals `countParams()`. */
  params: number;
  /**
   * Multiply-adds (eq 4-2): one per kernel weight per output pixel. For a batch normalisation, one
   * per output element (its scale-and-shift). Free layers cost 0.
   */
  macs: number;
  /** Storage of all parameters as float32: `params * 4`. */
  bytes: number;
}

/** The cost of one layer of a model. */
export interface LayerCost extends CostFigures {
  /** The layer's name in the model. */
  name: string;
  /** The layer's class name, e.g. `'Conv2D'`. */
  className: string;
  /** How the layer was costed; see {@link LayerCostKind}. */
  kind: LayerCostKind;
  /**
   * The layer's output shape for the requested input size, batch dimension `null`; a list of
   * shapes for a layer with several outputs. For a layer called more than once (a shared layer)
   * this is the shape of its first call, while `macs` add up every call.
   */
  outputShape: Array<number | null> | Array<Array<number | null>>;
  /** For `kind: 'model'`, the costs of the nested model's layers. */
  layers?: LayerCost[];
}

/** The result of {@link modelCost}. */
export interface ModelCost {
  /** One entry per layer, in the model's layer order. */
  layers: LayerCost[];
  /** Sums over `layers`. `total.params` equals `model.countParams()`. */
  total: CostFigures;
  /**
   * Names of layers that have weights but a class this package cannot cost (`kind: 'unknown'`);
   * empty when every MAC is accounted for.
   */
  unknownLayers: string[];
}

/** Options for {@link modelCost}. */
export interface ModelCostOptions {
  /**
   * Input height in pixels. Default: the model's own input height, which must then be fixed.
   * Replaces dimension 1 of every rank-4 model input, so a model built with a `null` input size
   * can be costed at any size.
   */
  height?: number;
  /** Input width in pixels. Default: the model's own input width. Replaces dimension 2. */
  width?: number;
}
