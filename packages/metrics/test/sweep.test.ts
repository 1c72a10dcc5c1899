import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  aggregateSweeps,
  binarize,
  type ProbabilityMap,
  sweepCountsAt,
  sweepThresholds,
  thresholdSweep,
  tolerantScores,
} from '../src';
import { random, randomMask } from './helpers/reference';

/** Probabilities that sit on and around the thresholds, where rounding could bite. */
function trickyProbabilities(rand: () => number, n: number, kind: 'f32' | 'f64' | 'u8') {
  if (kind === 'u8') return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const values = Float64Array.from({ length: n }, () => {
    const r = rand();
    const k = Math.floor(rand() * 101);
    if (r < 0.3) return k / 100; // exactly on a threshold
    if (r < 0.4) return Math.min(1, (k / 100) * (1 + Number.EPSILON)); // just above
    if (r < 0.5) return Math.max(0, k / 100 - 1e-17 - Number.EPSILON / 4); // just below
    if (r < 0.6) return Math.floor(rand() * 256) / 255;
    return r < 0.8 ? rand() : rand() * 0.05;
  });
  return kind === 'f32' ? Float32Array.from(values) : values;
}

describe('thresholdSweep', () => {
  it('equals binarising and evaluating at every threshold, exactly, on random data', () => {
    const rand = random(5);
    const kinds = ['f32', 'f64', 'u8'] as const;
    const tolerances = [0, 1, 2, Math.sqrt(5), 3.2];
    for (let trial = 0; trial < 30; trial++) {
      const width = 3 + Math.floor(rand() * 40);
      const height = 3 + Math.floor(rand() * 30);
      const truth = randomMask(rand, width, height, [0, 0.02, 0.1, 0.5][trial % 4] as number);
      const probability: ProbabilityMap = {
        data: trickyProbabilities(rand, width * height, kinds[trial % 3] as (typeof kinds)[number]),
        width,
        height,
      };
      const tolerance = tolerances[trial % tolerances.length] as number;
      const sweep = thresholdSweep(probability, truth, { tolerance });
      sweep.thresholds.forEach((threshold, i) => {
        const direct = tolerantScores(binarize(probability, { threshold }), truth, { tolerance });
        expect([sweep.tpPred[i], sweep.pred[i], sweep.tpGt[i], sweep.gt]).toEqual([
          direct.tpPred,
          direct.pred,
          direct.tpGt,
          direct.gt,
        ]);
      });
    }
  });

  it('keeps 8-bit value 128 and drops 127 at threshold 0.5 (v / 255 >= 0.5)', () => {
    const probability = { data: Uint8Array.from([127, 128, 255, 0]), width: 4, height: 1 };
    const truth = { data: Uint8Array.from([0, 0, 0, 0]), width: 4, height: 1 };
    const sweep = thresholdSweep(probability, truth, { tolerance: 0 });
    expect(sweepCountsAt(sweep, { threshold: 0.5 }).pred).toBe(2);
    expect(sweepCountsAt(sweep, { threshold: 0.49 }).pred).toBe(3);
  });

  it('lists the thresholds 0.01 ... 0.99', () => {
    const thresholds = sweepThresholds();
    expect(thresholds).toHaveLength(99);
    expect(thresholds[0]).toBe(0.01);
    expect(thresholds[28]).toBe(0.29);
    expect(thresholds[98]).toBe(0.99);
  });

  it('rejects NaN, out-of-range probabilities and size mismatches', () => {
    const truth = { data: new Uint8Array(4), width: 2, height: 2 };
    const bad = (values: number[]) => ({ data: Float32Array.from(values), width: 2, height: 2 });
    expect(() => thresholdSweep(bad([0, 0.5, Number.NaN, 1]), truth)).toThrow(
      'thresholdSweep: probability.data[2] is NaN; probabilities must lie in [0, 1]',
    );
    expect(() => thresholdSweep(bad([0, 1.5, 0, 1]), truth)).toThrow(
      'thresholdSweep: probability.data[1] is 1.5; probabilities must lie in [0, 1]',
    );
    expect(() => thresholdSweep(bad([0, -0.1, 0, 1]), truth)).toThrow(/data\[1\] is -0.1/);
    expect(() => thresholdSweep({ data: new Float32Array(6), width: 3, height: 2 }, truth)).toThrow(
      'thresholdSweep: probability is 3x2 but truth is 2x2',
    );
    expect(() =>
      sweepCountsAt(thresholdSweep(bad([0, 0, 0, 0]), truth), { threshold: 0.555 }),
    ).toThrow('sweepCountsAt: threshold must be one of 0.01, 0.02, ..., 0.99, got 0.555');
  });
});

describe('aggregateSweeps', () => {
  it('computes ODS, OIS and AP of a hand-worked example', () => {
    // Truth pixels A, B; probabilities A 0.9, B 0.3, background C 0.6, D 0. Strict matching:
    //   k <= 30: {A,B,C}  P 2/3  R 1    F1 0.8
    //   31..60:  {A,C}    P 1/2  R 1/2  F1 1/2
    //   61..90:  {A}      P 1    R 1/2  F1 2/3
    //   91..99:  {}       P 1    R 0    F1 0
    // AP = (1 - 1/2) * 2/3 + (1/2 - 0) * 1 = 5/6.
    const probability = { data: Float64Array.from([0.9, 0.3, 0.6, 0]), width: 4, height: 1 };
    const truth = { data: Uint8Array.from([1, 1, 0, 0]), width: 4, height: 1 };
    const summary = aggregateSweeps([thresholdSweep(probability, truth, { tolerance: 0 })]);
    expect(summary.images).toBe(1);
    expect(summary.ods.threshold).toBe(0.01);
    expect(summary.ods.f1).toBeCloseTo(0.8, 15);
    expect(summary.ods.precision).toBeCloseTo(2 / 3, 15);
    expect(summary.ods.recall).toBe(1);
    expect(summary.ois).toBeCloseTo(0.8, 15);
    expect(summary.ap).toBeCloseTo(5 / 6, 15);
    expect(summary.recall[29]).toBe(1); // 0.3 >= 0.30 keeps B
    expect(summary.recall[30]).toBe(0.5);
    expect(summary.f1[70]).toBeCloseTo(2 / 3, 15);
  });

  it('agrees with per-threshold aggregation over a random dataset', () => {
    const rand = random(9);
    const width = 24;
    const height = 16;
    const images = Array.from({ length: 5 }, () => ({
      truth: randomMask(rand, width, height, 0.05),
      probability: {
        data: Float32Array.from({ length: width * height }, () => rand() ** 3),
        width,
        height,
      },
    }));
    const sweeps = images.map(({ probability, truth }) => thresholdSweep(probability, truth));
    const summary = aggregateSweeps(sweeps);
    let bestF1 = -1;
    const perImageBest = new Array<number>(images.length).fill(0);
    let ap = 0;
    const curves = sweepThresholds().map((threshold) => {
      const perImage = images.map(({ probability, truth }) =>
        tolerantScores(binarize(probability, { threshold }), truth),
      );
      perImage.forEach((s, i) => {
        perImageBest[i] = Math.max(perImageBest[i] as number, s.f1);
      });
      return aggregateScores(perImage).micro;
    });
    curves.forEach((micro, i) => {
      expect(summary.f1[i]).toBeCloseTo(micro.f1, 12);
      bestF1 = Math.max(bestF1, micro.f1);
      ap += (micro.recall - (curves[i + 1]?.recall ?? 0)) * micro.precision;
    });
    expect(summary.ods.f1).toBeCloseTo(bestF1, 12);
    expect(summary.ois).toBeCloseTo(perImageBest.reduce((a, b) => a + b) / images.length, 12);
    expect(summary.ap).toBeCloseTo(ap, 12);
    expect(summary.ois).toBeGreaterThanOrEqual(summary.ods.f1 - 1e-12);
  });
});

describe('aggregateScores', () => {
  it('reports micro (pooled counts) and macro (mean of ratios) averages', () => {
    const { images, micro, macro } = aggregateScores([
      { tpPred: 1, pred: 2, tpGt: 1, gt: 1 },
      { tpPred: 3, pred: 3, tpGt: 2, gt: 4 },
    ]);
    expect(images).toBe(2);
    expect(micro).toMatchObject({
      tpPred: 4,
      pred: 5,
      tpGt: 3,
      gt: 5,
      precision: 0.8,
      recall: 0.6,
    });
    expect(micro.f1).toBeCloseTo((2 * 0.8 * 0.6) / 1.4, 15);
    expect(macro.precision).toBe(0.75);
    expect(macro.recall).toBe(0.75);
    expect(macro.f1).toBeCloseTo(2 / 3, 15);
  });

  // Issue 17 (8): zero images used to score F1 = 1 (micro 0/0), rewarding a run with no output.
  it('refuses an empty dataset instead of reporting F1 = 1', () => {
    expect(() => aggregateScores([])).toThrow(
      /aggregateScores: perImage is empty; a dataset of zero images has no score/,
    );
    expect(() => aggregateSweeps([])).toThrow(/aggregateSweeps: perImage is empty/);
  });
});
