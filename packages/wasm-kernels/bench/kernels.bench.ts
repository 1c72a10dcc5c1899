// A/B benchmark of the kernels issue 15 changed, on the layer shapes of the U-Nets at 320x480
// (the student: 8 base channels, depth 2; depth 4 with 16 base channels adds 64-256 channels at
// 40x60 and below, which stay on XNNPACK). Baseline and new run alternately, call by call, in
// one process, so they see the same load; each line gives the median and minimum process CPU
// time per call (steadier than wall time on a shared machine), and the load average.
//
//   npx tsx bench/kernels.bench.ts [--reps 7] [--only 'substring of the kernel and shape']
//
// - Conv2D with a new filter tensor each call (a training step: forward and input gradients):
//   native (XNNPACK, which builds an operator for every new filter) vs the direct SIMD kernel.
// - FusedConv2D (bias + ReLU) with one filter (inference, XNNPACK's operator cached).
// - Conv2DBackpropFilter: main's kernel (bench/baseline: stride 1 with channels padded by PadV2
//   first, whole images per pass; strides > 1 by a dilated XNNPACK convolution) vs the current
//   one.
// - Conv2DBackpropInput: main's kernel (the filter flipped by the native Reverse) vs the current.
import os from 'node:os';
import { parseArgs } from 'node:util';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {
  registerWasmTrainingKernels,
  relaxedSimdAvailable,
  setWasmRelaxedSimd,
  unregisterWasmTrainingKernels,
} from '../src/index';
import { conv2DBackpropFilterConfig as mainConv2DBackpropFilterConfig } from './baseline/conv2d-backprop-filter.main';
import { conv2DBackpropInputConfig as mainConv2DBackpropInputConfig } from './baseline/conv2d-backprop-input.main';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '7' }, only: { type: 'string', default: '' } },
});
const reps = Number(values.reps);

// Native configs, then this package's.
await tf.setBackend('wasm');
const native = {
  Conv2D: tf.getKernel('Conv2D', 'wasm') as tf.KernelConfig,
  FusedConv2D: tf.getKernel('FusedConv2D', 'wasm') as tf.KernelConfig,
};
registerWasmTrainingKernels();
const ours = {
  Conv2D: tf.getKernel('Conv2D', 'wasm') as tf.KernelConfig,
  FusedConv2D: tf.getKernel('FusedConv2D', 'wasm') as tf.KernelConfig,
  Conv2DBackpropFilter: tf.getKernel('Conv2DBackpropFilter', 'wasm') as tf.KernelConfig,
  Conv2DBackpropInput: tf.getKernel('Conv2DBackpropInput', 'wasm') as tf.KernelConfig,
};
const mainBackpropFilter = mainConv2DBackpropFilterConfig;

function use(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round2 = (x: number) => Number(x.toFixed(2));
const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));

/** Times baseline and new alternately (one warm-up each); prints one JSON line. */
function ab(
  name: string,
  shape: string,
  variants: { baseline: () => void; new: () => void },
  setup: { baseline: () => void; new: () => void },
): void {
  if (!`${name} ${shape}`.includes(values.only)) return;
  const before = load();
  const samples = { baseline: [] as number[], new: [] as number[] };
  for (let i = -1; i < reps; i += 1) {
    for (const which of ['baseline', 'new'] as const) {
      setup[which]();
      const start = cpuMs();
      variants[which]();
      if (i >= 0) samples[which].push(cpuMs() - start);
    }
  }
  const base = median(samples.baseline);
  const next = median(samples.new);
  console.log(
    JSON.stringify({
      kernel: name,
      shape,
      baselineCpuMs: round2(base),
      newCpuMs: round2(next),
      baselineMinCpuMs: round2(Math.min(...samples.baseline)),
      newMinCpuMs: round2(Math.min(...samples.new)),
      speedup: round2(base / next),
      reps,
      load: [before, load()],
    }),
  );
}

const convShapes: [number, number, number, number][] = [
  [320, 480, 3, 8],
  [320, 480, 8, 8],
  [320, 480, 16, 8],
  [320, 480, 8, 1],
  [320, 480, 1, 8],
  [160, 240, 8, 16],
  [160, 240, 16, 16],
  [160, 240, 32, 16],
  [80, 120, 16, 32],
  [80, 120, 32, 32],
];

for (const [h, w, ci, co] of convShapes) {
  const shape = `1x${h}x${w}x${ci} -> ${co}, 3x3 same`;
  const x = tf.randomUniform([1, h, w, ci], -1, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomUniform([3, 3, ci, co], -1, 1, 'float32', 2) as tf.Tensor4D;
  const bias = tf.randomUniform([co], -1, 1, 'float32', 3) as tf.Tensor1D;
  const fresh = () => {
    const f = tf.add(filter, 0) as tf.Tensor4D; // a new filter tensor, as after an Adam step
    tf.conv2d(x, f, 1, 'same').dispose();
    f.dispose();
  };
  ab(
    'Conv2D (new filter tensor each call)',
    shape,
    { baseline: fresh, new: fresh },
    {
      baseline: () => use(native.Conv2D),
      new: () => use(ours.Conv2D),
    },
  );
  const fused = () =>
    tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' }).dispose();
  ab(
    'FusedConv2D (bias, ReLU; same filter)',
    shape,
    { baseline: fused, new: fused },
    {
      baseline: () => use(native.FusedConv2D),
      new: () => use(ours.FusedConv2D),
    },
  );
  tf.dispose([x, filter, bias]);
}
// Stride-1 filter gradients: channels not in fours (PadV2 before) and the depth-4 U-Net's wide
// layers (chunks of rows sized by channels now).
for (const [h, w, ci, co] of [
  [320, 480, 3, 8],
  [320, 480, 8, 1],
  [320, 480, 8, 8],
  [160, 240, 32, 32],
  [80, 120, 128, 64],
  [40, 60, 256, 128],
] as const) {
  const x = tf.randomUniform([1, h, w, ci], -1, 1, 'float32', 7);
  const dy = tf.randomUniform([1, h, w, co], -1, 1, 'float32', 8);
  const run = () =>
    (
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [1, 1],
        pad: 'same',
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape: [3, 3, ci, co],
      } as unknown as tf.NamedAttrMap) as tf.Tensor
    ).dispose();
  ab(
    'Conv2DBackpropFilter (3x3 stride 1)',
    `1x${h}x${w}x${ci} -> ${co}`,
    { baseline: run, new: run },
    {
      baseline: () => use(mainBackpropFilter),
      new: () => use(ours.Conv2DBackpropFilter),
    },
  );
  tf.dispose([x, dy]);
}

// Input gradients of the depth-4 U-Net's wide layers (XNNPACK convolutions): main flipped the
// filter with the native Reverse kernel.
for (const [h, w, ci, co] of [
  [20, 30, 256, 256],
  [40, 60, 128, 128],
  [80, 120, 64, 64],
] as const) {
  const dy = tf.randomUniform([1, h, w, co], -1, 1, 'float32', 9);
  const filter = tf.randomUniform([3, 3, ci, co], -1, 1, 'float32', 10);
  const run = () =>
    (
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        strides: [1, 1],
        pad: 'same',
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        inputShape: [1, h, w, ci],
      } as unknown as tf.NamedAttrMap) as tf.Tensor
    ).dispose();
  ab(
    'Conv2DBackpropInput (3x3 stride 1)',
    `dy 1x${h}x${w}x${co} -> ${ci}`,
    { baseline: run, new: run },
    {
      baseline: () => use(mainConv2DBackpropInputConfig),
      new: () => use(ours.Conv2DBackpropInput),
    },
  );
  tf.dispose([dy, filter]);
}

// The filter gradients of the U-Nets' 2x2 stride-2 up-convolutions (x and dy swapped).
for (const [h, w, ci, co] of [
  [320, 480, 8, 16],
  [160, 240, 16, 32],
  [80, 120, 32, 64],
  [40, 60, 64, 128],
] as const) {
  const x = tf.randomUniform([1, h, w, ci], -1, 1, 'float32', 5);
  const dy = tf.randomUniform([1, h / 2, w / 2, co], -1, 1, 'float32', 6);
  const run = () =>
    (
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape: [2, 2, ci, co],
      } as unknown as tf.NamedAttrMap) as tf.Tensor
    ).dispose();
  ab(
    'Conv2DBackpropFilter (2x2 stride 2)',
    `x 1x${h}x${w}x${ci}, dy ${co} channels`,
    { baseline: run, new: run },
    {
      baseline: () => use(mainBackpropFilter),
      new: () => use(ours.Conv2DBackpropFilter),
    },
  );
  tf.dispose([x, dy]);
}
use(ours.Conv2D);
use(ours.FusedConv2D);
use(ours.Conv2DBackpropInput);
use(ours.Conv2DBackpropFilter);
unregisterWasmTrainingKernels();

// Relaxed SIMD's multiply-add (f32x4.relaxed_madd, one FMA) against plain SIMD128's mul + add,
// both in this package's kernels, on the student's layers. Needs a runtime with relaxed SIMD: on
// Node 20, `node --experimental-wasm-relaxed-simd --import tsx bench/kernels.bench.ts --only relaxed`.
if (!relaxedSimdAvailable()) {
  console.log(
    JSON.stringify({
      kernel: 'relaxed SIMD',
      skipped: true,
      reason:
        'this runtime has no WebAssembly relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)',
    }),
  );
} else {
  registerWasmTrainingKernels();
  const toggle = {
    baseline: () => setWasmRelaxedSimd(false),
    new: () => setWasmRelaxedSimd('auto'),
  };
  for (const [h, w, ci, co] of convShapes) {
    const shape = `1x${h}x${w}x${ci} -> ${co}, 3x3 same`;
    const x = tf.randomUniform([1, h, w, ci], -1, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomUniform([3, 3, ci, co], -1, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomUniform([1, h, w, co], -1, 1, 'float32', 3) as tf.Tensor4D;
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const forward = () => tf.conv2d(x, filter, 1, 'same').dispose();
    const inputGradient = () =>
      (
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          ...attrs,
          inputShape: [1, h, w, ci],
        } as unknown as tf.NamedAttrMap) as tf.Tensor
      ).dispose();
    const filterGradient = () =>
      (
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          ...attrs,
          filterShape: [3, 3, ci, co],
        } as unknown as tf.NamedAttrMap) as tf.Tensor
      ).dispose();
    ab('relaxed SIMD: Conv2D', shape, { baseline: forward, new: forward }, toggle);
    ab(
      'relaxed SIMD: Conv2DBackpropInput',
      shape,
      { baseline: inputGradient, new: inputGradient },
      toggle,
    );
    ab(
      'relaxed SIMD: Conv2DBackpropFilter',
      shape,
      { baseline: filterGradient, new: filterGradient },
      toggle,
    );
    tf.dispose([x, filter, dy]);
  }
  setWasmRelaxedSimd('auto');
  unregisterWasmTrainingKernels();
}

console.log(JSON.stringify({ done: true, cpu: os.cpus()[0]?.model, load: load() }));
