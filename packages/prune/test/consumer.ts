// What a user of @crack/prune writes: type-checked by the consumer check, never run.
import {
  type ChannelSelection,
  findPrunableSites,
  type PruneReport,
  pruneModel,
  reconstructWeights,
  removeChannels,
  sampleSite,
  selectChannels,
} from '@crack/prune';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export function listSites(model: tfl.LayersModel): string[] {
  const { sites, skipped } = findPrunableSites(model);
  for (const map of skipped) console.log(`${map.producer}: ${map.reason}`);
  return sites.map((site) => `${site.producer} -> ${site.consumer} (${site.channels})`);
}

export async function compress(
  student: tfl.LayersModel,
  images: tf.Tensor4D,
): Promise<{ model: tfl.LayersModel; report: PruneReport }> {
  return pruneModel(student, {
    images,
    ratio: 0.5,
    criterion: 'lasso',
    onProgress: ({ done, total, site }) => console.log(`${done}/${total} ${site.producer}`),
  });
}

export async function pruneOneSite(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
): Promise<tfl.LayersModel> {
  const site = findPrunableSites(model).sites[0];
  if (!site) return model;
  const samples = await sampleSite(model, site, { images, samplesPerImage: 10 });
  const selection: ChannelSelection = selectChannels({
    X: samples.X,
    W: samples.kernel,
    Y: samples.Y,
    channelsIn: samples.channelsIn,
    channelsOut: samples.channelsOut,
    bias: samples.bias,
    keep: Math.ceil(samples.channelsIn / 2),
  });
  const fit = reconstructWeights({ ...samples, kept: selection.kept, bias: samples.bias });
  return removeChannels(model, {
    site,
    kept: selection.kept,
    consumerKernel: fit.kernel,
    consumerBias: fit.bias,
  });
}
