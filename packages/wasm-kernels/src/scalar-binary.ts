import {
  backend_util,
  type DataType,
  Greater,
  GreaterEqual,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  Less,
  LessEqual,
  Maximum,
  Minimum,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { replacedNativeKernels, WASM_BACKEND } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

type Values = Float32Array | Int32Array | Uint8Array;

/** One of the element-wise operations below, over `x` against the scalar `s`. */
type Apply = (x: Float32Array, s: number, out: Values, scalarFirst: boolean) => void;

// Written as separate loops (not one loop calling a function per element), so V8 compiles each
// to a tight loop. The cpu backend's semantics: Math.min / Math.max (NaN wins), comparisons false
// against NaN.
const operations: Record<string, { dtype: DataType; apply: Apply }> = {
  [Minimum]: {
    dtype: 'float32',
    apply: (x, s, out) => {
      for (let i = 0; i < x.length; i += 1) out[i] = Math.min(x[i] as number, s);
    },
  },
  [Maximum]: {
    dtype: 'float32',
    apply: (x, s, out) => {
      for (let i = 0; i < x.length; i += 1) out[i] = Math.max(x[i] as number, s);
    },
  },
  [Greater]: {
    dtype: 'bool',
    apply: (x, s, out, scalarFirst) => {
      if (scalarFirst) for (let i = 0; i < x.length; i += 1) out[i] = s > (x[i] as number) ? 1 : 0;
      else for (let i = 0; i < x.length; i += 1) out[i] = (x[i] as number) > s ? 1 : 0;
    },
  },
  [GreaterEqual]: {
    dtype: 'bool',
    apply: (x, s, out, scalarFirst) => {
      if (scalarFirst) for (let i = 0; i < x.length; i += 1) out[i] = s >= (x[i] as number) ? 1 : 0;
      else for (let i = 0; i < x.length; i += 1) out[i] = (x[i] as number) >= s ? 1 : 0;
    },
  },
  [Less]: {
    dtype: 'bool',
    apply: (x, s, out, scalarFirst) => {
      if (scalarFirst) for (let i = 0; i < x.length; i += 1) out[i] = s < (x[i] as number) ? 1 : 0;
      else for (let i = 0; i < x.length; i += 1) out[i] = (x[i] as number) < s ? 1 : 0;
    },
  },
  [LessEqual]: {
    dtype: 'bool',
    apply: (x, s, out, scalarFirst) => {
      if (scalarFirst) for (let i = 0; i < x.length; i += 1) out[i] = s <= (x[i] as number) ? 1 : 0;
      else for (let i = 0; i < x.length; i += 1) out[i] = (x[i] as number) <= s ? 1 : 0;
    },
  },
};

/**
 * Minimum, Maximum, Greater, GreaterEqual, Less and LessEqual of a float32 tensor and a float32
 * scalar (any shape of one element) for the wasm backend, as one loop over the tensor. The native
 * kernels take a general broadcasting path for them (~6 ns an element): ReLU6 is
 * `minimum(6, relu(x))` in tfjs-layers and its gradient `greater(6, ...)`, 15 ms each on
 * 256x256x40, a quarter of an inverted-residual U-Net's training step. Other shapes and dtypes
 * run the native kernel.
 */
function scalarBinary(kernelName: string) {
  const { dtype, apply } = operations[kernelName] as { dtype: DataType; apply: Apply };
  return (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: KernelBackend }) => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const aSize = util.sizeFromShape(a.shape);
    const bSize = util.sizeFromShape(b.shape);
    const scalarFirst = aSize === 1 && bSize > 1;
    const scalarSecond = bSize === 1 && aSize >= 1;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !(scalarFirst || scalarSecond)) {
      return (replacedNativeKernels.get(kernelName) as KernelConfig).kernelFunc(
        args as never,
      ) as TensorInfo;
    }
    const [x, s] = scalarFirst ? [b, a] : [a, b];
    const heap = wasmHeap(backend);
    const out = heap.makeOutput(backend_util.assertAndGetBroadcastShape(a.shape, b.shape), dtype);
    const values = heap.typedArrayFromHeap(x) as Float32Array;
    const scalar = (heap.typedArrayFromHeap(s) as Float32Array)[0] as number;
    apply(values, scalar, heap.typedArrayFromHeap(out), scalarFirst);
    return out;
  };
}

/**
 * Kernel configs of the scalar fast paths for `tf.registerKernel` (each replaces the native
 * kernel; its setup also prepares the native kernel, which it falls back to).
 */
export const scalarBinaryConfigs: readonly KernelConfig[] = Object.keys(operations).map(
  (kernelName) => ({
    kernelName,
    backendName: WASM_BACKEND,
    setupFunc: (backend: object) =>
      replacedNativeKernels.get(kernelName)?.setupFunc?.(backend as never),
    kernelFunc: scalarBinary(kernelName) as unknown as KernelFunc,
  }),
);
