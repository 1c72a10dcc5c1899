import {
  Cast,
  type CastAttrs,
  Identity,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runNative, WASM_BACKEND } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/**
 * Identity for the wasm backend without a copy: the output shares the input's data and bumps
 * its reference count, as the cpu backend's Identity and the wasm backend's own Reshape do
 * (tensor data is never written after creation). The native kernel copies, and tfjs clones
 * every tensor it saves for a gradient through Identity: 85 copies per U-Net training step.
 */
function identity(args: { inputs: { x: TensorInfo }; backend: KernelBackend }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') {
    return runNative(Identity, args);
  }
  wasmHeap(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Kernel config of {@link identity} for `tf.registerKernel` (replaces the native one). */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: WASM_BACKEND,
  kernelFunc: identity as unknown as KernelFunc,
};

/**
 * Cast for the wasm backend: a cast to the tensor's own dtype shares the data like
 * {@link identity} (the ReLU gradient casts its float32 step this way); other casts run the
 * native kernel.
 */
function cast(args: {
  inputs: { x: TensorInfo };
  backend: KernelBackend;
  attrs: CastAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  if (inputs.x.dtype !== attrs.dtype || inputs.x.dtype === 'string') {
    return runNative(Cast, args);
  }
  return identity({ inputs, backend });
}

/** Kernel config of {@link cast} for `tf.registerKernel` (replaces the native one). */
export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: WASM_BACKEND,
  kernelFunc: cast as unknown as KernelFunc,
};
