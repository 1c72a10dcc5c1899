/**
 * Weight layouts: tfjs stores kernels channels-last (HWIO), ONNX channels-first (OIHW), and the
 * folding of a batch normalisation into the convolution before it.
 */

/** Permutes the axes of a dense row-major array: output axis i is input axis perm[i]. */
export function permute(
  values: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): { values: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis] as number);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--)
    inStrides[i] = (inStrides[i + 1] as number) * (shape[i + 1] as number);
  const strides = perm.map((axis) => inStrides[axis] as number);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let i = 0; i < rank; i++) source += (index[i] as number) * (strides[i] as number);
    out[o] = values[source] as number;
    for (let i = rank - 1; i >= 0; i--) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (outShape[i] as number)) break;
      index[i] = 0;
    }
  }
  return { values: out, shape: outShape };
}

/** A Conv2D kernel [kh, kw, in, out] as an ONNX Conv weight [out, in, kh, kw]. */
export function convKernel(values: Float32Array, shape: readonly number[]) {
  return permute(values, shape, [3, 2, 0, 1]);
}

/**
 * A depthwise kernel [kh, kw, in, multiplier] as the weight [in * multiplier, 1, kh, kw] of an ONNX
 * Conv with group = in. Output channel c * multiplier + m reads input channel c, as in tfjs.
 */
export function depthwiseKernel(values: Float32Array, shape: readonly number[]) {
  const { values: out, shape: permuted } = permute(values, shape, [2, 3, 0, 1]);
  const [inChannels, multiplier, kh, kw] = permuted as [number, number, number, number];
  return { values: out, shape: [inChannels * multiplier, 1, kh, kw] };
}

/** A Conv2DTranspose kernel [kh, kw, out, in] as an ONNX ConvTranspose weight [in, out, kh, kw]. */
export function transposeKernel(values: Float32Array, shape: readonly number[]) {
  return permute(values, shape, [3, 2, 0, 1]);
}

/** A batch normalisation at inference as y = x * scale + shift, per channel. */
export interface ChannelAffine {
  scale: Float32Array;
  shift: Float32Array;
}

/**
 * The per-channel affine map of a BatchNormalization layer at inference:
 * scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale (gamma = 1, beta = 0 when
 * the layer has no scale or center). Computed in float64, rounded once.
 */
export function batchNormAffine(options: {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}): ChannelAffine {
  const { gamma, beta, mean, variance, epsilon } = options;
  const channels = mean.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (gamma ? (gamma[c] as number) : 1) / Math.sqrt((variance[c] as number) + epsilon);
    scale[c] = s;
    shift[c] = (beta ? (beta[c] as number) : 0) - (mean[c] as number) * s;
  }
  return { scale, shift };
}

/**
 * Folds `affine` into a convolution: every weight of output channel o (axis `outAxis` of the
 * ONNX weight) is multiplied by scale[o], and the bias becomes bias * scale + shift. Returns the
 * new weight and bias; `bias` null is a zero bias.
 */
export function foldAffine(
  weight: { values: Float32Array; shape: number[] },
  bias: Float32Array | null,
  affine: ChannelAffine,
  outAxis: 0 | 1,
): { weight: { values: Float32Array; shape: number[] }; bias: Float32Array } {
  const { shape } = weight;
  const channels = shape[outAxis] as number;
  if (affine.scale.length !== channels) {
    throw new Error(
      `exportOnnx: batch norm has ${affine.scale.length} channels, the convolution ${channels}`,
    );
  }
  const inner = shape.slice(outAxis + 1).reduce((a, b) => a * b, 1);
  const values = new Float32Array(weight.values.length);
  for (let i = 0; i < values.length; i++) {
    const channel = Math.floor(i / inner) % channels;
    values[i] = Math.fround((weight.values[i] as number) * (affine.scale[channel] as number));
  }
  const folded = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    folded[c] =
      (bias ? (bias[c] as number) : 0) * (affine.scale[c] as number) + (affine.shift[c] as number);
  }
  return { weight: { values, shape: [...shape] }, bias: folded };
}
