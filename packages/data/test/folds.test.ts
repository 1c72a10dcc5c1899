import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image.js';
import {
  CFD_IDS,
  CFD_LABEL_ISSUES,
  foldSplit,
  kFold,
  THESIS_CFD_FOLDS,
  thesisFoldsFile,
} from '../src/index.js';
import { cfdDir } from './shared-data.js';

describe('kFold', () => {
  it('puts every id in exactly one fold, sizes differing by at most one', () => {
    for (const [n, k] of [
      [118, 6],
      [10, 3],
      [7, 7],
      [5, 2],
    ] as const) {
      const ids = Array.from({ length: n }, (_, i) => `id${i}`);
      for (const shuffle of [true, false]) {
        const folds = kFold(ids, k, { seed: 3, shuffle });
        expect(folds.length).toBe(k);
        expect(folds.flat().sort()).toEqual([...ids].sort());
        const sizes = folds.map((f) => f.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is seeded: same seed same folds, other seed other folds; no shuffle keeps order', () => {
    const ids = CFD_IDS;
    expect(kFold(ids, 6, { seed: 1 })).toEqual(kFold(ids, 6, { seed: 1 }));
    expect(kFold(ids, 6, { seed: 1 })).not.toEqual(kFold(ids, 6, { seed: 2 }));
    expect(kFold(['a', 'b', 'c', 'd'], 2, { shuffle: false })).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('validates its arguments', () => {
    expect(() => kFold(['a', 'b'], 3)).toThrow(
      /kFold: k must be an integer from 2 to ids.length \(2\), got 3/,
    );
    expect(() => kFold(['a', 'a'], 2)).toThrow(/ids must be unique/);
  });

  it('foldSplit trains on the other folds', () => {
    const split = foldSplit(THESIS_CFD_FOLDS, 5);
    expect(split.test).toEqual(CFD_IDS.slice(100));
    expect(split.train).toEqual(CFD_IDS.slice(0, 100));
    expect(() => foldSplit(THESIS_CFD_FOLDS, 6)).toThrow(
      /index must be an integer from 0 to 5, got 6/,
    );
  });
});

describe('THESIS_CFD_FOLDS', () => {
  it('has folds of 20,20,20,20,20,18 covering 001-118', () => {
    expect(THESIS_CFD_FOLDS.map((f) => f.length)).toEqual([20, 20, 20, 20, 20, 18]);
    expect(THESIS_CFD_FOLDS.flat()).toEqual([...CFD_IDS]);
  });

  it.skipIf(!cfdDir)('matches the shared folds.json', async () => {
    const shared = JSON.parse(await readFile(path.join(cfdDir as string, 'folds.json'), 'utf8'));
    expect(thesisFoldsFile()).toEqual(shared);
  });
});

describe('CFD_LABEL_ISSUES', () => {
  it('names CFD ids, each with its problem', () => {
    for (const issue of CFD_LABEL_ISSUES) {
      expect(CFD_IDS).toContain(issue.id);
      expect(issue.problem.length).toBeGreaterThan(10);
    }
    expect(CFD_LABEL_ISSUES.map((issue) => issue.id)).toEqual(['042']);
  });

  it.skipIf(!cfdDir)('mask 042 is pixel for pixel the mask of 065, and no other mask', async () => {
    const mask = async (id: string) =>
      decodeImage(await readFile(path.join(cfdDir as string, 'masks', `${id}.png`)), {
        channels: 1,
      }).data;
    const same = (a: Uint8Array, b: Uint8Array) =>
      a.length === b.length && a.every((v, i) => v > 127 === (b[i] as number) > 127);
    const m042 = await mask('042');
    expect(same(m042, await mask('065'))).toBe(true);
    expect(same(m042, await mask('041'))).toBe(false);
    expect(same(m042, await mask('043'))).toBe(false);
  });
});
