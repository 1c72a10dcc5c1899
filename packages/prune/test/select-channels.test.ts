import { describe, expect, it } from 'vitest';
import {
  channelContributions,
  filterL1Norms,
  lassoKktViolation,
  selectChannels,
  solveLasso,
} from '../src/index';
import { normals } from './helpers';
import { naiveContributions, normalised, plantedProblem } from './problems';

const base = (p: ReturnType<typeof plantedProblem>) => ({
  X: p.X,
  W: p.W,
  Y: p.Y,
  channelsIn: p.C,
  channelsOut: p.O,
});

describe('channelContributions', () => {
  it('matches the explicit Z_i computation on both paths', () => {
    const problem = plantedProblem({
      N: 37,
      k: 9,
      C: 7,
      O: 5,
      support: [0, 2, 3, 6],
      noise: 0.1,
      seed: 4,
    });
    const naive = naiveContributions(problem);
    for (const path of ['patches', 'contributions'] as const) {
      const result = channelContributions({ ...base(problem), path });
      expect(result.path).toBe(path);
      for (let i = 0; i < naive.gram.length; i++) {
        expect(result.gram[i]).toBeCloseTo(naive.gram[i] as number, 9);
      }
      for (let i = 0; i < naive.correlation.length; i++) {
        expect(result.correlation[i]).toBeCloseTo(naive.correlation[i] as number, 9);
      }
    }
  });

  it('centres both paths the same way', () => {
    const problem = plantedProblem({
      N: 50,
      k: 4,
      C: 6,
      O: 3,
      support: [1, 4],
      noise: 0.2,
      seed: 5,
    });
    const a = channelContributions({ ...base(problem), center: true, path: 'patches' });
    const b = channelContributions({ ...base(problem), center: true, path: 'contributions' });
    for (let i = 0; i < a.gram.length; i++) expect(a.gram[i]).toBeCloseTo(b.gram[i] as number, 9);
    for (let i = 0; i < a.correlation.length; i++)
      expect(a.correlation[i]).toBeCloseTo(b.correlation[i] as number, 9);
    expect(a.targetEnergy).toBeCloseTo(b.targetEnergy, 9);
  });

  it('names the bad field', () => {
    const problem = plantedProblem({ N: 4, k: 1, C: 2, O: 2, support: [0] });
    expect(() => channelContributions({ ...base(problem), X: new Float32Array(3) })).toThrow(
      /channelContributions: X.length must be 8/,
    );
  });
});

describe('solveLasso', () => {
  it('satisfies the KKT conditions on random problems', () => {
    const random = normals(11);
    for (let t = 0; t < 30; t++) {
      const C = 2 + (t % 12);
      const A = Array.from({ length: (C + 3) * C }, () => random());
      const gram = new Float64Array(C * C);
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < C; j++) {
          let s = 0;
          for (let r = 0; r < C + 3; r++) s += (A[r * C + i] as number) * (A[r * C + j] as number);
          gram[i * C + j] = s;
        }
      }
      const correlation = Float64Array.from({ length: C }, () => random() * 3);
      const lambdaMax = Math.max(...Array.from(correlation, Math.abs));
      const lambda = lambdaMax * (0.05 + 0.9 * Math.abs(Math.sin(t)));
      const solution = solveLasso({ gram, correlation, lambda });
      expect(solution.converged).toBe(true);
      expect(lassoKktViolation(gram, correlation, solution.beta, lambda)).toBeLessThan(1e-8);
    }
  });

  it('returns zero at lambda >= max |c|', () => {
    const gram = Float64Array.from([2, 0.5, 0.5, 1]);
    const correlation = Float64Array.from([1, -0.5]);
    expect(Array.from(solveLasso({ gram, correlation, lambda: 1 }).beta)).toEqual([0, 0]);
  });

  it('rejects a non-positive diagonal', () => {
    expect(() =>
      solveLasso({
        gram: Float64Array.from([0, 0, 0, 1]),
        correlation: Float64Array.from([1, 1]),
        lambda: 0.1,
      }),
    ).toThrow('solveLasso: gram[0][0] must be > 0, got 0');
  });
});

describe('selectChannels (lasso)', () => {
  it('recovers a planted subset exactly and the KKT conditions hold at its lambda', () => {
    const support = [1, 4, 5, 9, 12, 14];
    const problem = plantedProblem({ N: 400, k: 9, C: 16, O: 16, support, noise: 1e-3, seed: 7 });
    const selection = selectChannels({ ...base(problem), keep: support.length });
    expect(selection.kept).toEqual(support);
    expect(selection.exact).toBe(true);
    expect(selection.fits).toBeGreaterThan(0);
    const { gram, correlation } = channelContributions(base(problem));
    const { g, c } = normalised(gram, correlation);
    expect(
      lassoKktViolation(g, c, selection.beta as Float64Array, selection.lambda as number),
    ).toBeLessThan(1e-6);
  });

  it('recovers planted channels of very different scales', () => {
    const support = [0, 3, 6];
    const scales = [0.01, 1, 100, 5, 0.2, 30, 3, 1];
    const problem = plantedProblem({
      N: 300,
      k: 9,
      C: 8,
      O: 6,
      support,
      noise: 1e-4,
      seed: 8,
      scales,
    });
    expect(selectChannels({ ...base(problem), keep: 3 }).kept).toEqual(support);
  });

  it('returns exactly keep channels on 200 random problems, KKT to 1e-6 whenever it fitted', () => {
    const random = normals(21);
    const uniform = () => (random() + 4) / 8;
    let exact = 0;
    for (let t = 0; t < 200; t++) {
      const C = 2 + Math.floor(uniform() * 23);
      const O = 1 + Math.floor(uniform() * 10);
      const k = t % 3 === 0 ? 1 : 9;
      const N = 5 + Math.floor(uniform() * 120);
      const keep = 1 + (Math.floor(uniform() * C) % C);
      const support = Array.from({ length: C }, (_, i) => i).filter(() => uniform() < 0.5);
      const problem = plantedProblem({
        N,
        k,
        C,
        O,
        support,
        noise: t % 5 === 0 ? 1 : 0.01,
        seed: 100 + t,
      });
      // Pathologies: duplicated channels (exact ties), dead channels, unrelated targets.
      if (t % 7 === 1 && C > 2) {
        for (let n = 0; n < N * k; n++) problem.X[n * C + 1] = problem.X[n * C] as number;
        for (let p = 0; p < k; p++)
          for (let o = 0; o < O; o++)
            problem.W[(p * C + 1) * O + o] = problem.W[p * C * O + o] as number;
      }
      if (t % 11 === 2) for (let n = 0; n < N * k; n++) problem.X[n * C + C - 1] = 0;
      if (t % 13 === 3) problem.Y.fill(0);
      const selection = selectChannels({ ...base(problem), keep });
      expect(selection.kept).toHaveLength(keep);
      expect(new Set(selection.kept).size).toBe(keep);
      expect(
        selection.kept.every(
          (c, i) => c >= 0 && c < C && (i === 0 || c > (selection.kept[i - 1] as number)),
        ),
      ).toBe(true);
      if (selection.exact) exact++;
      const live = t % 11 !== 2;
      if (selection.beta && selection.lambda !== null && selection.lambda > 0 && live) {
        const { gram, correlation } = channelContributions(base(problem));
        const { g, c } = normalised(gram, correlation);
        const scale = Math.max(1, ...Array.from(c, Math.abs));
        expect(lassoKktViolation(g, c, selection.beta, selection.lambda)).toBeLessThan(
          1e-6 * scale,
        );
      }
    }
    expect(exact).toBeGreaterThan(150);
  });

  it('keeps all channels without fitting when keep equals channelsIn', () => {
    const problem = plantedProblem({ N: 20, k: 1, C: 5, O: 2, support: [0] });
    const selection = selectChannels({ ...base(problem), keep: 5 });
    expect(selection.kept).toEqual([0, 1, 2, 3, 4]);
    expect(selection.fits).toBe(0);
  });

  it('never prefers dead channels', () => {
    const problem = plantedProblem({
      N: 60,
      k: 9,
      C: 6,
      O: 4,
      support: [0, 1, 2, 3, 4, 5],
      noise: 0.01,
      seed: 9,
    });
    for (let n = 0; n < 60 * 9; n++) {
      problem.X[n * 6 + 2] = 0;
      problem.X[n * 6 + 5] = 0;
    }
    expect(selectChannels({ ...base(problem), keep: 4 }).kept).toEqual([0, 1, 3, 4]);
    expect(selectChannels({ ...base(problem), keep: 5 }).kept).toHaveLength(5);
  });

  it('validates keep and the fields of each criterion', () => {
    const problem = plantedProblem({ N: 10, k: 1, C: 16, O: 2, support: [0] });
    expect(() => selectChannels({ ...base(problem), keep: 0 })).toThrow(
      'selectChannels: keep must be an integer in [1, 16], got 0',
    );
    expect(() => selectChannels({ channelsIn: 16, keep: 2 })).toThrow(/criterion 'lasso' needs X/);
    expect(() => selectChannels({ channelsIn: 16, keep: 2, criterion: 'l1' })).toThrow(
      /needs filterNorms/,
    );
    expect(() => selectChannels({ channelsIn: 16, keep: 2, criterion: 'best' as never })).toThrow(
      "selectChannels: criterion must be 'lasso', 'l1' or 'random', got 'best'",
    );
  });
});

describe('selectChannels (baselines)', () => {
  it("'l1' keeps the largest producer filters", () => {
    // Kernel [1][1][2][4]: filter f's weights are at f, 4 + f.
    const kernel = Float32Array.from([1, -5, 0.1, 2, -1, 1, 0.1, -2]);
    const norms = filterL1Norms(kernel, 4);
    expect(Array.from(norms)).toEqual([2, 6, Math.fround(0.1) * 2, 4]);
    expect(
      selectChannels({ channelsIn: 4, keep: 2, criterion: 'l1', filterNorms: norms }).kept,
    ).toEqual([1, 3]);
  });

  it("'random' is seeded", () => {
    const a = selectChannels({ channelsIn: 32, keep: 10, criterion: 'random', seed: 3 }).kept;
    const b = selectChannels({ channelsIn: 32, keep: 10, criterion: 'random', seed: 3 }).kept;
    const c = selectChannels({ channelsIn: 32, keep: 10, criterion: 'random', seed: 4 }).kept;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toHaveLength(10);
  });
});
