import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendChoice, initBackend, WASM_TRAINING_KERNEL_NAMES } from '../src/index';

const saved = process.env.CRACK_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.CRACK_BACKEND;
  else process.env.CRACK_BACKEND = saved;
});

function capture() {
  const messages: Array<[string, BackendChoice]> = [];
  return { messages, logger: (m: string, c: BackendChoice) => messages.push([m, c]) };
}

// onnxruntime-node is a dev dependency here, so 'auto' finds it.
const ENGINE = '; inference engine onnxruntime (onnxruntime-node 1.30.0 installed)';

describe('initBackend', () => {
  it('picks wasm when tfjs-node is not installed, says why and registers the training kernels', async () => {
    delete process.env.CRACK_BACKEND;
    const { messages, logger } = capture();
    const choice = await initBackend({ logger });
    expect(choice).toMatchObject({
      backend: 'wasm',
      reason: 'tfjs-node not installed; wasm SIMD available',
      simd: true,
      threads: 1,
    });
    expect(choice.kernels).toEqual([...WASM_TRAINING_KERNEL_NAMES]);
    expect(choice.engine).toEqual({
      engine: 'onnxruntime',
      reason: 'onnxruntime-node 1.30.0 installed',
    });
    expect(tf.getBackend()).toBe('wasm');
    for (const name of WASM_TRAINING_KERNEL_NAMES) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.[0]).toBe(
      `@crack/runtime: backend wasm (tfjs-node not installed; wasm SIMD available)${ENGINE}`,
    );
  });

  it('honours prefer, and CRACK_BACKEND over prefer', async () => {
    delete process.env.CRACK_BACKEND;
    const cpu = await initBackend({ prefer: 'cpu', logger: null });
    expect(cpu).toMatchObject({ backend: 'cpu', reason: 'preferred cpu; cpu (pure JS)' });
    process.env.CRACK_BACKEND = 'WASM';
    const wasm = await initBackend({ prefer: 'cpu', logger: null });
    expect(wasm).toMatchObject({
      backend: 'wasm',
      reason: 'CRACK_BACKEND=wasm; wasm SIMD available',
    });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('falls back from a preferred tensorflow backend, but a forced one must load', async () => {
    delete process.env.CRACK_BACKEND;
    const choice = await initBackend({ prefer: 'tensorflow', logger: null });
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toBe('tfjs-node not installed; wasm SIMD available');
    process.env.CRACK_BACKEND = 'tensorflow';
    await expect(initBackend({ logger: null })).rejects.toThrow(
      'initBackend: CRACK_BACKEND=tensorflow but tfjs-node not installed',
    );
  });

  it('rejects bad options and bad CRACK_BACKEND values, naming them', async () => {
    delete process.env.CRACK_BACKEND;
    await expect(initBackend({ prefer: 'gpu' as never })).rejects.toThrow(
      "initBackend: prefer must be 'auto', 'tensorflow', 'wasm', 'cpu'; got 'gpu'",
    );
    await expect(initBackend({ threads: 0 })).rejects.toThrow(
      'initBackend: threads must be an integer in [1, 8], got 0',
    );
    await expect(initBackend({ logger: 'loud' as never })).rejects.toThrow(
      'initBackend: logger must be a function or null, got string',
    );
    process.env.CRACK_BACKEND = 'webgl';
    await expect(initBackend({ logger: null })).rejects.toThrow(
      "CRACK_BACKEND must be one of tensorflow, wasm, cpu; got 'webgl'",
    );
  });

  it('reports the inference engine: engine option, CRACK_ENGINE over it, bad values named', async () => {
    delete process.env.CRACK_BACKEND;
    const tfjs = await initBackend({ engine: 'tfjs', logger: null });
    expect(tfjs.engine).toEqual({ engine: 'tfjs', reason: 'tfjs requested' });
    process.env.CRACK_ENGINE = 'tfjs';
    try {
      const forced = await initBackend({ engine: 'onnxruntime', logger: null });
      expect(forced.engine).toEqual({
        engine: 'tfjs',
        reason: 'CRACK_ENGINE=tfjs; tfjs requested',
      });
      process.env.CRACK_ENGINE = 'tensorrt';
      await expect(initBackend({ logger: null })).rejects.toThrow(
        "CRACK_ENGINE must be one of auto, onnxruntime, tfjs; got 'tensorrt'",
      );
    } finally {
      delete process.env.CRACK_ENGINE;
    }
    await expect(initBackend({ engine: 'gpu' as never, logger: null })).rejects.toThrow(
      "initBackend: engine must be 'auto', 'onnxruntime', 'tfjs'; got 'gpu'",
    );
  });

  it('logs with console.info once per process by default', async () => {
    delete process.env.CRACK_BACKEND;
    const lines: unknown[] = [];
    const original = console.info;
    console.info = (...args: unknown[]) => lines.push(args.join(' '));
    try {
      await initBackend();
      await initBackend();
    } finally {
      console.info = original;
    }
    expect(lines).toEqual([
      `@crack/runtime: backend wasm (tfjs-node not installed; wasm SIMD available)${ENGINE}`,
    ]);
  });
});
