/**
 * The six models of issue 16, at small sizes, written with plain tfjs-layers as an outside user
 * would: a VGG classifier, a ResNet (BN, projection and identity shortcuts), MobileNetV2
 * inverted residuals, a U-Net with BN and transposed convolutions, a U-Net of SeparableConv2D
 * blocks, and a chain with Dropout / LeakyReLU / ELU / 'valid' / stride 2 / dilation 2.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { randomizeWeights } from './helpers';

type T = tfl.SymbolicTensor;
const L = tfl.layers;

function conv(x: T, filters: number, name: string, extra: Record<string, unknown> = {}): T {
  return L.conv2d({ filters, kernelSize: 3, padding: 'same', name, ...extra }).apply(x) as T;
}
function bnRelu(x: T, name: string, relu6 = false): T {
  const y = L.batchNormalization({ name: `${name}_bn` }).apply(x) as T;
  return (
    relu6
      ? L.reLU({ maxValue: 6, name: `${name}_relu6` })
      : L.activation({ activation: 'relu', name: `${name}_relu` })
  ).apply(y) as T;
}

/** VGG-style classifier: conv blocks with max-pooling, Flatten, Dense, Dropout, Dense. */
export function vgg(size = 16): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'vgg_in' });
  let x = conv(input, 8, 'b1_conv1', { activation: 'relu' });
  x = conv(x, 8, 'b1_conv2', { activation: 'relu' });
  x = L.maxPooling2d({ poolSize: 2, name: 'b1_pool' }).apply(x) as T;
  x = conv(x, 16, 'b2_conv1', { activation: 'relu' });
  x = conv(x, 16, 'b2_conv2', { activation: 'relu' });
  x = L.maxPooling2d({ poolSize: 2, name: 'b2_pool' }).apply(x) as T;
  x = conv(x, 32, 'b3_conv1', { activation: 'relu' });
  x = L.maxPooling2d({ poolSize: 2, name: 'b3_pool' }).apply(x) as T;
  x = L.flatten({ name: 'flatten' }).apply(x) as T;
  x = L.dense({ units: 32, activation: 'relu', name: 'fc1' }).apply(x) as T;
  x = L.dropout({ rate: 0.5, name: 'fc1_drop' }).apply(x) as T;
  const out = L.dense({ units: 10, name: 'logits' }).apply(x) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'vgg' }), 1);
}

function residualBlock(x: T, filters: number, name: string, stride: number): T {
  let y = conv(x, filters, `${name}_conv1`, { strides: stride, useBias: false });
  y = bnRelu(y, `${name}_1`);
  y = conv(y, filters, `${name}_conv2`, { useBias: false });
  y = L.batchNormalization({ name: `${name}_2_bn` }).apply(y) as T;
  let shortcut = x;
  if (stride !== 1 || (x.shape[3] as number) !== filters) {
    shortcut = L.conv2d({
      filters,
      kernelSize: 1,
      strides: stride,
      useBias: false,
      name: `${name}_proj`,
    }).apply(x) as T;
    shortcut = L.batchNormalization({ name: `${name}_proj_bn` }).apply(shortcut) as T;
  }
  const sum = L.add({ name: `${name}_add` }).apply([y, shortcut]) as T;
  return L.activation({ activation: 'relu', name: `${name}_out` }).apply(sum) as T;
}

/** ResNet: BN everywhere, identity and projection shortcuts, global average pooling, Dense. */
export function resnet(size = 16): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'res_in' });
  let x = conv(input, 8, 'stem', { useBias: false });
  x = bnRelu(x, 'stem');
  x = residualBlock(x, 8, 's1b1', 1);
  x = residualBlock(x, 8, 's1b2', 1);
  x = residualBlock(x, 16, 's2b1', 2);
  x = residualBlock(x, 16, 's2b2', 1);
  x = L.globalAveragePooling2d({ name: 'gap' }).apply(x) as T;
  const out = L.dense({ units: 10, name: 'logits' }).apply(x) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'resnet' }), 2);
}

function inverted(x: T, expansion: number, filters: number, stride: number, name: string): T {
  const channels = x.shape[3] as number;
  let y = x;
  if (expansion !== 1) {
    y = L.conv2d({
      filters: channels * expansion,
      kernelSize: 1,
      useBias: false,
      name: `${name}_expand`,
    }).apply(y) as T;
    y = bnRelu(y, `${name}_expand`, true);
  }
  y = L.depthwiseConv2d({
    kernelSize: 3,
    strides: stride,
    padding: 'same',
    useBias: false,
    name: `${name}_dw`,
  }).apply(y) as T;
  y = bnRelu(y, `${name}_dw`, true);
  y = L.conv2d({ filters, kernelSize: 1, useBias: false, name: `${name}_project` }).apply(y) as T;
  y = L.batchNormalization({ name: `${name}_project_bn` }).apply(y) as T;
  if (stride === 1 && channels === filters) y = L.add({ name: `${name}_add` }).apply([x, y]) as T;
  return y;
}

/** MobileNetV2: inverted residuals (1x1 expand, depthwise 3x3, 1x1 project, Add), ReLU6. */
export function mobilenetV2(size = 16): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'mb_in' });
  let x = conv(input, 8, 'stem', { strides: 2, useBias: false });
  x = bnRelu(x, 'stem', true);
  x = inverted(x, 1, 8, 1, 'b0');
  x = inverted(x, 4, 8, 1, 'b1');
  x = inverted(x, 4, 16, 2, 'b2');
  x = inverted(x, 4, 16, 1, 'b3');
  x = L.conv2d({ filters: 64, kernelSize: 1, useBias: false, name: 'top' }).apply(x) as T;
  x = bnRelu(x, 'top', true);
  x = L.globalAveragePooling2d({ name: 'gap' }).apply(x) as T;
  const out = L.dense({ units: 10, name: 'logits' }).apply(x) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'mobilenet_v2' }), 3);
}

function convBnBlock(x: T, filters: number, name: string): T {
  let y = conv(x, filters, `${name}_conv1`);
  y = bnRelu(y, `${name}_1`);
  y = conv(y, filters, `${name}_conv2`);
  return bnRelu(y, `${name}_2`);
}

/** U-Net with BN (two levels), max-pooling down, Conv2DTranspose up, skip concatenations. */
export function bnUnet(size = 16, base = 8): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'unet_in' });
  const e1 = convBnBlock(input, base, 'enc1');
  const p1 = L.maxPooling2d({ poolSize: 2, name: 'enc1_pool' }).apply(e1) as T;
  const e2 = convBnBlock(p1, base * 2, 'enc2');
  const p2 = L.maxPooling2d({ poolSize: 2, name: 'enc2_pool' }).apply(e2) as T;
  const b = convBnBlock(p2, base * 4, 'bott');
  const u2 = L.conv2dTranspose({
    filters: base * 2,
    kernelSize: 2,
    strides: 2,
    padding: 'same',
    name: 'dec2_up',
  }).apply(b) as T;
  const d2 = convBnBlock(
    L.concatenate({ name: 'dec2_cat' }).apply([u2, e2]) as T,
    base * 2,
    'dec2',
  );
  const u1 = L.conv2dTranspose({
    filters: base,
    kernelSize: 2,
    strides: 2,
    padding: 'same',
    name: 'dec1_up',
  }).apply(d2) as T;
  const d1 = convBnBlock(L.concatenate({ name: 'dec1_cat' }).apply([u1, e1]) as T, base, 'dec1');
  const out = L.conv2d({ filters: 1, kernelSize: 1, name: 'head' }).apply(d1) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'bn_unet' }), 4);
}

function separableBlock(x: T, filters: number, name: string): T {
  let y = L.separableConv2d({
    filters,
    kernelSize: 3,
    padding: 'same',
    name: `${name}_sep1`,
  }).apply(x) as T;
  y = bnRelu(y, `${name}_1`);
  y = L.separableConv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_sep2` }).apply(
    y,
  ) as T;
  return bnRelu(y, `${name}_2`);
}

/** U-Net of SeparableConv2D blocks, UpSampling2D up, skip concatenations, a 1x1 head. */
export function separableUnet(size = 16, base = 8): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'sep_in' });
  const e1 = separableBlock(input, base, 'enc1');
  const p1 = L.maxPooling2d({ poolSize: 2, name: 'enc1_pool' }).apply(e1) as T;
  const e2 = separableBlock(p1, base * 2, 'enc2');
  const p2 = L.maxPooling2d({ poolSize: 2, name: 'enc2_pool' }).apply(e2) as T;
  const b = separableBlock(p2, base * 4, 'bott');
  const u2 = L.upSampling2d({ size: [2, 2], name: 'dec2_up' }).apply(b) as T;
  const d2 = separableBlock(
    L.concatenate({ name: 'dec2_cat' }).apply([u2, e2]) as T,
    base * 2,
    'dec2',
  );
  const u1 = L.upSampling2d({ size: [2, 2], name: 'dec1_up' }).apply(d2) as T;
  const d1 = separableBlock(L.concatenate({ name: 'dec1_cat' }).apply([u1, e1]) as T, base, 'dec1');
  const out = L.conv2d({ filters: 1, kernelSize: 1, name: 'head' }).apply(d1) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'separable_unet' }), 5);
}

/** A chain with Dropout, LeakyReLU, ELU, 'valid' padding, stride 2 and dilation 2. */
export function chain(size = 16): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3], name: 'chain_in' });
  let x = conv(input, 8, 'c1', { activation: 'relu' });
  x = L.dropout({ rate: 0.2, name: 'c1_drop' }).apply(x) as T;
  x = conv(x, 16, 'c2', { padding: 'valid' });
  x = L.leakyReLU({ alpha: 0.1, name: 'c2_leaky' }).apply(x) as T;
  x = conv(x, 16, 'c3', { strides: 2 });
  x = L.elu({ name: 'c3_elu' }).apply(x) as T;
  x = conv(x, 16, 'c4', { dilationRate: 2, activation: 'relu' });
  x = L.zeroPadding2d({ padding: 1, name: 'c4_pad' }).apply(x) as T;
  x = conv(x, 16, 'c5', { padding: 'valid', activation: 'relu' });
  const out = L.conv2d({ filters: 1, kernelSize: 1, name: 'head' }).apply(x) as T;
  return seeded(tfl.model({ inputs: input, outputs: out, name: 'chain' }), 6);
}

/** The six models of issue 16 by name. */
export const ZOO = { vgg, resnet, mobilenetV2, bnUnet, separableUnet, chain } as const;

function seeded(model: tfl.LayersModel, seed: number): tfl.LayersModel {
  randomizeWeights(model, seed);
  return model;
}
