import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's BackendWasm (4.22) that kernels written in TypeScript use:
 * tensors live in the wasm heap, `makeOutput` allocates one there and `typedArrayFromHeap` views
 * it without copying. Views must be taken after the last allocation: growing the heap detaches
 * earlier ones.
 */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
}

/** The wasm backend a kernel received, with its heap methods typed. */
export function wasmHeap(backend: KernelBackend): WasmHeapBackend {
  return backend as WasmHeapBackend;
}

/**
 * Copies `length` elements from `source[from...]` to `target[to...]`: a plain loop for short
 * runs (where `subarray` + `set` spend more time allocating views than copying), `set` for long
 * ones.
 */
export function copyRun(
  source: Float32Array | Int32Array | Uint8Array,
  from: number,
  target: Float32Array | Int32Array | Uint8Array,
  to: number,
  length: number,
): void {
  if (length < 48) {
    for (let i = 0; i < length; i += 1) target[to + i] = source[from + i] as number;
  } else {
    target.set(source.subarray(from, from + length), to);
  }
}
