import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { columnGram } from './gram-kernel';
import { checkFloatArray, checkInteger, fail } from './validate';

/** Options for {@link reconstructWeights}. */
export interface ReconstructWeightsOptions {
  /** Consumer input patches with every channel, `N x kernelArea x channelsIn`. */
  X: Float32Array | Float64Array;
  /** Targets to reconstruct, `N x channelsOut` (the original pre-activation outputs, bias included). */
  Y: Float32Array | Float64Array;
  /** Channels of X. */
  channelsIn: number;
  /** Output channels of the consumer. */
  channelsOut: number;
  /** Kept input channels (distinct, ascending), as from {@link selectChannels}. */
  kept: readonly number[];
  /** The consumer's bias: kept as it is (and subtracted from Y) unless `refitBias`. Default none. */
  bias?: Float32Array | Float64Array | null;
  /** Fit the bias together with the kernel (an intercept column). Default false. */
  refitBias?: boolean;
  /** Ridge term, relative to the mean diagonal of X_S^T X_S, for rank-deficient samples. Default 1e-6. */
  ridge?: number;
  /**
   * Kernel the ridge term pulls towards, `[kh][kw][kept.length][channelsOut]`: directions the
   * samples do not determine keep these values. Pass the old kernel's kept slices so that exact
   * data gives back exactly the old weights. Default zeros (plain ridge).
   */
  prior?: Float32Array | Float64Array | null;
}

/** Result of {@link reconstructWeights}. */
export interface Reconstruction {
  /** New consumer kernel on the kept channels, tfjs layout `[kh][kw][kept.length][channelsOut]`. */
  kernel: Float32Array;
  /** The refitted bias, the given bias when not refitted, or null if there is none. */
  bias: Float32Array | null;
  /** ||Y - X_S W' - b|| / ||Y|| on the samples after the fit. */
  relativeError: number;
}

const FN = 'reconstructWeights';

/**
 * Least-squares reconstruction of the consumer's weights on the kept channels (He et al. 2017,
 * the second step of eq 4-7): W' = argmin ||Y - X_S W' (- b)||^2 + ridge ||W' - prior||^2, solved through
 * the normal equations of the (k|S| (+1)) x (k|S| (+1)) moment matrix with a Cholesky factorisation.
 * The small ridge keeps the system positive definite when channels are dead or collinear; it
 * grows by 100x per retry until the factorisation succeeds.
 */
export function reconstructWeights(options: ReconstructWeightsOptions): Reconstruction {
  const C = checkInteger(FN, 'channelsIn', options.channelsIn, 1);
  const O = checkInteger(FN, 'channelsOut', options.channelsOut, 1);
  const { X, Y, kept, bias = null, refitBias = false, ridge = 1e-6, prior = null } = options;
  if (
    !(Y instanceof Float32Array || Y instanceof Float64Array) ||
    Y.length === 0 ||
    Y.length % O !== 0
  ) {
    fail(FN, 'Y', `a non-empty Float32Array of N x channelsOut (${O}) values`, Y);
  }
  const N = Y.length / O;
  if (
    !(X instanceof Float32Array || X instanceof Float64Array) ||
    X.length % (N * C) !== 0 ||
    X.length === 0
  ) {
    fail(FN, 'X', `a Float32Array of N (${N}) x kernelArea x channelsIn (${C}) values`, X);
  }
  const k = X.length / (N * C);
  if (!Array.isArray(kept) || kept.length === 0)
    fail(FN, 'kept', 'a non-empty array of channel indices', kept);
  kept.forEach((channel, i) => {
    checkInteger(FN, `kept[${i}]`, channel, 0, C - 1);
    if (i > 0 && channel <= (kept[i - 1] as number))
      fail(FN, 'kept', 'strictly ascending', kept.join(','));
  });
  if (bias !== null) checkFloatArray(FN, 'bias', bias, O, `channelsOut (${O})`);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) fail(FN, 'ridge', 'a finite number >= 0', ridge);

  const S = kept.length;
  const m = k * S;
  if (prior !== null)
    checkFloatArray(FN, 'prior', prior, m * O, `kernelArea x kept (${S}) x channelsOut (${O})`);
  const unknowns = m + (refitBias ? 1 : 0);
  const dim = unknowns + O;
  const moments = columnGram(N, dim, (n, out) => {
    const xo = n * k * C;
    for (let p = 0; p < k; p++) {
      for (let s = 0; s < S; s++) out[p * S + s] = X[xo + p * C + (kept[s] as number)] as number;
    }
    if (refitBias) out[m] = 1;
    const yo = n * O;
    for (let o = 0; o < O; o++) {
      out[unknowns + o] = (Y[yo + o] as number) - (!refitBias && bias ? (bias[o] as number) : 0);
    }
  });
  let trace = 0;
  for (let d = 0; d < m; d++) trace += moments[d * dim + d] as number;
  const base = trace > 0 ? trace / m : 1;
  let solution: Matrix | null = null;
  for (let attempt = 0, weight = Math.max(ridge, 1e-12); attempt < 12; attempt++, weight *= 100) {
    // Ridge towards the prior: (X^T X + w I) W' = X^T Y + w prior.
    const rhs = new Matrix(unknowns, O);
    for (let a = 0; a < unknowns; a++) {
      for (let o = 0; o < O; o++) {
        const pull = prior && a < m ? weight * base * (prior[a * O + o] as number) : 0;
        rhs.set(a, o, (moments[a * dim + unknowns + o] as number) + pull);
      }
    }
    const normal = new Matrix(unknowns, unknowns);
    for (let a = 0; a < unknowns; a++) {
      for (let b = 0; b < unknowns; b++) normal.set(a, b, moments[a * dim + b] as number);
    }
    for (let d = 0; d < m; d++) normal.set(d, d, normal.get(d, d) + weight * base);
    if (refitBias) normal.set(m, m, normal.get(m, m) + 1e-12 * N);
    const cholesky = new CholeskyDecomposition(normal);
    if (cholesky.isPositiveDefinite()) {
      solution = cholesky.solve(rhs);
      break;
    }
  }
  if (!solution)
    throw new Error(`${FN}: the normal equations stayed singular; are X and Y finite?`);
  const kernel = new Float32Array(m * O);
  for (let d = 0; d < m; d++) for (let o = 0; o < O; o++) kernel[d * O + o] = solution.get(d, o);
  let newBias: Float32Array | null = null;
  if (refitBias)
    newBias = Float32Array.from({ length: O }, (_, o) => (solution as Matrix).get(m, o));
  else if (bias) newBias = Float32Array.from(bias);
  const relativeError = reconstructionError({
    X,
    Y,
    channelsIn: C,
    channelsOut: O,
    kept,
    kernel,
    bias: newBias,
  });
  return { kernel, bias: newBias, relativeError };
}

/** Options for {@link reconstructionError}. */
export interface ReconstructionErrorOptions {
  /** Input patches with every channel, `N x kernelArea x channelsIn`. */
  X: Float32Array | Float64Array;
  /** Targets, `N x channelsOut`. */
  Y: Float32Array | Float64Array;
  /** Channels of X. */
  channelsIn: number;
  /** Output channels. */
  channelsOut: number;
  /** Channels the kernel reads (ascending). Default all. */
  kept?: readonly number[];
  /** Kernel, `[kh][kw][kept.length][channelsOut]`. */
  kernel: Float32Array | Float64Array;
  /** Bias added to every output. Default none. */
  bias?: Float32Array | Float64Array | null;
}

/** Relative reconstruction error ||Y - X_kept · kernel - bias||_F / ||Y||_F over the samples. */
export function reconstructionError(options: ReconstructionErrorOptions): number {
  const { X, Y, channelsIn: C, channelsOut: O, kernel, bias = null } = options;
  const kept = options.kept ?? Array.from({ length: C }, (_, i) => i);
  const N = Y.length / O;
  const k = X.length / (N * C);
  const S = kept.length;
  if (kernel.length !== k * S * O) {
    fail(
      'reconstructionError',
      'kernel.length',
      `${k * S * O} (kernelArea x kept x channelsOut)`,
      kernel.length,
    );
  }
  const out = new Float64Array(O);
  let residual = 0;
  let energy = 0;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) out[o] = bias ? (bias[o] as number) : 0;
    const xo = n * k * C;
    for (let p = 0; p < k; p++) {
      for (let s = 0; s < S; s++) {
        const x = X[xo + p * C + (kept[s] as number)] as number;
        if (x === 0) continue;
        const wo = (p * S + s) * O;
        for (let o = 0; o < O; o++) out[o] = (out[o] as number) + x * (kernel[wo + o] as number);
      }
    }
    const yo = n * O;
    for (let o = 0; o < O; o++) {
      const y = Y[yo + o] as number;
      residual += (y - (out[o] as number)) ** 2;
      energy += y * y;
    }
  }
  return energy > 0 ? Math.sqrt(residual / energy) : Math.sqrt(residual);
}
