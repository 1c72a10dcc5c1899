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
];

const depthwiseCases: Case[] = [
  { x: [1, 9, 11, 3], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'same' },
  { x: [2, 9, 11, 4], kernel: [3, 3], outChannels: 1, strides: [1, 1], pad: 'valid' },
  { x: [3, 10, 13, 2], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 'same' },
  { x: [2, 11, 10, 3], kernel: [3, 3], outChannels: 1, strides: [2, 2], pad: 'valid' },
  { x: [2, 12, 12, 2], kernel: [3, 3], outChannels: 3, strides: [1, 1], pad: 'same' },
  { x: [1, 8, 8, 2], kernel: [5, 5], outChannels: 1, strides: [1, 1], pad: 'same' },
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
