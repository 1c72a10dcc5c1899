import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScope } from './kernel-scope';

/**
 * Spreads an NHWC gradient `dy` of a stride-(sh, sw) convolution onto the stride-1 grid:
 * `out[n, y*sh, x*sw, c] = dy[n, y, x, c]`, zeros elsewhere; shape [N, Ho*sh, Wo*sw, C] (the
 * last sh-1 rows and sw-1 columns are zeros too). The transposed convolution of a strided
 * convolution is then a plain stride-1 correlation with the flipped filter.
 */
export function zeroInsert(
  scope: KernelScope,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [n, h, w, c] = dy.shape as [number, number, number, number];
  const spread = scope.run(
    'PadV2',
    { x: scope.reshape(dy, [n, h, 1, w, 1, c]) },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, strideHeight - 1],
        [0, 0],
        [0, strideWidth - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return scope.reshape(spread, [n, h * strideHeight, w * strideWidth, c]);
}
