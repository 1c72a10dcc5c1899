import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  aggregateSweeps,
  type Mask,
  thresholdSweep,
  tolerantScores,
} from '../src';
import { cfdMasksDir, hasCfd, loadCfdMasks } from './helpers/cfd';

/**
 * The mask moved by (dx, dy) with the pixels that leave the image dropped, together with the
 * original mask cropped the same way: without the pixels whose moved copy fell off.
 *
 * Why crop: every moved pixel is exactly |shift| = 3 px from its source, so it has a partner
 * within 3 px. But an original pixel whose copy fell off may have no moved pixel near it, and
 * the claim "tolerant-3 scores are 1" would be false. In the cropped original every pixel's copy
 * is in the moved mask, 3 px away, so both precision and recall at tolerance 3 are exactly 1.
 */
function shiftPair(mask: Mask, dx: number, dy: number): { moved: Mask; cropped: Mask } {
  const { width, height, data } = mask;
  const moved = new Uint8Array(width * height);
  const cropped = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!data[i]) continue;
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      moved[ny * width + nx] = 1;
      cropped[i] = 1;
    }
  }
  return { moved: { data: moved, width, height }, cropped: { data: cropped, width, height } };
}

/** A 0/1 mask as probabilities 0 and 1 (a Uint8Array would be read as v / 255). */
const asProbability = (mask: Mask) => ({ ...mask, data: Float32Array.from(mask.data) });

describe.skipIf(!hasCfd)(`CFD masks (${cfdMasksDir})`, () => {
  const masks = hasCfd ? loadCfdMasks() : [];

  it('has the 118 masks of 480x320', () => {
    expect(masks).toHaveLength(118);
    for (const { mask } of masks) expect([mask.width, mask.height]).toEqual([480, 320]);
  });

  it('scores every mask against itself exactly 1, strict, tolerant and swept', () => {
    for (const tolerance of [0, 2]) {
      const perImage = masks.map(({ mask }) => tolerantScores(mask, mask, { tolerance }));
      for (const scores of perImage) {
        expect([scores.precision, scores.recall, scores.f1]).toEqual([1, 1, 1]);
      }
      const { micro, macro } = aggregateScores(perImage);
      expect([micro.precision, micro.recall, micro.f1]).toEqual([1, 1, 1]);
      expect(macro).toEqual({ precision: 1, recall: 1, f1: 1 });
    }
    const summary = aggregateSweeps(
      masks.map(({ mask }) => thresholdSweep(asProbability(mask), mask)),
    );
    expect([summary.ods.f1, summary.ois, summary.ap]).toEqual([1, 1, 1]);
  });

  it.each([
    [3, 0],
    [-3, 0],
    [0, 3],
    [0, -3],
  ])(
    'scores masks moved by (%i, %i) below 1 at tolerance 2 and exactly 1 at tolerance 3',
    (dx, dy) => {
      const pairs = masks.map(({ mask }) => shiftPair(mask, dx, dy));
      const at = (tolerance: number) =>
        aggregateScores(
          pairs.map(({ moved, cropped }) => tolerantScores(moved, cropped, { tolerance })),
        );
      const strict = at(0);
      const two = at(2);
      const three = at(3);
      for (const scores of [two.micro, two.macro]) {
        expect(scores.precision).toBeLessThan(1);
        expect(scores.recall).toBeLessThan(1);
        expect(scores.f1).toBeLessThan(1);
      }
      expect(two.micro.f1).toBeGreaterThan(strict.micro.f1);
      expect([three.micro.precision, three.micro.recall, three.micro.f1]).toEqual([1, 1, 1]);
      expect(three.macro).toEqual({ precision: 1, recall: 1, f1: 1 });
      // Every image on its own, and the sweep agrees with the binary evaluation.
      for (const { moved, cropped } of pairs) {
        expect(tolerantScores(moved, cropped, { tolerance: 3 }).f1).toBe(1);
      }
      const swept = aggregateSweeps(
        pairs.map(({ moved, cropped }) => thresholdSweep(asProbability(moved), cropped)),
      );
      expect(swept.ods.f1).toBeCloseTo(two.micro.f1, 12);
    },
  );
});
