import type { backend_util, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { addressOf, backendMemory, moduleOnMemory } from './heap-kernels';
import { usingRelaxedSimd } from './relaxed-simd';
import { accumulate } from './simd-kernels';
import { wasmHeap } from './wasm-heap';

type Accumulate = (...args: number[]) => void;

type HeapAccumulate = { accumulate4x4: Accumulate; accumulate4x8: Accumulate } | null;

/**
 * The accumulate kernels of simd-kernels.ts, bound to the wasm backend's own memory, with relaxed
 * SIMD's multiply-add where it is in use (as simd-kernels.ts's own).
 */
function heapAccumulate(memory: WebAssembly.Memory): HeapAccumulate {
  const fused = usingRelaxedSimd();
  return moduleOnMemory(
    memory,
    `accumulate${fused ? '-fused' : ''}`,
    () => ({ accumulate4x4: accumulate(1, fused), accumulate4x8: accumulate(2, fused) }),
    (exports) => exports as unknown as NonNullable<HeapAccumulate>,
  );
}

/**
 * The filter gradient of a convolution whose windows all lie inside the input (no padding used,
 * any stride), dW[kh, kw, ci, co] = sum over n, y, x of x[n, y*s + kh, x*s + kw, ci] *
 * dy[n, y, x, co], by the SIMD accumulate kernel working in place on the wasm backend's heap:
 * for each output row, tap, 4 input channels and 8 (or 4) output channels, one pass over the
 * row's pixels (x read with the stride as its pixel step), sums in registers. The 2x2 stride-2
 * up-convolution of a U-Net (`conv2dTranspose`, whose filter gradient is this with x and dy
 * swapped) is the case it is for: its windows tile the image, so nothing needs padding, and it
 * replaces a dilated XNNPACK convolution plus three transposes.
 *
 * Returns null where it does not apply: padding used, channels not in fours (a block would read
 * past a tensor's end), no WebAssembly SIMD.
 */
export function stridedFilterGradient(
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  if (top !== 0 || left !== 0 || inChannels % 4 !== 0 || outChannels % 4 !== 0) return null;
  if ((outHeight - 1) * strideHeight + filterHeight > inHeight) return null;
  if ((outWidth - 1) * strideWidth + filterWidth > inWidth) return null;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const memory = backendMemory(backend);
  const kernels = memory == null ? null : heapAccumulate(memory);
  if (kernels == null) return null;

  const heap = wasmHeap(backend);
  const out = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const sums = heap.typedArrayFromHeap(out) as Float32Array;
  sums.fill(0);
  const xAddress = addressOf(backend, x);
  const dyAddress = addressOf(backend, dy);
  const outAddress = sums.byteOffset;
  const xStep = 4 * strideWidth * inChannels;
  const dyStep = 4 * outChannels;
  const outStride = 4 * outChannels;
  for (let n = 0; n < batchSize; n += 1) {
    for (let y = 0; y < outHeight; y += 1) {
      const dyRow = dyAddress + 4 * ((n * outHeight + y) * outWidth * outChannels);
      for (let kh = 0; kh < filterHeight; kh += 1) {
        const xRow = xAddress + 4 * ((n * inHeight + y * strideHeight + kh) * inWidth * inChannels);
        for (let kw = 0; kw < filterWidth; kw += 1) {
          const tap = kh * filterWidth + kw;
          for (let ib = 0; ib < inChannels; ib += 4) {
            const xAt = xRow + 4 * (kw * inChannels + ib);
            for (let ob = 0; ob < outChannels; ) {
              const wide = outChannels - ob >= 8;
              const outAt = outAddress + 4 * ((tap * inChannels + ib) * outChannels + ob);
              (wide ? kernels.accumulate4x8 : kernels.accumulate4x4)(
                xAt,
                dyRow + 4 * ob,
                outAt,
                outWidth,
                xStep,
                dyStep,
                outStride,
              );
              ob += wide ? 8 : 4;
            }
          }
        }
      }
    }
  }
  return out;
}
