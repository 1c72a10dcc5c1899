import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockDiagonalKernel, ChannelShuffle, GroupedConv2D } from '../src/index';
import { rampImages, useCpu } from './helpers';

beforeAll(useCpu);

/** Grouped 1x1 convolution by definition, in float64: out[p, o] = sum_{i in group(o)} x[p, i] w[i', o]. */
function groupedReference(
  x: Float32Array,
  w: Float32Array,
  cin: number,
  cout: number,
  groups: number,
) {
  const pixels = x.length / cin;
  const inPer = cin / groups;
  const outPer = cout / groups;
  const out = new Float64Array(pixels * cout);
  for (let p = 0; p < pixels; p += 1)
    for (let o = 0; o < cout; o += 1) {
      const g = Math.floor(o / outPer);
      let sum = 0;
      for (let k = 0; k < inPer; k += 1) sum += x[p * cin + g * inPer + k]! * w[k * cout + o]!;
      out[p * cout + o] = sum;
    }
  return out;
}

describe('GroupedConv2D', () => {
  it.each([
    [4, 6, 2],
    [8, 4, 4],
    [6, 6, 3],
  ])(
    '%i -> %i channels in %i groups: both implementations equal the definition',
    (cin, cout, groups) => {
      const before = tf.memory().numTensors;
      const x = rampImages([2, 3, 5, cin]);
      const outputs = (['split', 'block-diagonal'] as const).map((implementation) => {
        const layer = new GroupedConv2D({
          filters: cout,
          kernelSize: 1,
          groups,
          implementation,
          useBias: false,
        });
        const y = layer.apply(x) as tf.Tensor;
        const kernel = layer.getWeights()[0]!;
        expect(kernel.shape).toEqual([1, 1, cin / groups, cout]);
        const values = { y: y.dataSync() as Float32Array, w: kernel.dataSync() as Float32Array };
        y.dispose();
        layer.dispose();
        return values;
      });
      for (const { y, w } of outputs) {
        const expected = groupedReference(x.dataSync() as Float32Array, w, cin, cout, groups);
        for (let i = 0; i < y.length; i += 1) expect(y[i]).toBeCloseTo(expected[i]!, 5);
      }
      x.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('3x3 kernels, bias and relu6: the two implementations agree, gradients too', () => {
    const x = rampImages([1, 6, 6, 4]);
    const split = new GroupedConv2D({
      filters: 8,
      kernelSize: 3,
      groups: 2,
      activation: 'relu6',
      implementation: 'split',
    });
    const diagonal = new GroupedConv2D({
      filters: 8,
      kernelSize: 3,
      groups: 2,
      activation: 'relu6',
    });
    split.apply(x, {});
    diagonal.apply(x, {});
    diagonal.setWeights(split.getWeights());
    const run = (layer: GroupedConv2D) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          tf.sum(tf.square(layer.apply(x) as tf.Tensor)),
        );
        return [value.dataSync()[0]!, ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
      });
    const [a, ...ga] = run(split) as [number, ...number[][]];
    const [b, ...gb] = run(diagonal) as [number, ...number[][]];
    expect(b).toBeCloseTo(a, 4);
    for (const [i, g] of ga.entries()) {
      for (const [k, v] of g.entries()) expect(gb[i]![k]).toBeCloseTo(v, 4);
    }
    split.dispose();
    diagonal.dispose();
    x.dispose();
  });

  it('blockDiagonalKernel places group i on diagonal block i with zeros elsewhere', () => {
    const kernel = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]); // Cin/g = 1, Cout = 4, groups 2
    const full = blockDiagonalKernel(kernel, 2);
    expect(full.shape).toEqual([1, 1, 2, 4]);
    expect(Array.from(full.dataSync())).toEqual([1, 2, 0, 0, 0, 0, 3, 4]);
    tf.dispose([kernel, full]);
  });

  it('refuses bad arguments, naming them', () => {
    expect(() => new GroupedConv2D({ filters: 6, kernelSize: 1, groups: 4 })).toThrow(
      'GroupedConv2D: filters must be a positive multiple of groups = 4, got 6',
    );
    expect(() => new GroupedConv2D({ filters: 4, kernelSize: 5 as 3, groups: 2 })).toThrow(
      'GroupedConv2D: kernelSize must be 1 or 3, got 5',
    );
    const layer = new GroupedConv2D({ filters: 4, kernelSize: 1, groups: 2, name: 'g' });
    const x = tf.zeros([1, 2, 2, 3]);
    expect(() => layer.apply(x)).toThrow(
      "GroupedConv2D 'g': input channels must be a multiple of groups = 2, got 3",
    );
    x.dispose();
  });
});

describe('ChannelShuffle', () => {
  it('output channel j*groups + i is input channel i*(C/groups) + j', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [1, 1, 2, 6]);
    const layer = new ChannelShuffle({ groups: 2 });
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
    const three = new ChannelShuffle({ groups: 3 }).apply(x) as tf.Tensor;
    expect(Array.from(three.dataSync()).slice(0, 6)).toEqual([0, 2, 4, 1, 3, 5]);
    tf.dispose([x, y, three]);
  });

  it('refuses channels that are not a multiple of groups', () => {
    const x = tf.zeros([1, 2, 2, 5]);
    expect(() => new ChannelShuffle({ groups: 2, name: 's' }).apply(x)).toThrow(
      "ChannelShuffle 's': input must be NHWC with channels a multiple of groups = 2, got [1, 2, 2, 5]",
    );
    x.dispose();
  });
});
