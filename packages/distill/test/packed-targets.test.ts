import { PACKED_TARGET_CHANNELS, packTargets, unpackTargets } from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from './helpers';

beforeAll(useCpu);

describe('packed targets', () => {
  it('puts the label in channel 0 and the teacher logit in channel 1', () => {
    expect(PACKED_TARGET_CHANNELS).toEqual({ label: 0, teacherLogit: 1 });
    const before = tf.memory().numTensors;
    const labels = tf.tensor([1, 0, 0, 1], [1, 2, 2, 1], 'int32');
    const teacher = tf.tensor([2.5, -1, -3, 4], [1, 2, 2, 1]);
    const packed = packTargets(labels, teacher);
    expect(packed.shape).toEqual([1, 2, 2, 2]);
    expect(packed.dtype).toBe('float32');
    const values = packed.dataSync();
    expect(Array.from(values.filter((_, i) => i % 2 === PACKED_TARGET_CHANNELS.label))).toEqual([
      1, 0, 0, 1,
    ]);
    expect(
      Array.from(values.filter((_, i) => i % 2 === PACKED_TARGET_CHANNELS.teacherLogit)),
    ).toEqual([2.5, -1, -3, 4]);
    const unpacked = unpackTargets(packed);
    expect(Array.from(unpacked.labels.dataSync())).toEqual([1, 0, 0, 1]);
    expect(unpacked.teacherLogits.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(unpacked.teacherLogits.dataSync())).toEqual([2.5, -1, -3, 4]);
    tf.dispose([labels, teacher, packed, unpacked.labels, unpacked.teacherLogits]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('generalises to C channels as labels [0, C) then teacher logits [C, 2C)', () => {
    const labels = tf.tensor([[1, 0, 0]]);
    const teacher = tf.tensor([[3, 2, 1]]);
    const packed = packTargets(labels, teacher);
    expect(Array.from(packed.dataSync())).toEqual([1, 0, 0, 3, 2, 1]);
    tf.dispose([labels, teacher, packed]);
  });

  it('names the function and the shapes in errors', () => {
    const a = tf.zeros([2, 4, 4, 1]);
    const b = tf.zeros([2, 4, 4, 2]);
    const odd = tf.zeros([2, 3]);
    expect(() => packTargets(a, b)).toThrow(
      'packTargets: labels shape [2,4,4,1] and teacherLogits shape [2,4,4,2] must be equal',
    );
    expect(() => unpackTargets(odd)).toThrow(
      /^unpackTargets: yTrue must have an even.* got shape \[2,3\]/,
    );
    expect(() => packTargets([1] as never, a)).toThrow('packTargets: labels must be a tf.Tensor');
    tf.dispose([a, b, odd]);
  });
});
