/** crack-segment --jobs: how many photos at once, and each one's share of the cores. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writePngFile } from '@crack/data/node';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTO_JOBS_MAX,
  AUTO_JOBS_MIN_MEGAPIXELS,
  engineThreadsPerJob,
  estimateMegapixels,
  resolveJobs,
} from '../src/cli/photo-pool';
import { rgbImage } from './helpers/segmenter-models';

const context = {
  photos: 40,
  megapixels: 40,
  cores: 4,
  backend: 'wasm' as const,
  engine: 'onnxruntime' as const,
  wasmThreads: 1,
};

describe('resolveJobs', () => {
  it("'auto' gives one photo per core, never more than the photos", () => {
    expect(resolveJobs('auto', context)).toBe(4);
    expect(resolveJobs('auto', { ...context, photos: 3 })).toBe(3);
    expect(resolveJobs('auto', { ...context, photos: 1 })).toBe(1);
    expect(resolveJobs('auto', { ...context, cores: 1 })).toBe(1);
    expect(resolveJobs('auto', { ...context, engine: 'tfjs' })).toBe(4);
    // At most 4 copies of the model: on 16 cores, 4 photos of 4 engine threads each.
    expect(resolveJobs('auto', { ...context, cores: 16 })).toBe(AUTO_JOBS_MAX);
    expect(AUTO_JOBS_MAX).toBe(4);
    expect(engineThreadsPerJob(AUTO_JOBS_MAX, 16)).toBe(4);
  });

  it("'auto' keeps one photo at a time for less work than the threads' start-up is worth", () => {
    expect(AUTO_JOBS_MIN_MEGAPIXELS).toBe(16);
    expect(resolveJobs('auto', { ...context, megapixels: 15.9 })).toBe(1);
    expect(resolveJobs('auto', { ...context, megapixels: 16 })).toBe(4);
    // A number is taken as given, however little the work.
    expect(resolveJobs(2, { ...context, megapixels: 0 })).toBe(2);
  });

  it('keeps one photo at a time where the cores are used already or threads cannot be', () => {
    // wasm threads asked for on the tfjs engine: they use the cores.
    expect(resolveJobs('auto', { ...context, engine: 'tfjs', wasmThreads: 2 })).toBe(1);
    // With onnxruntime running the model, wasm threads do not matter.
    expect(resolveJobs('auto', { ...context, wasmThreads: 2 })).toBe(4);
    // tfjs-node: always in the main thread, even when asked for more.
    expect(resolveJobs('auto', { ...context, backend: 'tensorflow' })).toBe(1);
    expect(resolveJobs(3, { ...context, backend: 'tensorflow' })).toBe(1);
  });

  it('takes a number as given, capped at the photos', () => {
    expect(resolveJobs(3, context)).toBe(3);
    expect(resolveJobs(8, context)).toBe(8); // more than 'auto' would, when asked
    expect(resolveJobs(8, { ...context, photos: 5 })).toBe(5);
    expect(resolveJobs(2, { ...context, engine: 'tfjs', wasmThreads: 2 })).toBe(2);
  });
});

describe('engineThreadsPerJob', () => {
  it('splits the cores, at least one thread each', () => {
    expect(engineThreadsPerJob(2, 2)).toBe(1);
    expect(engineThreadsPerJob(2, 16)).toBe(8);
    expect(engineThreadsPerJob(3, 16)).toBe(5);
    expect(engineThreadsPerJob(4, 2)).toBe(1);
    expect(engineThreadsPerJob(1, 8)).toBe(8);
  });
});

describe('estimateMegapixels', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('reads the sizes from the headers: the mean of a sample times the count', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'crack-estimate-'));
    dirs.push(dir);
    const black = (w: number, h: number) => rgbImage(w, h, () => [0, 0, 0]);
    const a = path.join(dir, 'a.png');
    const b = path.join(dir, 'b.jpg');
    const c = path.join(dir, 'c.png');
    const bad = path.join(dir, 'bad.png');
    await writePngFile(a, black(200, 100)); // 0.02 MP
    const rgba = { data: Buffer.alloc(400 * 300 * 4), width: 400, height: 300 };
    await writeFile(b, jpeg.encode(rgba, 80).data); // 0.12 MP
    await writePngFile(c, black(1000, 100)); // 0.1 MP
    await writeFile(bad, 'not a photo');
    expect(await estimateMegapixels([a, b])).toBeCloseTo(0.14, 12);
    // A sample of 2 of the 3: (0.02 + 0.12) / 2 x 3.
    expect(await estimateMegapixels([a, b, c], 2)).toBeCloseTo(0.21, 12);
    // Unreadable files do not count in the mean; none readable gives 0.
    expect(await estimateMegapixels([a, bad, path.join(dir, 'missing.png')])).toBeCloseTo(0.06, 12);
    expect(await estimateMegapixels([bad])).toBe(0);
    expect(await estimateMegapixels([])).toBe(0);
  });
});
