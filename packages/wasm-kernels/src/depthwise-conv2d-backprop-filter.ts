import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { depthwiseFilterGradient } from './depthwise-filter-gradient';
import { KernelScope, WASM_BACKEND } from './kernel-scope';
import { spatialWindow } from './spatial-window';

/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (the wasm package has none):
 * dW[kh, kw, c, q] = sum over n, y, x of x[n, y*s + kh*d - pt, x*s + kw*d - pl, c] *
 * dy[n, y, x, c*m + q], m the channel multiplier.
 *
 * With channel multiplier 1 (every depthwise layer of this project's blocks) and filters up to 12
 * taps wide, {@link depthwiseFilterGradient}'s SIMD kernel computes it directly. Otherwise, like
 * {@link conv2DBackpropFilterConfig}, it is one XNNPACK call: a depthwise convolution of the
 * input, with batch folded into channels (x' = [1, H, W, N*C]), by the output gradient used as
 * a per-channel filter (dy' = [Ho, Wo, N*C, m]); forward stride and dilation swap roles. The
 * per-image results [kh, kw, N, C*m] are summed over N. ~16 ms on 320x480x8, where nine
 * multiply-and-sum passes take ~70 ms.
 */
function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth } = info;
  const multiplier = info.outChannels / inChannels;
  if (multiplier === 1 && x.dtype === 'float32' && dy.dtype === 'float32') {
    const direct = depthwiseFilterGradient(backend, x, dy, {
      batchSize,
      inHeight,
      inWidth,
      channels: inChannels,
      outHeight,
      outWidth,
      filterHeight,
      filterWidth,
      strideHeight,
      strideWidth,
      dilationHeight,
      dilationWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
    });
    if (direct != null) return direct;
  }

  const rows = spatialWindow(
    inHeight,
    info.padInfo.top,
    (filterHeight - 1) * dilationHeight +
      (outHeight - 1) * strideHeight +
      1 -
      inHeight -
      info.padInfo.top,
  );
  const cols = spatialWindow(
    inWidth,
    info.padInfo.left,
    (filterWidth - 1) * dilationWidth +
      (outWidth - 1) * strideWidth +
      1 -
      inWidth -
      info.padInfo.left,
  );

  const scope = new KernelScope(backend);
  const folded = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [
    1,
    inHeight,
    inWidth,
    batchSize * inChannels,
  ]);
  const input = scope.slice(
    folded,
    [0, rows.begin, cols.begin, 0],
    [1, rows.size, cols.size, batchSize * inChannels],
  );
  const filter = scope.reshape(scope.transpose(dy, [1, 2, 0, 3]), [
    outHeight,
    outWidth,
    batchSize * inChannels,
    multiplier,
  ]);
  const grad = scope.run(
    'DepthwiseConv2dNative',
    { x: input, filter },
    {
      strides: [dilationHeight, dilationWidth],
      dilations: [strideHeight, strideWidth],
      pad: [
        [0, 0],
        [rows.padBefore, rows.padAfter],
        [cols.padBefore, cols.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  const perImage = scope.reshape(grad, [
    filterHeight,
    filterWidth,
    batchSize,
    inChannels * multiplier,
  ]);
  const summed =
    batchSize === 1 ? perImage : scope.run('Sum', { x: perImage }, { axis: [2], keepDims: false });
  return scope.dispose(scope.reshape(summed, [filterHeight, filterWidth, inChannels, multiplier]));
}

/** Kernel config of {@link depthwiseConv2dNativeBackpropFilter} for `tf.registerKernel`. */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
