import { checkFloatArray, checkInteger, fail } from './validate';

/** Options for {@link solveLasso}. */
export interface SolveLassoOptions {
  /** G, C x C symmetric positive semi-definite, row-major, with a positive diagonal. */
  gram: Float64Array;
  /** c, length C. */
  correlation: Float64Array;
  /** The L1 weight lambda (>= 0). */
  lambda: number;
  /** Warm start (copied, not modified). Default all zeros. */
  initial?: Float64Array;
  /** Stop when no KKT condition is violated by more than this. Default 1e-10 * max|c_i|. */
  tolerance?: number;
  /** Upper bound on coordinate-descent sweeps. Default 20000. */
  maxSweeps?: number;
}

/** Result of {@link solveLasso}. */
export interface LassoSolution {
  /** The minimiser beta. */
  beta: Float64Array;
  /** Coordinate-descent sweeps used. */
  sweeps: number;
  /** Largest KKT violation at `beta` (see {@link lassoKktViolation}). */
  violation: number;
  /** Whether `violation <= tolerance`. */
  converged: boolean;
}

const FN = 'solveLasso';

/**
 * Minimises f(beta) = beta^T G beta / 2 - c^T beta + lambda ||beta||_1 by cyclic coordinate
 * descent, which is eq 4-6 divided out: with G_ij = <Z_i, Z_j>/N and c_i = <Z_i, Y>/N,
 * (1/2N)||Y - sum beta_i Z_i||^2 + lambda||beta||_1 = f(beta) + const. Working on the C x C Gram
 * instead of the (N*Cout) x C design matrix makes one sweep cost C^2 whatever N is.
 *
 * The gradient r = c - G beta is kept up to date (one column of G per coordinate change) and
 * sweeps alternate between the active set and full passes, the usual glmnet strategy. The
 * problem is convex, so every stationary point is the minimum; convergence is judged on the
 * KKT conditions themselves.
 */
export function solveLasso(options: SolveLassoOptions): LassoSolution {
  const { gram, correlation, lambda } = options;
  if (!(correlation instanceof Float64Array) || correlation.length === 0) {
    fail(FN, 'correlation', 'a non-empty Float64Array', correlation);
  }
  const C = correlation.length;
  checkFloatArray(FN, 'gram', gram, C * C, `C x C with C = ${C}`);
  if (typeof lambda !== 'number' || !(lambda >= 0) || !Number.isFinite(lambda)) {
    fail(FN, 'lambda', 'a finite number >= 0', lambda);
  }
  for (let i = 0; i < C; i++) {
    if (!((gram[i * C + i] as number) > 0)) fail(FN, `gram[${i}][${i}]`, '> 0', gram[i * C + i]);
  }
  let scale = 0;
  for (let i = 0; i < C; i++) scale = Math.max(scale, Math.abs(correlation[i] as number));
  const tolerance = options.tolerance ?? 1e-10 * Math.max(scale, Number.MIN_VALUE);
  const maxSweeps = checkInteger(FN, 'maxSweeps', options.maxSweeps ?? 20000, 1);
  const beta = new Float64Array(C);
  if (options.initial) {
    checkFloatArray(FN, 'initial', options.initial, C, `C = ${C}`);
    beta.set(options.initial);
  }
  const r = Float64Array.from(correlation);
  for (let j = 0; j < C; j++) {
    const b = beta[j] as number;
    if (b !== 0)
      for (let i = 0; i < C; i++) r[i] = (r[i] as number) - (gram[i * C + j] as number) * b;
  }

  const update = (i: number): number => {
    const g = gram[i * C + i] as number;
    const old = beta[i] as number;
    const z = (r[i] as number) + g * old;
    const next = z > lambda ? (z - lambda) / g : z < -lambda ? (z + lambda) / g : 0;
    const delta = next - old;
    if (delta === 0) return 0;
    beta[i] = next;
    const column = i * C; // G is symmetric: row i is column i
    for (let j = 0; j < C; j++) r[j] = (r[j] as number) - (gram[column + j] as number) * delta;
    return Math.abs(delta) * Math.sqrt(g);
  };

  let sweeps = 0;
  let violation = Number.POSITIVE_INFINITY;
  while (sweeps < maxSweeps) {
    // Full pass: may change the active set.
    sweeps++;
    for (let i = 0; i < C; i++) update(i);
    // Active-set passes until the active coordinates settle.
    while (sweeps < maxSweeps) {
      sweeps++;
      let change = 0;
      for (let i = 0; i < C; i++) if (beta[i] !== 0) change = Math.max(change, update(i));
      if (change <= tolerance * 1e-2) break;
    }
    // Recompute the gradient from scratch so rounding drift cannot fake convergence.
    for (let i = 0; i < C; i++) {
      let s = correlation[i] as number;
      for (let j = 0; j < C; j++) s -= (gram[i * C + j] as number) * (beta[j] as number);
      r[i] = s;
    }
    violation = kktViolation(beta, r, lambda);
    if (violation <= tolerance) break;
  }
  return { beta, sweeps, violation, converged: violation <= tolerance };
}

function kktViolation(beta: Float64Array, gradient: Float64Array, lambda: number): number {
  let worst = 0;
  for (let i = 0; i < beta.length; i++) {
    const b = beta[i] as number;
    const g = gradient[i] as number;
    const v = b === 0 ? Math.max(0, Math.abs(g) - lambda) : Math.abs(g - lambda * Math.sign(b));
    if (v > worst) worst = v;
  }
  return worst;
}

/**
 * The largest violation of the LASSO optimality (KKT) conditions at `beta`:
 * with r = c - G beta, |r_i| <= lambda where beta_i = 0 and r_i = lambda sign(beta_i) elsewhere.
 * Zero exactly at the minimiser.
 */
export function lassoKktViolation(
  gram: Float64Array,
  correlation: Float64Array,
  beta: Float64Array,
  lambda: number,
): number {
  const C = correlation.length;
  const r = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    let s = correlation[i] as number;
    for (let j = 0; j < C; j++) s -= (gram[i * C + j] as number) * (beta[j] as number);
    r[i] = s;
  }
  return kktViolation(beta, r, lambda);
}
