// The threaded wasm build (initBackend({ threads: 2 })): the same training as one thread, and a
// process that ends by itself (its pool's worker threads no longer keep it alive).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { problem, steps, trainLosses } from './fixtures/threaded-problem';
import { startBothBackends, useBackend } from './helpers/backends';

const child = path.join(import.meta.dirname, 'fixtures/threaded-training.ts');
const pooledChild = path.join(import.meta.dirname, 'fixtures/pooled-kernels.ts');
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

describe('threaded wasm build', () => {
  beforeAll(startBothBackends);

  it('trains with the same losses as one thread, and the process exits without process.exit()', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const { images, masks } = problem();
    const single = trainLosses(images, masks);
    expect(tf.memory().numTensors).toBe(before);

    // A hang here (the old behaviour) ends in the timeout, an error, instead of a result.
    const output = execFileSync(process.execPath, [tsx, child, '2'], {
      encoding: 'utf8',
      timeout: 110_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = output.split('\n').find((l) => l.startsWith('{'));
    const result = JSON.parse(line as string) as {
      threads: number;
      losses: number[];
      tensors: number;
    };
    expect(result.threads).toBe(2);
    expect(result.tensors).toBe(0);
    expect(result.losses).toHaveLength(steps);
    expect(result.losses[steps - 1]).toBeLessThan(result.losses[0] as number);
    for (let step = 0; step < steps; step += 1) {
      expect(Math.abs((result.losses[step] as number) - (single[step] as number))).toBeLessThan(
        1e-4 * Math.max(1, Math.abs(single[step] as number)),
      );
    }
  });

  it("runs @crack/wasm-kernels' convolutions on its thread pool: same values as the cpu backend, same training as XNNPACK", () => {
    const output = execFileSync(process.execPath, [tsx, pooledChild], {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(output.split('\n').find((l) => l.startsWith('{')) as string) as {
      errors: { shape: number[]; y: number; dx: number; dw: number }[];
      pooledChunks: number;
      repeatable: boolean;
      trainingChunks: number;
      pooled: number[];
      fused: number[];
      single: number[];
      threadsAfter: number;
      tensors: number;
    };
    expect(result.errors).toHaveLength(6);
    for (const { y, dx, dw } of result.errors) {
      expect(y).toBeLessThan(1e-4);
      expect(dx).toBeLessThan(1e-4);
      expect(dw).toBeLessThan(1e-4);
    }
    // The pool ran them (chunks taken by its worker thread), and the training step's
    // convolutions went through it.
    expect(result.pooledChunks).toBeGreaterThan(0);
    expect(result.repeatable).toBe(true);
    expect(result.trainingChunks).toBeGreaterThan(0);
    expect(result.pooled).toHaveLength(5);
    expect(result.pooled[4]).toBeLessThan(result.pooled[0] as number);
    // fusedAdam on the threaded build: the same losses as tfjs's Adam, bit for bit.
    expect(result.fused).toEqual(result.pooled);
    for (let step = 0; step < 5; step += 1) {
      expect(
        Math.abs((result.pooled[step] as number) - (result.single[step] as number)),
      ).toBeLessThan(1e-4 * Math.max(1, Math.abs(result.single[step] as number)));
    }
    expect(result.threadsAfter).toBe(1);
    expect(result.tensors).toBe(0);
    // As long as the child may take (~35 s quiet): a hang detector, not a speed check.
  }, 300_000);
});
