// Grouped-convolution benchmark: the two ways @crack/unet's GroupedConv2D can compute a group
// convolution (tfjs 4.22 has no grouped Conv2D): 'split' (split input and kernel into groups,
// one conv per group, concat) and 'block-diagonal' (scatter the grouped kernel into a full
// block-diagonal kernel, one conv). Shapes are the 1x1 group convs of the ShuffleNet units the
// study builds (8-64 channels, groups 2-4) at the resolutions of a 480x320 input. Each case
// times a forward pass and a training step (forward + gradients of input-side loss w.r.t. the
// kernel and bias) per backend (wasm single-threaded, as the runtime trains, and cpu), with the
// two implementations interleaved rep by rep in the same process, so load changes hit both
// alike. One JSON line per case: median and minimum ms, and the 1-minute load average before
// and after.
//
//   tsx bench/grouped-conv.bench.ts
//   tsx bench/grouped-conv.bench.ts --backends wasm --reps 9
import os from 'node:os';
import { parseArgs } from 'node:util';
import { GroupedConv2D, type GroupedConvImplementation } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index';
import { machine } from './machine';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    reps: { type: 'string', default: '7' },
  },
});
const reps = Number(values.reps);

// [input channels, output channels, groups, height, width]
const cases: Array<[number, number, number, number, number]> = [
  [8, 2, 2, 320, 480],
  [2, 8, 2, 320, 480],
  [16, 4, 2, 160, 240],
  [4, 16, 2, 160, 240],
  [16, 4, 4, 160, 240],
  [32, 8, 2, 80, 120],
  [8, 32, 4, 80, 120],
  [64, 16, 4, 40, 60],
  [16, 64, 4, 40, 60],
];
const implementations: GroupedConvImplementation[] = ['split', 'block-diagonal'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(run: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const start = performance.now();
  const out = run();
  const outs = Array.isArray(out) ? out : [out];
  for (const t of outs) await t.data();
  tf.dispose(outs);
  return performance.now() - start;
}

for (const backend of values.backends.split(',')) {
  await initBackend({ prefer: backend as 'wasm' | 'cpu', threads: 1 });
  for (const [cin, cout, groups, height, width] of cases) {
    const x = tf.randomNormal([1, height, width, cin]) as tf.Tensor4D;
    const layers = implementations.map((implementation) => {
      const layer = new GroupedConv2D({ filters: cout, kernelSize: 1, groups, implementation });
      layer.apply(tf.zeros([1, 2, 2, cin])); // build
      return layer;
    });
    const forward = (layer: GroupedConv2D) => () => tf.tidy(() => layer.apply(x) as tf.Tensor);
    const train = (layer: GroupedConv2D) => () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          tf.mean(tf.square(layer.apply(x) as tf.Tensor)),
        );
        return [value, ...Object.values(grads)];
      });
    const results: Record<string, { forward: number[]; train: number[] }> = {};
    for (const impl of implementations) results[impl] = { forward: [], train: [] };
    const loadBefore = os.loadavg()[0];
    // one warm-up each, then interleaved reps
    for (const layer of layers) {
      await time(forward(layer));
      await time(train(layer));
    }
    for (let rep = 0; rep < reps; rep += 1) {
      for (let i = 0; i < layers.length; i += 1) {
        results[implementations[i]!]!.forward.push(await time(forward(layers[i]!)));
        results[implementations[i]!]!.train.push(await time(train(layers[i]!)));
      }
    }
    const loadAfter = os.loadavg()[0];
    for (const impl of implementations) {
      const r = results[impl]!;
      console.log(
        JSON.stringify({
          bench: 'grouped-conv',
          backend: tf.getBackend(),
          implementation: impl,
          cin,
          cout,
          groups,
          height,
          width,
          reps,
          forwardMedianMs: +median(r.forward).toFixed(3),
          forwardMinMs: +Math.min(...r.forward).toFixed(3),
          trainMedianMs: +median(r.train).toFixed(3),
          trainMinMs: +Math.min(...r.train).toFixed(3),
          load1Before: loadBefore,
          load1After: loadAfter,
          cpu: machine().cpu,
        }),
      );
    }
    x.dispose();
    for (const layer of layers) layer.dispose();
  }
}
