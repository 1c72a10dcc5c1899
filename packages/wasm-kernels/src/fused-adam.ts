import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { WASM_BACKEND } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/** Name of the kernel that applies one Adam step to one variable (see {@link fusedAdam}). */
export const ADAM_UPDATE = 'CrackAdamUpdate';

/** The attributes of {@link ADAM_UPDATE}: tfjs's scalars, already float32. */
interface AdamUpdateAttrs {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** 1 - beta1^t and 1 - beta2^t (bias corrections). */
  correction1: number;
  correction2: number;
  epsilon: number;
  /** -learningRate. */
  step: number;
}

const f32 = Math.fround;

/**
 * One Adam step of one variable in one pass over the wasm heap: x, m, v and the gradient g in,
 * the new x, m and v out. tfjs's AdamOptimizer runs the same step as 14 element-wise kernels per
 * variable (each a dispatch through the engine, ~0.05 ms of overhead, and a pass over memory);
 * no tfjs kernel fuses them, hence this one. Every operation is rounded to float32 in tfjs's
 * order (`Math.fround` after each: + - * / and sqrt are correctly rounded, in float64 and then
 * float32 alike), so the result is bit-identical to tfjs's.
 */
function adamUpdate(args: {
  inputs: { x: TensorInfo; m: TensorInfo; v: TensorInfo; g: TensorInfo };
  backend: KernelBackend;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { inputs, attrs } = args;
  const heap = wasmHeap(args.backend);
  const a = attrs as unknown as AdamUpdateAttrs;
  const shape = [...inputs.x.shape];
  const outputs = [0, 1, 2].map(() => heap.makeOutput(shape, 'float32'));
  // Views after the last allocation (growing the heap detaches earlier ones).
  const [x, m, v, g] = [inputs.x, inputs.m, inputs.v, inputs.g].map(
    (info) => heap.typedArrayFromHeap(info) as Float32Array,
  ) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [nx, nm, nv] = outputs.map((info) => heap.typedArrayFromHeap(info) as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let i = 0; i < x.length; i += 1) {
    const gi = g[i] as number;
    const mi = f32(f32((m[i] as number) * a.beta1) + f32(gi * a.oneMinusBeta1));
    const vi = f32(f32((v[i] as number) * a.beta2) + f32(f32(gi * gi) * a.oneMinusBeta2));
    nm[i] = mi;
    nv[i] = vi;
    const denominator = f32(f32(Math.sqrt(f32(vi / a.correction2))) + a.epsilon);
    nx[i] = f32(f32(f32(f32(mi / a.correction1) / denominator) * a.step) + (x[i] as number));
  }
  return outputs;
}

/** The {@link ADAM_UPDATE} kernel for the wasm backend. */
export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: WASM_BACKEND,
  kernelFunc: adamUpdate as unknown as KernelConfig['kernelFunc'],
};

/** The private fields of tfjs's AdamOptimizer (4.x) that a subclass reads. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's Adam, with each variable's step run as one kernel ({@link ADAM_UPDATE}) where the active
 * backend has it (wasm, after {@link registerWasmTrainingKernels}); elsewhere it is tfjs's
 * `AdamOptimizer` unchanged. The results are bit-identical to tfjs's, and so are its state, its
 * `getWeights()`/`setWeights()` and its serialised form (class name 'Adam'), so checkpoints move
 * freely between the two. The learning rate may be changed between steps as in tfjs (the
 * protected `learningRate` field is read at every step).
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Serialised as tfjs's Adam. */
  static override get className(): string {
    return 'Adam';
  }

  /**
   * One Adam step of the variables named in `variableGradients`: one `CrackAdamUpdate` kernel
   * per variable where the active backend has it, else tfjs's own step.
   */
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const gradients = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.tensor)
      : Object.values(variableGradients);
    // The kernel is float32 only (as every trainable variable of a tfjs model is).
    const float32 = names.every(
      (name, i) =>
        tf.engine().registeredVariables[name]?.dtype === 'float32' &&
        (gradients[i] == null || gradients[i]?.dtype === 'float32'),
    );
    if (!float32 || tf.getKernel(ADAM_UPDATE, tf.getBackend()) == null) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const [accBeta1, accBeta2] = [state.accBeta1.dataSync()[0], state.accBeta2.dataSync()[0]] as [
      number,
      number,
    ];
    const attrs: AdamUpdateAttrs = {
      beta1: f32(this.beta1),
      oneMinusBeta1: f32(1 - this.beta1),
      beta2: f32(this.beta2),
      oneMinusBeta2: f32(1 - this.beta2),
      correction1: f32(1 - accBeta1),
      correction2: f32(1 - accBeta2),
      epsilon: f32(this.epsilon),
      step: f32(-this.learningRate),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name] as tf.Variable;
        // Moments created as tfjs creates them (zeros, not trainable, named <variable>/m, /v).
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = gradients[i];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [x, nm, nv] = tf
          .engine()
          .runKernel(
            ADAM_UPDATE,
            { x: value, m, v, g: gradient },
            attrs as unknown as NamedAttrMap,
          ) as tf.Tensor[];
        m.assign(nm as tf.Tensor);
        v.assign(nv as tf.Tensor);
        value.assign(x as tf.Tensor);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * `tf.train.adam`'s drop-in: the same arguments and defaults, a {@link FusedAdamOptimizer}. On the
 * wasm backend with this package's kernels registered, a student U-Net's Adam step takes one
 * kernel per variable instead of fourteen.
 *
 * @example
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * model.compile({ optimizer: fusedAdam(1e-3), loss: 'binaryCrossentropy' });
 */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number | null,
): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? undefined);
}
