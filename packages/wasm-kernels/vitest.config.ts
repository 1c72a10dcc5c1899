import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

// Node 20 has WebAssembly relaxed SIMD only behind this flag (Node 22+ has it by default), so the
// tests run with it: every parity test then checks the relaxed multiply-add kernels, and
// test/relaxed-simd.test.ts checks the plain SIMD128 ones (setWasmRelaxedSimd(false)) too.
const nodeMajor = Number(process.versions.node.split('.')[0]);

export default mergeConfig(
  shared,
  defineConfig({
    test: { execArgv: nodeMajor < 22 ? ['--experimental-wasm-relaxed-simd'] : [] },
  }),
);
