import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope, WASM_BACKEND } from './kernel-scope';
import { spatialWindow } from './spatial-window';
import { zeroInsert } from './zero-insert';

/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (the wasm package has none):
 * dx[n, i, j, c] = sum over kh, kw, q of dy[n, y, x, c*m + q] * W[kh, kw, c, q] where
 * i = y*s + kh*d - pt (and likewise for j).
 *
 * The gradient is spread onto the stride-1 grid (zeros between rows/columns when the stride is
 * > 1) and correlated with the spatially flipped filter by the wasm DepthwiseConv2dNative kernel
 * (XNNPACK), with the forward dilation and (kh - 1)*d - top padding before. With a channel
 * multiplier m > 1 each of the m filter slices is applied to its own channels and the m results
 * are added.
 */
function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = info.outChannels / inChannels;

  const scope = new KernelScope(backend);
  const spread = zeroInsert(scope, dy, strideHeight, strideWidth);
  const rows = spatialWindow(
    outHeight * strideHeight,
    (filterHeight - 1) * dilationHeight - top,
    inHeight + top - outHeight * strideHeight,
  );
  const cols = spatialWindow(
    outWidth * strideWidth,
    (filterWidth - 1) * dilationWidth - left,
    inWidth + left - outWidth * strideWidth,
  );
  const window = scope.slice(
    spread,
    [0, rows.begin, cols.begin, 0],
    [batchSize, rows.size, cols.size, inChannels * multiplier],
  );
  const flipped = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
  const convAttrs = {
    strides: [1, 1],
    dilations: [dilationHeight, dilationWidth],
    pad: [
      [0, 0],
      [rows.padBefore, rows.padAfter],
      [cols.padBefore, cols.padAfter],
      [0, 0],
    ],
    dataFormat: 'NHWC',
  };
  if (multiplier === 1) {
    return scope.dispose(
      scope.run('DepthwiseConv2dNative', { x: window, filter: flipped }, convAttrs),
    );
  }
  // Channel c*m + q of dy belongs to input channel c through filter slice q.
  const [n, h, w] = window.shape as [number, number, number, number];
  const byMultiplier = scope.transpose(
    scope.reshape(window, [n, h, w, inChannels, multiplier]),
    [4, 0, 1, 2, 3],
  );
  const parts: TensorInfo[] = [];
  for (let q = 0; q < multiplier; q += 1) {
    const channels = scope.reshape(
      scope.slice(byMultiplier, [q, 0, 0, 0, 0], [1, n, h, w, inChannels]),
      [n, h, w, inChannels],
    );
    const slice = scope.slice(flipped, [0, 0, 0, q], [filterHeight, filterWidth, inChannels, 1]);
    parts.push(scope.run('DepthwiseConv2dNative', { x: channels, filter: slice }, convAttrs));
  }
  return scope.dispose(scope.run('AddN', parts as unknown as Record<string, TensorInfo>));
}

/** Kernel config of {@link depthwiseConv2dNativeBackpropInput} for `tf.registerKernel`. */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: WASM_BACKEND,
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
