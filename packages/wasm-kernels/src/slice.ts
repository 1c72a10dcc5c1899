import {
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  Slice,
  type SliceAttrs,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { runNative, WASM_BACKEND } from './kernel-scope';
import { copyRun, wasmHeap } from './wasm-heap';

/**
 * Copies the box `begin` + `size` of `x` into `out` (same dtype, already allocated). The
 * trailing axes that are taken whole merge with the last partial one into runs of contiguous
 * elements, and each run is one copy.
 */
export function copyBox(
  backend: KernelBackend,
  x: TensorInfo,
  begin: readonly number[],
  size: readonly number[],
  out: TensorInfo,
): void {
  const heap = wasmHeap(backend);
  const shape = x.shape;
  const rank = shape.length;
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  if (util.sizeFromShape(size as number[]) === 0) return;
  // Innermost axis that is cut; everything after it is taken whole.
  let axis = rank - 1;
  while (axis > 0 && size[axis] === shape[axis] && (begin[axis] as number) === 0) axis -= 1;
  const strides = util.computeStrides(shape as number[]);
  const stride = (i: number) => (i === rank - 1 ? 1 : (strides[i] as number));
  const run = (size[axis] as number) * (axis === rank - 1 ? 1 : stride(axis));
  let from = 0;
  for (let i = 0; i < rank; i += 1) from += (begin[i] as number) * stride(i);
  // Odometer over the axes before `axis`.
  const outer = size.slice(0, axis) as number[];
  const counter = new Array<number>(axis).fill(0);
  const runs = util.sizeFromShape(outer);
  let to = 0;
  for (let r = 0; r < runs; r += 1) {
    copyRun(source, from, target, to, run);
    to += run;
    for (let i = axis - 1; i >= 0; i -= 1) {
      from += stride(i);
      counter[i] = (counter[i] as number) + 1;
      if ((counter[i] as number) < (outer[i] as number)) break;
      from -= (outer[i] as number) * stride(i);
      counter[i] = 0;
    }
  }
}

/**
 * Slice for the wasm backend. tfjs-backend-wasm's copies every innermost row with
 * `subarray` + `set`, which costs ~6 ms to take one 8-channel half of a 320x480x16 tensor
 * (153 600 rows of 8 floats); {@link copyBox} copies short runs with a loop (~2 ms) and merges
 * the trailing axes taken whole into longer runs.
 */
function slice(args: {
  inputs: { x: TensorInfo };
  backend: KernelBackend;
  attrs: SliceAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === 'string') {
    return runNative(Slice, args);
  }
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size) as [
    number[],
    number[],
  ];
  const out = wasmHeap(backend).makeOutput(size, x.dtype);
  copyBox(backend, x, begin, size, out);
  return out;
}

/** Kernel config of {@link slice} for `tf.registerKernel` (replaces the native one). */
export const sliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: WASM_BACKEND,
  kernelFunc: slice as unknown as KernelFunc,
};
