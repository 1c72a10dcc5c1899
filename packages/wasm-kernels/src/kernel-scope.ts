import {
  type Attribute,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/** The backend the training kernels are registered for. */
export const WASM_BACKEND = 'wasm';

/**
 * Native wasm kernel configs that a training kernel replaced, kept so the replacement can fall
 * back to them and so unregistering restores them.
 */
export const replacedNativeKernels = new Map<string, KernelConfig>();

/**
 * Runs the native wasm kernel that a replacement kernel of this package took the place of: the
 * replacement's fallback for the cases it does not cover (`Out`: what that kernel returns).
 */
export function runNative<Out extends TensorInfo | TensorInfo[] = TensorInfo>(
  kernelName: string,
  args: unknown,
): Out {
  const native = replacedNativeKernels.get(kernelName);
  if (native == null) {
    throw new Error(`@crack/wasm-kernels: no native wasm '${kernelName}' kernel to fall back to`);
  }
  return native.kernelFunc(args as never) as Out;
}

/**
 * The config for `tf.registerKernel` of a kernel that replaces the native wasm kernel
 * `kernelName` and falls back to it: its setup also prepares the native kernel.
 */
export function replacementConfig(kernelName: string, kernelFunc: KernelFunc): KernelConfig {
  return {
    kernelName,
    backendName: WASM_BACKEND,
    setupFunc: (backend) => replacedNativeKernels.get(kernelName)?.setupFunc?.(backend),
    kernelFunc,
  };
}

/**
 * Runs other wasm kernels from inside a wasm kernel and frees every intermediate result.
 *
 * Kernels are called through their registered `kernelFunc`, not through `tf` ops: the engine is
 * already inside a kernel (nothing is recorded on the gradient tape, no tensors are tracked), so
 * intermediates are plain {@link TensorInfo}s owned by the backend and must be released with
 * `backend.disposeData`, which is what {@link KernelScope.dispose} does. Reshape in the wasm
 * backend shares the data and bumps a reference count, so disposing a reshaped view is safe.
 */
export class KernelScope {
  private readonly owned: TensorInfo[] = [];

  /** @param backend The wasm backend instance the calling kernel received. */
  constructor(readonly backend: KernelBackend) {}

  /**
   * Runs the wasm kernel `kernelName` as registered (a replacement from this package if there is
   * one, since those are the faster ones) and tracks its output for disposal.
   */
  run(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: Record<string, Attribute | undefined> = {},
  ): TensorInfo {
    const config = getKernel(kernelName, WASM_BACKEND);
    if (config == null) {
      throw new Error(`KernelScope: the wasm backend has no kernel '${kernelName}'`);
    }
    const result = config.kernelFunc({
      inputs,
      attrs: attrs as NamedAttrMap,
      backend: this.backend,
    });
    const out = Array.isArray(result) ? result[0] : result;
    if (out == null) throw new Error(`KernelScope: kernel '${kernelName}' returned no output`);
    this.owned.push(out);
    return out;
  }

  /** Tracks a tensor the calling kernel allocated itself (`makeOutput`) for disposal. */
  track(info: TensorInfo): TensorInfo {
    this.owned.push(info);
    return info;
  }

  /** Shorthand for the Reshape kernel (shares data, no copy). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Shorthand for the Transpose kernel; skips the copy when `perm` keeps the data order. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const moved = perm.map((axis) => x.shape[axis] as number);
    if (keepsOrder(x.shape, perm)) return this.reshape(x, moved);
    return this.run('Transpose', { x }, { perm });
  }

  /** Shorthand for the Slice kernel; skips the copy when nothing is cut. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) {
      return this.reshape(x, x.shape);
    }
    return this.run('Slice', { x }, { begin, size });
  }

  /**
   * Frees every tracked intermediate except `result`, which the calling kernel returns to the
   * engine. Returns `result`.
   */
  dispose<T extends TensorInfo>(result: T): T {
    for (const info of this.owned) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.owned.length = 0;
    return result;
  }
}

/** True when transposing with `perm` only moves axes of size 1, so the data order is unchanged. */
function keepsOrder(shape: readonly number[], perm: readonly number[]): boolean {
  const nonUnit = perm.filter((axis) => shape[axis] !== 1);
  return nonUnit.every((axis, i) => i === 0 || axis > (nonUnit[i - 1] as number));
}
