import { mulberry32 } from '@crack/data';
import { describe, expect, it } from 'vitest';
import { channelContributions } from '../src/channel-contributions';
import { accumulateGram, accumulateGramJs, channelProducts, columnGram } from '../src/gram-kernel';
import { accumulateGramSimd, simdGramAvailable } from '../src/simd-gram';

/** Deterministic uniform numbers in [-1, 1). */
function uniforms(seed: number): () => number {
  const random = mulberry32(seed);
  return () => random() * 2 - 1;
}

function randomRows(length: number, random: () => number): Float64Array {
  return Float64Array.from({ length }, random);
}

/** Straightforward float64 reference: target[a][b] + <rows[a], rows[b]> for b >= a. */
function referenceGram(start: Float64Array, rows: Float64Array, dim: number, length: number) {
  const out = Float64Array.from(start);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      let s = 0;
      for (let l = 0; l < length; l++)
        s += (rows[a * length + l] as number) * (rows[b * length + l] as number);
      out[a * dim + b] = (out[a * dim + b] as number) + s;
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i] as number));
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)) / scale);
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

const DIMS = [1, 2, 3, 4, 5, 6, 7, 9, 16, 17, 33];
const LENGTHS = [1, 2, 3, 7, 64, 65, 257];

describe('accumulateGram', () => {
  it('has WebAssembly SIMD on this runtime (Node >= 16.4)', () => {
    expect(simdGramAvailable()).toBe(true);
  });

  for (const [label, kernel] of [
    ['dispatch', accumulateGram],
    ['JS', accumulateGramJs],
    ['SIMD', accumulateGramSimd],
  ] as const) {
    it(`${label}: matches the float64 reference on odd and even shapes, adding into target`, () => {
      const random = uniforms(11);
      for (const dim of DIMS) {
        for (const length of LENGTHS) {
          const rows = randomRows(dim * length, random);
          const start = randomRows(dim * dim, random);
          const target = Float64Array.from(start);
          kernel(target, rows, dim, length);
          const expected = referenceGram(start, rows, dim, length);
          expectClose(target, expected, 1e-12);
          // The strict lower triangle is left alone.
          for (let a = 1; a < dim; a++) {
            for (let b = 0; b < a; b++) expect(target[a * dim + b]).toBe(start[a * dim + b]);
          }
        }
      }
    });
  }

  it('SIMD: works after the buffer grew and shrank again (reused memory is re-zeroed)', () => {
    const random = uniforms(12);
    for (const [dim, length] of [
      [3, 5],
      [200, 333],
      [5, 3],
      [1, 1],
      [7, 9],
    ] as const) {
      const rows = randomRows(dim * length, random);
      const target = new Float64Array(dim * dim);
      accumulateGramSimd(target, rows, dim, length);
      expectClose(target, referenceGram(new Float64Array(dim * dim), rows, dim, length), 1e-12);
    }
  });

  it('columnGram: the symmetric Gram of the columns, any count (partial last block)', () => {
    const random = uniforms(13);
    for (const [count, dim] of [
      [1, 1],
      [255, 3],
      [257, 10],
      [600, 17],
    ] as const) {
      const samples = randomRows(count * dim, random);
      const gram = columnGram(count, dim, (n, out) => {
        for (let d = 0; d < dim; d++) out[d] = samples[n * dim + d] as number;
      });
      const expected = new Float64Array(dim * dim);
      for (let a = 0; a < dim; a++) {
        for (let b = 0; b < dim; b++) {
          let s = 0;
          for (let n = 0; n < count; n++)
            s += (samples[n * dim + a] as number) * (samples[n * dim + b] as number);
          expected[a * dim + b] = s;
        }
      }
      expectClose(gram, expected, 1e-12);
    }
  });
});

describe('channelProducts', () => {
  it('matches the float64 reference Z_i = X_i W_i^T on odd and even shapes', () => {
    const random = uniforms(21);
    for (const channels of [1, 3, 5]) {
      for (const rows of [1, 2, 3, 7]) {
        for (const k of [1, 4, 9]) {
          for (const O of [1, 3, 4, 5, 7]) {
            const patches = randomRows(channels * rows * k, random);
            const kernel = randomRows(channels * k * O, random);
            const out = randomRows(channels * rows * O, random); // overwritten, not added to
            channelProducts(out, patches, kernel, channels, rows, k, O);
            const expected = new Float64Array(channels * rows * O);
            for (let i = 0; i < channels; i++) {
              for (let r = 0; r < rows; r++) {
                for (let o = 0; o < O; o++) {
                  let s = 0;
                  for (let p = 0; p < k; p++) {
                    s +=
                      (patches[(i * rows + r) * k + p] as number) *
                      (kernel[(i * k + p) * O + o] as number);
                  }
                  expected[(i * rows + r) * O + o] = s;
                }
              }
            }
            expectClose(out, expected, 1e-13);
          }
        }
      }
    }
  });
});

describe('channelContributions (kernels)', () => {
  /** Explicit Z_i, then G, c, ||Y||^2 in float64, optionally centred and with a bias. */
  function reference(
    X: Float32Array,
    W: Float32Array,
    Y: Float32Array,
    bias: Float32Array | null,
    center: boolean,
    N: number,
    k: number,
    C: number,
    O: number,
  ) {
    const Z = new Float64Array(C * N * O);
    const T = new Float64Array(N * O);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++)
        T[n * O + o] = (Y[n * O + o] as number) - (bias ? (bias[o] as number) : 0);
      for (let i = 0; i < C; i++) {
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let p = 0; p < k; p++)
            s += (X[(n * k + p) * C + i] as number) * (W[(p * C + i) * O + o] as number);
          Z[(i * N + n) * O + o] = s;
        }
      }
    }
    if (center) {
      for (let i = 0; i <= C; i++) {
        const data = i < C ? Z.subarray(i * N * O, (i + 1) * N * O) : T;
        for (let o = 0; o < O; o++) {
          let mean = 0;
          for (let n = 0; n < N; n++) mean += data[n * O + o] as number;
          mean /= N;
          for (let n = 0; n < N; n++) data[n * O + o] = (data[n * O + o] as number) - mean;
        }
      }
    }
    const dot = (a: Float64Array, b: Float64Array) =>
      a.reduce((s, v, index) => s + v * (b[index] as number), 0);
    const row = (i: number) => Z.subarray(i * N * O, (i + 1) * N * O);
    const gram = new Float64Array(C * C);
    const correlation = new Float64Array(C);
    for (let i = 0; i < C; i++) {
      for (let j = 0; j < C; j++) gram[i * C + j] = dot(row(i), row(j)) / N;
      correlation[i] = dot(row(i), T) / N;
    }
    return { gram, correlation, targetEnergy: dot(T, T) / N };
  }

  it('both paths match the explicit float64 computation on odd shapes, several blocks', () => {
    const random = uniforms(31);
    const shapes = [
      [1, 1, 1, 1],
      [5, 1, 3, 2],
      [37, 9, 7, 5],
      [300, 4, 5, 7], // 292 samples per contributions block: a partial second block
      [1001, 9, 16, 16], // 128 per block, partial last block; 256 per patches block
      [130, 2, 33, 3],
    ] as const;
    for (const [N, k, C, O] of shapes) {
      const X = Float32Array.from({ length: N * k * C }, () => Math.max(0, random()));
      const W = Float32Array.from({ length: k * C * O }, random);
      const Y = Float32Array.from({ length: N * O }, random);
      const bias = Float32Array.from({ length: O }, random);
      for (const center of [false, true]) {
        for (const withBias of [false, true]) {
          const expected = reference(X, W, Y, withBias ? bias : null, center, N, k, C, O);
          for (const path of ['patches', 'contributions'] as const) {
            const got = channelContributions({
              X,
              W,
              Y,
              channelsIn: C,
              channelsOut: O,
              bias: withBias ? bias : null,
              center,
              path,
            });
            expectClose(got.gram, expected.gram, 1e-10);
            expectClose(got.correlation, expected.correlation, 1e-10);
            expect(got.targetEnergy).toBeCloseTo(expected.targetEnergy, 10);
          }
        }
      }
    }
  });

  it("'auto' takes contributions for few channels and patches for many (3x3, C = O)", () => {
    const pick = (C: number) => {
      const N = 1000;
      return channelContributions({
        X: new Float32Array(N * 9 * C).fill(1),
        W: new Float32Array(9 * C * C).fill(1),
        Y: new Float32Array(N * C).fill(1),
        channelsIn: C,
        channelsOut: C,
      }).path;
    };
    expect(pick(16)).toBe('contributions');
    expect(pick(128)).toBe('patches');
  });
});
