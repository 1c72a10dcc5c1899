import { createHash } from 'node:crypto';
import type { Teacher } from './types';

/**
 * SHA-256 over the teacher's weights, in order: each weight's shape, dtype and bytes, as
 * `'sha256:<hex>'`. Weight names are left out on purpose: tfjs makes variable names unique per
 * process (`conv2d_1/kernel_1`), so the same teacher loaded twice would get two fingerprints.
 * The bytes are hashed as the host stores them (little-endian on every platform tfjs supports).
 */
export async function teacherFingerprint(teacher: Teacher): Promise<string> {
  if (teacher == null || !Array.isArray(teacher.weights))
    throw new TypeError(
      'teacherFingerprint: teacher must have a weights array (a tfjs-layers model)',
    );
  const hash = createHash('sha256');
  hash.update(`crack-teacher-weights/1 count=${teacher.weights.length}\n`);
  for (const [index, weight] of teacher.weights.entries()) {
    // read() hands out the variable itself, which the model owns: read its bytes, never dispose it.
    const value = weight.read();
    const data = await value.data();
    hash.update(`${index} shape=[${value.shape.join(',')}] dtype=${value.dtype}\n`);
    if (ArrayBuffer.isView(data))
      hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else hash.update(JSON.stringify(data));
  }
  return `sha256:${hash.digest('hex')}`;
}
