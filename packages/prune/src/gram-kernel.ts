import { accumulateGramSimd } from './simd-gram';

/**
 * Adds the Gram matrix of the rows of `rows` (a `dim` x `length` row-major block) to the upper
 * triangle of `target` (`dim` x `dim`, row-major): target[a][b] += <rows[a], rows[b]> for b >= a.
 *
 * This one kernel carries every heavy product of the package (patch Gram X^T X, contribution
 * Gram Z^T Z, kernel products W W^T). It runs the WebAssembly SIMD kernel of `simd-gram.ts`
 * (about 10 GMAC/s on V8) where available, else {@link accumulateGramJs}.
 */
export function accumulateGram(
  target: Float64Array,
  rows: Float64Array,
  dim: number,
  length: number,
): void {
  if (!accumulateGramSimd(target, rows, dim, length)) accumulateGramJs(target, rows, dim, length);
}

/**
 * {@link accumulateGram} in plain JS, on 2 x 4 register blocks so each loaded value is used
 * several times; on V8 that runs at roughly 2-3 GMAC/s, which is what makes selection on the
 * C x C Gram an order of magnitude faster than a LASSO on the (N*Cout) x C design matrix.
 */
export function accumulateGramJs(
  target: Float64Array,
  rows: Float64Array,
  dim: number,
  length: number,
): void {
  const L = length;
  let a = 0;
  for (; a + 1 < dim; a += 2) {
    const a0 = a * L;
    const a1 = a0 + L;
    const r0 = a * dim;
    const r1 = r0 + dim;
    let d00 = 0;
    let d01 = 0;
    let d11 = 0;
    for (let l = 0; l < L; l++) {
      const x = rows[a0 + l] as number;
      const y = rows[a1 + l] as number;
      d00 += x * x;
      d01 += x * y;
      d11 += y * y;
    }
    target[r0 + a] = (target[r0 + a] as number) + d00;
    target[r0 + a + 1] = (target[r0 + a + 1] as number) + d01;
    target[r1 + a + 1] = (target[r1 + a + 1] as number) + d11;
    let b = a + 2;
    for (; b + 3 < dim; b += 4) {
      const b0 = b * L;
      const b1 = b0 + L;
      const b2 = b1 + L;
      const b3 = b2 + L;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let l = 0; l < L; l++) {
        const x = rows[a0 + l] as number;
        const y = rows[a1 + l] as number;
        const u0 = rows[b0 + l] as number;
        const u1 = rows[b1 + l] as number;
        const u2 = rows[b2 + l] as number;
        const u3 = rows[b3 + l] as number;
        s00 += x * u0;
        s01 += x * u1;
        s02 += x * u2;
        s03 += x * u3;
        s10 += y * u0;
        s11 += y * u1;
        s12 += y * u2;
        s13 += y * u3;
      }
      target[r0 + b] = (target[r0 + b] as number) + s00;
      target[r0 + b + 1] = (target[r0 + b + 1] as number) + s01;
      target[r0 + b + 2] = (target[r0 + b + 2] as number) + s02;
      target[r0 + b + 3] = (target[r0 + b + 3] as number) + s03;
      target[r1 + b] = (target[r1 + b] as number) + s10;
      target[r1 + b + 1] = (target[r1 + b + 1] as number) + s11;
      target[r1 + b + 2] = (target[r1 + b + 2] as number) + s12;
      target[r1 + b + 3] = (target[r1 + b + 3] as number) + s13;
    }
    for (; b < dim; b++) {
      const b0 = b * L;
      let s0 = 0;
      let s1 = 0;
      for (let l = 0; l < L; l++) {
        const u = rows[b0 + l] as number;
        s0 += (rows[a0 + l] as number) * u;
        s1 += (rows[a1 + l] as number) * u;
      }
      target[r0 + b] = (target[r0 + b] as number) + s0;
      target[r1 + b] = (target[r1 + b] as number) + s1;
    }
  }
  for (; a < dim; a++) {
    const a0 = a * L;
    for (let b = a; b < dim; b++) {
      const b0 = b * L;
      let s = 0;
      for (let l = 0; l < L; l++) s += (rows[a0 + l] as number) * (rows[b0 + l] as number);
      target[a * dim + b] = (target[a * dim + b] as number) + s;
    }
  }
}

/** Copies the upper triangle of a square row-major matrix into its lower triangle. */
export function symmetrize(matrix: Float64Array, dim: number): void {
  for (let a = 0; a < dim; a++) {
    for (let b = a + 1; b < dim; b++) matrix[b * dim + a] = matrix[a * dim + b] as number;
  }
}

/**
 * The Gram matrix (upper triangle filled, then symmetrised) of the columns of a `count` x `dim`
 * row-major sample matrix given through `fillRow`, which writes row n into `out` (length dim).
 * Rows are transposed in blocks so the kernel reads contiguous memory; 256 rows per block was
 * fastest for dim 160 to 1280 (64 is 20-30 % slower on the SIMD kernel).
 */
export function columnGram(
  count: number,
  dim: number,
  fillRow: (n: number, out: Float64Array) => void,
  block = 256,
): Float64Array {
  const gram = new Float64Array(dim * dim);
  const chunk = new Float64Array(dim * block);
  const row = new Float64Array(dim);
  for (let n0 = 0; n0 < count; n0 += block) {
    const rowsInBlock = Math.min(block, count - n0);
    if (rowsInBlock < block) chunk.fill(0);
    for (let r = 0; r < rowsInBlock; r++) {
      fillRow(n0 + r, row);
      for (let d = 0; d < dim; d++) chunk[d * block + r] = row[d] as number;
    }
    accumulateGram(gram, chunk, dim, block);
  }
  symmetrize(gram, dim);
  return gram;
}

/**
 * One block of channel contributions: for every channel i, `out` row i (length rows * O,
 * sample-major) receives Z_i = X_i W_i^T for `rows` samples, where `patches` holds
 * x[i][r][p] (C x rows x k) and `kernel` holds W[i][p][o] (C x k x O). Works on 2 x 4 register
 * blocks (two samples, four outputs) like {@link accumulateGram}, so forming the Z_i runs at the
 * speed of the Gram kernel instead of the scalar loop's third of it.
 */
export function channelProducts(
  out: Float64Array,
  patches: Float64Array,
  kernel: Float64Array,
  channels: number,
  rows: number,
  k: number,
  O: number,
): void {
  const L = rows * O;
  for (let i = 0; i < channels; i++) {
    const xBase = i * rows * k;
    const wBase = i * k * O;
    const zBase = i * L;
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const x0 = xBase + r * k;
      const x1 = x0 + k;
      const z0 = zBase + r * O;
      const z1 = z0 + O;
      let o = 0;
      for (; o + 3 < O; o += 4) {
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let p = 0; p < k; p++) {
          const a = patches[x0 + p] as number;
          const b = patches[x1 + p] as number;
          const w = wBase + p * O + o;
          const w0 = kernel[w] as number;
          const w1 = kernel[w + 1] as number;
          const w2 = kernel[w + 2] as number;
          const w3 = kernel[w + 3] as number;
          s00 += a * w0;
          s01 += a * w1;
          s02 += a * w2;
          s03 += a * w3;
          s10 += b * w0;
          s11 += b * w1;
          s12 += b * w2;
          s13 += b * w3;
        }
        out[z0 + o] = s00;
        out[z0 + o + 1] = s01;
        out[z0 + o + 2] = s02;
        out[z0 + o + 3] = s03;
        out[z1 + o] = s10;
        out[z1 + o + 1] = s11;
        out[z1 + o + 2] = s12;
        out[z1 + o + 3] = s13;
      }
      for (; o < O; o++) {
        let s0 = 0;
        let s1 = 0;
        for (let p = 0; p < k; p++) {
          const w = kernel[wBase + p * O + o] as number;
          s0 += (patches[x0 + p] as number) * w;
          s1 += (patches[x1 + p] as number) * w;
        }
        out[z0 + o] = s0;
        out[z1 + o] = s1;
      }
    }
    for (; r < rows; r++) {
      const x0 = xBase + r * k;
      const z0 = zBase + r * O;
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += (patches[x0 + p] as number) * (kernel[wBase + p * O + o] as number);
        out[z0 + o] = s;
      }
    }
  }
}
