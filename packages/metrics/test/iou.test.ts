import { describe, expect, it } from 'vitest';
import { classIoU, confusionMatrix, iouFromConfusion, meanIoU } from '../src/index';

const map = (values: number[], width = values.length, height = 1) => ({
  data: Uint8Array.from(values),
  width,
  height,
});

describe('per-class IoU and mean IoU', () => {
  it('all correct: every present class has IoU 1, mean 1', () => {
    const truth = map([0, 1, 2, 2, 1, 0], 3, 2);
    const scores = classIoU(truth, truth, { classes: 3 });
    expect(scores.perClass).toEqual([1, 1, 1]);
    expect(scores.meanIoU).toBe(1);
  });

  it('disjoint: no pixel right gives 0 for every class and a mean of 0', () => {
    expect(meanIoU(map([1, 2, 0, 1]), map([0, 0, 1, 2]), { classes: 3 })).toBe(0);
    expect(classIoU(map([1, 1]), map([0, 0]), { classes: 2 }).perClass).toEqual([0, 0]);
  });

  it('a hand-computed 3-class example', () => {
    // truth 0 0 1 1 2 2, pred 0 1 1 1 2 0:
    // class 0: TP 1 (pixel 0), FP 1 (pixel 5), FN 1 (pixel 1): 1/3
    // class 1: TP 2 (pixels 2, 3), FP 1 (pixel 1), FN 0:        2/3
    // class 2: TP 1 (pixel 4), FP 0, FN 1 (pixel 5):           1/2
    // mean (1/3 + 2/3 + 1/2) / 3 = 0.5
    const truth = map([0, 0, 1, 1, 2, 2]);
    const pred = map([0, 1, 1, 1, 2, 0]);
    const scores = classIoU(pred, truth, { classes: 3 });
    expect(scores.intersection).toEqual([1, 2, 1]);
    expect(scores.union).toEqual([3, 3, 2]);
    expect(scores.perClass[0]).toBeCloseTo(1 / 3, 12);
    expect(scores.perClass[1]).toBeCloseTo(2 / 3, 12);
    expect(scores.perClass[2]).toBe(0.5);
    expect(scores.meanIoU).toBeCloseTo(0.5, 12);
    expect(Array.from(confusionMatrix(pred, truth, { classes: 3 }))).toEqual([
      1, 1, 0, 0, 2, 0, 1, 0, 1,
    ]);
  });

  it('a class absent from both maps is NaN and left out of the mean', () => {
    const scores = classIoU(map([0, 1, 1]), map([0, 1, 0]), { classes: 4 });
    expect(scores.perClass[2]).toBeNaN();
    expect(scores.perClass[3]).toBeNaN();
    expect(scores.meanIoU).toBeCloseTo((1 / 2 + 1 / 2) / 2, 12);
  });

  it('dataset scores: confusion matrices add up over images', () => {
    const a = confusionMatrix(map([0, 1]), map([0, 1]), { classes: 2 });
    const b = confusionMatrix(map([1, 1]), map([0, 1]), { classes: 2 });
    const sum = a.map((v, i) => v + (b[i] as number));
    // class 0: TP 1, FN 1 -> 1/2; class 1: TP 2, FP 1 -> 2/3.
    const scores = iouFromConfusion(sum, 2);
    expect(scores.perClass[0]).toBe(0.5);
    expect(scores.perClass[1]).toBeCloseTo(2 / 3, 12);
  });

  it('accepts every documented typed array', () => {
    for (const Type of [Uint8Array, Uint8ClampedArray, Uint16Array, Int32Array, Float32Array]) {
      const data = Type.from([0, 2, 1]);
      expect(
        meanIoU({ data, width: 3, height: 1 }, { data, width: 3, height: 1 }, { classes: 3 }),
      ).toBe(1);
    }
  });

  it('rejects bad inputs with the field named', () => {
    expect(() => meanIoU(map([0, 3]), map([0, 1]), { classes: 3 })).toThrow(
      'confusionMatrix: pred.data[1] = 3 is not a class id in [0, 2]',
    );
    expect(() => meanIoU(map([0, 1]), map([0, 1, 1]), { classes: 2 })).toThrow(
      'confusionMatrix: pred is 2x1 but truth is 3x1 (width x height); they must match',
    );
    expect(() => meanIoU(map([0]), map([0]), { classes: 0 })).toThrow(
      'confusionMatrix: options.classes must be an integer in [1, 65536], got 0',
    );
    expect(() => iouFromConfusion([1, 2, 3], 2)).toThrow(
      'iouFromConfusion: matrix has 3 entries, expected classes^2 = 4',
    );
  });
});
