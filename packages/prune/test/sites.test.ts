import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPrunableSites } from '../src/index';
import { sequentialCnn, tinyUnet, useCpu } from './helpers';

beforeAll(useCpu);

describe('findPrunableSites', () => {
  it('walks a Sequential chain', () => {
    const model = sequentialCnn();
    const { sites, skipped } = findPrunableSites(model);
    expect(sites).toEqual([
      { producer: 's_conv1', consumer: 's_conv2', passThrough: [], channels: 8 },
      { producer: 's_conv2', consumer: 's_conv3', passThrough: [], channels: 6 },
    ]);
    expect(skipped).toEqual([
      { producer: 's_conv3', channels: 4, reason: "feeds MaxPooling2D 's_pool'" },
    ]);
    model.dispose();
  });

  it('finds the in-block maps of a U-Net and explains the others', () => {
    const model = tinyUnet();
    const { sites, skipped } = findPrunableSites(model);
    expect(sites.map((s) => `${s.producer}->${s.consumer}`)).toEqual([
      'e1_conv1->e1_conv2',
      'b_conv1->b_conv2',
      'd1_conv1->d1_conv2',
      'd1_conv2->head',
    ]);
    expect(skipped).toEqual([
      {
        producer: 'e1_conv2',
        channels: 8,
        reason: "feeds 2 layers (MaxPooling2D 'e1_pool', Concatenate 'd1_concat')",
      },
      { producer: 'b_conv2', channels: 16, reason: "feeds Conv2DTranspose 'd1_up'" },
      { producer: 'head', channels: 1, reason: 'is a model output' },
    ]);
    model.dispose();
  });

  it('prunes through BatchNormalization and activation layers', () => {
    const model = tinyUnet({ batchNorm: true });
    const { sites } = findPrunableSites(model);
    expect(sites[0]).toEqual({
      producer: 'e1_conv1',
      consumer: 'e1_conv2',
      passThrough: ['e1_conv1_bn', 'e1_conv1_relu'],
      channels: 8,
    });
    model.dispose();
  });

  it('reports maps feeding a concatenation, a dense layer or the output', () => {
    const input = tfl.input({ shape: [6, 6, 2] });
    const a = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'a' })
      .apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'b' })
      .apply(input) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: 'cat' }).apply([a, b]) as tfl.SymbolicTensor;
    const c = tfl.layers
      .conv2d({ filters: 2, kernelSize: 1, name: 'c' })
      .apply(cat) as tfl.SymbolicTensor;
    const d = tfl.layers
      .conv2d({ filters: 2, kernelSize: 1, name: 'd' })
      .apply(c) as tfl.SymbolicTensor;
    const dense = tfl.layers
      .dense({ units: 1, name: 'dense' })
      .apply(tfl.layers.flatten().apply(d)) as tfl.SymbolicTensor;
    const e = tfl.layers
      .conv2d({ filters: 2, kernelSize: 1, name: 'e' })
      .apply(c) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [dense, e] });
    const { sites, skipped } = findPrunableSites(model);
    expect(sites).toEqual([]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.producer, s.reason]));
    expect(reasons.a).toBe("feeds Concatenate 'cat'");
    expect(reasons.c).toBe("feeds 2 layers (Conv2D 'd', Conv2D 'e')");
    expect(reasons.d).toMatch(/^feeds Flatten/);
    expect(reasons.e).toBe('is a model output');
    model.dispose();
  });

  it('rejects what is not a model', () => {
    expect(() => findPrunableSites({} as never)).toThrow(
      /findPrunableSites: model must be a tf.LayersModel/,
    );
  });
});
