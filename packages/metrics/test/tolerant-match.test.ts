import { describe, expect, it } from 'vitest';
import { tolerantScores } from '../src';
import { maxSquaredDistance } from '../src/tolerance';
import { bruteCounts, maskOf, random, randomMask } from './helpers/reference';

describe('tolerantScores', () => {
  it('scores a 1-px shift 0 strict and 1 with any tolerance >= 1', () => {
    const line = (x: number) =>
      maskOf(
        8,
        6,
        [0, 1, 2, 3, 4].map((y) => [x, y]),
      );
    const strict = tolerantScores(line(4), line(3), { tolerance: 0 });
    expect(strict).toEqual({ precision: 0, recall: 0, f1: 0, tpPred: 0, pred: 5, tpGt: 0, gt: 5 });
    const tolerant = tolerantScores(line(4), line(3), { tolerance: 1 });
    expect(tolerant).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
      tpPred: 5,
      pred: 5,
      tpGt: 5,
      gt: 5,
    });
    expect(tolerantScores(line(6), line(3)).f1).toBe(0); // 3 px apart: beyond the default 2
  });

  it('matches a diagonal neighbour (distance sqrt 2) from tolerance sqrt 2 on', () => {
    const pred = maskOf(5, 5, [[2, 2]]);
    const truth = maskOf(5, 5, [[3, 3]]);
    expect(tolerantScores(pred, truth, { tolerance: 1 }).f1).toBe(0);
    expect(tolerantScores(pred, truth, { tolerance: 1.41 }).f1).toBe(0);
    expect(tolerantScores(pred, truth, { tolerance: Math.SQRT2 }).f1).toBe(1);
    expect(tolerantScores(pred, truth).f1).toBe(1);
  });

  it('does not match a knight move (distance sqrt 5) at the default tolerance 2', () => {
    const pred = maskOf(4, 4, [[0, 0]]);
    const truth = maskOf(4, 4, [[1, 2]]);
    expect(tolerantScores(pred, truth).f1).toBe(0);
    expect(tolerantScores(pred, truth, { tolerance: Math.sqrt(5) }).f1).toBe(1);
    expect(tolerantScores(pred, truth, { tolerance: 2.2 }).f1).toBe(0);
    expect(tolerantScores(pred, truth, { tolerance: 2.25 }).f1).toBe(1);
  });

  it('counts each side on its own (hand-computed partial match)', () => {
    // Prediction: (1,1), (2,1) and a stray (6,4); truth: (1,2) and far away (6,0).
    const pred = maskOf(8, 5, [
      [1, 1],
      [2, 1],
      [6, 4],
    ]);
    const truth = maskOf(8, 5, [
      [1, 2],
      [6, 0],
    ]);
    // (1,1) is 1 from (1,2); (2,1) is sqrt 2 from it; (6,4) is 4 from (6,0). (6,0) has no partner.
    const scores = tolerantScores(pred, truth, { tolerance: 2 });
    expect(scores.tpPred).toBe(2);
    expect(scores.tpGt).toBe(1);
    expect(scores.precision).toBeCloseTo(2 / 3, 15);
    expect(scores.recall).toBe(0.5);
    expect(scores.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 15);
    expect(tolerantScores(pred, truth, { tolerance: 4 }).f1).toBe(1);
  });

  it('handles empty masks with the 0/0 = 1 convention', () => {
    const empty = maskOf(4, 4, []);
    const one = maskOf(4, 4, [[3, 3]]);
    expect(tolerantScores(empty, empty)).toEqual({
      precision: 1,
      recall: 1,
      f1: 1,
      tpPred: 0,
      pred: 0,
      tpGt: 0,
      gt: 0,
    });
    expect(tolerantScores(empty, one)).toMatchObject({ precision: 1, recall: 0, f1: 0 });
    expect(tolerantScores(one, empty)).toMatchObject({ precision: 0, recall: 1, f1: 0 });
  });

  it('matches across corners and edges but never wraps around a row', () => {
    const width = 6;
    // (5,0) is the last pixel of row 0, (0,1) the first of row 1: adjacent in memory only.
    const wrap = tolerantScores(maskOf(width, 3, [[5, 0]]), maskOf(width, 3, [[0, 1]]));
    expect(wrap.f1).toBe(0);
    const corner = tolerantScores(maskOf(width, 3, [[5, 2]]), maskOf(width, 3, [[4, 1]]));
    expect(corner.f1).toBe(1);
  });

  it('treats 0/255 and Float32Array 0/1 masks like 0/1 masks', () => {
    const rand = random(3);
    const pred = randomMask(rand, 30, 20, 0.05);
    const truth = randomMask(rand, 30, 20, 0.05);
    const expected = tolerantScores(pred, truth);
    expect(tolerantScores({ ...pred, data: pred.data.map((v) => v * 255) }, truth)).toEqual(
      expected,
    );
    expect(tolerantScores({ ...pred, data: Float32Array.from(pred.data) }, truth)).toEqual(
      expected,
    );
  });

  it('equals the literal definition on random masks for many tolerances', () => {
    const rand = random(11);
    const tolerances = [0, 0.5, 1, Math.SQRT2, 2, Math.sqrt(5), 3, 4.5];
    for (let trial = 0; trial < 160; trial++) {
      const width = 1 + Math.floor(rand() * 30);
      const height = 1 + Math.floor(rand() * 30);
      const density = [0.01, 0.05, 0.2, 0.6][trial % 4] as number;
      const pred = randomMask(rand, width, height, density);
      const truth = randomMask(rand, width, height, density / 2);
      // Drawn independently of the density, so both the per-pixel and the full-transform paths
      // of matchCounts meet sparse and dense masks.
      const tolerance = tolerances[Math.floor(rand() * tolerances.length)] as number;
      const { tpPred, pred: p, tpGt, gt } = tolerantScores(pred, truth, { tolerance });
      expect({ tpPred, pred: p, tpGt, gt }).toEqual(bruteCounts(pred, truth, tolerance));
    }
  });

  it('reads the tolerance as a distance, robust to floating-point squares', () => {
    expect(maxSquaredDistance('f', 0)).toBe(0);
    expect(maxSquaredDistance('f', 2)).toBe(4);
    expect(maxSquaredDistance('f', 1.9999)).toBe(3);
    expect(Math.sqrt(3) ** 2).toBeLessThan(3); // why the naive floor(t * t) would be wrong
    expect(maxSquaredDistance('f', Math.sqrt(3))).toBe(3);
    expect(maxSquaredDistance('f', Math.sqrt(8))).toBe(8);
    expect(maxSquaredDistance('f', Math.sqrt(5))).toBe(5);
  });

  it('rejects bad input with a message naming the function and field', () => {
    const a = maskOf(12, 10, []);
    expect(() => tolerantScores({ ...a, data: new Uint8Array(100) }, a)).toThrow(
      'tolerantScores: pred.data length 100 does not match width*height 120',
    );
    expect(() => tolerantScores(a, maskOf(10, 12, []))).toThrow(
      'tolerantScores: pred is 12x10 but truth is 10x12 (width x height); they must match',
    );
    const grey = new Uint8Array(120);
    grey[17] = 128;
    expect(() => tolerantScores(a, { ...a, data: grey })).toThrow(
      'tolerantScores: truth.data[17] is 128, but a binary mask holds only 0 and 1',
    );
    expect(() => tolerantScores(a, a, { tolerance: -1 })).toThrow(
      'tolerantScores: tolerance must be a finite number >= 0, got -1',
    );
    expect(() => tolerantScores(a, a, { tolerance: Number.NaN })).toThrow(/got NaN/);
    expect(() => tolerantScores({ data: new Uint8Array(0), width: 0, height: 5 }, a)).toThrow(
      'tolerantScores: pred.width must be a positive integer, got 0',
    );
    expect(() => tolerantScores({ ...a, data: [0, 1] as unknown as Uint8Array }, a)).toThrow(
      'tolerantScores: pred.data must be a Uint8Array, Uint8ClampedArray, Float32Array or Float64Array, got Array',
    );
  });
});
