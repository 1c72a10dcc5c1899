import * as tf from '@tensorflow/tfjs-core';

/**
 * Independent float64 loops for the depthwise gradients, used where the cpu backend cannot be
 * the reference: its DepthwiseConv2dNativeBackprop* kernels ignore `dilations` (tfjs never
 * asks for dilated depthwise gradients; our kernels support them).
 */
interface Geometry {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid';
}

function info(g: Geometry) {
  return tf.backend_util.computeConv2DInfo(
    g.xShape,
    g.filterShape,
    g.strides,
    g.dilations,
    g.pad,
    undefined,
    true,
  );
}

/** Visits every (input, filter, output) index triple of the depthwise convolution. */
function forEachTap(
  g: Geometry,
  visit: (xIndex: number, wIndex: number, yIndex: number) => void,
): number[] {
  const c = info(g);
  const [n, h, w, ch] = g.xShape;
  const [kh, kw, , m] = g.filterShape;
  for (let b = 0; b < n; b += 1)
    for (let y = 0; y < c.outHeight; y += 1)
      for (let x = 0; x < c.outWidth; x += 1)
        for (let i = 0; i < kh; i += 1)
          for (let j = 0; j < kw; j += 1) {
            const r = y * c.strideHeight + i * c.dilationHeight - c.padInfo.top;
            const s = x * c.strideWidth + j * c.dilationWidth - c.padInfo.left;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            for (let k = 0; k < ch; k += 1)
              for (let q = 0; q < m; q += 1) {
                visit(
                  ((b * h + r) * w + s) * ch + k,
                  ((i * kw + j) * ch + k) * m + q,
                  ((b * c.outHeight + y) * c.outWidth + x) * ch * m + k * m + q,
                );
              }
          }
  return c.outShape;
}

/** dW of a depthwise convolution, by definition. */
export function naiveDepthwiseFilterGrad(g: Geometry, x: Float32Array, dy: Float32Array) {
  const dw = new Float64Array(g.filterShape.reduce((a, b) => a * b));
  forEachTap(g, (xi, wi, yi) => {
    dw[wi] = (dw[wi] as number) + (x[xi] as number) * (dy[yi] as number);
  });
  return Float32Array.from(dw);
}

/** dx of a depthwise convolution, by definition. */
export function naiveDepthwiseInputGrad(g: Geometry, filter: Float32Array, dy: Float32Array) {
  const dx = new Float64Array(g.xShape.reduce((a, b) => a * b));
  forEachTap(g, (xi, wi, yi) => {
    dx[xi] = (dx[xi] as number) + (filter[wi] as number) * (dy[yi] as number);
  });
  return Float32Array.from(dx);
}
