// Quantized tfjs weights: the float16 encoder against closed-form values, the uint8 affine map,
// and save -> load round trips through tfjs's own loader, with the dequantization error bounded.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pruneModel } from '@crack/prune';
import { createUnet, thesisStudent } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  float16Bits,
  float16Value,
  quantizeArtifacts,
  uint8Affine,
  withQuantization,
} from '../src/index';
import { saveQuantized } from '../src/node';
import { maxAbsDiff, randomImages, randomizeBatchNorms, tfjsOutput, useCpu } from './helpers';

beforeAll(useCpu);
const work = mkdtempSync(path.join(tmpdir(), 'crack-export-quantize-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('float16Bits', () => {
  it('encodes exactly representable values exactly', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [Number.POSITIVE_INFINITY, 0x7c00],
    ];
    for (const [value, bits] of cases) expect(float16Bits(value), String(value)).toBe(bits);
    expect(float16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it('rounds to nearest, ties to even, in normal and subnormal ranges', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9: rounds up to even.
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    // Subnormal ties: 1.5 * 2^-24 -> 2 * 2^-24; 2.5 * 2^-24 -> 2 * 2^-24; 2^-25 -> 0.
    expect(float16Bits(1.5 * 2 ** -24)).toBe(0x0002);
    expect(float16Bits(2.5 * 2 ** -24)).toBe(0x0002);
    expect(float16Bits(2 ** -25)).toBe(0x0000);
    expect(float16Bits(2 ** -25 + 2 ** -35)).toBe(0x0001);
    // Just below 2^-14, rounding carries into the smallest normal.
    expect(float16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400);
    // 65520 is halfway to the next binade: rounds to infinity.
    expect(float16Bits(65520)).toBe(0x7c00);
  });

  it('round-trips every one of the 63488 finite binary16 values', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      const value = float16Value(bits);
      const back = float16Bits(value);
      expect(back === bits || (value === 0 && (back & 0x7fff) === 0)).toBe(true);
    }
  });
});

describe('uint8Affine', () => {
  it('covers the range, keeps 0 exact and has scale (max - min) / 255', () => {
    const { min, scale } = uint8Affine(-0.3, 0.7);
    expect(scale).toBeCloseTo(1 / 255, 15);
    expect(Number.isInteger(-min / scale)).toBe(true);
    expect(Math.abs(min - -0.3)).toBeLessThanOrEqual(scale / 2);
    // A positive-only tensor still includes 0; a constant one maps to a scale of 1.
    expect(uint8Affine(0.2, 0.8)).toEqual({ min: 0, scale: 0.8 / 255 });
    expect(uint8Affine(0, 0)).toEqual({ min: 0, scale: 1 });
  });
});

/** The weights of `model` by name, as plain arrays. */
function weightsOf(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(
    model.weights.map((w) => [
      w.originalName,
      Float32Array.from(w.read().dataSync() as Float32Array),
    ]),
  );
}

describe('quantized save and load round trip', () => {
  it('float16 and uint8 weights load in tfjs within the closed-form error bounds', async () => {
    const model = createUnet({ ...thesisStudent, batchNorm: true, seed: 5 });
    randomizeBatchNorms(model, 6);
    const original = weightsOf(model);
    const before = tf.memory().numTensors;

    for (const dtype of ['float16', 'uint8'] as const) {
      const directory = path.join(work, `student-${dtype}`);
      const { weightBytes } = await saveQuantized(model, { directory, dtype });
      const manifest = JSON.parse(readFileSync(path.join(directory, 'model.json'), 'utf8'));
      const specs = manifest.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
      expect(specs.every((s) => s.quantization?.dtype === dtype)).toBe(true);
      const values = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
      expect(weightBytes).toBe(values * (dtype === 'float16' ? 2 : 1));

      const loaded = await tfl.loadLayersModel(nodeFileSystem(directory));
      const restored = weightsOf(loaded);
      for (const spec of specs) {
        const a = original.get(spec.name) as Float32Array;
        const b = restored.get(spec.name) as Float32Array;
        expect(b.length, spec.name).toBe(a.length);
        const { min = 0, scale = 0 } = spec.quantization ?? {};
        for (let i = 0; i < a.length; i++) {
          const x = a[i] as number;
          const error = Math.abs((b[i] as number) - x);
          if (dtype === 'float16') {
            // Half an ulp: 2^-11 relative for normal halves, 2^-25 absolute for subnormal ones.
            expect(error).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
          } else {
            // The closed form: the nearest of the 256 levels min + q * scale, rounded to float32.
            const q = Math.min(255, Math.max(0, Math.round((x - min) / scale)));
            expect(b[i]).toBe(Math.fround(q * scale + min));
            expect(error).toBeLessThanOrEqual(scale / 2 + Math.abs(x) * 2 ** -23);
            if (x === 0) expect(b[i]).toBe(0);
          }
        }
      }
      // The metadata (the U-Net config) survives, and the model still runs.
      expect(loaded.name).toBe(model.name);
      const images = randomImages(1, [1, 16, 16, 3]);
      const a = tfjsOutput(model, images, [1, 16, 16, 3]).values;
      const b = tfjsOutput(loaded, images, [1, 16, 16, 3]).values;
      const diff = maxAbsDiff(a, b);
      const range = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      console.log(`${dtype}: logits max abs diff ${diff} (|max| ${range.toFixed(2)})`);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan((dtype === 'float16' ? 0.01 : 0.1) * range);
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('sizes of the thesis student and a pruned student: float32 vs float16 vs uint8', async () => {
    const student = createUnet({ ...thesisStudent, seed: 2 });
    const images = tf.tensor4d(randomImages(3, [4, 32, 32, 3]), [4, 32, 32, 3]);
    const { model: pruned } = await pruneModel(student, { images, ratio: 0.5 });
    images.dispose();
    for (const [label, model] of [
      ['thesis student', student],
      ['pruned student', pruned],
    ] as const) {
      const sizes: Record<string, number> = {};
      const float32 = path.join(work, `${label}-float32`);
      await model.save(nodeFileSystem(float32));
      sizes.float32 = statSync(path.join(float32, 'weights.bin')).size;
      for (const dtype of ['float16', 'uint8'] as const) {
        const directory = path.join(work, `${label}-${dtype}`);
        sizes[dtype] = (await saveQuantized(model, { directory, dtype })).weightBytes;
      }
      console.log(
        `${label} (${model.countParams()} params) weights.bin bytes: ${JSON.stringify(sizes)}`,
      );
      expect(sizes.float16).toBe(sizes.float32 / 2);
      expect(sizes.uint8).toBe(sizes.float32 / 4);
    }
    student.dispose();
    pruned.dispose();
  });

  it('withQuantization wraps any IOHandler, and the options are checked by name', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      withQuantization(
        {
          save: async (artifacts) => {
            saved = artifacts;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          },
        },
        { dtype: 'uint8' },
      ),
    );
    expect(saved?.weightSpecs?.map((s) => s.quantization?.dtype)).toEqual(['uint8', 'uint8']);
    expect((saved as tf.io.ModelArtifacts).weightData).toHaveProperty('byteLength', 4);
    // Loading from memory decodes the same artifacts.
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.countParams()).toBe(4);

    expect(() =>
      withQuantization({ save: async () => ({}) as never }, { dtype: 'int8' as 'uint8' }),
    ).toThrow(`withQuantization: dtype must be 'float16' or 'uint8', got "int8"`);
    expect(() => quantizeArtifacts(saved as tf.io.ModelArtifacts, { dtype: 'float16' })).toThrow(
      /quantizeArtifacts: weight '.*' is quantized already \(uint8\)/,
    );
    const big = {
      weightSpecs: [{ name: 'w', shape: [1], dtype: 'float32' as const }],
      weightData: Float32Array.of(1e6).buffer,
    };
    expect(() => quantizeArtifacts(big, { dtype: 'float16' })).toThrow(
      "quantizeArtifacts: weight 'w' has the value 1000000, beyond float16's +-65504; use dtype 'uint8'",
    );
    await expect(saveQuantized(model, { directory: '', dtype: 'uint8' })).rejects.toThrow(
      'saveQuantized: directory must be a non-empty path',
    );
    model.dispose();
    loaded.dispose();
  });
});

describe('quantizeArtifacts with weights that are not float32', () => {
  it('keeps int32 and bool weights as they are (4 and 1 bytes per value) and quantizes the rest', () => {
    const data = new Uint8Array(4 * 2 + 3 + 4 * 2);
    new Float32Array(data.buffer, 0, 2).set([0.5, -1]);
    data.set([1, 0, 1], 8);
    new DataView(data.buffer).setInt32(11, 7, true);
    new DataView(data.buffer).setInt32(15, -3, true);
    const quantized = quantizeArtifacts(
      {
        weightSpecs: [
          { name: 'w', shape: [2], dtype: 'float32' },
          { name: 'mask', shape: [3], dtype: 'bool' },
          { name: 'steps', shape: [2], dtype: 'int32' },
        ],
        weightData: data.buffer,
      },
      { dtype: 'float16' },
    );
    const bytes = new Uint8Array(quantized.weightData as ArrayBuffer);
    expect(bytes.byteLength).toBe(2 * 2 + 3 + 4 * 2);
    expect([...new Uint16Array(bytes.slice(0, 4).buffer)]).toEqual([0x3800, 0xbc00]);
    expect([...bytes.slice(4, 7)]).toEqual([1, 0, 1]);
    expect([...new Int32Array(bytes.slice(7).buffer)]).toEqual([7, -3]);
    expect(quantized.weightSpecs?.map((s) => s.quantization?.dtype ?? s.dtype)).toEqual([
      'float16',
      'bool',
      'int32',
    ]);
  });
});
