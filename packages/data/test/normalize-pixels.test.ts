import { describe, expect, it } from 'vitest';
import { normalizePixels } from '../src/index';

describe('normalizePixels', () => {
  it('maps 0..255 to [-1, 1] with (x - 127.5) / 127.5 (eq 3-4)', () => {
    const out = normalizePixels(Uint8Array.from([0, 51, 255, 204]));
    expect(Array.from(out)).toEqual([-1, -0.6, 1, 0.6].map(Math.fround));
  });

  it('writes into out from offset and leaves the rest alone', () => {
    const out = new Float32Array(5).fill(9);
    expect(normalizePixels([0, 255], out, 2)).toBe(out);
    expect(Array.from(out)).toEqual([9, 9, -1, 1, 9]);
  });

  it('refuses values that do not fit', () => {
    expect(() => normalizePixels([1, 2, 3], new Float32Array(4), 2)).toThrow(
      'normalizePixels: 3 values from offset 2 do not fit in out (length 4)',
    );
  });
});
