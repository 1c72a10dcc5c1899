import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { float32ToFloat16Bits, normalizePixels } from '@crack/data';
import { writeFileAtomic } from '@crack/data/node';
import * as tf from '@tensorflow/tfjs-core';
import { teacherFingerprint } from './fingerprint';
import {
  type CacheIndex,
  FORMAT,
  FORMAT_VERSION,
  INDEX_FILE,
  type IndexEntry,
  NORMALISATION,
  sampleFileName,
} from './format';
import type { CacheSample, Teacher, TeacherLogitsDtype } from './types';

/** Progress of {@link cacheTeacherLogits}, reported after each sample is written. */
export interface CacheProgress {
  /** Samples written so far. */
  done: number;
  /** Number of samples when known in advance (arrays), else undefined. */
  total: number | undefined;
  /** The id of the sample just written. */
  id: string;
}

/** Options for {@link cacheTeacherLogits}. */
export interface CacheTeacherLogitsOptions {
  /** Folder to write to; created if missing. A cache already there is replaced. Required. */
  dir: string;
  /**
   * Storage precision. Default `'float16'`: half the disk, about 3 significant digits, which is far
   * below the noise a hinge on logits cares about; finite logits beyond +-65504 saturate there.
   */
  dtype?: TeacherLogitsDtype;
  /** Images per teacher call (consecutive samples of one size are batched). Default 1. */
  batchSize?: number;
  /** Called after each sample is written. */
  onProgress?: (progress: CacheProgress) => void;
}

/** What {@link cacheTeacherLogits} wrote. */
export interface CacheTeacherLogitsResult {
  /** Folder the logits were written to. */
  dir: string;
  /** Storage precision of the cached logits. */
  dtype: TeacherLogitsDtype;
  /** Fingerprint of the teacher's weights that the cache was made with. */
  fingerprint: string;
  /** Number of samples cached. */
  count: number;
}

const NAME = 'cacheTeacherLogits';
const FLOAT16_MAX = 65504;

function checkSample(sample: CacheSample, ordinal: number): void {
  const where = `${NAME}: samples[${ordinal}]`;
  if (typeof sample?.id !== 'string' || sample.id === '')
    throw new TypeError(`${where}.id must be a non-empty string, got ${String(sample?.id)}`);
  const image = sample.image;
  if (image == null) throw new TypeError(`${where}.image is missing (sample '${sample.id}')`);
  for (const field of ['width', 'height'] as const)
    if (!Number.isInteger(image[field]) || image[field] <= 0)
      throw new RangeError(
        `${where}.image.${field} must be a positive integer, got ${image[field]}`,
      );
  if (image.channels !== 3)
    throw new RangeError(`${where}.image.channels must be 3 (RGB), got ${image.channels}`);
  if (!(image.data instanceof Uint8Array))
    throw new TypeError(`${where}.image.data must be a Uint8Array`);
  const expected = image.width * image.height * 3;
  if (image.data.length !== expected)
    throw new RangeError(
      `${where}.image.data must hold width*height*3 = ${expected} bytes, got ${image.data.length}`,
    );
}

function encode(values: Float32Array, dtype: TeacherLogitsDtype): Uint8Array {
  const bytes = new Uint8Array(values.length * (dtype === 'float16' ? 2 : 4));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (dtype === 'float32') view.setFloat32(i * 4, value, true);
    else {
      const saturated = Number.isFinite(value)
        ? Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, value))
        : value;
      view.setUint16(i * 2, float32ToFloat16Bits(saturated), true);
    }
  }
  return bytes;
}

/**
 * Runs the teacher once over every sample and stores its logits, as the thesis does (teacher
 * logits are "computed once for all training images and stored", section 4.2): one binary file per
 * sample plus `index.json` with each sample's shape, the dtype and the teacher's fingerprint
 * (SHA-256 of its weights), so {@link openTeacherLogits} can refuse logits of another teacher.
 *
 * Images are normalised with `(x - 127.5) / 127.5` (eq 3-4) before the teacher. Every file is
 * written atomically (temporary file, then rename) and the index last, so an interrupted run never
 * leaves a cache that looks complete. Geometric augmentation is not applied here: `@crack/data`
 * carries the cached logits as a per-pixel side channel and transforms them exactly like the mask.
 *
 * @param teacher - The trained teacher (a tfjs-layers model); its output is logits.
 * @param samples - An array or (async) iterable of `{ id, image: { data, width, height, channels: 3 } }`.
 */
export async function cacheTeacherLogits(
  teacher: Teacher,
  samples: Iterable<CacheSample> | AsyncIterable<CacheSample>,
  options: CacheTeacherLogitsOptions,
): Promise<CacheTeacherLogitsResult> {
  const { dir, dtype = 'float16', batchSize = 1, onProgress } = options ?? ({} as never);
  if (typeof dir !== 'string' || dir === '')
    throw new TypeError(`${NAME}: dir must be a non-empty path, got ${String(dir)}`);
  if (dtype !== 'float16' && dtype !== 'float32')
    throw new RangeError(`${NAME}: dtype must be 'float16' or 'float32', got ${String(dtype)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`${NAME}: batchSize must be an integer >= 1, got ${batchSize}`);
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new TypeError(`${NAME}: onProgress must be a function`);
  if (teacher == null || typeof teacher.predict !== 'function')
    throw new TypeError(`${NAME}: teacher must be a model with predict() (a tfjs-layers model)`);
  if (
    samples == null ||
    (typeof (samples as Iterable<CacheSample>)[Symbol.iterator] !== 'function' &&
      typeof (samples as AsyncIterable<CacheSample>)[Symbol.asyncIterator] !== 'function')
  )
    throw new TypeError(`${NAME}: samples must be an array or an (async) iterable of samples`);

  const fingerprint = await teacherFingerprint(teacher);
  await mkdir(dir, { recursive: true });
  const lengthOf = (samples as { length?: unknown }).length;
  const total = typeof lengthOf === 'number' ? lengthOf : undefined;
  const entries: IndexEntry[] = [];
  const seen = new Set<string>();
  let batch: CacheSample[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const { width, height } = batch[0]!.image;
    const input = new Float32Array(batch.length * width * height * 3);
    batch.forEach((sample, b) => {
      normalizePixels(sample.image.data, input, b * width * height * 3);
    });
    const logits = tf.tidy(() => {
      const output = teacher.predict(tf.tensor4d(input, [batch.length, height, width, 3]));
      if (!(output instanceof tf.Tensor) || output.rank !== 4 || output.shape[0] !== batch.length)
        throw new Error(
          `${NAME}: teacher.predict must return one tensor [batch, height, width, channels], got ` +
            (output instanceof tf.Tensor ? `shape [${output.shape.join(',')}]` : 'several tensors'),
        );
      return tf.cast(output, 'float32');
    });
    let values: Float32Array;
    const [, outHeight, outWidth, outChannels] = logits.shape as [number, number, number, number];
    try {
      values = (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
    const perSample = outHeight * outWidth * outChannels;
    for (const [b, sample] of batch.entries()) {
      const file = sampleFileName(entries.length, sample.id, dtype);
      const own = values.subarray(b * perSample, (b + 1) * perSample);
      await writeFileAtomic(path.join(dir, file), encode(own, dtype));
      entries.push({ id: sample.id, file, shape: [outHeight, outWidth, outChannels] });
      onProgress?.({ done: entries.length, total, id: sample.id });
    }
    batch = [];
  };

  let ordinal = 0;
  for await (const sample of samples) {
    checkSample(sample, ordinal);
    if (seen.has(sample.id))
      throw new Error(`${NAME}: samples[${ordinal}].id '${sample.id}' is a duplicate`);
    seen.add(sample.id);
    ordinal++;
    const first = batch[0]?.image;
    if (first && (first.width !== sample.image.width || first.height !== sample.image.height))
      await flush();
    batch.push(sample);
    if (batch.length === batchSize) await flush();
  }
  await flush();

  const index: CacheIndex = {
    format: FORMAT,
    version: FORMAT_VERSION,
    dtype,
    byteOrder: 'little-endian',
    fingerprint,
    normalisation: NORMALISATION,
    samples: entries,
  };
  await writeFileAtomic(path.join(dir, INDEX_FILE), `${JSON.stringify(index, null, 1)}\n`);
  return { dir, dtype, fingerprint, count: entries.length };
}
