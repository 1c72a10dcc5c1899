import { modelCost } from '@crack/metrics/cost';
import { createUnet, thesisStudent } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPrunableSites, pruneModel } from '../src/index';
import { randomImages, useCpu } from './helpers';

beforeAll(useCpu);

const THESIS = { height: 320, width: 480 };

/**
 * MACs with the two 2x2 transposed convolutions counted at their input resolution instead of
 * their output (eq 4-2): the convention under which the thesis's pruned figure (509 MFLOPs) is
 * reproduced exactly, although its unpruned figure (1086) uses output resolution.
 */
function macsTransposedAtInput(cost: ReturnType<typeof modelCost>): number {
  let macs = cost.total.macs;
  for (const layer of cost.layers) {
    if (layer.kind !== 'transposed-conv') continue;
    macs -= layer.macs - layer.macs / 4; // stride 2: 4x fewer input pixels than output pixels
  }
  return macs;
}

describe('the thesis student (U-Net, 2 poolings, 8 base channels, 3x3 head)', () => {
  it('has the prunable maps worked out by hand', () => {
    const student = createUnet({ ...thesisStudent, seed: 1 });
    const { sites, skipped } = findPrunableSites(student);
    expect(sites.map((s) => `${s.producer}->${s.consumer} (${s.channels})`)).toEqual([
      'enc1_conv1->enc1_conv2 (8)',
      'enc2_conv1->enc2_conv2 (16)',
      'bottleneck_conv1->bottleneck_conv2 (32)',
      'dec2_conv1->dec2_conv2 (16)',
      'dec1_conv1->dec1_conv2 (8)',
      'dec1_conv2->head (8)',
    ]);
    expect(Object.fromEntries(skipped.map((s) => [s.producer, s.reason]))).toEqual({
      enc1_conv2: "feeds 2 layers (MaxPooling2D 'enc1_pool', Concatenate 'dec1_concat')",
      enc2_conv2: "feeds 2 layers (MaxPooling2D 'enc2_pool', Concatenate 'dec2_concat')",
      bottleneck_conv2: "feeds Conv2DTranspose 'dec2_up'",
      dec2_conv2: "feeds Conv2DTranspose 'dec1_up'",
      head: 'is a model output',
    });
    const cost = modelCost(student, THESIS);
    expect(cost.total.weights).toBe(29344);
    expect(cost.total.macs).toBe(1086259200);
    student.dispose();
  });

  it('pruned at ratio 0.5 has the analytic params and MACs (Table 4-5)', async () => {
    const student = createUnet({ ...thesisStudent, seed: 1 });
    const images = randomImages(3, 32, 48, 21);
    const start = tf.memory().numTensors;
    const inBlock = ['enc1_conv1', 'enc2_conv1', 'bottleneck_conv1', 'dec2_conv1', 'dec1_conv1'];
    const { model: pruned, report } = await pruneModel(student, {
      images,
      sites: inBlock,
      samplesPerImage: 80,
    });
    expect(report.sites.map((s) => `${s.channelsBefore}->${s.channelsAfter}`)).toEqual([
      '8->4',
      '16->8',
      '32->16',
      '16->8',
      '8->4',
    ]);
    for (const site of report.sites)
      expect(site.errorAfter).toBeLessThanOrEqual(site.errorPruned + 1e-6);
    const cost = modelCost(pruned, THESIS);
    // By hand: enc1 3*3*(3*4 + 4*8) = 396, enc2 9*(8*8 + 8*16) = 1728, bottleneck 9*(16*16 + 16*32)
    // = 6912, up 2*2*32*16 = 2048, dec2 9*(32*8 + 8*16) = 3456, up 2*2*16*8 = 512,
    // dec1 9*(16*4 + 4*8) = 864, head 9*8 = 72: 15,988 weights (thesis: 16k).
    expect(cost.total.weights).toBe(15988);
    // MACs (eq 4-2): 396*153600 + 1728*38400 + 6912*9600 + 2048*38400 + 3456*38400 + 512*153600
    // + 864*153600 + 72*153600 = 627,302,400; the thesis's 509 MFLOPs is this minus 3/4 of the
    // two transposed convolutions (counted at input resolution): 509,337,600.
    expect(cost.total.macs).toBe(627302400);
    expect(macsTransposedAtInput(cost)).toBe(509337600);
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    student.dispose();
  });

  it('pruning every map of the thesis rule (conv -> conv) also halves the head input', async () => {
    const student = createUnet({ ...thesisStudent, seed: 2 });
    const images = randomImages(2, 32, 48, 22);
    const sites = findPrunableSites(student).sites.map((s) => s.producer);
    const { model: pruned, report } = await pruneModel(student, {
      images,
      samplesPerImage: 80,
      sites,
    });
    expect(report.sites).toHaveLength(6);
    const cost = modelCost(pruned, THESIS);
    // dec1_conv2 8 -> 4 filters: -144 weights, head 8 -> 4 inputs: -36 weights.
    expect(cost.total.weights).toBe(15988 - 180);
    expect(cost.total.macs).toBe(627302400 - 180 * 153600);
    expect(report.before.weights).toBe(29344);
    pruned.dispose();
    images.dispose();
    student.dispose();
  });
});
