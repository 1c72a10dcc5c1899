import {
  backend_util,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  SplitV,
  type SplitVAttrs,
  type TensorInfo,
  Transpose,
  util,
} from '@tensorflow/tfjs-core';
import { runNative, WASM_BACKEND } from './kernel-scope';
import { copyBox } from './slice';
import { wasmHeap } from './wasm-heap';

/**
 * SplitV for the wasm backend: the native one calls the native Slice (see slice.ts) once per
 * part, ~12 ms to split the U-Net's 320x480x16 skip gradient into its 8-channel halves. Equal
 * parts in short runs go through {@link deinterleave} (~1.5 ms); others are copied with
 * {@link copyBox}. It is the gradient of every Concat, so of every U-Net skip connection.
 */
function splitV(args: {
  inputs: { x: TensorInfo };
  backend: KernelBackend;
  attrs: SplitVAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === 'string') {
    return runNative<TensorInfo[]>(SplitV, args);
  }
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0] as number;
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const inner = util.sizeFromShape(x.shape.slice(axis + 1)) * (sizes[0] as number);
  if (outer > 1 && inner < 64 && sizes.every((part) => part === sizes[0])) {
    return deinterleave(backend, x, sizes, axis, outer, inner);
  }
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((part) => {
    const size = [...x.shape];
    size[axis] = part;
    const out = wasmHeap(backend).makeOutput(size, x.dtype);
    copyBox(backend, x, begin, size, out);
    begin[axis] = (begin[axis] as number) + part;
    return out;
  });
}

/**
 * Equal parts in short runs (the gradient of the U-Net's channel concatenations): the native
 * Transpose of x as [outer, parts, inner] to [parts, outer, inner], then one whole-buffer copy
 * per part; the inverse of concat.ts's interleave.
 */
function deinterleave(
  backend: KernelBackend,
  x: TensorInfo,
  sizes: number[],
  axis: number,
  outer: number,
  inner: number,
): TensorInfo[] {
  const heap = wasmHeap(backend);
  const transpose = getKernel(Transpose, WASM_BACKEND) as KernelConfig;
  const grouped = transpose.kernelFunc({
    inputs: { x: { ...x, shape: [outer, sizes.length, inner] } },
    attrs: { perm: [1, 0, 2] },
    backend,
  }) as TensorInfo;
  const outs = sizes.map((part) => {
    const shape = [...x.shape];
    shape[axis] = part;
    return heap.makeOutput(shape, x.dtype);
  });
  const source = heap.typedArrayFromHeap(grouped);
  outs.forEach((out, i) => {
    heap.typedArrayFromHeap(out).set(source.subarray(i * outer * inner, (i + 1) * outer * inner));
  });
  backend.disposeData(grouped.dataId);
  return outs;
}

/** Kernel config of {@link splitV} for `tf.registerKernel` (replaces the native one). */
export const splitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: WASM_BACKEND,
  kernelFunc: splitV as unknown as KernelFunc,
};
