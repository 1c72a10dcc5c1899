import { FunctionBody, I32, V128 } from './wasm-code';

/**
 * The shape a direct-convolution function is specialised for: input channels and filter width
 * are compile-time constants, so the loops over them are unrolled and every load inside a
 * filter row uses a constant offset (channels are a loop); `pixels` output pixels of one row are computed together
 * (their sums in registers), for `4 * vectors` output channels.
 */
export interface DirectConvolutionShape {
  inChannels: number;
  filterWidth: number;
  pixels: number;
  vectors: 1 | 2;
  /** Multiply-add with relaxed SIMD's `f32x4.relaxed_madd` (FMA) instead of mul + add. */
  fused?: boolean;
}

/**
 * convolve(x, w, out, rows, groups, xRowBytes, outRowBytes, outPixelBytes, filterHeight,
 * epilogue), all addresses and strides in bytes: for `rows` output rows (x and out advancing by xRowBytes and
 * outRowBytes), `groups` groups of `pixels` adjacent output pixels each, and one block of
 * 4 * vectors output channels:
 *
 *   out[p, o] = sum over kh < filterHeight, kw < filterWidth, c < inChannels of
 *               x[kh * xRowBytes + (p + kw) * inChannels * 4 + 4c] * w[((kh * fw + kw) * ci + c) * 4V + o]
 *
 * x is a zero-padded input (the pixel under output pixel p's top-left tap at p), w the block's
 * packed filter [fh, fw, ci, 4V]. The sums stay in pixels * vectors f32x4 registers and are
 * stored once (out's pixels outPixelBytes apart) as max(sum + bias, lower), the block's 4V bias
 * values and the 4 lanes of `lower` (-Infinity: linear, 0: ReLU) read from `epilogue`.
 */
export function directConvolution(shape: DirectConvolutionShape): FunctionBody {
  const { inChannels, filterWidth, pixels, vectors, fused = false } = shape;
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [x, w, out, rows, groups, xRowBytes, outRowBytes, outPixelBytes, filterHeight, epilogue] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
  ];
  const [rowLeft, groupLeft, xp, op, xt, wt, khLeft, address, xc, wc, cLeft] = Array.from(
    { length: 11 },
    () => f.local(I32),
  ) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const sums = Array.from({ length: pixels * vectors }, () => f.local(V128));
  const weights = Array.from({ length: vectors }, () => f.local(V128));
  const value = f.local(V128);
  const bias = Array.from({ length: vectors }, () => f.local(V128));
  const lower = f.local(V128);
  const pixelBytes = 4 * inChannels;
  const tapBytes = 16 * vectors; // packed weights of one (kh, kw, c)

  f.block().get(rows).eqz().brIf(0).get(groups).eqz().brIf(0).get(filterHeight).eqz().brIf(0);
  for (let v = 0; v < vectors; v += 1) {
    f.get(epilogue)
      .load(16 * v)
      .set(bias[v] as number);
  }
  f.get(epilogue)
    .load(16 * vectors)
    .set(lower);
  f.get(rows).set(rowLeft);
  f.loop(); // output rows
  f.get(x).set(xp).get(out).set(op).get(groups).set(groupLeft);
  f.loop(); // pixel groups
  for (const sum of sums) f.constF32x4(0).set(sum);
  f.get(xp).set(xt).get(w).set(wt).get(filterHeight).set(khLeft);
  f.loop(); // filter rows
  f.get(xt).set(xc).get(wt).set(wc).i32(inChannels).set(cLeft);
  f.loop(); // input channels
  for (let kw = 0; kw < filterWidth; kw += 1) {
    const tap = kw * inChannels * tapBytes;
    for (let v = 0; v < vectors; v += 1) {
      f.get(wc)
        .load(tap + 16 * v)
        .set(weights[v] as number);
    }
    for (let j = 0; j < pixels; j += 1) {
      f.get(xc)
        .splat((j + kw) * pixelBytes)
        .set(value);
      for (let v = 0; v < vectors; v += 1) {
        f.multiplyAdd(sums[j * vectors + v] as number, value, weights[v] as number, fused);
      }
    }
  }
  f.get(xc).i32(4).add().set(xc);
  f.get(wc).i32(tapBytes).add().set(wc);
  f.get(cLeft).i32(1).sub().tee(cLeft).brIf(0);
  f.end(); // input channels
  f.get(xt).get(xRowBytes).add().set(xt);
  f.get(wt)
    .i32(filterWidth * inChannels * tapBytes)
    .add()
    .set(wt);
  f.get(khLeft).i32(1).sub().tee(khLeft).brIf(0);
  f.end(); // filter rows
  f.get(op).set(address);
  for (let j = 0; j < pixels; j += 1) {
    for (let v = 0; v < vectors; v += 1) {
      f.get(address)
        .get(sums[j * vectors + v] as number)
        .get(bias[v] as number)
        .addF32x4()
        .get(lower)
        .maxF32x4()
        .store(16 * v);
    }
    if (j + 1 < pixels) f.get(address).get(outPixelBytes).add().set(address);
  }
  f.get(xp)
    .i32(pixels * pixelBytes)
    .add()
    .set(xp);
  f.get(op).get(outPixelBytes).i32(pixels).mul().add().set(op);
  f.get(groupLeft).i32(1).sub().tee(groupLeft).brIf(0);
  f.end(); // pixel groups
  f.get(x).get(xRowBytes).add().set(x);
  f.get(out).get(outRowBytes).add().set(out);
  f.get(rowLeft).i32(1).sub().tee(rowLeft).brIf(0);
  f.end(); // output rows
  f.end();
  return f;
}
