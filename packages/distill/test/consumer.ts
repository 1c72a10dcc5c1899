// What a user of @crack/distill writes; type-checked (never run) by the repository's consumer
// check under moduleResolution node16 (as .mts and .cts) and bundler, against the packed tarball.

import {
  decodeFloat16,
  distillationLoss,
  encodeFloat16,
  hintonDistillation,
  hintonDistillationLoss,
  type LossFunction,
  PACKED_TARGET_CHANNELS,
  packTargets,
  sigmoidDistillation,
  sigmoidDistillationLoss,
  type UnpackedTargets,
  unpackTargets,
  weightedSigmoidCrossEntropy,
  weightedSigmoidCrossEntropyLoss,
} from '@crack/distill';
import {
  type CacheSample,
  type CacheTeacherLogitsResult,
  cacheTeacherLogits,
  openTeacherLogits,
  type TeacherLogits,
  teacherFingerprint,
} from '@crack/distill/cache';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export const studentLoss: LossFunction = distillationLoss({
  hard: weightedSigmoidCrossEntropy({ negativeWeight: 0.7 }),
  soft: sigmoidDistillation({ alpha: 0, beta: 1 }),
  softWeight: 1,
});

export function compileStudent(student: LayersModel): void {
  student.compile({ optimizer: tf.train.adam(1e-3), loss: studentLoss });
}

export function compileSoftmaxStudent(student: LayersModel): void {
  student.compile({ optimizer: 'adam', loss: hintonDistillation({ temperature: 4 }) });
}

export function lossValues(labels: tf.Tensor, teacher: tf.Tensor, student: tf.Tensor): number[] {
  const packed: tf.Tensor = packTargets(labels, teacher);
  const parts: UnpackedTargets = unpackTargets(packed);
  const scalars: tf.Scalar[] = [
    studentLoss(packed, student),
    weightedSigmoidCrossEntropyLoss(parts.labels, student, { positiveWeight: 1 }),
    sigmoidDistillationLoss(parts.labels, parts.teacherLogits, student),
    hintonDistillationLoss(teacher, student, {
      temperature: 2,
      divergence: 'cross-entropy',
      scaleByTemperatureSquared: false,
    }),
  ];
  const values = scalars.map((scalar) => scalar.dataSync()[0] ?? Number.NaN);
  tf.dispose([packed, parts.labels, parts.teacherLogits, ...scalars]);
  return values;
}

export const teacherChannel: number = PACKED_TARGET_CHANNELS.teacherLogit;
export const halves: Float32Array = decodeFloat16(encodeFloat16([0.5, -2]));

export async function cacheAndRead(
  teacher: LayersModel,
  samples: CacheSample[],
): Promise<Float32Array[]> {
  const result: CacheTeacherLogitsResult = await cacheTeacherLogits(teacher, samples, {
    dir: 'teacher-logits',
    dtype: 'float16',
    batchSize: 2,
    onProgress: ({ done, total }) => console.log(`${done}/${total ?? '?'}`),
  });
  const fingerprint: string = await teacherFingerprint(teacher);
  const cache: TeacherLogits = await openTeacherLogits(result.dir, { teacher });
  const shape: [number, number, number] = cache.shape(cache.ids[0] ?? '');
  console.log(fingerprint === cache.fingerprint, shape);
  return cache.ids.map((id) => cache.get(id));
}
