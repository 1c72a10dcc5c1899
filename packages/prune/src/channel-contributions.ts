import { accumulateGram, channelProducts, columnGram, symmetrize } from './gram-kernel';
import { simdGramAvailable } from './simd-gram';
import { checkFloatArray, checkInteger, fail } from './validate';

/** How the C x C contribution Gram is computed; both give the same matrix. */
export type GramPath = 'patches' | 'contributions';

/** Options for {@link channelContributions}. */
export interface ChannelContributionsOptions {
  /** Input patches, `N x kernelArea x channelsIn` (see {@link FeatureSamples}). */
  X: Float32Array | Float64Array;
  /** Consumer kernel in tfjs layout `[kh][kw][channelsIn][channelsOut]`. */
  W: Float32Array | Float64Array;
  /** Targets, `N x channelsOut` (pre-activation outputs). */
  Y: Float32Array | Float64Array;
  /** Input channels C. */
  channelsIn: number;
  /** Output channels. */
  channelsOut: number;
  /** Bias subtracted from every row of Y before fitting (the part no channel explains). Default none. */
  bias?: Float32Array | Float64Array | null;
  /** Subtract the sample means of Z_i and Y (use when the consumer bias is refitted afterwards). Default false. */
  center?: boolean;
  /** Which computation to use; 'auto' (default) picks the faster (measured cost model). */
  path?: GramPath | 'auto';
}

/** The LASSO problem of eq 4-6 reduced to the C x C quantities coordinate descent needs. */
export interface ChannelContributions {
  /** G_ij = <Z_i, Z_j> / N with Z_i = X_i W_i^T (N x Cout), C x C row-major, symmetric. */
  gram: Float64Array;
  /** c_i = <Z_i, Y> / N. */
  correlation: Float64Array;
  /** ||Y||^2 / N: with gram and correlation it gives the residual of any beta. */
  targetEnergy: number;
  /** Number of samples N. */
  samples: number;
  /** Input channels C. */
  channels: number;
  /** The computation used. */
  path: GramPath;
}

const FN = 'channelContributions';

/**
 * Samples x output channels per block of contributions: the (C + 1) x block chunk then fits in
 * L2 for C up to about 64 (1024 to 4096 measured the same).
 */
const CONTRIBUTION_BLOCK = 2048;

/**
 * Multiply-adds of the two ways to build the contribution Gram for N samples, k kernel
 * positions, C input and O output channels. 'patches' forms the (kC + O)^2 moment matrix of
 * [X | Y] once; 'contributions' forms every Z_i explicitly and takes their C x C Gram.
 */
export function gramCost(
  samples: number,
  kernelArea: number,
  channelsIn: number,
  channelsOut: number,
): Record<GramPath, number> {
  const D = kernelArea * channelsIn;
  return {
    patches: (samples * (D + channelsOut) ** 2) / 2 + (D * D * channelsOut) / 2,
    contributions:
      samples * channelsOut * (channelsIn * kernelArea + ((channelsIn + 1) * (channelsIn + 2)) / 2),
  };
}

/**
 * Reduces the channel-selection problem (eq 4-6) to its C x C Gram matrix and C correlations:
 * (1/2N)||Y - sum_i beta_i Z_i||^2 = targetEnergy/2 - c^T beta + beta^T G beta / 2.
 *
 * Two exact computations are available. 'patches' uses
 * <X_i W_i^T, X_j W_j^T>_F = sum over kernel positions p, q of (X^T X)[(p,i),(q,j)] (W W^T)[(p,i),(q,j)],
 * costing about N (kC + O)^2 / 2; 'contributions' forms the Z_i and costs about N C O (k + C/2).
 * 'auto' picks the faster by a measured cost model (for 3x3 kernels and C = O: contributions up
 * to about 48 channels, patches above).
 */
export function channelContributions(options: ChannelContributionsOptions): ChannelContributions {
  const C = checkInteger(FN, 'channelsIn', options.channelsIn, 1);
  const O = checkInteger(FN, 'channelsOut', options.channelsOut, 1);
  const { X, W, Y, bias = null, center = false, path = 'auto' } = options;
  if (
    !(Y instanceof Float32Array || Y instanceof Float64Array) ||
    Y.length % O !== 0 ||
    Y.length === 0
  ) {
    fail(FN, 'Y', `a non-empty Float32Array of N x channelsOut (${O}) values`, Y);
  }
  const N = Y.length / O;
  if (
    !(W instanceof Float32Array || W instanceof Float64Array) ||
    W.length % (C * O) !== 0 ||
    W.length === 0
  ) {
    fail(
      FN,
      'W',
      `a Float32Array of kernelArea x channelsIn (${C}) x channelsOut (${O}) values`,
      W,
    );
  }
  const k = W.length / (C * O);
  checkFloatArray(FN, 'X', X, N * k * C, `N (${N}) x kernelArea (${k}) x channelsIn (${C})`);
  if (bias !== null) checkFloatArray(FN, 'bias', bias, O, `channelsOut (${O})`);
  if (path !== 'auto' && path !== 'patches' && path !== 'contributions') {
    fail(FN, 'path', "'auto', 'patches' or 'contributions'", path);
  }
  const cost = gramCost(N, k, C, O);
  // Forming the Z_i (N k C O of the 'contributions' multiply-adds) is JS; the Gram products run
  // on the SIMD kernel where available, about twice as fast per multiply-add as that (measured;
  // the plain JS kernels run at the same rate). So 'contributions' wins up to about C = O = 48
  // with SIMD, 80 without.
  const formation = N * k * C * O;
  const chosen: GramPath =
    path === 'auto'
      ? cost.patches <= cost.contributions + (simdGramAvailable() ? formation : 0)
        ? 'patches'
        : 'contributions'
      : path;
  const result =
    chosen === 'patches'
      ? viaPatches(X, W, Y, bias, N, k, C, O)
      : viaContributions(X, W, Y, bias, N, k, C, O);
  const { gram, correlation } = result;
  let targetEnergy = result.yy / N;
  if (center) {
    // Centred contributions: G_ij - <mean Z_i, mean Z_j>, c_i - <mean Z_i, mean Y>.
    const zMean = result.zSum.map((v) => v / N);
    const yMean = result.ySum.map((v) => v / N);
    for (let i = 0; i < C; i++) {
      for (let j = 0; j < C; j++) {
        let s = 0;
        for (let o = 0; o < O; o++)
          s += (zMean[i * O + o] as number) * (zMean[j * O + o] as number);
        gram[i * C + j] = (gram[i * C + j] as number) - s;
      }
      let s = 0;
      for (let o = 0; o < O; o++) s += (zMean[i * O + o] as number) * (yMean[o] as number);
      correlation[i] = (correlation[i] as number) - s;
    }
    for (let o = 0; o < O; o++) targetEnergy -= (yMean[o] as number) ** 2;
  }
  return { gram, correlation, targetEnergy, samples: N, channels: C, path: chosen };
}

interface RawContributions {
  gram: Float64Array;
  correlation: Float64Array;
  yy: number;
  zSum: Float64Array;
  ySum: Float64Array;
}

function viaPatches(
  X: Float32Array | Float64Array,
  W: Float32Array | Float64Array,
  Y: Float32Array | Float64Array,
  bias: Float32Array | Float64Array | null,
  N: number,
  k: number,
  C: number,
  O: number,
): RawContributions {
  const D = k * C;
  const dim = D + O;
  const ySum = new Float64Array(O);
  const xSum = new Float64Array(D);
  const moments = columnGram(N, dim, (n, out) => {
    const xo = n * D;
    for (let d = 0; d < D; d++) {
      const v = X[xo + d] as number;
      out[d] = v;
      xSum[d] = (xSum[d] as number) + v;
    }
    const yo = n * O;
    for (let o = 0; o < O; o++) {
      const v = (Y[yo + o] as number) - (bias ? (bias[o] as number) : 0);
      out[D + o] = v;
      ySum[o] = (ySum[o] as number) + v;
    }
  });
  const wRows = Float64Array.from(W);
  const kernelGram = new Float64Array(D * D);
  accumulateGram(kernelGram, wRows, D, O);
  symmetrize(kernelGram, D);
  const gram = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const rowA = (p * C + i) * dim;
        const rowM = (p * C + i) * D;
        for (let q = 0; q < k; q++) {
          const col = q * C + j;
          s += (moments[rowA + col] as number) * (kernelGram[rowM + col] as number);
        }
      }
      gram[i * C + j] = s / N;
      gram[j * C + i] = s / N;
    }
  }
  const correlation = new Float64Array(C);
  const zSum = new Float64Array(C * O);
  for (let i = 0; i < C; i++) {
    let s = 0;
    for (let p = 0; p < k; p++) {
      const d = p * C + i;
      for (let o = 0; o < O; o++) {
        const w = W[d * O + o] as number;
        s += (moments[d * dim + D + o] as number) * w;
        zSum[i * O + o] = (zSum[i * O + o] as number) + (xSum[d] as number) * w;
      }
    }
    correlation[i] = s / N;
  }
  let yy = 0;
  for (let o = 0; o < O; o++) yy += moments[(D + o) * dim + D + o] as number;
  return { gram, correlation, yy, zSum, ySum };
}

function viaContributions(
  X: Float32Array | Float64Array,
  W: Float32Array | Float64Array,
  Y: Float32Array | Float64Array,
  bias: Float32Array | Float64Array | null,
  N: number,
  k: number,
  C: number,
  O: number,
): RawContributions {
  // Samples go in blocks whose (C + 1) x block*O chunk stays in cache: rows 0..C-1 hold the
  // Z_i of the block, row C holds Y, so one Gram of the chunk gives G, c and ||Y||^2 at once.
  const block = Math.max(2, Math.floor(CONTRIBUTION_BLOCK / O));
  const D = k * C;
  const kernel = new Float64Array(C * k * O); // W reordered to [i][p][o]
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < C; i++) {
      const from = (p * C + i) * O;
      const to = (i * k + p) * O;
      for (let o = 0; o < O; o++) kernel[to + o] = W[from + o] as number;
    }
  }
  const patches = new Float64Array(C * block * k);
  const chunk = new Float64Array((C + 1) * block * O);
  const moments = new Float64Array((C + 1) * (C + 1));
  const xSum = new Float64Array(D);
  const ySum = new Float64Array(O);
  for (let n0 = 0; n0 < N; n0 += block) {
    const rows = Math.min(block, N - n0);
    for (let r = 0; r < rows; r++) {
      const xo = (n0 + r) * D;
      for (let p = 0; p < k; p++) {
        for (let i = 0; i < C; i++) {
          const d = p * C + i;
          const v = X[xo + d] as number;
          patches[(i * rows + r) * k + p] = v;
          xSum[d] = (xSum[d] as number) + v;
        }
      }
    }
    channelProducts(chunk, patches, kernel, C, rows, k, O);
    const yRow = C * rows * O;
    for (let r = 0; r < rows; r++) {
      const yo = (n0 + r) * O;
      for (let o = 0; o < O; o++) {
        const v = (Y[yo + o] as number) - (bias ? (bias[o] as number) : 0);
        chunk[yRow + r * O + o] = v;
        ySum[o] = (ySum[o] as number) + v;
      }
    }
    accumulateGram(moments, chunk, C + 1, rows * O);
  }
  const gram = new Float64Array(C * C);
  const correlation = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      const v = (moments[i * (C + 1) + j] as number) / N;
      gram[i * C + j] = v;
      gram[j * C + i] = v;
    }
    correlation[i] = (moments[i * (C + 1) + C] as number) / N;
  }
  const yy = moments[C * (C + 1) + C] as number;
  // sum_n Z_i = (sum_n x_i) W_i^T.
  const zSum = new Float64Array(C * O);
  for (let i = 0; i < C; i++) {
    for (let p = 0; p < k; p++) {
      const x = xSum[p * C + i] as number;
      const wo = (i * k + p) * O;
      for (let o = 0; o < O; o++)
        zSum[i * O + o] = (zSum[i * O + o] as number) + x * (kernel[wo + o] as number);
    }
  }
  return { gram, correlation, yy, zSum, ySum };
}
