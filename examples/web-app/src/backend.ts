/**
 * Browser backend selection: WebGL (GPU) first, then WebAssembly (XNNPACK, SIMD where the
 * browser has it), then plain JavaScript. Each backend is a separate chunk, loaded only if tried.
 *
 * WebGL on a software rasteriser (SwiftShader, llvmpipe: a machine without a usable GPU, or a
 * headless browser) is skipped unless asked for: there the student takes seconds per photo on
 * WebGL and a tenth of that on WebAssembly.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What {@link selectBackend} chose, and why the faster ones were skipped. */
export interface BackendChoice {
  /** 'webgl' | 'wasm' | 'cpu'. */
  backend: string;
  /** Human-readable details, e.g. "WebGL unavailable (no context); wasm with SIMD". */
  detail: string;
}

/** Where the .wasm binaries are served, relative to the page (see vite.config.ts). */
export const WASM_DIRECTORY = 'tfjs-wasm/';

/** Picks the fastest backend that starts. `prefer` (e.g. from `?backend=wasm`) is tried first. */
export async function selectBackend(prefer?: string | null): Promise<BackendChoice> {
  const order = ['webgl', 'wasm', 'cpu'];
  if (prefer && order.includes(prefer)) order.unshift(...order.splice(order.indexOf(prefer), 1));
  const skipped: string[] = [];
  for (const name of order) {
    const software = name === 'webgl' && prefer !== 'webgl' ? softwareRenderer() : null;
    const problem = software ? `software rendering, ${software}` : await tryBackend(name);
    if (problem === null) {
      return { backend: name, detail: [...skipped, await describe(name)].join('; ') };
    }
    skipped.push(`${name} skipped (${problem})`);
  }
  throw new Error(`selectBackend: no TensorFlow.js backend started: ${skipped.join('; ')}`);
}

/** The WebGL renderer's name if it is a software rasteriser, else null. */
function softwareRenderer(): string | null {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '',
    );
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer.match(/swiftshader|llvmpipe|softpipe|software|basic render/i)?.[0] ?? null;
  } catch {
    return null;
  }
}

async function tryBackend(name: string): Promise<string | null> {
  try {
    if (name === 'webgl') {
      await import('@tensorflow/tfjs-backend-webgl');
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(new URL(WASM_DIRECTORY, document.baseURI).href);
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    if (!(await tf.setBackend(name))) return 'failed to initialise';
    // A context can exist yet fail on first use (blocklisted GPU); one tiny op proves it works.
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 3 ? null : 'wrong result from a test op';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function describe(name: string): Promise<string> {
  if (name === 'webgl') {
    const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}${float32 ? '' : ' (16-bit floats)'}`;
  }
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return `WebAssembly${simd ? ' (SIMD)' : ''}`;
  }
  return 'JavaScript (slowest)';
}
