import { encodeModule, FunctionBody, V128 } from './wasm-code';

/**
 * Relaxed SIMD (a finished WebAssembly proposal) adds `f32x4.relaxed_madd`, which V8 compiles to
 * one FMA instruction on CPUs that have it. Plain SIMD128 needs a multiply and an add for the same
 * work, so the convolution and filter-gradient kernels, which are multiply-adds, take about half
 * the arithmetic instructions with it. Chrome and Edge (114+) and Node 22+ have it by default, Node
 * 20 only with `--experimental-wasm-relaxed-simd`; elsewhere the kernels stay on plain SIMD128.
 *
 * The price is exactness across machines: a fused multiply-add rounds once where mul + add round
 * twice, so results can differ in the last bits between a CPU with FMA and one without (never
 * between runs or thread counts on one machine).
 */

let probed: boolean | undefined;

/** Whether this runtime validates relaxed SIMD's `f32x4.relaxed_madd` (probed once). */
export function relaxedSimdAvailable(): boolean {
  if (probed === undefined) {
    const f = new FunctionBody([V128, V128, V128], [V128]);
    f.get(0).get(1).get(2).relaxedMaddF32x4();
    try {
      probed = WebAssembly.validate(encodeModule({ probe: f }));
    } catch {
      probed = false;
    }
  }
  return probed;
}

let wanted: 'auto' | boolean = 'auto';

/**
 * Whether the kernels compiled from now on multiply-add with relaxed SIMD: `'auto'` (the default)
 * uses it where the runtime has it; `false` keeps plain SIMD128 everywhere (bit-identical results
 * across CPUs); `true` is `'auto'` that throws where the runtime lacks it.
 *
 * @throws Error when `use` is `true` and the runtime has no relaxed SIMD (on Node 20, start it
 *   with `--experimental-wasm-relaxed-simd`).
 */
export function setWasmRelaxedSimd(use: 'auto' | boolean): void {
  if (use === true && !relaxedSimdAvailable()) {
    throw new Error(
      'setWasmRelaxedSimd(true): this runtime has no WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd; Node 22+ and Chrome/Edge 114+ have it)',
    );
  }
  wanted = use;
}

/** Whether kernels compiled now use `f32x4.relaxed_madd`. */
export function usingRelaxedSimd(): boolean {
  return wanted !== false && relaxedSimdAvailable();
}
