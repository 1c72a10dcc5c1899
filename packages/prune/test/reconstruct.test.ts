import { describe, expect, it } from 'vitest';
import { reconstructionError, reconstructWeights } from '../src/index';
import { plantedProblem } from './problems';

/** The kernel slices of `kept` channels: [k][C][O] -> [k][kept][O]. */
function slice(W: Float32Array, k: number, C: number, O: number, kept: number[]): Float32Array {
  const out = new Float32Array(k * kept.length * O);
  for (let p = 0; p < k; p++) {
    kept.forEach((c, s) => {
      out.set(W.subarray((p * C + c) * O, (p * C + c + 1) * O), (p * kept.length + s) * O);
    });
  }
  return out;
}

describe('reconstructWeights', () => {
  it('recovers the kernel that generated Y from the kept channels', () => {
    const kept = [0, 2, 5];
    const p = plantedProblem({ N: 200, k: 9, C: 6, O: 4, support: kept, seed: 3 });
    const fit = reconstructWeights({
      X: p.X,
      Y: p.Y,
      channelsIn: 6,
      channelsOut: 4,
      kept,
      ridge: 0,
    });
    const truth = slice(p.W, 9, 6, 4, kept);
    for (let i = 0; i < truth.length; i++) expect(fit.kernel[i]).toBeCloseTo(truth[i] as number, 3);
    expect(fit.relativeError).toBeLessThan(1e-4);
    expect(fit.bias).toBeNull();
  });

  it('refits a bias and keeps a given one', () => {
    const kept = [1, 3];
    const p = plantedProblem({ N: 150, k: 1, C: 4, O: 3, support: kept, seed: 4 });
    const bias = Float32Array.from([0.5, -1, 2]);
    const Y = Float32Array.from(p.Y, (v, i) => v + (bias[i % 3] as number));
    const refit = reconstructWeights({
      X: p.X,
      Y,
      channelsIn: 4,
      channelsOut: 3,
      kept,
      refitBias: true,
    });
    expect(Array.from(refit.bias as Float32Array).map((v) => Number(v.toFixed(3)))).toEqual([
      0.5, -1, 2,
    ]);
    const fixed = reconstructWeights({ X: p.X, Y, channelsIn: 4, channelsOut: 3, kept, bias });
    expect(fixed.relativeError).toBeLessThan(1e-4);
    expect(Array.from(fixed.bias as Float32Array)).toEqual(Array.from(bias));
  });

  it('stays finite when the kept channels are dead or duplicated', () => {
    const p = plantedProblem({ N: 30, k: 9, C: 5, O: 2, support: [0, 1], seed: 5 });
    for (let n = 0; n < 30 * 9; n++) {
      p.X[n * 5 + 2] = 0; // dead
      p.X[n * 5 + 3] = p.X[n * 5] as number; // duplicate of channel 0
    }
    const fit = reconstructWeights({
      X: p.X,
      Y: p.Y,
      channelsIn: 5,
      channelsOut: 2,
      kept: [0, 2, 3, 4],
      refitBias: true,
    });
    expect(fit.kernel.every(Number.isFinite)).toBe(true);
    expect(fit.relativeError).toBeLessThan(0.9);
  });

  it('keeps the prior where the samples say nothing (underdetermined, exact data)', () => {
    const kept = [0, 1, 2, 3];
    const p = plantedProblem({ N: 6, k: 9, C: 4, O: 2, support: kept, seed: 7 });
    const truth = slice(p.W, 9, 4, 2, kept);
    const fit = reconstructWeights({
      X: p.X,
      Y: p.Y,
      channelsIn: 4,
      channelsOut: 2,
      kept,
      prior: truth,
    });
    for (let i = 0; i < truth.length; i++) expect(fit.kernel[i]).toBeCloseTo(truth[i] as number, 4);
    const plain = reconstructWeights({ X: p.X, Y: p.Y, channelsIn: 4, channelsOut: 2, kept });
    expect(plain.relativeError).toBeLessThan(1e-3); // fits the 6 samples, but not with the true kernel
    expect(
      Math.max(...plain.kernel.map((v, i) => Math.abs(v - (truth[i] as number)))),
    ).toBeGreaterThan(0.01);
  });

  it('measures errors independently of the fit', () => {
    const p = plantedProblem({ N: 20, k: 1, C: 2, O: 1, support: [0, 1], seed: 6 });
    expect(
      reconstructionError({ X: p.X, Y: p.Y, channelsIn: 2, channelsOut: 1, kernel: p.W }),
    ).toBeLessThan(1e-6);
    expect(
      reconstructionError({
        X: p.X,
        Y: p.Y,
        channelsIn: 2,
        channelsOut: 1,
        kernel: new Float32Array(2),
      }),
    ).toBe(1);
  });

  it('names the bad field', () => {
    const p = plantedProblem({ N: 5, k: 1, C: 3, O: 1, support: [0] });
    expect(() =>
      reconstructWeights({ X: p.X, Y: p.Y, channelsIn: 3, channelsOut: 1, kept: [2, 1] }),
    ).toThrow("reconstructWeights: kept must be strictly ascending, got '2,1'");
    expect(() =>
      reconstructWeights({ X: p.X, Y: p.Y, channelsIn: 3, channelsOut: 1, kept: [3] }),
    ).toThrow('reconstructWeights: kept[0] must be an integer in [0, 2], got 3');
  });
});
