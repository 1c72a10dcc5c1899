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
import { addressOf, backendMemory, moduleOnMemory } from './heap-kernels';
import { replacementConfig, runNative } from './kernel-scope';
import { FunctionBody, I32, V128 } from './wasm-code';
import { wasmHeap } from './wasm-heap';

type Values = Float32Array | Int32Array | Uint8Array;

/** x OP s for the float32 tensor x and the scalar s, as one SIMD loop. */
type Operation = 'min' | 'max' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * The kernel name and operand order to the operation on (tensor, scalar): s > x is x < s, and so on.
 * Minimum and Maximum are symmetric (NaN wins either way; wasm's min / max order -0 below +0, as
 * Math.min / Math.max do).
 */
const OPERATIONS: Record<
  string,
  { tensorFirst: Operation; scalarFirst: Operation; dtype: DataType }
> = {
  [Minimum]: { tensorFirst: 'min', scalarFirst: 'min', dtype: 'float32' },
  [Maximum]: { tensorFirst: 'max', scalarFirst: 'max', dtype: 'float32' },
  [Greater]: { tensorFirst: 'gt', scalarFirst: 'lt', dtype: 'bool' },
  [GreaterEqual]: { tensorFirst: 'ge', scalarFirst: 'le', dtype: 'bool' },
  [Less]: { tensorFirst: 'lt', scalarFirst: 'gt', dtype: 'bool' },
  [LessEqual]: { tensorFirst: 'le', scalarFirst: 'ge', dtype: 'bool' },
};

/** The same operations element by element, for the tail a SIMD loop leaves (and their definition). */
const scalarOf: Record<Operation, (v: number, s: number) => number> = {
  min: Math.min,
  max: Math.max,
  gt: (v, s) => (v > s ? 1 : 0),
  ge: (v, s) => (v >= s ? 1 : 0),
  lt: (v, s) => (v < s ? 1 : 0),
  le: (v, s) => (v <= s ? 1 : 0),
};

/** Elements one SIMD iteration takes: 4 for min / max (f32 out), 16 for comparisons (bytes out). */
const STEP: Record<Operation, number> = { min: 4, max: 4, gt: 16, ge: 16, lt: 16, le: 16 };

/**
 * op(x, s, out, steps), byte addresses: `steps` iterations of STEP[op] elements, the scalar read
 * from s and splatted. min / max: out[i] = min(x[i], s) as f32x4. Comparisons: four f32x4
 * compares (all-ones lanes where true) narrowed to 16 bytes (-1 / 0) and negated to 1 / 0, tfjs's
 * bool layout.
 */
function operationBody(op: Operation): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32]);
  const [x, s, out, steps] = [0, 1, 2, 3];
  const scalar = f.local(V128);
  f.block().get(steps).eqz().brIf(0);
  f.get(s).splat().set(scalar);
  f.loop();
  if (op === 'min' || op === 'max') {
    f.get(out).get(x).load().get(scalar);
    if (op === 'min') f.minF32x4();
    else f.maxF32x4();
    f.store();
    f.get(x).i32(16).add().set(x);
    f.get(out).i32(16).add().set(out);
  } else {
    const compare = (offset: number) => {
      f.get(x).load(offset).get(scalar);
      if (op === 'gt') f.gtF32x4();
      else if (op === 'ge') f.geF32x4();
      else if (op === 'lt') f.ltF32x4();
      else f.leF32x4();
    };
    f.get(out);
    compare(0);
    compare(16);
    f.narrowI32x4();
    compare(32);
    compare(48);
    f.narrowI32x4();
    f.narrowI16x8().negI8x16().store();
    f.get(x).i32(64).add().set(x);
    f.get(out).i32(16).add().set(out);
  }
  f.get(steps).i32(1).sub().tee(steps).brIf(0);
  f.end();
  f.end();
  return f;
}

type Run = (x: number, s: number, out: number, steps: number) => void;

function simdOperations(backend: KernelBackend): Record<Operation, Run> | null {
  const memory = backendMemory(backend);
  if (memory == null) return null;
  const ops = Object.keys(STEP) as Operation[];
  return moduleOnMemory(
    memory,
    'scalar-binary',
    () => Object.fromEntries(ops.map((op) => [op, operationBody(op)])),
    (exports) => exports as unknown as Record<Operation, Run>,
  );
}

/**
 * Minimum, Maximum, Greater, GreaterEqual, Less and LessEqual of a float32 tensor and a float32
 * scalar (any shape of one element) for the wasm backend, as one SIMD loop over the tensor. The native
 * kernels take a general broadcasting path for them (~6 ns an element): ReLU6 is
 * `minimum(6, relu(x))` in tfjs-layers and its gradient `greater(6, ...)`, 15 ms each on
 * 256x256x40, a quarter of an inverted-residual U-Net's training step. Other shapes and dtypes
 * run the native kernel.
 */
function scalarBinary(kernelName: string) {
  const {
    tensorFirst,
    scalarFirst: swapped,
    dtype,
  } = OPERATIONS[kernelName] as {
    tensorFirst: Operation;
    scalarFirst: Operation;
    dtype: DataType;
  };
  return (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: KernelBackend }) => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const aSize = util.sizeFromShape(a.shape);
    const bSize = util.sizeFromShape(b.shape);
    const scalarFirst = aSize === 1 && bSize > 1;
    const scalarSecond = bSize === 1 && aSize >= 1;
    const simd = simdOperations(backend);
    if (
      simd == null ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      !(scalarFirst || scalarSecond)
    ) {
      return runNative(kernelName, args);
    }
    const [x, s] = scalarFirst ? [b, a] : [a, b];
    const op = scalarFirst ? swapped : tensorFirst;
    const heap = wasmHeap(backend);
    const out = heap.makeOutput(backend_util.assertAndGetBroadcastShape(a.shape, b.shape), dtype);
    const size = util.sizeFromShape(x.shape);
    const steps = Math.floor(size / STEP[op]);
    simd[op](addressOf(backend, x), addressOf(backend, s), addressOf(backend, out), steps);
    // The tail, element by element (views after the last allocation).
    const values = heap.typedArrayFromHeap(x) as Float32Array;
    const scalar = (heap.typedArrayFromHeap(s) as Float32Array)[0] as number;
    const target: Values = heap.typedArrayFromHeap(out);
    const apply = scalarOf[op];
    for (let i = steps * STEP[op]; i < size; i += 1) target[i] = apply(values[i] as number, scalar);
    return out;
  };
}

/**
 * Kernel configs of the scalar fast paths for `tf.registerKernel` (each replaces the native
 * kernel; its setup also prepares the native kernel, which it falls back to).
 */
export const scalarBinaryConfigs: readonly KernelConfig[] = Object.keys(OPERATIONS).map(
  (kernelName) => replacementConfig(kernelName, scalarBinary(kernelName) as unknown as KernelFunc),
);
