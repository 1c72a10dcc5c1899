import { type CostFigures, modelCost } from '@crack/metrics/cost';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { channelContributions } from './channel-contributions';
import { analyseGraph, groupByName } from './channel-groups';
import { checkPruneInputs } from './check-prune-inputs';
import {
  applyLinear,
  type CollectedRows,
  collectRows,
  type LinearForm,
  linearForm,
  positionsPerImage,
  type RowSource,
} from './consumers';
import { flattenModel } from './flatten-model';
import { readCallGraph } from './graph';
import { type ConsumerWeights, pruneGroup } from './group-surgery';
import { createRandom, randomPermutation } from './random';
import { reconstructionError, reconstructWeights } from './reconstruct';
import { checkSamplingOptions, type SampleSiteOptions, type SamplingImages } from './sampling';
import { filterL1Norms, selectChannels, selectFromGram } from './select-channels';
import type { ChannelCriterion, ChannelGroup, GroupConsumer, SkippedMap } from './types';
import { describe, fail } from './validate';
import { reconstructValidated } from './validated-refit';

/** Options for {@link pruneModel}. */
export interface PruneModelOptions {
  /**
   * Normalised input images ((x - 127.5) / 127.5, NHWC) to sample features with: one Tensor4D
   * (run `batchSize` at a time) or an array of Tensor4D batches. Not disposed. Their height and
   * width are also the input size of the params / MACs report.
   */
  images: SamplingImages;
  /** Fraction of each group's channels to remove, in [0, 1). Default 0.5 (the thesis). */
  ratio?: number;
  /** Per-group ratios by group name (or the name of any producer in the group); others use `ratio`. */
  perSite?: Record<string, number>;
  /** Channel criterion. Default 'lasso'. */
  criterion?: ChannelCriterion;
  /**
   * Groups to prune, by group name or the name of any producer in the group (so the producer
   * names of {@link findPrunableSites} work). Default every prunable group of
   * {@link findChannelGroups}.
   */
  sites?: string[];
  /** Refit every consumer's weights on the kept channels. Default true. */
  reconstruct?: boolean;
  /** When reconstructing, refit the consumer bias too (it absorbs the mean of removed channels). Default true. */
  refitBias?: boolean;
  /**
   * Ridge term of the refit, relative to the mean diagonal of X_S^T X_S. Default 'auto': chosen
   * per consumer by 4-fold cross-validation over the fitting rows among
   * {@link RIDGE_GRID} and "no refit" (the old weights). A number fixes it: `1e-6` is the plain
   * least squares of He et al. (the thesis's method, the behaviour before issue 16).
   */
  ridge?: number | 'auto';
  /**
   * Fraction of the sampled positions held out of selection and refit, on which the report's
   * `heldOutError*` are measured. In [0, 0.9]. Default 0.2; 0 fits on every row (thesis
   * behaviour) and reports no held-out errors.
   */
  holdout?: number;
  /**
   * Random positions sampled per image. Default 'auto': per consumer, enough for
   * `rowsPerUnknown` fitting rows per unknown of its refit (kernelArea x kept inputs + 1),
   * at least 10 and at most the consumer's output positions per image. A Dense layer on
   * flattened features gets one row per image whatever this says.
   */
  samplesPerImage?: number | 'auto';
  /**
   * With `samplesPerImage: 'auto'`, fitting rows wanted per unknown of a consumer's refit.
   * Default 4 (a least-squares fit with n rows and p unknowns has an expected in-sample error
   * (1 - p/n) times the true one, and a held-out error (1 + p/n) times it: 4 keeps both within 25 %).
   */
  rowsPerUnknown?: number;
  /**
   * Fraction of each image's positions drawn where the original model sees a crack (crack-aware
   * sampling; see {@link SampleSiteOptions.crackFraction}). Default 0: uniform, as in He et al.
   */
  crackFraction?: number;
  /** Probability at which the original model's output counts as crack. Default 0.5. */
  crackThreshold?: number;
  /** Seed of positions, of the held-out split and of the 'random' criterion; an integer. Default 0. */
  seed?: number;
  /** Images per forward pass. Default 4. */
  batchSize?: number;
  /** Called after each group is pruned. */
  onProgress?: (progress: PruneProgress) => void;
}

/** Progress of {@link pruneModel}. */
export interface PruneProgress {
  /** Groups done so far (1-based count). */
  done: number;
  /** Groups to prune in total. */
  total: number;
  /** The group just pruned. */
  site: SiteReport;
}

/**
 * Errors at one consumer of a pruned group: relative errors ||Y - Ŷ|| / ||Y|| of its
 * pre-activation output, Y from the original model, on the fitting rows (in-sample) and on the
 * held-out rows.
 */
export interface ConsumerReport {
  /** Consumer layer. */
  layer: string;
  /** Layer class. */
  kind: GroupConsumer['kind'];
  /** Rows the selection and refit used. */
  rows: number;
  /** Held-out rows (0 with `holdout: 0`). */
  heldOutRows: number;
  /** Unknowns per output of the refit (kernelArea x kept inputs, + 1 with the bias). */
  unknowns: number;
  /** Relative ridge of the refit; null when the old weights were kept (no refit, or validation preferred them). */
  ridge: number | null;
  /** With all channels and the current weights (the error carried in from earlier groups). */
  errorBefore: number;
  /** With the kept channels and the old weights. */
  errorPruned: number;
  /** With the kept channels and the refitted weights (= errorPruned without refit). */
  errorAfter: number;
  /** errorBefore on the held-out rows (null without held-out rows). */
  heldOutErrorBefore: number | null;
  /** errorPruned on the held-out rows. */
  heldOutErrorPruned: number | null;
  /** errorAfter on the held-out rows: the honest measure of the refit. */
  heldOutErrorAfter: number | null;
}

/** What happened at one channel group (a "site": for a plain conv -> conv map, one producer and one consumer). */
export interface SiteReport {
  /** The group's name (its first producer). */
  producer: string;
  /** Every layer whose filters / units were removed. */
  producers: string[];
  /** The first consumer (see `consumers` for all). */
  consumer: string;
  /** Every consumer with its errors. */
  consumers: ConsumerReport[];
  /** Channels before. */
  channelsBefore: number;
  /** Channels after. */
  channelsAfter: number;
  /** Kept channel indices (into the group's channels before this step). */
  kept: number[];
  /**
   * Relative error of the consumers' pre-activation outputs on the fitting rows, Y from the
   * original model (root mean square over consumers): with all channels...
   */
  errorBefore: number;
  /** ...with the kept channels and the old weights... */
  errorPruned: number;
  /** ...and with the kept channels and the refitted weights (= errorPruned without reconstruction). */
  errorAfter: number;
  /** The same three on the held-out rows (null with `holdout: 0`). */
  heldOutErrorBefore: number | null;
  /** See `heldOutErrorBefore`. */
  heldOutErrorPruned: number | null;
  /** See `heldOutErrorBefore`. */
  heldOutErrorAfter: number | null;
  /** 'lasso': final lambda (normalised units); null otherwise. */
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
  /** Rows sampled for the first consumer (images x samples per image). */
  samples: number;
  /** One entry per pruned group, in graph order. */
  sites: SiteReport[];
  /** Maps left whole, with the reason (every producer not in a pruned group is here or in `notChosen`). */
  skipped: SkippedMap[];
  /** Prunable groups left whole because `sites` did not list them. */
  notChosen: string[];
  /** Cost of the original model (from @crack/metrics/cost) at the images' size. */
  before: CostFigures;
  /** Cost of the pruned model. */
  after: CostFigures;
  /**
   * What looks wrong but was allowed: images outside [-1.5, 1.5], an output that is not a
   * per-pixel map, nothing pruned, a consumer refitted from fewer rows than unknowns. Also
   * every warning is only here (nothing is printed). Empty when fine.
   */
  warnings: string[];
}

const FN = 'pruneModel';
const KNOWN_OPTIONS = new Set([
  'images',
  'ratio',
  'perSite',
  'criterion',
  'sites',
  'reconstruct',
  'refitBias',
  'ridge',
  'holdout',
  'samplesPerImage',
  'rowsPerUnknown',
  'crackFraction',
  'crackThreshold',
  'seed',
  'batchSize',
  'onProgress',
]);

/**
 * Channel pruning of a whole model (He et al. 2017; thesis §6.3) over the channel groups of
 * {@link findChannelGroups}: coupled maps (residual Add, depthwise and separable convolutions,
 * concatenations, BatchNormalization, pooling, Flatten -> Dense, ...) lose the same channels
 * together. Groups are pruned one after another in graph order; each is sampled from the model
 * pruned so far (X) against the original model's outputs (Y), so later groups compensate
 * earlier errors. Channels are chosen by `criterion` (LASSO over the concatenated
 * contributions of every consumer of the group, each consumer weighted by its output energy),
 * exactly `keep` per group; every consumer is refitted (ridge chosen by cross-validation unless
 * fixed) and the report gives in-sample and held-out errors per consumer.
 *
 * Nested models are flattened first (the returned model has the nested layers inline). Returns
 * a new, ordinary LayersModel (the input model is untouched) and a report.
 */
export async function pruneModel(
  model: tfl.LayersModel,
  options: PruneModelOptions,
): Promise<{
  /** The pruned model: a new, ordinary LayersModel. */
  model: tfl.LayersModel;
  /** Channels, errors and cost before and after, per group. */
  report: PruneReport;
}> {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.outputs)) {
    throw new TypeError(
      `${FN}: model must be a tf.LayersModel (Sequential or functional), got ${describe(model)}`,
    );
  }
  if (!options || typeof options !== 'object') fail(FN, 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key))
      throw new RangeError(
        `${FN}: unknown option '${key}'; options are ${[...KNOWN_OPTIONS].join(', ')}`,
      );
  }
  const autoSamples = options.samplesPerImage === undefined || options.samplesPerImage === 'auto';
  const sampling = checkSamplingOptions(FN, {
    ...options,
    samplesPerImage: autoSamples ? 10 : options.samplesPerImage,
  } as SampleSiteOptions);
  const {
    ratio = 0.5,
    perSite = {},
    criterion = 'lasso',
    reconstruct = true,
    refitBias = true,
    ridge = 'auto',
    holdout = 0.2,
    rowsPerUnknown = 4,
    seed = 0,
    onProgress,
  } = options;
  checkRatio('ratio', ratio);
  if (!perSite || typeof perSite !== 'object' || Array.isArray(perSite))
    fail(FN, 'perSite', 'an object of { groupName: ratio }', perSite);
  for (const [name, value] of Object.entries(perSite)) checkRatio(`perSite['${name}']`, value);
  if (!['lasso', 'l1', 'random'].includes(criterion))
    fail(FN, 'criterion', "'lasso', 'l1' or 'random'", criterion);
  if (
    options.sites !== undefined &&
    (!Array.isArray(options.sites) || options.sites.some((s) => typeof s !== 'string'))
  )
    fail(FN, 'sites', 'an array of layer names', options.sites);
  if (typeof reconstruct !== 'boolean') fail(FN, 'reconstruct', 'true or false', reconstruct);
  if (typeof refitBias !== 'boolean') fail(FN, 'refitBias', 'true or false', refitBias);
  if (ridge !== 'auto' && (typeof ridge !== 'number' || !(ridge >= 0) || !Number.isFinite(ridge)))
    fail(FN, 'ridge', "'auto' or a finite number >= 0", ridge);
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout <= 0.9))
    fail(FN, 'holdout', 'a number in [0, 0.9]', holdout);
  if (
    typeof rowsPerUnknown !== 'number' ||
    !(rowsPerUnknown >= 1) ||
    !Number.isFinite(rowsPerUnknown)
  )
    fail(FN, 'rowsPerUnknown', 'a finite number >= 1', rowsPerUnknown);
  if (!autoSamples && typeof options.samplesPerImage !== 'number')
    fail(FN, 'samplesPerImage', "'auto' or an integer >= 1", options.samplesPerImage);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) fail(FN, 'seed', 'an integer', seed);
  if (onProgress !== undefined && typeof onProgress !== 'function')
    fail(FN, 'onProgress', 'a function', onProgress);
  const warnings = checkPruneInputs(FN, model, sampling.images, []);

  const list = Array.isArray(sampling.images) ? sampling.images : [sampling.images];
  const first = list[0] as tf.Tensor4D;
  const imageCount = list.reduce((n, t) => n + (t.shape[0] as number), 0);
  const size = { height: first.shape[1], width: first.shape[2] };
  const before = modelCost(model, size).total;

  const original = await flattenModel(model);
  let current = original;
  let result: tfl.LayersModel | null = null;
  try {
    const analysis = analyseGraph(readCallGraph(original));
    const chosen: ChannelGroup[] = options.sites
      ? dedupe(options.sites.map((name) => groupByName(FN, analysis, name)))
      : analysis.groups;
    for (const name of Object.keys(perSite)) groupByName(FN, analysis, name);
    const order = new Map(analysis.groups.map((g, i) => [g.name, i]));
    chosen.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
    const ratioOf = (group: ChannelGroup) => {
      for (const name of [group.name, ...group.producers.map((p) => p.layer)])
        if (perSite[name] !== undefined) return perSite[name] as number;
      return ratio;
    };
    const keepOf = (group: ChannelGroup) =>
      Math.max(1, Math.round(group.channels * (1 - ratioOf(group))));

    // Targets: every consumer's pre-activation output in the original model, one pass for all.
    const plan: { group: number; consumer: GroupConsumer; source: RowSource }[] = [];
    chosen.forEach((group, g) => {
      const removed = group.channels - keepOf(group);
      for (const consumer of group.consumers) {
        const layer = original.getLayer(consumer.layer);
        const form = linearForm(layer, consumer.repeat);
        const unknowns = form.kernelArea * (form.channelsIn - removed) + 1;
        const wanted = Math.ceil((rowsPerUnknown * unknowns) / (1 - holdout) / imageCount);
        const available = positionsPerImage(layer, consumer.repeat);
        const perImage = autoSamples
          ? Math.max(
              1,
              Math.min(
                Math.max(10, wanted),
                Number.isFinite(available) && available > 0 ? available : wanted,
              ),
            )
          : sampling.samplesPerImage;
        plan.push({
          group: g,
          consumer,
          source: {
            layer,
            repeat: consumer.repeat,
            samplesPerImage: perImage,
            seed: sampling.seed * 1000003 + plan.length,
          },
        });
      }
    });
    const crack = { fraction: sampling.crackFraction, threshold: sampling.crackThreshold };
    const originals: CollectedRows[] =
      plan.length === 0
        ? []
        : await collectRows(
            original,
            plan.map((p) => p.source),
            sampling.images,
            sampling.batchSize,
            crack,
          );
    const originalForms = plan.map((p) => linearForm(p.source.layer, p.consumer.repeat));
    const targets = originals.map(({ X }, i) => {
      const form = originalForms[i] as LinearForm;
      return applyLinear(X, form.W, form.bias, form.kernelArea * form.channelsIn, form.channelsOut);
    });
    /** Original output indices each layer still has (absent: all). */
    const keptOutputs = new Map<string, number[]>();

    const reports: SiteReport[] = [];
    for (let g = 0; g < chosen.length; g++) {
      const name = (chosen[g] as ChannelGroup).name;
      const group = groupByName(FN, analyseGraph(readCallGraph(current)), name);
      const keep = Math.min(group.channels, keepOf(group));
      const entries = plan.map((p, i) => ({ ...p, index: i })).filter((p) => p.group === g);
      const sampled =
        current === original
          ? entries.map((e) => originals[e.index] as CollectedRows)
          : await collectRows(
              current,
              entries.map((e) => ({
                ...e.source,
                layer: current.getLayer(e.consumer.layer),
                positions: (originals[e.index] as CollectedRows).positions,
              })),
              sampling.images,
              sampling.batchSize,
            );
      const sites = group.consumers.map((consumer) => {
        const entry = entries.find((e) => e.consumer.layer === consumer.layer);
        if (!entry)
          throw new Error(`${FN}: consumer '${consumer.layer}' of '${name}' was not sampled`);
        const form = linearForm(current.getLayer(consumer.layer), consumer.repeat);
        const X = (sampled[entries.indexOf(entry)] as CollectedRows).X;
        const full = targets[entry.index] as Float32Array;
        const columns = keptOutputs.get(consumer.layer);
        const O0 = (originalForms[entry.index] as LinearForm).channelsOut;
        const Y = columns ? selectColumns(full, O0, columns) : full;
        if (form.channelsOut !== Y.length / (X.length / (form.kernelArea * form.channelsIn)))
          throw new Error(
            `${FN}: consumer '${consumer.layer}' has ${form.channelsOut} outputs, its targets ${Y.length}`,
          );
        const N = Y.length / form.channelsOut;
        // Held-out split of the sampled rows (seeded, the same for every criterion).
        const test = new Uint8Array(N);
        const held = N >= 4 ? Math.min(N - 2, Math.round(holdout * N)) : 0;
        randomPermutation(N, createRandom(seed * 7919 + entry.index))
          .slice(0, held)
          .forEach((row) => {
            test[row] = 1;
          });
        const D = form.kernelArea * form.channelsIn;
        const split = (data: Float32Array, width: number, want: 0 | 1) => {
          const rows: number[] = [];
          for (let n = 0; n < N; n++) if (test[n] === want) rows.push(n);
          const out = new Float32Array(rows.length * width);
          rows.forEach((n, r) => {
            out.set(data.subarray(n * width, (n + 1) * width), r * width);
          });
          return out;
        };
        return {
          consumer,
          form,
          fit: { X: split(X, D, 0), Y: split(Y, form.channelsOut, 0) },
          test: { X: split(X, D, 1), Y: split(Y, form.channelsOut, 1) },
        };
      });

      // Channel selection over all consumers at once.
      let selection: { kept: number[]; lambda: number | null; fits: number; exact: boolean } = {
        kept: Array.from({ length: group.channels }, (_, i) => i),
        lambda: null,
        fits: 0,
        exact: true,
      };
      if (keep < group.channels) {
        if (criterion === 'lasso') {
          const G = group.channels;
          const gram = new Float64Array(G * G);
          const correlation = new Float64Array(G);
          for (const site of sites) {
            const { form, consumer } = site;
            const { X, Y } = site.fit;
            const N = Y.length / form.channelsOut;
            if (N === 0) continue;
            const problem = groupProblem(form, consumer, X, Y, group.channels);
            const refit = reconstruct && refitBias && form.bias !== null;
            const contributions = channelContributions({
              X: problem.X,
              W: problem.W,
              Y: problem.Y,
              channelsIn: G,
              channelsOut: form.channelsOut,
              bias: form.bias,
              center: refit,
            });
            let energy = 0;
            for (let i = 0; i < Y.length; i++) energy += (Y[i] as number) ** 2;
            const weight = sites.length === 1 ? 1 : N / Math.max(energy, 1e-30);
            for (let i = 0; i < G * G; i++)
              gram[i] = (gram[i] as number) + weight * (contributions.gram[i] as number);
            for (let i = 0; i < G; i++)
              correlation[i] =
                (correlation[i] as number) + weight * (contributions.correlation[i] as number);
          }
          selection = selectFromGram(gram, correlation, G, keep, 60, null);
        } else {
          selection = selectChannels({
            keep,
            channelsIn: group.channels,
            criterion,
            filterNorms: criterion === 'l1' ? groupFilterNorms(current, group) : undefined,
            seed: sampling.seed + g,
          });
        }
      }
      const { kept } = selection;
      const removedSet = new Set<number>();
      for (let i = 0; i < group.channels; i++) if (!kept.includes(i)) removedSet.add(i);

      const refits = new Map<string, ConsumerWeights>();
      const consumerReports: ConsumerReport[] = sites.map((site) => {
        const { form, consumer } = site;
        const C = form.channelsIn;
        const O = form.channelsOut;
        const all = Array.from({ length: C }, (_, i) => i);
        const keptInputs = all.filter((c) => !removedSet.has(c - consumer.offset));
        const sliced = sliceInputs(form.W, form.kernelArea, C, O, keptInputs);
        const error = (
          rows: { X: Float32Array; Y: Float32Array },
          kernel: Float32Array,
          bias: Float32Array | null,
          inputs: number[],
        ) =>
          rows.Y.length === 0
            ? null
            : reconstructionError({
                X: rows.X,
                Y: rows.Y,
                channelsIn: C,
                channelsOut: O,
                kept: inputs,
                kernel,
                bias,
              });
        const refit = reconstruct && refitBias && form.bias !== null;
        const rows = site.fit.Y.length / O;
        const unknowns = form.kernelArea * keptInputs.length + (refit ? 1 : 0);
        const errorBefore = error(site.fit, form.W, form.bias, all) ?? 0;
        const errorPruned = error(site.fit, sliced, form.bias, keptInputs) ?? 0;
        let kernel = sliced;
        let bias = form.bias;
        let chosenRidge: number | null = null;
        if (reconstruct && removedSet.size > 0 && rows > 0) {
          const common = {
            X: site.fit.X,
            Y: site.fit.Y,
            channelsIn: C,
            channelsOut: O,
            kept: keptInputs,
            bias: form.bias,
            refitBias: refit,
            prior: sliced,
          };
          if (ridge === 'auto') {
            const fit = reconstructValidated({ ...common, seed: seed + g });
            kernel = fit.kernel;
            bias = fit.bias;
            chosenRidge = fit.ridge;
          } else {
            const fit = reconstructWeights({ ...common, ridge });
            kernel = fit.kernel;
            bias = fit.bias;
            chosenRidge = ridge;
          }
          refits.set(consumer.layer, { kernel, bias });
          if (rows < unknowns) {
            warnings.push(
              `${FN}: group '${name}': consumer '${consumer.layer}' was refitted from ${rows} rows for ${unknowns} unknowns per output (underdetermined; the ridge keeps it near the old weights); give more images or samplesPerImage`,
            );
          }
        }
        const errorAfter = error(site.fit, kernel, bias, keptInputs) ?? 0;
        return {
          layer: consumer.layer,
          kind: consumer.kind,
          rows,
          heldOutRows: site.test.Y.length / O,
          unknowns,
          ridge: chosenRidge,
          errorBefore,
          errorPruned,
          errorAfter,
          heldOutErrorBefore: error(site.test, form.W, form.bias, all),
          heldOutErrorPruned: error(site.test, sliced, form.bias, keptInputs),
          heldOutErrorAfter: error(site.test, kernel, bias, keptInputs),
        };
      });
      if (kept.length < group.channels) {
        const next = await pruneGroup(current, group, kept, refits);
        if (current !== original) current.dispose();
        current = next;
        for (const producer of group.producers) {
          const old =
            keptOutputs.get(producer.layer) ?? Array.from({ length: group.channels }, (_, i) => i);
          keptOutputs.set(
            producer.layer,
            kept.map((i) => old[i] as number),
          );
        }
      }
      const rms = (pick: (c: ConsumerReport) => number | null): number | null => {
        const values = consumerReports.map(pick).filter((v): v is number => v !== null);
        if (values.length === 0) return null;
        return Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
      };
      const report: SiteReport = {
        producer: name,
        producers: group.producers.map((p) => p.layer),
        consumer: group.consumers[0]?.layer ?? '',
        consumers: consumerReports,
        channelsBefore: group.channels,
        channelsAfter: kept.length,
        kept,
        errorBefore: rms((c) => c.errorBefore) ?? 0,
        errorPruned: rms((c) => c.errorPruned) ?? 0,
        errorAfter: rms((c) => c.errorAfter) ?? 0,
        heldOutErrorBefore: rms((c) => c.heldOutErrorBefore),
        heldOutErrorPruned: rms((c) => c.heldOutErrorPruned),
        heldOutErrorAfter: rms((c) => c.heldOutErrorAfter),
        lambda: selection.lambda,
        fits: selection.fits,
        exact: selection.exact,
      };
      reports.push(report);
      onProgress?.({ done: g + 1, total: chosen.length, site: report });
    }
    const after = modelCost(current, size).total;
    const chosenNames = new Set(chosen.map((g) => g.name));
    const notChosen = analysis.groups.filter((g) => !chosenNames.has(g.name)).map((g) => g.name);
    if (!reports.some((r) => r.channelsAfter < r.channelsBefore)) {
      const why =
        analysis.groups.length === 0
          ? `the model has no prunable channel group${
              analysis.skipped.length
                ? ` (${analysis.skipped
                    .slice(0, 3)
                    .map((s) => `'${s.producer}' ${s.reason}`)
                    .join('; ')})`
                : ''
            }`
          : chosen.length === 0
            ? 'no group was chosen'
            : 'every chosen group keeps all its channels at this ratio';
      warnings.push(`${FN}: nothing was pruned: ${why}; the model comes back unchanged`);
    }
    const samples = (originals[0]?.positions.length ?? 0) / 3;
    result = current;
    return {
      model: result,
      report: {
        criterion,
        samples,
        sites: reports,
        skipped: analysis.skipped,
        notChosen,
        before,
        after,
        warnings,
      },
    };
  } finally {
    // `original` is the flattened copy: both are disposed unless handed back.
    if (current !== original && current !== result) current.dispose();
    if (original !== result) original.dispose();
  }
}

function dedupe(groups: ChannelGroup[]): ChannelGroup[] {
  const seen = new Set<string>();
  return groups.filter((g) => !seen.has(g.name) && seen.add(g.name) !== undefined);
}

/**
 * The LASSO problem of one consumer restricted to the group's channels: X and W on the group's
 * channels only, and Y minus what the consumer's other input channels (e.g. the other operand
 * of a concatenation) contribute with their current weights.
 */
function groupProblem(
  form: LinearForm,
  consumer: GroupConsumer,
  X: Float32Array,
  Y: Float32Array,
  G: number,
): { X: Float32Array; W: Float32Array; Y: Float32Array } {
  const { kernelArea: k, channelsIn: C, channelsOut: O } = form;
  if (G === C) return { X, W: form.W, Y };
  const N = Y.length / O;
  const group = Array.from({ length: G }, (_, i) => consumer.offset + i);
  const others = Array.from({ length: C }, (_, i) => i).filter(
    (c) => c < consumer.offset || c >= consumer.offset + G,
  );
  const pick = (columns: number[]) => {
    const out = new Float32Array(N * k * columns.length);
    for (let n = 0; n < N; n++)
      for (let p = 0; p < k; p++)
        for (let s = 0; s < columns.length; s++)
          out[(n * k + p) * columns.length + s] = X[
            (n * k + p) * C + (columns[s] as number)
          ] as number;
    return out;
  };
  const Xg = pick(group);
  const Wg = sliceInputs(form.W, k, C, O, group);
  const Xo = pick(others);
  const Wo = sliceInputs(form.W, k, C, O, others);
  const rest = applyLinear(Xo, Wo, null, k * others.length, O);
  const Yg = new Float32Array(Y.length);
  for (let i = 0; i < Y.length; i++) Yg[i] = (Y[i] as number) - (rest[i] as number);
  return { X: Xg, W: Wg, Y: Yg };
}

/** L1 norms of every producer's filters, each producer's norms divided by their mean, summed. */
function groupFilterNorms(model: tfl.LayersModel, group: ChannelGroup): Float64Array {
  const total = new Float64Array(group.channels);
  for (const producer of group.producers) {
    const weights = model.getLayer(producer.layer).getWeights();
    const kernel = weights[producer.kind === 'SeparableConv2D' ? 1 : 0] as tf.Tensor;
    let values = Float32Array.from(kernel.dataSync());
    if (producer.kind === 'Conv2DTranspose') {
      // [kh][kw][out][in]: bring the output axis last.
      const [kh, kw, O, C] = kernel.shape as [number, number, number, number];
      const moved = new Float32Array(values.length);
      for (let p = 0; p < kh * kw; p++)
        for (let o = 0; o < O; o++)
          for (let c = 0; c < C; c++)
            moved[(p * C + c) * O + o] = values[(p * O + o) * C + c] as number;
      values = moved;
    }
    const norms = filterL1Norms(values, group.channels);
    const mean = norms.reduce((s, v) => s + v, 0) / norms.length || 1;
    for (let i = 0; i < norms.length; i++)
      total[i] =
        (total[i] as number) + (norms[i] as number) / (group.producers.length > 1 ? mean : 1);
  }
  return total;
}

function selectColumns(Y: Float32Array, O: number, columns: number[]): Float32Array {
  const N = Y.length / O;
  const out = new Float32Array(N * columns.length);
  for (let n = 0; n < N; n++)
    for (let j = 0; j < columns.length; j++)
      out[n * columns.length + j] = Y[n * O + (columns[j] as number)] as number;
  return out;
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
