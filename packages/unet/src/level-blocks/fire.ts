/**
 * SqueezeNet's fire module (Iandola et al. 2016): a 1x1 "squeeze" conv cuts the channels to s,
 * then parallel 1x1 and 3x3 "expand" convs (ReLU) see only those s channels and are
 * concatenated; fewer input channels to the 3x3 filters, and half the filters 1x1, is where the
 * parameters go.
 *
 * Cost of one module Cin -> F at H x W, s = max(1, round(squeezeRatio*F)), e1 = floor(F/2),
 * e3 = F - e1 (kernel weights; MACs = weights * H * W): `Cin*s + s*e1 + 9*s*e3`.
 */
import { layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { BlockContext } from '../blocks';
import { convUnit, unitNames } from './conv-unit';

/** Squeeze and expand widths of a fire module with `filters` outputs. */
export function fireWidths(
  filters: number,
  squeezeRatio: number,
): {
  /** Channels of the 1x1 squeeze convolution. */
  squeeze: number;
  /** Channels of the parallel 1x1 expand convolution. */
  expand1: number;
  /** Channels of the parallel 3x3 expand convolution. */
  expand3: number;
} {
  const expand1 = Math.floor(filters / 2);
  return {
    squeeze: Math.max(1, Math.round(squeezeRatio * filters)),
    expand1,
    expand3: filters - expand1,
  };
}

/** One fire module; layers `{prefix}_squeeze`, `_expand1`, `_expand3`, `_concat`. */
export function fireModule(
  input: SymbolicTensor,
  filters: number,
  prefix: string,
  context: BlockContext,
): SymbolicTensor {
  const { batchNorm, squeezeRatio } = context.config;
  const widths = fireWidths(filters, squeezeRatio);
  const seed = context.seed;
  const squeezed = convUnit(input, {
    kind: 'conv',
    filters: widths.squeeze,
    kernelSize: 1,
    activation: 'relu',
    names: unitNames(`${prefix}_squeeze`),
    batchNorm,
    seed,
  });
  const branches = (
    [
      ['expand1', 1, widths.expand1],
      ['expand3', 3, widths.expand3],
    ] as const
  ).map(([role, kernelSize, width]) =>
    convUnit(squeezed, {
      kind: 'conv',
      filters: width,
      kernelSize,
      activation: 'relu',
      names: unitNames(`${prefix}_${role}`),
      batchNorm,
      seed,
    }),
  );
  return layers
    .concatenate({ axis: -1, name: `${prefix}_concat` })
    .apply(branches) as SymbolicTensor;
}

/** A level of two fire modules, `{level}_f1` (Cin -> F) and `{level}_f2` (F -> F). */
export function fireLevel(
  input: SymbolicTensor,
  filters: number,
  nameOf: (role: string) => string,
  context: BlockContext,
): SymbolicTensor {
  const first = fireModule(input, filters, nameOf('f1'), context);
  return fireModule(first, filters, nameOf('f2'), context);
}
