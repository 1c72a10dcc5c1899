import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { columnGram } from './gram-kernel';
import { createRandom, randomPermutation } from './random';
import {
  type Reconstruction,
  type ReconstructWeightsOptions,
  reconstructionError,
} from './reconstruct';
import { checkInteger, fail } from './validate';

/** Ridge terms tried by {@link reconstructValidated}, relative to the mean diagonal of X_S^T X_S. */
export const RIDGE_GRID: readonly number[] = [1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/** Relative error gain (out of fold) a refit needs over the old weights to be taken. */
const REFIT_MARGIN = 0.02;

/** Options for {@link reconstructValidated}. */
export interface ReconstructValidatedOptions extends Omit<ReconstructWeightsOptions, 'ridge'> {
  /** Cross-validation folds over the rows. Default 4 (fewer when there are fewer than 8 rows). */
  folds?: number;
  /** Relative ridge terms to try. Default {@link RIDGE_GRID}. */
  ridges?: readonly number[];
  /** Seed of the fold assignment. Default 0. */
  seed?: number;
}

/** Result of {@link reconstructValidated}. */
export interface ValidatedReconstruction extends Reconstruction {
  /**
   * The relative ridge chosen by cross-validation, or null when keeping the prior (the old
   * kernel's kept slices and the old bias) predicted the held-out folds better than any refit.
   */
  ridge: number | null;
  /** Cross-validated relative error of the choice (over all folds). */
  validationError: number;
}

const FN = 'reconstructValidated';

/**
 * Least-squares reconstruction (as {@link reconstructWeights}) with the ridge term chosen by
 * k-fold cross-validation over the rows: each candidate of `ridges` (and "no refit", the prior
 * itself) is fitted on k-1 folds and scored on the remaining one; the candidate with the lowest
 * total held-out residual is refitted on all rows. With few rows per unknown a plain least-
 * squares refit overfits (issue 16: refitted held-out errors above the unrefitted ones); the
 * validated ridge pulls the underdetermined directions back towards the old weights instead.
 * Everything works on the (unknowns + outputs)^2 moment matrices of the folds, so each
 * candidate costs one Cholesky factorisation per fold. A refit is taken only when its
 * cross-validated relative error is at least 2 % below that of the old weights.
 */
export function reconstructValidated(
  options: ReconstructValidatedOptions,
): ValidatedReconstruction {
  const C = checkInteger(FN, 'channelsIn', options.channelsIn, 1);
  const O = checkInteger(FN, 'channelsOut', options.channelsOut, 1);
  const { X, Y, kept, bias = null, refitBias = false, prior = null, ridges = RIDGE_GRID } = options;
  if (
    !(Y instanceof Float32Array || Y instanceof Float64Array) ||
    Y.length === 0 ||
    Y.length % O !== 0
  )
    fail(FN, 'Y', `a non-empty Float32Array of N x channelsOut (${O}) values`, Y);
  const N = Y.length / O;
  if (!(X instanceof Float32Array || X instanceof Float64Array) || X.length % (N * C) !== 0)
    fail(FN, 'X', `a Float32Array of N (${N}) x kernelArea x channelsIn (${C}) values`, X);
  const k = X.length / (N * C);
  const S = kept.length;
  const m = k * S;
  if (prior !== null && prior.length !== m * O) fail(FN, 'prior.length', `${m * O}`, prior.length);
  const unknowns = m + (refitBias ? 1 : 0);
  const dim = unknowns + O;
  const folds = Math.max(
    2,
    Math.min(checkInteger(FN, 'folds', options.folds ?? 4, 2), Math.floor(N / 2)),
  );

  const order = randomPermutation(N, createRandom(options.seed ?? 0));
  const foldOf = new Int32Array(N);
  order.forEach((row, i) => {
    foldOf[row] = i % folds;
  });
  const fill = (n: number, out: Float64Array) => {
    const xo = n * k * C;
    for (let p = 0; p < k; p++)
      for (let s = 0; s < S; s++) out[p * S + s] = X[xo + p * C + (kept[s] as number)] as number;
    if (refitBias) out[m] = 1;
    const yo = n * O;
    for (let o = 0; o < O; o++)
      out[unknowns + o] = (Y[yo + o] as number) - (!refitBias && bias ? (bias[o] as number) : 0);
  };
  const foldMoments: Float64Array[] = [];
  for (let f = 0; f < folds; f++) {
    const rows: number[] = [];
    for (let n = 0; n < N; n++) if (foldOf[n] === f) rows.push(n);
    foldMoments.push(columnGram(rows.length, dim, (r, out) => fill(rows[r] as number, out)));
  }
  const total = new Float64Array(dim * dim);
  for (const M of foldMoments)
    for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + (M[i] as number);

  // The prior as a full solution: old kernel slices (or zeros) and the old bias.
  const priorSolution = new Float64Array(unknowns * O);
  if (prior) for (let i = 0; i < m * O; i++) priorSolution[i] = prior[i] as number;
  if (refitBias && bias) for (let o = 0; o < O; o++) priorSolution[m * O + o] = bias[o] as number;

  const solve = (M: Float64Array, relative: number): Float64Array | null => {
    let trace = 0;
    for (let d = 0; d < m; d++) trace += M[d * dim + d] as number;
    const base = trace > 0 ? trace / m : 1;
    for (let attempt = 0, weight = relative; attempt < 8; attempt++, weight *= 100) {
      const normal = new Matrix(unknowns, unknowns);
      const rhs = new Matrix(unknowns, O);
      for (let a = 0; a < unknowns; a++) {
        for (let b = 0; b < unknowns; b++) normal.set(a, b, M[a * dim + b] as number);
        for (let o = 0; o < O; o++) {
          const pull = a < m ? weight * base * (priorSolution[a * O + o] as number) : 0;
          rhs.set(a, o, (M[a * dim + unknowns + o] as number) + pull);
        }
      }
      for (let d = 0; d < m; d++) normal.set(d, d, normal.get(d, d) + weight * base);
      if (refitBias)
        normal.set(m, m, normal.get(m, m) + 1e-9 * Math.max(1, M[m * dim + m] as number));
      const cholesky = new CholeskyDecomposition(normal);
      if (cholesky.isPositiveDefinite()) {
        const solution = cholesky.solve(rhs);
        const out = new Float64Array(unknowns * O);
        for (let a = 0; a < unknowns; a++)
          for (let o = 0; o < O; o++) out[a * O + o] = solution.get(a, o);
        return out;
      }
    }
    return null;
  };
  /** ||Y - [X 1] B||^2 over the rows of M, from the moments alone. */
  const residual = (M: Float64Array, B: Float64Array): number => {
    let r = 0;
    for (let o = 0; o < O; o++) {
      const y = unknowns + o;
      r += M[y * dim + y] as number;
      for (let a = 0; a < unknowns; a++) {
        const ba = B[a * O + o] as number;
        if (ba === 0) continue;
        r -= 2 * ba * (M[a * dim + y] as number);
        let s = 0;
        for (let b = 0; b < unknowns; b++)
          s += (M[a * dim + b] as number) * (B[b * O + o] as number);
        r += ba * s;
      }
    }
    return Math.max(r, 0);
  };
  let energy = 0;
  for (let o = 0; o < O; o++) energy += total[(unknowns + o) * dim + unknowns + o] as number;

  const priorError = residual(total, priorSolution);
  let best: { ridge: number | null; error: number } = { ridge: null, error: priorError };
  for (const relative of ridges) {
    if (!(relative > 0) || !Number.isFinite(relative))
      fail(FN, 'ridges', 'finite numbers > 0', relative);
    let error = 0;
    for (let f = 0; f < folds; f++) {
      const train = total.map((v, i) => v - (foldMoments[f]?.[i] as number));
      const B = solve(train, relative);
      error += B ? residual(foldMoments[f] as Float64Array, B) : Number.POSITIVE_INFINITY;
    }
    if (error < best.error) best = { ridge: relative, error };
  }
  // Prefer the old weights unless a refit is clearly better out of fold: a gain within
  // REFIT_MARGIN of the relative error is noise of the fold estimate, and the unrefitted kernel
  // is the simpler model (trained, not fitted to these few rows).
  if (best.ridge !== null && best.error > priorError * (1 - REFIT_MARGIN) ** 2) {
    best = { ridge: null, error: priorError };
  }
  let solution: Float64Array = priorSolution;
  if (best.ridge !== null) solution = solve(total, best.ridge) ?? priorSolution;
  const kernel = new Float32Array(m * O);
  for (let i = 0; i < m * O; i++) kernel[i] = solution[i] as number;
  let newBias: Float32Array | null = null;
  if (refitBias)
    newBias = Float32Array.from({ length: O }, (_, o) => solution[m * O + o] as number);
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
  return {
    kernel,
    bias: newBias,
    relativeError,
    ridge: best.ridge,
    validationError: energy > 0 ? Math.sqrt(best.error / energy) : Math.sqrt(best.error),
  };
}
