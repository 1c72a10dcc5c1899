import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relaxedSimdAvailable, setWasmRelaxedSimd, usingRelaxedSimd } from '../src/index';
import { FunctionBody, V128 } from '../src/wasm-code';
import { randomValues, relativeError, startBothBackends, useBackend } from './helpers/backends';

// (module (func (param v128 v128 v128) (result v128)
//   local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)), assembled by hand from the spec.
const RELAXED_MADD_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b,
  0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
  0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this x86/Linux CPU has FMA (then relaxed_madd rounds once and results differ). */
function cpuHasFma(): boolean | null {
  try {
    return /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return null;
  }
}

type Shape4 = [number, number, number, number];

/** y, dx and dw of one convolution on the active backend (values only). */
function convolution(
  x: Shape4,
  kernel: [number, number],
  out: number,
  stride: number,
  seed: number,
) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(
      randomValues(
        x.reduce((a, b) => a * b),
        seed,
      ),
      x,
    );
    const filter: Shape4 = [kernel[0], kernel[1], x[3], out];
    const wt = tf.tensor4d(
      randomValues(
        filter.reduce((a, b) => a * b),
        seed + 1,
      ),
      filter,
    );
    const y = tf.conv2d(xt, wt, stride, 'same');
    const dy = tf.tensor(randomValues(y.size, seed + 2), y.shape);
    const attrs = { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC' };
    const dx = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter: wt },
        { ...attrs, inputShape: x },
      ) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: xt, dy },
        { ...attrs, filterShape: filter },
      ) as tf.Tensor;
    return [y, dx, dw].map((t) => t.dataSync() as Float32Array);
  });
}

// Odd sizes, batch 2, stride 2, channel counts off the kernels' blocks of 4 and 8: the shapes
// the direct convolution and the SIMD filter gradient take, and their tails.
const cases: { x: Shape4; kernel: [number, number]; out: number; stride: number }[] = [
  { x: [1, 9, 13, 8], kernel: [3, 3], out: 8, stride: 1 },
  { x: [2, 7, 11, 3], kernel: [3, 3], out: 5, stride: 1 },
  { x: [1, 12, 18, 16], kernel: [3, 3], out: 12, stride: 1 },
  { x: [2, 8, 10, 4], kernel: [2, 2], out: 8, stride: 2 },
  { x: [1, 5, 29, 17], kernel: [5, 3], out: 4, stride: 1 },
];

describe('relaxed SIMD multiply-add', () => {
  beforeAll(startBothBackends);
  afterEach(() => setWasmRelaxedSimd('auto'));

  it('is probed as the runtime validates a hand-assembled relaxed_madd module', () => {
    expect(relaxedSimdAvailable()).toBe(WebAssembly.validate(RELAXED_MADD_MODULE));
    const f = new FunctionBody([V128, V128, V128], [V128]);
    f.get(0).get(1).get(2).relaxedMaddF32x4();
    // The generated body: no locals, three local.get, 0xfd + LEB128(0x105), end.
    expect(f.encode()).toEqual([11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b]);
  });

  it('is on in this test run (vitest.config.ts passes the flag Node 20 needs) and can be turned off', () => {
    expect(relaxedSimdAvailable()).toBe(true);
    expect(usingRelaxedSimd()).toBe(true);
    setWasmRelaxedSimd(false);
    expect(usingRelaxedSimd()).toBe(false);
    setWasmRelaxedSimd(true);
    expect(usingRelaxedSimd()).toBe(true);
  });

  for (const [i, c] of cases.entries()) {
    const label = `x ${c.x.join('x')} k ${c.kernel.join('x')} -> ${c.out}, stride ${c.stride}`;
    it(`y, dx and dw match the cpu backend with it on and off: ${label}`, async () => {
      const before = tf.memory().numTensors;
      await useBackend('cpu');
      const cpu = convolution(c.x, c.kernel, c.out, c.stride, 100 * i);
      await useBackend('wasm');
      const relaxed = convolution(c.x, c.kernel, c.out, c.stride, 100 * i);
      setWasmRelaxedSimd(false);
      const plain = convolution(c.x, c.kernel, c.out, c.stride, 100 * i);
      for (let k = 0; k < 3; k += 1) {
        expect(relativeError(relaxed[k] as Float32Array, cpu[k] as Float32Array)).toBeLessThan(
          1e-5,
        );
        expect(relativeError(plain[k] as Float32Array, cpu[k] as Float32Array)).toBeLessThan(1e-5);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('changes the rounding where the CPU fuses (FMA), and nothing else', async () => {
    await useBackend('wasm');
    const c = cases[2] as (typeof cases)[number];
    const relaxed = convolution(c.x, c.kernel, c.out, c.stride, 7);
    setWasmRelaxedSimd(false);
    const plain = convolution(c.x, c.kernel, c.out, c.stride, 7);
    const fma = cpuHasFma();
    if (fma === null) return; // not Linux: nothing to say about the CPU
    // y and dx come from the direct convolution, dw from the SIMD filter gradient.
    for (let k = 0; k < 3; k += 1) {
      const a = relaxed[k] as Float32Array;
      const b = plain[k] as Float32Array;
      const differing = a.filter((v, j) => v !== b[j]).length;
      if (fma) expect(differing).toBeGreaterThan(0);
      else expect(differing).toBe(0);
      expect(relativeError(a, b)).toBeLessThan(1e-5);
    }

    // The 2x2 stride-2 filter gradient (the up-convolution's) has its own, in-place kernel; it
    // fuses too. (Its y and dx come from XNNPACK, the same either way.)
    const strided = cases[3] as (typeof cases)[number];
    setWasmRelaxedSimd('auto');
    const [, , relaxedDw] = convolution(strided.x, strided.kernel, strided.out, strided.stride, 8);
    setWasmRelaxedSimd(false);
    const [, , plainDw] = convolution(strided.x, strided.kernel, strided.out, strided.stride, 8);
    const differing = (relaxedDw as Float32Array).filter((v, j) => v !== plainDw?.[j]).length;
    if (fma) expect(differing).toBeGreaterThan(0);
    else expect(differing).toBe(0);
    expect(relativeError(relaxedDw as Float32Array, plainDw as Float32Array)).toBeLessThan(1e-5);
  });

  it('refuses to be forced on where the runtime lacks it (a child without the flag)', () => {
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `import(${JSON.stringify(pathToFileURL(index).href)}).then((m) => {
      let error = null;
      try { m.setWasmRelaxedSimd(true); } catch (e) { error = e.message; }
      console.log(JSON.stringify({ available: m.relaxedSimdAvailable(), using: m.usingRelaxedSimd(), error }));
    });`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        // Without this run's flag (vitest passes it to its own workers only).
        env: { ...process.env, NODE_OPTIONS: '' },
      }),
    );
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    if (nodeMajor < 22) {
      expect(out).toEqual({
        available: false,
        using: false,
        error: expect.stringMatching(/--experimental-wasm-relaxed-simd/),
      });
    } else {
      expect(out).toEqual({ available: true, using: true, error: null });
    }
  });
});
