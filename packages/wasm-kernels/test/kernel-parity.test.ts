import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError, startBothBackends, useBackend } from './helpers/backends';
import { naiveDepthwiseFilterGrad, naiveDepthwiseInputGrad } from './helpers/naive-depthwise';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface Case {
  x: [number, number, number, number];
  kernel: [number, number];
  outChannels: number; // channel multiplier for depthwise
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

const convCases: Case[] = [
  { x: [1, 9, 11, 3], kernel: [3, 3], outChannels: 5, strides: [1, 1], pad: 'same' },
  { x: [2, 9, 11, 3], kernel: [3, 3], outChannels: 4, strides: [1, 1], pad: 'valid' },
  { x: [3, 10, 13, 4], kernel: [3, 3], outChannels: 6, strides: [2, 2], pad: 'same' },
  { x: [2, 11, 10, 2], kernel: [3, 3], outChannels: 3, strides: [2, 2], pad: 'valid' },
  { x: [2, 12, 9, 3], kernel: [3, 2], outChannels: 4, strides: [2, 1], pad: 'same' },
  { x: [1, 8, 8, 4], kernel: [5, 5], outChannels: 2, strides: [1, 1], pad: 'same' },
  { x: [2, 8, 10, 3], kernel: [2, 2], outChannels: 4, strides: [2, 2], pad: 'valid' },
  { x: [1, 7, 9, 2], kernel: [3, 3], outChannels: 3, strides: [1, 1], pad: 1 },
  {
    x: [2, 7, 9, 2],
    kernel: [3, 3],
    outChannels: 3,
    strides: [2, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { x: [1, 1, 1, 3], kernel: [1, 1], outChannels: 2, strides: [1, 1], pad: 'valid' },
  // Stride 1 runs as one convolution over column segments: widths that no segment width divides,
  // batches, valid windows that leave columns unread, pads wider than the kernel.
  { x: [3, 7, 37, 4], kernel: [3, 3], outChannels: 8, strides: [1, 1], pad: 'same' },
  { x: [2, 6, 50, 3], kernel: [3, 3], outChannels: 2, strides: [1, 1], pad: 'valid' },
  { x: [1, 5, 97, 2], kernel: [1, 3], outChannels: 9, strides: [1, 1], pad: 'same' },
  { x: [2, 9, 48, 5], kernel: [5, 5], outChannels: 3, strides: [1, 1], pad: 'valid' },
  { x: [1, 6, 30, 3], kernel: [3, 2], outChannels: 1, strides: [1, 1], pad: 'same' },
  {
    x: [2, 8, 26, 2],
    kernel: [3, 3],
    outChannels: 4,
    strides: [1, 1],
    pad: [
      [0, 0],
      [4, 0],
      [0, 5],
      [0, 0],
    ],
  },
  // Strides > 1 with every window inside the input and channels in fours: the in-place SIMD
  // filter gradient (the 2x2 stride-2 up-convolution's shape among them); with padding: XNNPACK.
  { x: [2, 8, 10, 4], kernel: [2, 2], outChannels: 8, strides: [2, 2], pad: 'valid' },
  { x: [1, 8, 12, 8], kernel: [2, 2], outChannels: 12, strides: [2, 2], pad: 'same' },
  { x: [2, 9, 11, 8], kernel: [3, 3], outChannels: 4, strides: [2, 2], pad: 'valid' },
  { x: [1, 9, 13, 4], kernel: [3, 2], outChannels: 16, strides: [2, 3], pad: 'valid' },
  { x: [1, 7, 9, 4], kernel: [3, 3], outChannels: 8, strides: [2, 2], pad: 'same' },
];

// Forward convolutions (Conv2D, FusedConv2D): the direct SIMD kernel's channel blocks (8, 4,
// padded), pixel groups and their tails, input channels up to its limit of 64 and past it, more
// channel pairs than it takes (XNNPACK), 1x1 filters, and strided ones (XNNPACK).
const forwardCases: Case[] = [
  ...convCases,
  { x: [2, 5, 13, 8], kernel: [3, 3], outChannels: 16, strides: [1, 1], pad: 'same' },
  { x: [1, 6, 11, 17], kernel: [3, 3], outChannels: 12, strides: [1, 1], pad: 'same' },
  { x: [1, 4, 7, 1], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [2, 5, 9, 33], kernel: [1, 1], outChannels: 7, strides: [1, 1], pad: 'valid' },
  { x: [1, 4, 5, 64], kernel: [3, 3], outChannels: 4, strides: [1, 1], pad: 'same' },
  { x: [1, 4, 5, 16], kernel: [3, 3], outChannels: 20, strides: [1, 1], pad: 'same' },
  { x: [1, 4, 5, 65], kernel: [3, 3], outChannels: 8, strides: [1, 1], pad: 'same' },
  { x: [1, 3, 6, 8], kernel: [3, 7], outChannels: 4, strides: [1, 1], pad: 'same' },
];

const depthwiseCases: Case[] = [
  { x: [1, 9, 11, 3], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [2, 9, 11, 4], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'valid' },
  { x: [3, 10, 13, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 'same' },
  { x: [2, 11, 10, 3], kernel: [3, 3], outChannels: 1, strides: [2, 2], pad: 'valid' },
  { x: [2, 12, 12, 2], kernel: [3, 3], outChannels: 3, strides: [1, 1], pad: 'same' },
  { x: [1, 8, 8, 2], kernel: [5, 5], outChannels: 1, strides: [1, 1], pad: 'same' },
  // Multiplier 1, channels in fours: the direct SIMD filter gradient (every depthwise layer of
  // @crack/unet's blocks), with batches, odd sizes, stride 2, explicit pads, a 5x5 filter (its
  // rows in groups of two per call) and a 1x13 one (wider than the kernel's 12 taps: XNNPACK).
  { x: [2, 9, 11, 8], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [1, 32, 40, 16], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [3, 11, 13, 4], kernel: [3, 3], outChannels: 1, strides: [2, 2], pad: 'same' },
  { x: [2, 10, 9, 12], kernel: [3, 3], outChannels: 1, strides: [2, 1], pad: 'valid' },
  { x: [2, 9, 10, 8], kernel: [5, 5], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [1, 6, 20, 4], kernel: [1, 13], outChannels: 1, strides: [1, 1], pad: 'same' },
  {
    x: [2, 8, 9, 4],
    kernel: [3, 2],
    outChannels: 1,
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 0],
      [0, 3],
      [0, 0],
    ],
  },
];

// The cpu backend's depthwise gradient kernels ignore dilations, so these are checked against
// loops that follow the definition.
const dilatedDepthwiseCases: Case[] = [
  {
    x: [2, 13, 12, 2],
    kernel: [3, 3],
    outChannels: 1,
    strides: [1, 1],
    pad: 'same',
    dilations: [2, 2],
  },
  {
    x: [1, 13, 12, 3],
    kernel: [3, 2],
    outChannels: 2,
    strides: [1, 1],
    pad: 'valid',
    dilations: [2, 3],
  },
  {
    x: [2, 13, 12, 4],
    kernel: [3, 3],
    outChannels: 1,
    strides: [1, 1],
    pad: 'same',
    dilations: [2, 3],
  },
];

interface PoolCase {
  x: [number, number, number, number];
  window: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
}

const poolCases: PoolCase[] = [
  { x: [2, 8, 12, 3], window: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [1, 9, 11, 2], window: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [2, 9, 10, 3], window: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [1, 7, 8, 4], window: [3, 3], strides: [1, 1], pad: 'same' },
  { x: [3, 6, 7, 2], window: [2, 3], strides: [1, 2], pad: 'valid' },
  { x: [1, 8, 8, 2], window: [2, 2], strides: [2, 2], pad: 1 },
  // Tiling 2x2 windows with channels in fours: the SIMD path.
  { x: [2, 10, 12, 8], window: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [1, 6, 4, 4], window: [2, 2], strides: [2, 2], pad: 'same' },
  { x: [1, 8, 6, 12], window: [2, 2], strides: [2, 2], pad: 'valid' },
];

const describeCase = (c: Case) =>
  `x ${c.x.join('x')} k ${c.kernel.join('x')} s ${c.strides.join('x')} pad ${JSON.stringify(c.pad)}${c.dilations ? ` d ${c.dilations.join('x')}` : ''} out/mult ${c.outChannels}`;

/** Runs `kernelName` with the given inputs on the active backend; returns the output values. */
function runKernel(
  kernelName: string,
  inputs: Record<string, { values: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): { values: Float32Array; shape: number[] } {
  const before = tf.memory().numTensors;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { values, shape }] of Object.entries(inputs))
    tensors[name] = tf.tensor(values, shape);
  const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  for (const t of Object.values(tensors)) t.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

async function compare(
  kernelName: string,
  inputs: Record<string, { values: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
  reference?: Float32Array,
) {
  await useBackend('cpu');
  const cpu = reference
    ? { values: reference, shape: runKernel(kernelName, inputs, attrs).shape }
    : runKernel(kernelName, inputs, attrs);
  await useBackend('wasm');
  const wasmBytesBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const wasm = runKernel(kernelName, inputs, attrs);
  // Every intermediate the kernel made inside the wasm heap was freed.
  expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(wasmBytesBefore);
  expect(wasm.shape).toEqual(cpu.shape);
  expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
}

function shapesOf(c: Case, depthwise: boolean) {
  const [n, h, w, ci] = c.x;
  const filter = [c.kernel[0], c.kernel[1], ci, c.outChannels];
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    filter as [number, number, number, number],
    c.strides,
    c.dilations ?? 1,
    c.pad,
    undefined,
    depthwise,
  );
  return { n, h, w, ci, filter, outShape: info.outShape };
}

describe('wasm training kernels match the cpu backend (relative error < 1e-4)', () => {
  beforeAll(startBothBackends);

  for (const [index, c] of convCases.entries()) {
    it(`Conv2DBackpropFilter ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, false);
      const inputs = {
        x: {
          values: randomValues(
            c.x.reduce((a, b) => a * b),
            10 + index,
          ),
          shape: c.x,
        },
        dy: {
          values: randomValues(
            outShape.reduce((a, b) => a * b),
            20 + index,
          ),
          shape: outShape,
        },
      };
      await compare('Conv2DBackpropFilter', inputs, {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape: filter,
      });
    });
    it(`Conv2DBackpropInput ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, false);
      const inputs = {
        dy: {
          values: randomValues(
            outShape.reduce((a, b) => a * b),
            30 + index,
          ),
          shape: outShape,
        },
        filter: {
          values: randomValues(
            filter.reduce((a, b) => a * b),
            40 + index,
          ),
          shape: filter,
        },
      };
      await compare('Conv2DBackpropInput', inputs, {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.x,
      });
    });
  }

  for (const [index, c] of forwardCases.entries()) {
    const { filter } = shapesOf(c, false);
    const inputs = () => ({
      x: {
        values: randomValues(
          c.x.reduce((a, b) => a * b),
          200 + index,
        ),
        shape: c.x,
      },
      filter: {
        values: randomValues(
          filter.reduce((a, b) => a * b),
          220 + index,
        ),
        shape: filter,
      },
    });
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
    it(`Conv2D ${describeCase(c)}`, async () => {
      await compare('Conv2D', inputs(), attrs);
    });
    it(`FusedConv2D (bias, ReLU) ${describeCase(c)}`, async () => {
      const bias = { values: randomValues(c.outChannels, 240 + index), shape: [c.outChannels] };
      await compare('FusedConv2D', { ...inputs(), bias }, { ...attrs, activation: 'relu' });
    });
    it(`FusedConv2D (no bias, linear) ${describeCase(c)}`, async () => {
      await compare('FusedConv2D', inputs(), { ...attrs, activation: 'linear' });
    });
  }

  for (const [index, c] of poolCases.entries()) {
    it(`MaxPoolGrad x ${c.x.join('x')} window ${c.window.join('x')} s ${c.strides.join('x')} pad ${c.pad}`, async () => {
      // Values on a coarse grid with many zeros (as after a ReLU), so windows hold ties: the
      // gradient must go to the first maximum, as on cpu.
      const size = c.x.reduce((a, b) => a * b);
      const x = randomValues(size, 110 + index).map((v) => Math.max(0, Math.round(v * 3) / 3));
      await useBackend('cpu');
      const xt = tf.tensor4d(x, c.x);
      const y = tf.maxPool(xt, c.window, c.strides, c.pad);
      const outShape = y.shape;
      const yValues = y.dataSync() as Float32Array;
      tf.dispose([xt, y]);
      const dy = randomValues(
        outShape.reduce((a, b) => a * b),
        120 + index,
      );
      await compare(
        'MaxPoolGrad',
        {
          dy: { values: dy, shape: outShape },
          input: { values: x, shape: c.x },
          output: { values: yValues, shape: outShape },
        },
        { filterSize: c.window, strides: c.strides, pad: c.pad },
      );
    });
  }

  for (const [index, c] of depthwiseCases.entries()) {
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1] };
    it(`DepthwiseConv2dNativeBackpropFilter ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, true);
      const inputs = {
        x: {
          values: randomValues(
            c.x.reduce((a, b) => a * b),
            50 + index,
          ),
          shape: c.x,
        },
        dy: {
          values: randomValues(
            outShape.reduce((a, b) => a * b),
            60 + index,
          ),
          shape: outShape,
        },
      };
      await compare('DepthwiseConv2dNativeBackpropFilter', inputs, {
        ...attrs,
        filterShape: filter,
      });
    });
    it(`DepthwiseConv2dNativeBackpropInput ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, true);
      const inputs = {
        dy: {
          values: randomValues(
            outShape.reduce((a, b) => a * b),
            70 + index,
          ),
          shape: outShape,
        },
        filter: {
          values: randomValues(
            filter.reduce((a, b) => a * b),
            80 + index,
          ),
          shape: filter,
        },
      };
      await compare('DepthwiseConv2dNativeBackpropInput', inputs, { ...attrs, inputShape: c.x });
    });
  }

  for (const [index, c] of dilatedDepthwiseCases.entries()) {
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1] };
    const geometry = {
      xShape: c.x,
      filterShape: [c.kernel[0], c.kernel[1], c.x[3], c.outChannels] as [
        number,
        number,
        number,
        number,
      ],
      strides: c.strides,
      dilations: c.dilations ?? [1, 1],
      pad: c.pad as 'same' | 'valid',
    };
    it(`DepthwiseConv2dNativeBackpropFilter (vs definition) ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, true);
      const x = randomValues(
        c.x.reduce((a, b) => a * b),
        90 + index,
      );
      const dy = randomValues(
        outShape.reduce((a, b) => a * b),
        95 + index,
      );
      await compare(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: { values: x, shape: c.x }, dy: { values: dy, shape: outShape } },
        { ...attrs, filterShape: filter },
        naiveDepthwiseFilterGrad(geometry, x, dy),
      );
    });
    it(`DepthwiseConv2dNativeBackpropInput (vs definition) ${describeCase(c)}`, async () => {
      const { filter, outShape } = shapesOf(c, true);
      const w = randomValues(
        filter.reduce((a, b) => a * b),
        100 + index,
      );
      const dy = randomValues(
        outShape.reduce((a, b) => a * b),
        105 + index,
      );
      await compare(
        'DepthwiseConv2dNativeBackpropInput',
        { filter: { values: w, shape: filter }, dy: { values: dy, shape: outShape } },
        { ...attrs, inputShape: c.x },
        naiveDepthwiseInputGrad(geometry, w, dy),
      );
    });
  }
});

type Build = () => tf.Tensor | tf.Tensor[];

/** Runs `build` on cpu and on wasm; outputs must be identical (these kernels only move data). */
async function sameOnBothBackends(build: Build): Promise<void> {
  const results: Array<Array<{ shape: number[]; dtype: string; values: number[] }>> = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const ids = backend === 'wasm' ? wasmDataIds() : 0;
    const out = build();
    const outs = Array.isArray(out) ? out : [out];
    results.push(
      outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) })),
    );
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    if (backend === 'wasm') expect(wasmDataIds()).toBe(ids);
  }
  expect(results[1]).toEqual(results[0]);
}

function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

const values = (shape: number[], seed: number) =>
  tf.tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
const ints = (shape: number[], seed: number) => tf.cast(tf.mul(values(shape, seed), 100), 'int32');

describe('wasm copy kernels (Slice, SplitV, Concat, Identity, Cast) equal the cpu backend', () => {
  beforeAll(startBothBackends);

  const slices: Array<[number[], number[], number[]]> = [
    [[7], [2], [4]],
    [
      [5, 6],
      [1, 2],
      [3, -1],
    ],
    [
      [4, 5, 6],
      [0, 1, 0],
      [4, 3, 6],
    ],
    [
      [2, 8, 9, 3],
      [1, 2, 3, 1],
      [1, 5, 4, 2],
    ],
    [
      [2, 8, 9, 16],
      [0, 0, 0, 8],
      [2, 8, 9, 8],
    ],
    [
      [2, 3, 4, 5, 6],
      [1, 0, 2, 1, 3],
      [1, 3, 2, 3, 2],
    ],
    [
      [3, 4, 200],
      [1, 1, 10],
      [2, 2, 150],
    ],
  ];
  for (const [index, [shape, begin, size]] of slices.entries()) {
    it(`Slice ${shape.join('x')} begin ${begin} size ${size}`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => [
          tf.slice(values(shape, index), begin, size),
          tf.slice(ints(shape, index), begin, size),
          tf.slice(tf.greater(values(shape, index), 0), begin, size),
        ]),
      );
    });
  }

  const splits: Array<[number[], number[] | number, number]> = [
    [[1, 6, 7, 16], [8, 8], 3],
    [[2, 5, 4, 12], 3, -1],
    [[2, 5, 4, 12], [5, 7], 3],
    [[2, 6, 4, 3], [2, -1], 1],
    [[4, 3, 100], 2, 2],
  ];
  for (const [index, [shape, parts, axis]] of splits.entries()) {
    it(`SplitV ${shape.join('x')} into ${parts} on axis ${axis}`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => [
          ...tf.split(values(shape, 20 + index), parts, axis),
          ...tf.split(ints(shape, 20 + index), parts, axis),
        ]),
      );
    });
  }

  const concats: Array<[number[][], number]> = [
    [
      [
        [1, 6, 7, 8],
        [1, 6, 7, 8],
      ],
      3,
    ],
    [
      [
        [2, 3, 4, 4],
        [2, 3, 4, 4],
        [2, 3, 4, 4],
      ],
      -1,
    ],
    [
      [
        [2, 3, 4, 8],
        [2, 3, 4, 16],
      ],
      3,
    ],
    [
      [
        [2, 3, 5],
        [4, 3, 5],
      ],
      0,
    ],
    [
      [
        [2, 3, 5],
        [2, 1, 5],
        [2, 0, 5],
      ],
      1,
    ],
    [
      [
        [3, 70],
        [3, 70],
      ],
      1,
    ],
  ];
  for (const [index, [shapes, axis]] of concats.entries()) {
    it(`Concat ${shapes.map((s) => s.join('x')).join(' + ')} on axis ${axis}`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => [
          tf.concat(
            shapes.map((s, i) => values(s, 40 + 5 * index + i)),
            axis,
          ),
          tf.concat(
            shapes.map((s, i) => ints(s, 40 + 5 * index + i)),
            axis,
          ),
        ]),
      );
    });
  }

  it('Identity and same-dtype Cast share data; the copy outlives its source', async () => {
    await useBackend('wasm');
    const ids = wasmDataIds();
    const x = values([3, 4], 60);
    const expected = Array.from(x.dataSync());
    const copy = tf.clone(x);
    const same = tf.cast(x, 'float32');
    expect(wasmDataIds()).toBe(ids + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    expect(Array.from(same.dataSync())).toEqual(expected);
    tf.dispose([copy, same]);
    expect(wasmDataIds()).toBe(ids);
  });

  // (float32 -> bool is left out: the native wasm Cast truncates 0.5 to false where cpu says true.)
  it('Cast to another dtype still converts (native kernel)', async () => {
    await sameOnBothBackends(() =>
      tf.tidy(() => {
        const x = tf.mul(values([5, 6], 61), 10);
        const flags = tf.greater(x, 0);
        return [
          tf.cast(x, 'int32'),
          tf.cast(tf.cast(x, 'int32'), 'float32'),
          tf.cast(flags, 'float32'),
        ];
      }),
    );
  });

  const sums: Array<[number[], number[] | number, boolean]> = [
    [[1, 6, 7, 8], [0, 1, 2], false],
    [[2, 5, 9, 16], [0, 1, 2], true],
    [[3, 40, 4], [1, 0], false],
    [[5000, 12], [0], false],
    [[2, 6, 7, 3], [0, 1, 2], false],
    [[2, 6, 7, 8], [1, 2], false],
    [[2, 6, 7, 8], -1, true],
  ];
  for (const [index, [shape, axis, keepDims]] of sums.entries()) {
    it(`Sum ${shape.join('x')} over ${axis}${keepDims ? ' (keepDims)' : ''}`, async () => {
      const results: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await useBackend(backend);
        const ids = backend === 'wasm' ? wasmDataIds() : 0;
        const x = values(shape, 70 + index);
        const y = tf.sum(x, axis, keepDims);
        results.push(y.dataSync() as Float32Array);
        expect(y.shape).toEqual(tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims).shape));
        tf.dispose([x, y]);
        if (backend === 'wasm') expect(wasmDataIds()).toBe(ids);
      }
      expect(relativeError(results[1] as Float32Array, results[0] as Float32Array)).toBeLessThan(
        1e-5,
      );
    });
  }

  const adds: Array<[number[], number[]]> = [
    [[1, 6, 7, 8], [8]],
    [[16], [2, 3, 5, 16]],
    [
      [2, 3, 5, 12],
      [1, 1, 1, 12],
    ],
    [[4, 8], [8]],
    [[2, 3, 5, 6], [6]],
    [
      [2, 3, 5, 8],
      [2, 3, 5, 8],
    ],
    [
      [2, 3, 1, 8],
      [1, 1, 5, 8],
    ],
    [[8], [8]],
  ];
  for (const [index, [a, b]] of adds.entries()) {
    it(`Add ${a.join('x')} + ${b.join('x')}`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => [tf.add(values(a, 80 + index), values(b, 90 + index))]),
      );
    });
  }
});

describe('wasm Tile and scalar comparisons equal the cpu backend', () => {
  beforeAll(startBothBackends);

  const tiles: Array<[number[], number[]]> = [
    // Batch norm's gradient: a channel vector over a feature map.
    [
      [1, 1, 1, 8],
      [2, 5, 7, 1],
    ],
    [[5], [3]],
    [
      [2, 3],
      [3, 2],
    ],
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
    [
      [3, 2, 1, 5],
      [2, 1, 3, 2],
    ],
    [
      [2, 3, 4],
      [1, 1, 1],
    ],
    [
      [1, 3],
      [0, 2],
    ],
    [
      [2, 1, 2, 1, 3],
      [1, 3, 2, 2, 1],
    ],
  ];
  for (const [index, [shape, reps]] of tiles.entries()) {
    it(`Tile ${shape.join('x')} by ${reps.join('x')} (float32, int32, bool)`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => [
          tf.tile(values(shape, 100 + index), reps),
          tf.tile(ints(shape, 110 + index), reps),
          tf.tile(tf.greater(values(shape, 120 + index), 0.5), reps),
        ]),
      );
    });
  }

  it('Tile of [1, 1, 1, C] over a map is the vector at every pixel (closed form)', async () => {
    await useBackend('wasm');
    const out = tf.tile(tf.tensor([1, 2, 3, 4], [1, 1, 1, 4]), [1, 3, 5, 1]);
    const data = out.dataSync();
    expect(out.shape).toEqual([1, 3, 5, 4]);
    for (let i = 0; i < 15 * 4; i += 1) expect(data[i]).toBe((i % 4) + 1);
    out.dispose();
  });

  const ops = [
    ['minimum', tf.minimum],
    ['maximum', tf.maximum],
    ['greater', tf.greater],
    ['greaterEqual', tf.greaterEqual],
    ['less', tf.less],
    ['lessEqual', tf.lessEqual],
  ] as const;
  for (const [name, op] of ops) {
    it(`${name} of a tensor and a scalar, both orders, NaN and ties included`, async () => {
      await sameOnBothBackends(() =>
        tf.tidy(() => {
          // Ties with the scalar, NaN, infinities, signed zeros and random values.
          const special = tf.tensor([0.5, Number.NaN, 0.5, -0, 0, Number.POSITIVE_INFINITY, -3]);
          const x = tf.concat([special, tf.reshape(values([2, 3, 4, 5], 130), [-1])]);
          const big = tf.reshape(x, [127]);
          return [
            op(big, 0.5),
            op(0.5, big),
            op(tf.reshape(values([2, 3, 4, 5], 131), [2, 3, 4, 5]), tf.scalar(0.25)),
            op(tf.tensor([[[0.75]]]), tf.reshape(values([2, 5], 132), [2, 5])),
            op(tf.scalar(Number.NaN), big),
            op(tf.scalar(0.5), tf.scalar(0.5)),
            // Not the scalar path: same shapes and general broadcasting.
            op(values([3, 4], 133), values([3, 4], 134)),
            op(values([3, 4], 135), values([4], 136)),
          ];
        }),
      );
    });
  }
});

describe('wasm FusedBatchNorm matches the cpu backend (relative error < 1e-5)', () => {
  beforeAll(startBothBackends);

  // [x shape, parameter shape (null: absent), epsilon, with offset and scale]
  const cases: Array<[number[], number[], number, boolean]> = [
    [[2, 5, 7, 8], [8], 0.001, true],
    [[1, 6, 6, 16], [16], 1e-5, false],
    [[3, 4, 12], [1, 1, 12], 0.01, true],
    [[40, 4], [4], 0.001, true],
    // Not the fast path: channels not in fours, one value for every channel.
    [[2, 3, 5, 6], [6], 0.001, true],
    [[2, 3, 4, 8], [1], 0.001, true],
  ];
  for (const [index, [shape, paramShape, epsilon, affine]] of cases.entries()) {
    it(`batchNorm ${shape.join('x')}, parameters ${paramShape.join('x')}, epsilon ${epsilon}${affine ? '' : ', no offset or scale'}`, async () => {
      const results: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        const ids = backend === 'wasm' ? wasmDataIds() : 0;
        const y = tf.tidy(() => {
          const x = tf.mul(values(shape, 140 + index), 3);
          const mean = values(paramShape, 150 + index);
          // Variances in (0.1, 1.1).
          const variance = tf.add(tf.abs(values(paramShape, 160 + index)), 0.1);
          const offset = affine ? values(paramShape, 170 + index) : undefined;
          const scale = affine ? values(paramShape, 180 + index) : undefined;
          return tf.batchNorm(x, mean, variance, offset, scale, epsilon);
        });
        expect(y.shape).toEqual(shape);
        results.push(y.dataSync() as Float32Array);
        y.dispose();
        expect(tf.memory().numTensors).toBe(before);
        if (backend === 'wasm') expect(wasmDataIds()).toBe(ids);
      }
      expect(relativeError(results[1] as Float32Array, results[0] as Float32Array)).toBeLessThan(
        1e-5,
      );
    });
  }
});
