/**
 * TensorFlow's 'same' and 'valid' padding in ONNX terms. TensorFlow pads `total` pixels per
 * spatial axis and puts the odd one at the end, which is ONNX's SAME_UPPER; when the input size
 * is known (or the stride is 1) the pads are written out explicitly instead, so any consumer
 * reads them without implementing auto_pad.
 */

/** The ONNX pads/auto_pad attributes of a 2-D convolution or pooling. */
export type OnnxPadding = { pads: number[] } | { autoPad: 'SAME_UPPER' };

/**
 * Padding of a forward convolution/pooling with `kernel`, `strides`, `dilations` over an input of
 * spatial size `size` (null entries: unknown).
 */
export function forwardPadding(
  padding: 'same' | 'valid',
  size: ReadonlyArray<number | null>,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): OnnxPadding {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  const begin: number[] = [];
  const end: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const k = ((kernel[axis] as number) - 1) * (dilations[axis] as number) + 1;
    const s = strides[axis] as number;
    const n = size[axis];
    let total: number;
    if (s === 1) total = k - 1;
    else if (n == null) return { autoPad: 'SAME_UPPER' };
    else total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return { pads: [...begin, ...end] };
}

/**
 * Pads and output_padding of an ONNX ConvTranspose equal to tfjs's Conv2DTranspose, whose output
 * is `in * s` ('same') or `in * s + max(k - s, 0)` ('valid'). ONNX's output is
 * `s * (in - 1) + k + output_padding - pads_begin - pads_end`; 'same' crops the `max(k - s, 0)`
 * extra pixels (the odd one at the end, as TensorFlow) and both add `s - k` pixels when k < s.
 */
export function transposePadding(
  padding: 'same' | 'valid',
  kernel: readonly number[],
  strides: readonly number[],
): { pads: number[]; outputPadding: number[] } {
  const begin: number[] = [];
  const end: number[] = [];
  const outputPadding: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const k = kernel[axis] as number;
    const s = strides[axis] as number;
    const total = padding === 'same' ? Math.max(k - s, 0) : 0;
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
    outputPadding.push(Math.max(s - k, 0));
  }
  return { pads: [...begin, ...end], outputPadding };
}
