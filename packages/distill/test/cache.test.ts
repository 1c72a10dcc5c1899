import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type CacheSample,
  cacheTeacherLogits,
  openTeacherLogits,
  teacherFingerprint,
} from '@crack/distill/cache';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from './helpers';

const KERNEL = [0.8, -1.5, 2.25];
const BIAS = 0.5;

/** A 1x1-conv teacher of any input size with known weights, so logits can be computed by hand. */
function teacher(kernel = KERNEL, bias = BIAS): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 1, kernelSize: 1 })],
  });
  tf.tidy(() => model.setWeights([tf.tensor4d(kernel, [1, 1, 3, 1]), tf.tensor1d([bias])]));
  return model;
}

/** The teacher's logits in float64, normalising with (x - 127.5) / 127.5 (eq 3-4). */
function expectedLogits(sample: CacheSample): number[] {
  const { data, width, height } = sample.image;
  return Array.from({ length: width * height }, (_, p) =>
    KERNEL.reduce((sum, w, c) => sum + w * ((data[p * 3 + c]! - 127.5) / 127.5), BIAS),
  );
}

function sample(id: string, width: number, height: number, seed: number): CacheSample {
  const data = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { id, image: { data, width, height, channels: 3 } };
}

const samples = [
  sample('cfd/001', 6, 4, 1),
  sample('cfd/002', 6, 4, 2),
  sample('cfd/003', 6, 4, 3),
  sample('odd size', 5, 7, 4),
];
let root: string;

beforeAll(async () => {
  await useCpu();
  root = await mkdtemp(path.join(os.tmpdir(), 'crack-distill-cache-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('teacher-logit cache', () => {
  it('round-trips float16 within 1e-3 relative and float32 exactly, leaking no tensors', async () => {
    const model = teacher();
    for (const dtype of ['float16', 'float32'] as const) {
      const dir = path.join(root, dtype);
      const progress: Array<[number, number | undefined, string]> = [];
      const before = tf.memory().numTensors;
      const result = await cacheTeacherLogits(model, samples, {
        dir,
        dtype,
        batchSize: 2,
        onProgress: ({ done, total, id }) => progress.push([done, total, id]),
      });
      const cache = await openTeacherLogits(dir, { teacher: model });
      expect(tf.memory().numTensors).toBe(before);
      expect(result).toMatchObject({ dir, dtype, count: 4, fingerprint: cache.fingerprint });
      expect(progress.map(([done, total]) => [done, total])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
      expect(cache.ids).toEqual(samples.map((s) => s.id));
      expect(cache.dtype).toBe(dtype);
      expect(cache.shape('cfd/002')).toEqual([4, 6, 1]);
      expect(cache.shape('odd size')).toEqual([7, 5, 1]);
      expect(cache.has('cfd/003')).toBe(true);
      expect(cache.has('nope')).toBe(false);
      for (const s of samples) {
        const got = cache.get(s.id);
        const want = expectedLogits(s);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          const tolerance = dtype === 'float16' ? 1e-3 * Math.abs(want[i]!) + 1e-6 : 1e-5;
          expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tolerance);
        }
      }
      const files = await readdir(dir);
      expect(files.filter((f) => f.endsWith('.tmp') || f.endsWith('.partial'))).toEqual([]);
      expect(files).toHaveLength(5);
      const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
      expect(index).toMatchObject({ format: 'crack-teacher-logits', version: 1, dtype });
      expect(index.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(() => cache.get('nope')).toThrow(`TeacherLogits.get: no sample with id 'nope'`);
    }
    model.dispose();
  });

  it('refuses a cache written by another teacher, accepts the same weights loaded again', async () => {
    const dir = path.join(root, 'fingerprint');
    const original = teacher();
    await cacheTeacherLogits(original, samples.slice(0, 2), { dir });
    const other = teacher([0.8, -1.5, 2.2500002]);
    await expect(openTeacherLogits(dir, { teacher: other })).rejects.toThrow(
      /^openTeacherLogits: the cache in .* was written by a different teacher/,
    );
    // A second copy has other variable names (tfjs makes them unique) but the same weights.
    const copy = teacher();
    expect(copy.weights[0]!.name).not.toBe(original.weights[0]!.name);
    expect(await teacherFingerprint(copy)).toBe(await teacherFingerprint(original));
    await expect(openTeacherLogits(dir, { teacher: copy })).resolves.toBeDefined();
    await expect(openTeacherLogits(dir)).resolves.toBeDefined();
    for (const m of [original, other, copy]) m.dispose();
  });

  it('accepts async iterables and validates samples and options', async () => {
    const model = teacher();
    const dir = path.join(root, 'async');
    async function* stream() {
      yield* samples.slice(0, 3);
    }
    const result = await cacheTeacherLogits(model, stream(), {
      dir,
      dtype: 'float32',
      batchSize: 3,
    });
    expect(result.count).toBe(3);
    const before = tf.memory().numTensors;
    const bad = { ...samples[0]!, id: 'x', image: { ...samples[0]!.image, channels: 1 } };
    await expect(cacheTeacherLogits(model, [bad], { dir: path.join(root, 'bad') })).rejects.toThrow(
      'cacheTeacherLogits: samples[0].image.channels must be 3 (RGB), got 1',
    );
    await expect(
      cacheTeacherLogits(model, [samples[0]!, samples[0]!], { dir: path.join(root, 'dup') }),
    ).rejects.toThrow(`cacheTeacherLogits: samples[1].id 'cfd/001' is a duplicate`);
    await expect(cacheTeacherLogits(model, samples, { dir: '' })).rejects.toThrow(
      'cacheTeacherLogits: dir must be a non-empty path',
    );
    await expect(
      cacheTeacherLogits(model, samples, { dir, dtype: 'int8' as never }),
    ).rejects.toThrow(`cacheTeacherLogits: dtype must be 'float16' or 'float32', got int8`);
    await expect(cacheTeacherLogits(model, samples, { dir, batchSize: 0 })).rejects.toThrow(
      'cacheTeacherLogits: batchSize must be an integer >= 1, got 0',
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('explains a missing or damaged cache', async () => {
    await expect(openTeacherLogits(path.join(root, 'missing'))).rejects.toThrow(
      /^openTeacherLogits: no teacher-logit cache in .*missing/,
    );
    const dir = path.join(root, 'damaged');
    const model = teacher();
    await cacheTeacherLogits(model, samples.slice(0, 1), { dir });
    const cache = await openTeacherLogits(dir);
    const [file] = (await readdir(dir)).filter((f) => f !== 'index.json');
    await writeFile(path.join(dir, file!), new Uint8Array(3));
    expect(() => cache.get('cfd/001')).toThrow(/TeacherLogits.get: .* holds 3 bytes, expected 48/);
    await writeFile(path.join(dir, 'index.json'), '{"format":"other"}');
    await expect(openTeacherLogits(dir)).rejects.toThrow(
      /is not a teacher-logit cache index: format/,
    );
    model.dispose();
  });
});
