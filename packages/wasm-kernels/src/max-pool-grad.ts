import {
  backend_util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { addressOf, heapKernels } from './heap-kernels';
import { replacementConfig } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/**
 * MaxPoolGrad for the wasm backend: each output gradient goes to the first maximum of its
 * window (row-major, strict `>`, as TensorFlow and the cpu backend choose), and windows that
 * overlap add up. The native kernel takes ~19 ms for the U-Net's first 2x2 pool (320x480x8).
 * Windows that tile the input 2x2 with channels in fours run as f32x4 compare-and-select in
 * place on the heap (`routeMaxima`, ~0.5 ms); other tilings 2x2 as {@link routePairs} (~5 ms);
 * anything else as a loop over the windows.
 */
function maxPoolGrad(args: {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: KernelBackend;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const heap = wasmHeap(backend);
  const dx = heap.makeOutput(input.shape, 'float32');
  const x = heap.typedArrayFromHeap(input) as Float32Array;
  const gradient = heap.typedArrayFromHeap(dy) as Float32Array;
  const out = heap.typedArrayFromHeap(dx) as Float32Array;
  if (
    filterHeight === 2 &&
    filterWidth === 2 &&
    strideHeight === 2 &&
    strideWidth === 2 &&
    top === 0 &&
    left === 0 &&
    inHeight === 2 * outHeight &&
    inWidth === 2 * outWidth
  ) {
    const kernels = heapKernels(backend);
    if (kernels != null && channels % 4 === 0) {
      // One call per output row; x and dx advance two input rows per output row.
      const rowBytes = 4 * inWidth * channels;
      const [xAt, dyAt, dxAt] = [input, dy, dx].map((t) => addressOf(backend, t)) as [
        number,
        number,
        number,
      ];
      for (let row = 0; row < batchSize * outHeight; row += 1) {
        kernels.routeMaxima(
          xAt + 2 * row * rowBytes,
          dyAt + 4 * row * outWidth * channels,
          dxAt + 2 * row * rowBytes,
          outWidth,
          channels / 4,
          rowBytes,
        );
      }
      return dx;
    }
    routePairs(x, gradient, out, batchSize * outHeight, outWidth, channels);
    return dx;
  }
  out.fill(0);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;
  let g = 0;
  for (let b = 0; b < batchSize; b += 1) {
    for (let oy = 0; oy < outHeight; oy += 1) {
      const y0 = Math.max(0, oy * strideHeight - top);
      const y1 = Math.min(inHeight, oy * strideHeight - top + filterHeight);
      for (let ox = 0; ox < outWidth; ox += 1) {
        const x0 = Math.max(0, ox * strideWidth - left);
        const x1 = Math.min(inWidth, ox * strideWidth - left + filterWidth);
        const corner = b * imageStride + x0 * channels;
        for (let c = 0; c < channels; c += 1, g += 1) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let y = y0; y < y1; y += 1) {
            let i = corner + y * rowStride + c;
            for (let xx = x0; xx < x1; xx += 1, i += channels) {
              const v = x[i] as number;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) out[at] = (out[at] as number) + (gradient[g] as number);
        }
      }
    }
  }
  return dx;
}

/**
 * The U-Net's pooling (2x2 windows, stride 2, tiling the input): every input pixel belongs to
 * exactly one window, so each is written once, without a zero fill or scattered adds.
 */
function routePairs(
  x: Float32Array,
  gradient: Float32Array,
  out: Float32Array,
  outRows: number,
  outWidth: number,
  channels: number,
): void {
  const rowStride = 2 * outWidth * channels;
  let g = 0;
  for (let row = 0; row < outRows; row += 1) {
    const upper = 2 * row * rowStride;
    for (let ox = 0; ox < outWidth; ox += 1) {
      const a = upper + 2 * ox * channels;
      for (let c = 0; c < channels; c += 1, g += 1) {
        const i00 = a + c;
        const i01 = i00 + channels;
        const i10 = i00 + rowStride;
        const i11 = i10 + channels;
        const v00 = x[i00] as number;
        const v01 = x[i01] as number;
        const v10 = x[i10] as number;
        const v11 = x[i11] as number;
        // First maximum in row-major order; NaN never wins, as in the general loop.
        let at = v00 > Number.NEGATIVE_INFINITY ? 0 : -1;
        let best = at === 0 ? v00 : Number.NEGATIVE_INFINITY;
        if (v01 > best) {
          best = v01;
          at = 1;
        }
        if (v10 > best) {
          best = v10;
          at = 2;
        }
        if (v11 > best) at = 3;
        const d = gradient[g] as number;
        out[i00] = at === 0 ? d : 0;
        out[i01] = at === 1 ? d : 0;
        out[i10] = at === 2 ? d : 0;
        out[i11] = at === 3 ? d : 0;
      }
    }
  }
}

/**
 * Kernel config of {@link maxPoolGrad} for `tf.registerKernel` (replaces the native one). Its
 * setup also prepares the native kernel, so unregistering it restores a working native kernel.
 */
export const maxPoolGradConfig: KernelConfig = replacementConfig(
  MaxPoolGrad,
  maxPoolGrad as unknown as KernelFunc,
);
