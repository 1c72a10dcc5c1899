import {
  backend_util,
  Concat,
  type ConcatAttrs,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Transpose,
  util,
} from '@tensorflow/tfjs-core';
import { runNative, WASM_BACKEND } from './kernel-scope';
import { copyRun, wasmHeap } from './wasm-heap';

/**
 * Concat for the wasm backend. The native kernel copies each input's run per outer index with
 * `subarray` + `set`: ~11 ms for the U-Net's full-resolution skip concatenation (two
 * 320x480x8 tensors along channels, 300 000 runs of 8 floats). Equal shapes in short runs go
 * through {@link interleave} (~1.6 ms); otherwise each run is one copy, by a loop when short.
 */
function concat(args: {
  inputs: TensorInfo[];
  backend: KernelBackend;
  attrs: ConcatAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const parts = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
  if (parts.length < 2 || (parts[0] as TensorInfo).dtype === 'string') {
    return runNative(Concat, args);
  }
  const axis = util.parseAxisParam(attrs.axis, (inputs[0] as TensorInfo).shape)[0] as number;
  backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const outShape = backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const heap = wasmHeap(backend);
  const first = parts[0] as TensorInfo;
  const outer = util.sizeFromShape(first.shape.slice(0, axis));
  const inner = parts.map((t) => util.sizeFromShape(t.shape.slice(axis)));
  if (
    outer > 1 &&
    (inner[0] as number) < 64 &&
    parts.length === inputs.length &&
    parts.every((t) => util.arraysEqual(t.shape, first.shape))
  ) {
    return interleave(backend, parts, outer, inner[0] as number, outShape);
  }
  const out = heap.makeOutput(outShape, first.dtype);
  const sources = parts.map((t) => heap.typedArrayFromHeap(t));
  const target = heap.typedArrayFromHeap(out);
  let to = 0;
  for (let b = 0; b < outer; b += 1) {
    for (let i = 0; i < sources.length; i += 1) {
      const run = inner[i] as number;
      copyRun(sources[i] as Float32Array, b * run, target, to, run);
      to += run;
    }
  }
  return out;
}

/**
 * Concatenation of equal-shaped tensors in short runs (the U-Net's channel concatenations):
 * the inputs copied one after the other ([parts, outer, inner], whole-buffer copies), then the
 * native Transpose to [outer, parts, inner]: ~1.5 ms for two 320x480x8 tensors, where copying
 * runs of 8 in TypeScript takes ~4 ms.
 */
function interleave(
  backend: KernelBackend,
  parts: TensorInfo[],
  outer: number,
  inner: number,
  outShape: number[],
): TensorInfo {
  const heap = wasmHeap(backend);
  const dtype = (parts[0] as TensorInfo).dtype;
  const stacked = heap.makeOutput([parts.length, outer, inner], dtype);
  const target = heap.typedArrayFromHeap(stacked);
  parts.forEach((t, i) => {
    target.set(heap.typedArrayFromHeap(t), i * outer * inner);
  });
  const transpose = getKernel(Transpose, WASM_BACKEND) as KernelConfig;
  const out = transpose.kernelFunc({
    inputs: { x: stacked },
    attrs: { perm: [1, 0, 2] },
    backend,
  }) as TensorInfo;
  backend.disposeData(stacked.dataId);
  return { ...out, shape: outShape };
}

/** Kernel config of {@link concat} for `tf.registerKernel` (replaces the native one). */
export const concatConfig: KernelConfig = {
  kernelName: Concat,
  backendName: WASM_BACKEND,
  kernelFunc: concat as unknown as KernelFunc,
};
