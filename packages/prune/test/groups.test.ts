/**
 * Issue 16: channel groups (residual Add, depthwise, separable, concat, Flatten -> Dense,
 * transposed convs, nested models), their sampled rows, a planted redundant group, softmax,
 * honest held-out errors on the BN U-Net, and option validation.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLinear, collectRows, linearForm } from '../src/consumers';
import { findChannelGroups, findPrunableSites, pruneModel } from '../src/index';
import { maxOutputDifference, randomImages, randomizeWeights, useCpu } from './helpers';
import { bnUnet, resnet } from './zoo';

beforeAll(useCpu);

type T = tfl.SymbolicTensor;
const L = tfl.layers;

describe('consumer rows', () => {
  it('reproduce every consumer kind exactly: strided / dilated / valid Conv2D, Conv2DTranspose (same, valid, 3x3 stride 2), SeparableConv2D, Dense after Flatten and after pooling', async () => {
    const input = tfl.input({ shape: [11, 10, 3] });
    const x = L.conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'x' }).apply(input) as T;
    const consumers = [
      L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'strided' }),
      L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'dilated' }),
      L.conv2d({ filters: 4, kernelSize: [3, 2], padding: 'valid', name: 'valid' }),
      L.conv2dTranspose({
        filters: 4,
        kernelSize: 2,
        strides: 2,
        padding: 'same',
        name: 'up_same',
      }),
      L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'up_3x3' }),
      L.conv2dTranspose({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        name: 'up_valid',
      }),
      L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'separable' }),
    ];
    const outputs = consumers.map((layer) => layer.apply(x) as T);
    const flat = L.flatten({ name: 'flat' }).apply(
      L.maxPooling2d({ poolSize: 2 }).apply(x) as T,
    ) as T;
    const dense = L.dense({ units: 3, name: 'dense' });
    outputs.push(dense.apply(flat) as T);
    const gap = L.globalAveragePooling2d({}).apply(x) as T;
    const dense2 = L.dense({ units: 3, name: 'dense_gap' });
    outputs.push(dense2.apply(gap) as T);
    const model = tfl.model({ inputs: input, outputs });
    randomizeWeights(model, 11);
    const images = randomImages(3, 11, 10, 12);
    const names = [...consumers.map((c) => c.name), 'dense', 'dense_gap'];
    const repeats = names.map((n) => (n === 'dense' ? 5 * 5 : 1));
    const rows = await collectRows(
      model,
      names.map((name, i) => ({
        layer: model.getLayer(name),
        repeat: repeats[i] as number,
        samplesPerImage: 15,
        seed: i,
      })),
      images,
      2,
    );
    const actual = model.predict(images) as tf.Tensor[];
    for (let i = 0; i < names.length; i++) {
      const form = linearForm(model.getLayer(names[i] as string), repeats[i]);
      const { X, positions } = rows[i] as { X: Float32Array; positions: Int32Array };
      const Y = applyLinear(
        X,
        form.W,
        form.bias,
        form.kernelArea * form.channelsIn,
        form.channelsOut,
      );
      const out = actual[i] as tf.Tensor;
      const data = out.dataSync();
      let worst = 0;
      for (let r = 0; r < positions.length / 3; r++) {
        const [b, oy, ox] = [
          positions[3 * r],
          positions[3 * r + 1],
          positions[3 * r + 2],
        ] as number[];
        for (let o = 0; o < form.channelsOut; o++) {
          const index =
            out.rank === 2
              ? (b as number) * form.channelsOut + o
              : (((b as number) * (out.shape[1] as number) + (oy as number)) *
                  (out.shape[2] as number) +
                  (ox as number)) *
                  form.channelsOut +
                o;
          worst = Math.max(
            worst,
            Math.abs((data[index] as number) - (Y[r * form.channelsOut + o] as number)),
          );
        }
      }
      expect(worst, names[i]).toBeLessThan(1e-4);
    }
    tf.dispose([...actual, images]);
    model.dispose();
  });
});

/** Makes channels half..C-1 of `group` exact copies of 0..half-1 in every producer and member, and every consumer read both with the same weights. */
function plantDuplicates(model: tfl.LayersModel, groupName: string): void {
  const group = findChannelGroups(model).groups.find((g) => g.name === groupName);
  if (!group) throw new Error(`no group ${groupName}`);
  const half = group.channels / 2;
  const copyAlong = (
    layerName: string,
    pick: (w: tf.Tensor, i: number) => number | null,
    offset = 0,
  ) => {
    const layer = model.getLayer(layerName);
    const values = layer.getWeights().map((w, i) => {
      const axis = pick(w, i);
      const data = Float32Array.from(w.dataSync());
      if (axis !== null) {
        const size = w.shape[axis] as number;
        const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        const outer = data.length / (size * inner);
        for (let o = 0; o < outer; o++)
          for (let c = 0; c < half; c++)
            for (let j = 0; j < inner; j++)
              data[(o * size + offset + half + c) * inner + j] = data[
                (o * size + offset + c) * inner + j
              ] as number;
      }
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  };
  for (const p of group.producers)
    copyAlong(p.layer, (w) => (p.kind === 'Conv2DTranspose' && w.rank === 4 ? 2 : w.rank - 1));
  for (const m of group.members)
    copyAlong(
      m.layer,
      (w) => (m.kind === 'DepthwiseConv2D' && w.rank === 4 ? 2 : w.rank - 1),
      m.offset,
    );
  // Consumers: both copies read with the same weights, so the second half is exactly redundant.
  for (const c of group.consumers)
    copyAlong(c.layer, (_w, i) => (i === 0 ? (c.kind === 'Dense' ? 0 : 2) : null), c.offset);
}

describe('channel groups', () => {
  it('a planted redundant group across residual Adds is found and removed with near-zero held-out error', async () => {
    const model = resnet();
    plantDuplicates(model, 'stem'); // stem, s1b1_conv2, s1b2_conv2 and their BN, joined by Add
    const images = randomImages(6, 16, 16, 21);
    const start = tf.memory().numTensors;
    const { model: pruned, report } = await pruneModel(model, { images, sites: ['stem'] });
    const [site] = report.sites;
    expect(site?.producers).toEqual(['stem', 's1b1_conv2', 's1b2_conv2']);
    // One of each duplicated pair is kept.
    expect(site?.kept.map((i) => i % 4).sort()).toEqual([0, 1, 2, 3]);
    for (const consumer of site?.consumers ?? []) {
      expect(consumer.heldOutErrorPruned).toBeGreaterThan(0.05); // the old weights miss the copies...
      expect(consumer.heldOutErrorAfter).toBeLessThan(1e-3); // ...the refit restores them exactly
    }
    expect(maxOutputDifference(model, pruned, images)).toBeLessThan(1e-3);
    expect(pruned.getLayer('stem').getConfig().filters).toBe(4);
    expect(pruned.getLayer('s1b1_2_bn').getWeights()[0]?.shape).toEqual([4]);
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    model.dispose();
  });

  it('softmax over channels is never pruned through (Activation, fused, Softmax layer); the pruned model matches its report', async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    let x = L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'a' }).apply(input) as T;
    x = L.activation({ activation: 'softmax', name: 'a_softmax' }).apply(x) as T;
    x = L.conv2d({
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'softmax',
      name: 'b',
    }).apply(x) as T;
    x = L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'c' }).apply(x) as T;
    x = L.softmax({ axis: -1, name: 'c_softmax' }).apply(x) as T;
    x = L.conv2d({
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'd',
    }).apply(x) as T;
    const out = L.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', name: 'probs' }).apply(
      x,
    ) as T;
    const model = tfl.model({ inputs: input, outputs: out });
    randomizeWeights(model, 5);
    const analysis = findChannelGroups(model);
    expect(analysis.groups.map((g) => g.name)).toEqual(['d']);
    const reasons = Object.fromEntries(analysis.skipped.map((s) => [s.producer, s.reason]));
    expect(reasons.a).toBe("feeds Activation 'a_softmax', which applies softmax over the channels");
    expect(reasons.b).toBe("Conv2D 'b' applies softmax over its channels");
    expect(reasons.c).toBe("feeds Softmax 'c_softmax', which is a softmax over the channels");
    expect(reasons.probs).toMatch(/applies softmax over its channels; is a model output/);
    // The thesis rule (findPrunableSites) no longer takes softmax for a per-channel layer either.
    const legacy = findPrunableSites(model);
    expect(legacy.sites.map((s) => s.producer)).toEqual(['d']);
    expect(legacy.skipped.find((s) => s.producer === 'a')?.reason).toMatch(/softmax/);
    expect(legacy.skipped.find((s) => s.producer === 'b')?.reason).toMatch(/softmax/);

    const images = randomImages(6, 8, 8, 3);
    const { model: pruned, report } = await pruneModel(model, { images });
    expect(report.sites.map((s) => s.producer)).toEqual(['d']);
    // The report's held-out error is the real one: the consumer 'probs' sees exactly what the report measured.
    expect(report.sites[0]?.heldOutErrorAfter).toBeLessThan(0.5);
    const difference = maxOutputDifference(model, pruned, images);
    expect(difference).toBeLessThan(0.5);
    pruned.dispose();
    images.dispose();
    model.dispose();
  });

  it('the BN U-Net at default settings: held-out error after the refit <= without it, at every consumer', async () => {
    const model = bnUnet();
    const images = randomImages(8, 16, 16, 31);
    const { model: pruned, report } = await pruneModel(model, { images });
    expect(report.sites).toHaveLength(12);
    for (const site of report.sites) {
      for (const consumer of site.consumers) {
        expect(consumer.heldOutErrorAfter, `${site.producer} -> ${consumer.layer}`).not.toBeNull();
        expect(consumer.heldOutErrorAfter as number).toBeLessThanOrEqual(
          (consumer.heldOutErrorPruned as number) + 1e-6,
        );
      }
    }
    pruned.dispose();
    images.dispose();
    model.dispose();
  });

  it('plain least squares from few rows overfits; the validated ridge does not (issue 16, point 1)', async () => {
    const model = bnUnet();
    const images = randomImages(2, 16, 16, 32);
    const sites = ['bott_conv1'];
    const plain = await pruneModel(model, {
      images,
      sites,
      ridge: 1e-6,
      samplesPerImage: 40,
      holdout: 0.5,
    });
    const validated = await pruneModel(model, { images, sites, samplesPerImage: 40, holdout: 0.5 });
    const [a] = plain.report.sites;
    const [b] = validated.report.sites;
    // 40 fitting rows for 145 unknowns: least squares fits the rows exactly...
    expect(a?.errorAfter).toBeLessThan(1e-3);
    expect(plain.report.warnings.some((w) => /40 rows for 145 unknowns/.test(w))).toBe(true);
    // ...and the validated refit is no worse where it counts, on the held-out rows.
    expect(b?.heldOutErrorAfter as number).toBeLessThanOrEqual(
      (a?.heldOutErrorAfter as number) + 1e-9,
    );
    expect(b?.heldOutErrorAfter as number).toBeLessThanOrEqual(
      (b?.heldOutErrorPruned as number) + 1e-9,
    );
    plain.model.dispose();
    validated.model.dispose();
    images.dispose();
    model.dispose();
  });

  it('prunes convolutions inside a nested model (a backbone used as a layer)', async () => {
    const backboneInput = tfl.input({ shape: [16, 16, 3] });
    let y = L.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'bb_conv1',
    }).apply(backboneInput) as T;
    y = L.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'bb_conv2',
    }).apply(y) as T;
    const backbone = tfl.model({ inputs: backboneInput, outputs: y, name: 'backbone' });
    const input = tfl.input({ shape: [16, 16, 3] });
    let x = backbone.apply(input) as T;
    x = L.conv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'neck',
    }).apply(x) as T;
    const out = L.conv2d({ filters: 1, kernelSize: 1, name: 'head' }).apply(x) as T;
    const model = tfl.model({ inputs: input, outputs: out });
    randomizeWeights(model, 9);
    const analysis = findChannelGroups(model);
    expect(analysis.groups.map((g) => `${g.name} -> ${g.consumers.map((c) => c.layer)}`)).toEqual([
      'bb_conv1 -> bb_conv2',
      'bb_conv2 -> neck',
      'neck -> head',
    ]);
    const images = randomImages(4, 16, 16, 8);
    const start = tf.memory().numTensors;
    const { model: pruned, report } = await pruneModel(model, { images });
    expect(report.sites.map((s) => s.channelsAfter)).toEqual([4, 4, 4]);
    expect(pruned.getLayer('bb_conv2').getConfig().filters).toBe(4);
    const prediction = pruned.predict(images) as tf.Tensor;
    expect(prediction.shape).toEqual([4, 16, 16, 1]);
    prediction.dispose();
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    model.dispose();
  });

  it('every option is validated with a pruneModel: message', async () => {
    const model = bnUnet();
    const images = randomImages(1, 16, 16, 16);
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [
        { sites: 'enc1_conv1' },
        "pruneModel: sites must be an array of layer names, got 'enc1_conv1'",
      ],
      [{ seed: 1.5 }, 'pruneModel: seed must be an integer, got 1.5'],
      [{ reconstruct: 'yes' }, "pruneModel: reconstruct must be true or false, got 'yes'"],
      [{ refitBias: 1 }, 'pruneModel: refitBias must be true or false, got 1'],
      [{ ridge: -1 }, "pruneModel: ridge must be 'auto' or a finite number >= 0, got -1"],
      [{ holdout: 1 }, 'pruneModel: holdout must be a number in [0, 0.9], got 1'],
      [{ rowsPerUnknown: 0 }, 'pruneModel: rowsPerUnknown must be a finite number >= 1, got 0'],
      [
        { samplesPerImage: 'many' },
        /^pruneModel: samplesPerImage must be an integer >= 1, got 'many'/,
      ],
      [
        { perSite: [0.5] },
        'pruneModel: perSite must be an object of { groupName: ratio }, got an array of length 1',
      ],
      [
        { criterion: 'lassoo' },
        "pruneModel: criterion must be 'lasso', 'l1' or 'random', got 'lassoo'",
      ],
      [{ ratios: 0.5 }, /^pruneModel: unknown option 'ratios'; options are images, ratio, /],
      [
        { images: new Float32Array(16 * 16 * 3) },
        'pruneModel: images must be a rank-4 tf.Tensor (NHWC batch of normalised images), got a Float32Array of length 768',
      ],
    ];
    for (const [extra, message] of cases) {
      await expect(pruneModel(model, { images, ...extra } as never)).rejects.toThrow(message);
    }
    const wrong = randomImages(1, 8, 8, 2);
    await expect(pruneModel(model, { images: wrong })).rejects.toThrow(
      'pruneModel: images has shape [1, 8, 8, 3] but the model input is [null, 16, 16, 3]',
    );
    tf.dispose([images, wrong]);
    model.dispose();
  });
});
