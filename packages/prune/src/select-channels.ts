import { channelContributions, type GramPath } from './channel-contributions';
import { solveLasso } from './lasso';
import { createRandom, randomPermutation } from './random';
import type { ChannelCriterion } from './types';
import { checkInteger, describe, fail } from './validate';

/** Options for {@link selectChannels}. Which fields are needed depends on `criterion`. */
export interface SelectChannelsOptions {
  /** Channels to keep, an integer in [1, channelsIn]. */
  keep: number;
  /** Channels C of the map being pruned (the consumer's input channels). */
  channelsIn: number;
  /** Ranking criterion. Default 'lasso'. */
  criterion?: ChannelCriterion;
  /** 'lasso': consumer input patches, `N x kernelArea x channelsIn` (see {@link FeatureSamples}). */
  X?: Float32Array | Float64Array;
  /** 'lasso': consumer kernel, tfjs layout `[kh][kw][channelsIn][channelsOut]`. */
  W?: Float32Array | Float64Array;
  /** 'lasso': targets to reconstruct, `N x channelsOut` (pre-activation consumer outputs). */
  Y?: Float32Array | Float64Array;
  /** 'lasso': consumer output channels. */
  channelsOut?: number;
  /** 'lasso': consumer bias, subtracted from Y (no channel explains it). Default none. */
  bias?: Float32Array | Float64Array | null;
  /** 'lasso': select on mean-centred contributions, for when the bias is refitted afterwards. Default false. */
  center?: boolean;
  /** 'lasso': most LASSO fits the lambda search may use. Default 60. */
  maxFits?: number;
  /** 'lasso': how the Gram is built (see {@link channelContributions}). Default 'auto'. */
  path?: GramPath | 'auto';
  /** 'l1': one importance per channel, normally the L1 norm of each producer filter ({@link filterL1Norms}). */
  filterNorms?: ArrayLike<number>;
  /** 'random': seed of the permutation. Default 0. */
  seed?: number;
}

/** Result of {@link selectChannels}. */
export interface ChannelSelection {
  /** Indices of the kept channels, ascending; always exactly `keep` of them. */
  kept: number[];
  /** The criterion used. */
  criterion: ChannelCriterion;
  /** Importance of every channel under the criterion (|beta|, filter norm, or a random rank); higher is kept first. */
  scores: Float64Array;
  /** 'lasso': the lambda of the final fit, in normalised units (see `beta`); null otherwise. */
  lambda: number | null;
  /**
   * 'lasso': the LASSO coefficients of the final fit in normalised units, beta_i * sqrt(G_ii):
   * the RMS size of channel i's contribution to the fit. null otherwise.
   */
  beta: Float64Array | null;
  /** LASSO fits used by the lambda search (0 for other criteria). */
  fits: number;
  /** Whether the LASSO fit itself had exactly `keep` non-zeros (otherwise the largest |beta| were taken). */
  exact: boolean;
  /** 'lasso': the Gram computation used; null otherwise. */
  gramPath: GramPath | null;
}

const FN = 'selectChannels';
const CRITERIA: ChannelCriterion[] = ['lasso', 'l1', 'random'];

/**
 * Chooses which `keep` of `channelsIn` channels of a feature map to keep.
 *
 * 'lasso' (default) is He et al. 2017 / eq 4-6: with Z_i = X_i W_i^T, minimise
 * (1/2N)||Y - sum_i beta_i Z_i||^2 + lambda ||beta||_1 by coordinate descent on the C x C Gram,
 * with lambda found by bisection (geometric once bracketed) so that exactly `keep` betas are
 * non-zero. Each Z_i is scaled to unit RMS first, so lambda is comparable across channels and
 * coordinate descent is well conditioned. Channels whose contribution is identically zero (dead
 * channels) are never preferred. If no lambda gives exactly `keep` (ties, plateaus, fit limit),
 * the `keep` largest |beta| of the closest fit with more non-zeros are taken. It never fails:
 * the result always has exactly `keep` channels.
 *
 * 'l1' keeps the channels with the largest `filterNorms` (Li et al. 2017), 'random' a seeded
 * random subset.
 */
export function selectChannels(options: SelectChannelsOptions): ChannelSelection {
  const C = checkInteger(FN, 'channelsIn', options.channelsIn, 1);
  const keep = checkInteger(FN, 'keep', options.keep, 1, C);
  const criterion = options.criterion ?? 'lasso';
  if (!CRITERIA.includes(criterion)) fail(FN, 'criterion', "'lasso', 'l1' or 'random'", criterion);
  if (criterion === 'l1') {
    const norms = options.filterNorms;
    if (!norms || typeof norms.length !== 'number' || norms.length !== C) {
      throw new RangeError(
        `${FN}: criterion 'l1' needs filterNorms, one number per channel (${C}), got ${norms === undefined ? 'undefined' : describe(norms)}`,
      );
    }
    const scores = Float64Array.from(norms);
    return ranked(scores, keep, criterion);
  }
  if (criterion === 'random') {
    const order = randomPermutation(C, createRandom(options.seed ?? 0));
    const scores = new Float64Array(C);
    order.forEach((channel, rank) => {
      scores[channel] = C - rank;
    });
    return ranked(scores, keep, criterion);
  }
  return selectByLasso(options, C, keep);
}

/** Keeps the `keep` highest scores (ties: lower index first). */
function ranked(scores: Float64Array, keep: number, criterion: ChannelCriterion): ChannelSelection {
  return {
    kept: topChannels(scores, keep, null),
    criterion,
    scores,
    lambda: null,
    beta: null,
    fits: 0,
    exact: true,
    gramPath: null,
  };
}

function topChannels(scores: Float64Array, keep: number, tieBreak: Float64Array | null): number[] {
  const order = Array.from(scores, (_, i) => i);
  order.sort(
    (a, b) =>
      (scores[b] as number) - (scores[a] as number) ||
      (tieBreak ? (tieBreak[b] as number) - (tieBreak[a] as number) : 0) ||
      a - b,
  );
  return order.slice(0, keep).sort((a, b) => a - b);
}

function selectByLasso(options: SelectChannelsOptions, C: number, keep: number): ChannelSelection {
  for (const field of ['X', 'W', 'Y'] as const) {
    if (options[field] === undefined) {
      throw new RangeError(
        `${FN}: criterion 'lasso' needs ${field} (see FeatureSamples), got undefined`,
      );
    }
  }
  const maxFits = checkInteger(FN, 'maxFits', options.maxFits ?? 60, 1);
  const problem = channelContributions({
    X: options.X as Float32Array,
    W: options.W as Float32Array,
    Y: options.Y as Float32Array,
    channelsIn: C,
    channelsOut: checkInteger(FN, 'channelsOut', options.channelsOut, 1),
    bias: options.bias ?? null,
    center: options.center ?? false,
    path: options.path ?? 'auto',
  });
  return selectFromGram(problem.gram, problem.correlation, C, keep, maxFits, problem.path);
}

/**
 * The LASSO selection of {@link selectChannels} on a C x C contribution Gram and correlations
 * already built (for a channel group: the sums over all its consumers).
 */
export function selectFromGram(
  gram: Float64Array,
  correlation: Float64Array,
  C: number,
  keep: number,
  maxFits: number,
  gramPath: GramPath | null,
): ChannelSelection {
  // Normalise every Z_i to unit RMS; channels with no contribution at all are set aside.
  let maxDiag = 0;
  for (let i = 0; i < C; i++) maxDiag = Math.max(maxDiag, gram[i * C + i] as number);
  const live: number[] = [];
  for (let i = 0; i < C; i++) {
    const d = gram[i * C + i] as number;
    if (!(d > maxDiag * 1e-12)) continue;
    // A contribution parallel to an earlier live one (a duplicated channel) adds nothing the
    // LASSO cannot express with that channel's beta; keeping both only makes the fit degenerate
    // (issue 16: a planted duplicate pair was kept while a needed channel went). Set it aside
    // like a dead channel.
    const parallel = live.some((j) => {
      const cross = gram[i * C + j] as number;
      return cross * cross >= d * (gram[j * C + j] as number) * (1 - 1e-9);
    });
    if (!parallel) live.push(i);
  }
  const m = live.length;
  const scale = live.map((i) => Math.sqrt(gram[i * C + i] as number));
  const g = new Float64Array(m * m);
  const c = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const i = live[a] as number;
    c[a] = (correlation[i] as number) / (scale[a] as number);
    for (let b = 0; b < m; b++) {
      const j = live[b] as number;
      g[a * m + b] = (gram[i * C + j] as number) / ((scale[a] as number) * (scale[b] as number));
    }
    g[a * m + a] = 1;
  }
  const scores = new Float64Array(C);
  const result = (
    beta: Float64Array | null,
    lambda: number | null,
    fits: number,
    exact: boolean,
    kept: number[],
  ): ChannelSelection => {
    const full = beta ? new Float64Array(C) : null;
    if (beta && full) {
      live.forEach((i, a) => {
        full[i] = beta[a] as number;
        scores[i] = Math.abs(beta[a] as number);
      });
    }
    return {
      kept,
      criterion: 'lasso',
      scores,
      lambda,
      beta: full,
      fits,
      exact,
      gramPath,
    };
  };
  // Tie-break by |correlation| (normalised), then by index.
  const tie = new Float64Array(C).fill(-1);
  live.forEach((i, a) => {
    tie[i] = Math.abs(c[a] as number);
  });

  if (keep >= m) {
    // Everything that contributes is kept; dead channels fill the rest (they change nothing).
    const fill = new Float64Array(C);
    for (const i of live) fill[i] = 1;
    return result(null, null, 0, keep === m, topChannels(fill, keep, tie));
  }
  let lambdaMax = 0;
  for (let a = 0; a < m; a++) lambdaMax = Math.max(lambdaMax, Math.abs(c[a] as number));
  if (lambdaMax === 0) {
    // Y is orthogonal to every contribution: nothing to reconstruct, any choice is optimal.
    return result(new Float64Array(m), lambdaMax, 0, false, topChannels(scores, keep, tie));
  }

  const count = (beta: Float64Array) => beta.reduce((n, b) => n + (b !== 0 ? 1 : 0), 0);
  let lo = 0;
  let hi = lambdaMax;
  let above: { beta: Float64Array; lambda: number } | null = null; // closest fit with > keep
  let below: { beta: Float64Array; lambda: number } = {
    beta: new Float64Array(m),
    lambda: lambdaMax,
  };
  let warm: Float64Array = new Float64Array(m);
  let fits = 0;
  while (fits < maxFits) {
    const lambda = lo > 0 ? Math.sqrt(lo * hi) : hi / 4;
    if ((lo > 0 && hi / lo < 1 + 1e-12) || lambda < lambdaMax * 1e-15) break;
    const solution = solveLasso({ gram: g, correlation: c, lambda, initial: warm });
    fits++;
    warm = solution.beta;
    const n = count(solution.beta);
    if (n === keep) {
      const kept: number[] = [];
      solution.beta.forEach((b, a) => {
        if (b !== 0) kept.push(live[a] as number);
      });
      return result(
        solution.beta,
        lambda,
        fits,
        true,
        kept.sort((x, y) => x - y),
      );
    }
    if (n > keep) {
      lo = lambda;
      above = { beta: solution.beta, lambda };
    } else {
      hi = lambda;
      below = { beta: solution.beta, lambda };
    }
  }
  // No lambda hit `keep` exactly: take the largest |beta| of the closest fit with more non-zeros.
  const closest = above ?? below;
  const magnitude = new Float64Array(C);
  live.forEach((i, a) => {
    magnitude[i] = Math.abs(closest.beta[a] as number);
  });
  const kept = topChannels(magnitude, keep, tie);
  return result(closest.beta, closest.lambda, fits, false, kept);
}

/**
 * The L1 norm of every output filter of a convolution kernel (tfjs layout
 * `[kh][kw][channelsIn][filters]`): the 'l1' criterion's importance of each produced channel.
 */
export function filterL1Norms(kernel: Float32Array | Float64Array, filters: number): Float64Array {
  checkInteger('filterL1Norms', 'filters', filters, 1);
  if (kernel.length % filters !== 0) {
    fail('filterL1Norms', 'kernel.length', `a multiple of filters (${filters})`, kernel.length);
  }
  const norms = new Float64Array(filters);
  for (let i = 0; i < kernel.length; i++) {
    const f = i % filters;
    norms[f] = (norms[f] as number) + Math.abs(kernel[i] as number);
  }
  return norms;
}
