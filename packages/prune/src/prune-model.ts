import { type CostFigures, modelCost } from '@crack/metrics/cost';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkPruneInputs } from './check-prune-inputs';
import { reconstructionError, reconstructWeights } from './reconstruct';
import {
  checkSamplingOptions,
  collectPatches,
  convOutputs,
  convWeights,
  type SampleSiteOptions,
  type SamplingImages,
} from './sampling';
import { filterL1Norms, selectChannels } from './select-channels';
import { findPrunableSites, siteByProducer } from './sites';
import { copyModel, removeChannels } from './surgery';
import type { ChannelCriterion, PrunableSite, SkippedMap } from './types';
import { fail } from './validate';

/** Options for {@link pruneModel}. */
export interface PruneModelOptions {
  /**
   * Normalised input images ((x - 127.5) / 127.5, NHWC) to sample features with: one Tensor4D
   * (run `batchSize` at a time) or an array of Tensor4D batches. Not disposed. Their height and
   * width are also the input size of the params / MACs report.
   */
  images: SamplingImages;
  /** Fraction of each map's channels to remove, in [0, 1). Default 0.5 (the thesis). */
  ratio?: number;
  /** Per-site ratios by producer name; sites not listed use `ratio`. */
  perSite?: Record<string, number>;
  /** Channel criterion. Default 'lasso'. */
  criterion?: ChannelCriterion;
  /** Producer names of the sites to prune. Default every prunable site. */
  sites?: string[];
  /** Refit the consumer's weights on the kept channels by least squares. Default true. */
  reconstruct?: boolean;
  /** When reconstructing, refit the consumer bias too (it absorbs the mean of removed channels). Default true. */
  refitBias?: boolean;
  /** Random positions sampled per image. Default 10. */
  samplesPerImage?: number;
  /**
   * Fraction of each image's positions drawn where the original model sees a crack (crack-aware
   * sampling; see {@link SampleSiteOptions.crackFraction}). Default 0: uniform, as in He et al.
   */
  crackFraction?: number;
  /** Probability at which the original model's output counts as crack. Default 0.5. */
  crackThreshold?: number;
  /** Seed of positions and of the 'random' criterion. Default 0. */
  seed?: number;
  /** Images per forward pass when `images` is one tensor. Default 4. */
  batchSize?: number;
  /** Called after each site is pruned. */
  onProgress?: (progress: PruneProgress) => void;
}

/** Progress of {@link pruneModel}. */
export interface PruneProgress {
  /** Sites done so far (1-based count). */
  done: number;
  /** Sites to prune in total. */
  total: number;
  /** The site just pruned. */
  site: SiteReport;
}

/** What happened at one site. */
export interface SiteReport {
  /** Producer Conv2D (the site's name). */
  producer: string;
  /** Consumer Conv2D. */
  consumer: string;
  /** Channels before. */
  channelsBefore: number;
  /** Channels after. */
  channelsAfter: number;
  /** Kept channel indices (into the original channels of this map). */
  kept: number[];
  /**
   * Relative error ||Y - Ŷ|| / ||Y|| of the consumer's pre-activation output on the samples, Y
   * from the original model: with all channels (the error carried in from earlier sites)...
   */
  errorBefore: number;
  /** ...with the kept channels and the old weights... */
  errorPruned: number;
  /** ...and with the kept channels and the reconstructed weights (= errorPruned without reconstruction). */
  errorAfter: number;
  /** 'lasso': final lambda (normalised units), fits used and whether it hit `keep` exactly. */
  lambda: number | null;
  /** LASSO fits used (0 for other criteria). */
  fits: number;
  /** Whether the LASSO fit had exactly the wanted non-zeros. */
  exact: boolean;
}

/** Result of {@link pruneModel}. */
export interface PruneReport {
  /** Criterion used. */
  criterion: ChannelCriterion;
  /** Samples per site (images x samplesPerImage). */
  samples: number;
  /** One entry per pruned site, in graph order. */
  sites: SiteReport[];
  /** Maps left whole, with the reason. */
  skipped: SkippedMap[];
  /** Cost of the original model (from @crack/metrics/cost) at the images' size. */
  before: CostFigures;
  /** Cost of the pruned model. */
  after: CostFigures;
  /**
   * What looks wrong but was allowed: images outside [-1.5, 1.5] (0-255 pixels for a model that
   * expects [-1, 1]), an output that is not a per-pixel map, no prunable site. Empty when fine.
   */
  warnings: string[];
}

const FN = 'pruneModel';

/**
 * Channel pruning of a whole model (He et al. 2017; thesis §6.3): prunes the sites one after
 * another in graph order. Each site is sampled from the model pruned so far (X) against the
 * original model's outputs (Y), so later sites compensate earlier errors; channels are chosen
 * by `criterion`; the producer loses its filters, the consumer its input slices, and the
 * consumer's weights are refitted by least squares. Returns a new, ordinary LayersModel (the
 * input model is untouched) and a report with per-site channels and errors and params / MACs
 * before and after.
 */
export async function pruneModel(
  model: tfl.LayersModel,
  options: PruneModelOptions,
): Promise<{
  /** The pruned model: a new, ordinary LayersModel. */
  model: tfl.LayersModel;
  /** Channels, errors and cost before and after, per site. */
  report: PruneReport;
}> {
  const sampling = checkSamplingOptions(FN, options);
  const warnings = checkPruneInputs(FN, model, sampling.images, options.sites);
  const {
    ratio = 0.5,
    perSite = {},
    criterion = 'lasso',
    reconstruct = true,
    refitBias = true,
    onProgress,
  } = options;
  checkRatio('ratio', ratio);
  for (const [name, value] of Object.entries(perSite)) checkRatio(`perSite['${name}']`, value);
  if (!['lasso', 'l1', 'random'].includes(criterion))
    fail(FN, 'criterion', "'lasso', 'l1' or 'random'", criterion);
  if (onProgress !== undefined && typeof onProgress !== 'function')
    fail(FN, 'onProgress', 'a function', onProgress);

  const analysis = findPrunableSites(model);
  const chosen: PrunableSite[] = options.sites
    ? options.sites.map((name) => siteByProducer(FN, analysis, name))
    : analysis.sites;
  const order = new Map(model.layers.map((layer, i) => [layer.name, i]));
  chosen.sort((a, b) => (order.get(a.producer) ?? 0) - (order.get(b.producer) ?? 0));
  for (const name of Object.keys(perSite)) siteByProducer(FN, analysis, name);

  const first = (
    Array.isArray(sampling.images) ? sampling.images[0] : sampling.images
  ) as tf.Tensor4D;
  const size = { height: first.shape[1], width: first.shape[2] };
  const before = modelCost(model, size).total;

  // Targets: every consumer's pre-activation output in the original model, one pass for all.
  const consumers = chosen.map((site) => model.getLayer(site.consumer));
  const originals =
    consumers.length === 0
      ? []
      : await collectPatches(model, consumers, sampling.images, {
          samplesPerImage: sampling.samplesPerImage,
          seeds: chosen.map((_, i) => sampling.seed * 1000003 + i),
          batchSize: sampling.batchSize,
          crackFraction: sampling.crackFraction,
          crackThreshold: sampling.crackThreshold,
        });
  const targets = originals.map(({ X }, i) => {
    const { kernel, bias, kernelArea, channelsIn, channelsOut } = convWeights(
      consumers[i] as tfl.layers.Layer,
    );
    return convOutputs(X, kernel, bias, kernelArea * channelsIn, channelsOut);
  });

  let current = model;
  const reports: SiteReport[] = [];
  try {
    for (let s = 0; s < chosen.length; s++) {
      const site = chosen[s] as PrunableSite;
      const keep = Math.max(1, Math.round(site.channels * (1 - (perSite[site.producer] ?? ratio))));
      const consumer = current.getLayer(site.consumer);
      const original = originals[s] as { X: Float32Array; positions: Int32Array };
      const [sampled] =
        current === model
          ? [original]
          : await collectPatches(current, [consumer], sampling.images, {
              samplesPerImage: sampling.samplesPerImage,
              positions: [original.positions],
              batchSize: sampling.batchSize,
            });
      const X = (sampled as { X: Float32Array }).X;
      const Y = targets[s] as Float32Array;
      const weights = convWeights(consumer);
      const { kernel, bias, channelsIn, channelsOut } = weights;
      const all = Array.from({ length: channelsIn }, (_, i) => i);
      const errorBefore = reconstructionError({
        X,
        Y,
        channelsIn,
        channelsOut,
        kernel,
        bias,
        kept: all,
      });
      const report: SiteReport = {
        producer: site.producer,
        consumer: site.consumer,
        channelsBefore: site.channels,
        channelsAfter: site.channels,
        kept: all,
        errorBefore,
        errorPruned: errorBefore,
        errorAfter: errorBefore,
        lambda: null,
        fits: 0,
        exact: true,
      };
      if (keep < site.channels) {
        const producerKernel = convWeights(current.getLayer(site.producer)).kernel;
        const refit = reconstruct && refitBias && bias !== null;
        const selection = selectChannels({
          keep,
          channelsIn,
          criterion,
          X,
          W: kernel,
          Y,
          channelsOut,
          bias,
          center: refit,
          filterNorms:
            criterion === 'l1' ? filterL1Norms(producerKernel, site.channels) : undefined,
          seed: sampling.seed + s,
        });
        const { kept } = selection;
        const slicedKernel = sliceInputs(kernel, weights.kernelArea, channelsIn, channelsOut, kept);
        const errorPruned = reconstructionError({
          X,
          Y,
          channelsIn,
          channelsOut,
          kernel: slicedKernel,
          bias,
          kept,
        });
        let newKernel = slicedKernel;
        let newBias = bias;
        let errorAfter = errorPruned;
        if (reconstruct) {
          const fit = reconstructWeights({
            X,
            Y,
            channelsIn,
            channelsOut,
            kept,
            bias,
            refitBias: refit,
            prior: slicedKernel,
          });
          newKernel = fit.kernel;
          newBias = fit.bias;
          errorAfter = fit.relativeError;
        }
        const next = await removeChannels(current, {
          site: { ...site, channels: channelsIn },
          kept,
          consumerKernel: newKernel,
          consumerBias: newBias,
        });
        if (current !== model) current.dispose();
        current = next;
        Object.assign(report, {
          channelsAfter: kept.length,
          kept,
          errorPruned,
          errorAfter,
          lambda: selection.lambda,
          fits: selection.fits,
          exact: selection.exact,
        });
      }
      reports.push(report);
      onProgress?.({ done: s + 1, total: chosen.length, site: report });
    }
  } catch (error) {
    if (current !== model) current.dispose();
    throw error;
  }
  const after = modelCost(current, size).total;
  if (current === model) {
    // Nothing was removed: still hand back a separate model, so disposing it never hurts `model`.
    current = await copyModel(model);
  }
  return {
    model: current,
    report: {
      criterion,
      samples: (originals[0]?.positions.length ?? 0) / 3,
      sites: reports,
      skipped: analysis.skipped,
      before,
      after,
      warnings,
    },
  };
}

function checkRatio(field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1))
    fail(FN, field, 'a number in [0, 1)', value);
}

/** The kept input slices of a kernel `[k][C][O]` -> `[k][kept][O]`. */
function sliceInputs(
  kernel: Float32Array,
  k: number,
  C: number,
  O: number,
  kept: readonly number[],
): Float32Array {
  const S = kept.length;
  const out = new Float32Array(k * S * O);
  for (let p = 0; p < k; p++) {
    for (let s = 0; s < S; s++) {
      const from = (p * C + (kept[s] as number)) * O;
      out.set(kernel.subarray(from, from + O), (p * S + s) * O);
    }
  }
  return out;
}
