/**
 * Stage 4: LASSO channel pruning of the distilled student (@crack/prune, thesis section 6.3):
 * features sampled on training images, channels chosen per map, the next convolution refitted by
 * least squares.
 *
 * Features are sampled on centre crops of the training crop size: the sampled positions are
 * random anyway, and smaller inputs keep the forward passes short.
 */
import path from 'node:path';
import type { Sample } from '@crack/data';
import { findPrunableSites, type PruneReport, pruneModel, type SiteReport } from '@crack/prune';
import * as tf from '@tensorflow/tfjs-core';
import type { PipelineConfig } from '../config';
import type { StageContext } from '../context';
import { imageTensor } from '../images';
import { loadModel, saveModel } from '../models';
import { startProgress } from '../progress';
import { writeJsonAtomic } from '../run-dir';

/** File name of the prune report in pruned/. */
export const PRUNE_REPORT_FILE = 'prune-report.json';

/** Contents of pruned/prune-report.json: pruneModel's report and the settings it ran with. */
export interface PruneReportFile extends PruneReport {
  /** What the prune stage passed to pruneModel (besides the images and the progress callback). */
  settings: {
    parent: PipelineConfig['prune']['parent'];
    criterion: PipelineConfig['prune']['criterion'];
    ratio: number;
    /** Producer names of the pruned maps. */
    sites: string[];
    /** Training images the features were sampled on. */
    images: number;
    samplesPerImage: number;
    crackFraction: number;
    ridge: number | 'auto';
    holdout: number;
    /** pruneModel's seed (the training seed). */
    seed: number;
  };
}

/** Prunes the parent student (--prune-parent) into pruned/ and writes pruned/prune-report.json. */
export async function pruneStudent(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  const { train } = await context.data();
  const student = await loadModel(run.modelDir(parentModel(config)), 'train-student');
  const images = centreCrops(train.slice(0, config.prune.images), config.training.crop);
  const analysis = findPrunableSites(student);
  // The thesis prunes the maps between the two convolutions of a block (producers named *_conv1).
  const sites =
    config.prune.sites === 'all'
      ? analysis.sites.map((site) => site.producer)
      : analysis.sites.map((site) => site.producer).filter((name) => name.endsWith('_conv1'));
  const { ridge, holdout } = config.prune;
  log(
    `prune: ${config.prune.criterion}, ratio ${config.prune.ratio}, crack fraction ${config.prune.crackFraction}, ${describeRefit(ridge, holdout)}, sites ${sites.join(', ')}; ${images.length} images ${images[0]?.shape[2]}x${images[0]?.shape[1]} x ${config.prune.samplesPerImage} samples, on the ${tf.getBackend()} backend`,
  );
  const progress = startProgress({
    label: 'prune',
    total: sites.length,
    unit: 'sites',
    print: log,
  });
  try {
    const { model, report } = await pruneModel(student, {
      images,
      ratio: config.prune.ratio,
      criterion: config.prune.criterion,
      sites,
      samplesPerImage: config.prune.samplesPerImage,
      // The presets use pruneModel's defaults ('auto', 0.2); run directories from before these
      // settings existed resume with what the stage pinned then (1e-6, 0: see withDefaults).
      ridge,
      holdout,
      crackFraction: config.prune.crackFraction,
      seed: config.training.seed,
      onProgress: ({ done }) => progress.update(done),
    });
    progress.stop();
    for (const site of report.sites)
      log(
        `prune: ${site.producer} ${site.channelsBefore} -> ${site.channelsAfter} channels, output error ${site.errorPruned.toFixed(3)} -> ${site.errorAfter.toFixed(3)} after reconstruction${heldOut(site)}`,
      );
    log(`prune: weights ${report.before.weights} -> ${report.after.weights}`);
    await saveModel(model, run.modelDir('pruned'));
    const file: PruneReportFile = {
      settings: {
        parent: config.prune.parent,
        criterion: config.prune.criterion,
        ratio: config.prune.ratio,
        sites,
        images: images.length,
        samplesPerImage: config.prune.samplesPerImage,
        crackFraction: config.prune.crackFraction,
        ridge,
        holdout,
        seed: config.training.seed,
      },
      ...report,
    };
    writeJsonAtomic(path.join(run.modelDir('pruned'), PRUNE_REPORT_FILE), file);
    model.dispose();
    return {
      sites: report.sites.length,
      weightsBefore: report.before.weights,
      weightsAfter: report.after.weights,
      ridge,
      holdout,
    };
  } finally {
    tf.dispose(images);
    student.dispose();
  }
}

/** The refit in words: "refit ridge auto, 20 % of the positions held out". */
export function describeRefit(ridge: number | 'auto', holdout: number): string {
  const ridgeText =
    typeof ridge === 'number' && ridge > 0 && ridge < 1e-3 ? ridge.toExponential() : String(ridge);
  const held =
    holdout > 0
      ? `${Number((holdout * 100).toFixed(2))} % of the positions held out`
      : 'nothing held out';
  return `refit ridge ${ridgeText}, ${held}`;
}

/** " (held out a -> b)" when the site has held-out rows (--prune-holdout > 0), else "". */
function heldOut(site: SiteReport): string {
  if (site.heldOutErrorPruned === null || site.heldOutErrorAfter === null) return '';
  return ` (held out: ${site.heldOutErrorPruned.toFixed(3)} -> ${site.heldOutErrorAfter.toFixed(3)})`;
}

/** The model the prune stage starts from (--prune-parent). */
export function parentModel(config: PipelineConfig): 'studentDistilled' | 'studentPlain' {
  return config.prune.parent === 'plain' ? 'studentPlain' : 'studentDistilled';
}

/** Each sample as a [1, c, c, 3] normalised centre crop (c = crop, or the whole image when 0). */
function centreCrops(samples: readonly Sample[], crop: number): tf.Tensor4D[] {
  return samples.map((sample) =>
    tf.tidy(() => {
      const image = imageTensor(sample);
      if (crop === 0) return image;
      const top = Math.floor((sample.height - crop) / 2);
      const left = Math.floor((sample.width - crop) / 2);
      return tf.slice(image, [0, top, left, 0], [1, crop, crop, 3]);
    }),
  );
}
