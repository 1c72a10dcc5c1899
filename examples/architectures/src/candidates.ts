/**
 * The students of the study: one family per block kind and encoder, each sized to a cost budget
 * (the widest `baseFilters` whose parameters and MACs at 480x320 stay within it), so every
 * architecture is compared at the same price.
 */
import { modelCost } from '@crack/metrics/cost';
import { createUnet, type UnetConfig } from '@crack/unet';

/** A cost budget at the thesis's input size. */
export interface Budget {
  /** Name used in tables and file names, e.g. '30k'. */
  name: string;
  /** Most parameters (with biases and batch norm) a student may have. */
  params: number;
  /** Most multiply-adds per 480x320 image. */
  macs: number;
}

/**
 * The two budgets of issue 19: the thesis's chosen student (29,529 params, 1.086 GMAC) and its
 * 16-channel sibling (117,169 params, 4.257 GMAC), with a little room.
 */
export const STUDY_BUDGETS: readonly Budget[] = [
  { name: '30k', params: 30_000, macs: 1.1e9 },
  { name: '120k', params: 120_000, macs: 4.3e9 },
];

/** A family of students: a config without `baseFilters`, and the step its width moves by. */
export interface Family {
  /** Name used in tables, e.g. 'shuffle'. */
  name: string;
  /** The config; `baseFilters` is chosen per budget. */
  config: UnetConfig;
  /** baseFilters must be a multiple of this (ShuffleNet's groups). Default 1. */
  widthStep?: number;
}

/** Every block kind on the thesis's depth-2 U-Net, and the two backbone encoders. */
export const STUDY_FAMILIES: readonly Family[] = [
  { name: 'standard (thesis)', config: { depth: 2, block: 'standard' } },
  { name: 'separable', config: { depth: 2, block: 'separable' } },
  { name: 'inverted-residual', config: { depth: 2, block: 'inverted-residual', expansion: 2 } },
  { name: 'fire', config: { depth: 2, block: 'fire' } },
  { name: 'shuffle', config: { depth: 2, block: 'shuffle', groups: 2 }, widthStep: 2 },
  { name: 'xception', config: { depth: 2, block: 'xception' } },
  { name: 'resnet encoder', config: { depth: 2, encoder: 'resnet', encoderBlocks: 1 } },
  {
    name: 'mobilenetv2 encoder',
    config: { depth: 2, encoder: 'mobilenetv2', expansion: 2, block: 'separable' },
  },
];

/** One sized student. */
export interface Candidate {
  /** The family's name. */
  family: string;
  /** The budget's name. */
  budget: string;
  /** The full config, `baseFilters` included. */
  config: UnetConfig;
  /** Parameters (with biases and batch norm): `model.countParams()`. */
  params: number;
  /** Multiply-adds at the budget's input size. */
  macs: number;
}

/** Parameters and MACs of `config` at `height` x `width` (the model is built and disposed). */
export function costOf(config: UnetConfig, height: number, width: number) {
  const model = createUnet({ ...config, seed: 0 });
  const { total } = modelCost(model, { height, width });
  model.dispose();
  return { params: total.params, macs: total.macs };
}

/**
 * The widest member of `family` within `budget` at `height` x `width` (480x320 in the study),
 * or null when even the narrowest is over it. Cost grows with the width, so the search stops at
 * the first width over the budget.
 */
export function fitBudget(
  family: Family,
  budget: Budget,
  height = 320,
  width = 480,
  maxWidth = 64,
): Candidate | null {
  const step = family.widthStep ?? 1;
  let best: Candidate | null = null;
  for (let baseFilters = step; baseFilters <= maxWidth; baseFilters += step) {
    const config = { ...family.config, baseFilters };
    let cost: { params: number; macs: number };
    try {
      cost = costOf(config, height, width);
    } catch {
      continue; // a width the block refuses (e.g. fire below 2 channels)
    }
    if (cost.params > budget.params || cost.macs > budget.macs) break;
    best = { family: family.name, budget: budget.name, config, ...cost };
  }
  return best;
}
