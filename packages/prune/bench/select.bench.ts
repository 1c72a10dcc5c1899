// Benchmarks of @crack/prune, printed as JSON lines.
// 1. selectChannels ('lasso') on synthetic 3x3 problems (X is N x 9 x C), against scikit-learn's
//    Lasso with the same bisection on the same sizes, measured on this machine (0.05 s, 0.81 s,
//    4.8 s, 52.9 s); min and median of repeated runs after a warm-up at each size. 2. pruneModel on the thesis student (@crack/unet) with 20 images.
// Run: pnpm --filter @crack/prune bench  (other processes on the machine skew the timings).
import { performance } from 'node:perf_hooks';
import { modelCost } from '@crack/metrics/cost';
import { createUnet, thesisStudent } from '@crack/unet';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { pruneModel, selectChannels } from '../src/index';
import { simdGramAvailable } from '../src/simd-gram';
import { normals } from '../test/helpers';

const REFERENCE = [
  { samples: 1000, channelsIn: 16, channelsOut: 16, sklearnSeconds: 0.05 },
  { samples: 4000, channelsIn: 32, channelsOut: 32, sklearnSeconds: 0.81 },
  { samples: 4000, channelsIn: 64, channelsOut: 64, sklearnSeconds: 4.8 },
  { samples: 10000, channelsIn: 128, channelsOut: 128, sklearnSeconds: 52.9 },
];
const KERNEL_AREA = 9;

/** Post-ReLU-like patches, He-scaled kernel, Y = the full convolution plus noise (a realistic site). */
function problem(samples: number, channelsIn: number, channelsOut: number, seed: number) {
  const random = normals(seed);
  const D = KERNEL_AREA * channelsIn;
  const X = Float32Array.from({ length: samples * D }, () => Math.max(0, random()));
  const W = Float32Array.from({ length: D * channelsOut }, () => random() * Math.sqrt(2 / D));
  const Y = new Float32Array(samples * channelsOut);
  for (let n = 0; n < samples; n++) {
    for (let d = 0; d < D; d++) {
      const x = X[n * D + d] as number;
      if (x === 0) continue;
      for (let o = 0; o < channelsOut; o++) {
        Y[n * channelsOut + o] =
          (Y[n * channelsOut + o] as number) + x * (W[d * channelsOut + o] as number);
      }
    }
    for (let o = 0; o < channelsOut; o++)
      Y[n * channelsOut + o] = (Y[n * channelsOut + o] as number) + 0.1 * random();
  }
  return { X, W, Y };
}

/** Seconds of `run`, `repeats` times after one warm-up call: min and median (the machine is shared). */
function timeRepeated(run: () => void, repeats: number): { min: number; median: number } {
  run();
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    run();
    seconds.push((performance.now() - start) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return { min: seconds[0] as number, median: seconds[Math.floor(repeats / 2)] as number };
}

async function selectionBench(): Promise<void> {
  for (const ref of REFERENCE) {
    const { X, W, Y } = problem(ref.samples, ref.channelsIn, ref.channelsOut, ref.channelsIn);
    const keep = ref.channelsIn / 2;
    const options = { X, W, Y, channelsIn: ref.channelsIn, channelsOut: ref.channelsOut, keep };
    const selection = selectChannels(options);
    // Each size is warmed up first (scikit-learn's figures exclude interpreter start-up too).
    const repeats = ref.samples * ref.channelsIn * ref.channelsOut > 1e8 ? 5 : 15;
    const { min, median } = timeRepeated(() => selectChannels(options), repeats);
    console.log(
      JSON.stringify({
        bench: 'selectChannels',
        samples: ref.samples,
        channelsIn: ref.channelsIn,
        channelsOut: ref.channelsOut,
        kernel: '3x3',
        keep,
        kept: selection.kept.length,
        exact: selection.exact,
        lassoFits: selection.fits,
        gramPath: selection.gramPath,
        simd: simdGramAvailable(),
        repeats,
        secondsMin: Number(min.toFixed(4)),
        secondsMedian: Number(median.toFixed(4)),
        sklearnSeconds: ref.sklearnSeconds,
        speedupMin: Number((ref.sklearnSeconds / min).toFixed(1)),
        speedupMedian: Number((ref.sklearnSeconds / median).toFixed(1)),
      }),
    );
  }
}

/** The whole thesis student (He-initialised, untrained) pruned at 0.5 on 20 random images. */
async function studentBench(height: number, width: number): Promise<void> {
  await tf.setBackend('cpu');
  const student = createUnet({ ...thesisStudent, seed: 1 });
  const random = (() => {
    let state = 7;
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return (state / 2147483648) * 2 - 1;
    };
  })();
  const images = tf.tensor4d(Float32Array.from({ length: 20 * height * width * 3 }, random), [
    20,
    height,
    width,
    3,
  ]);
  const start = performance.now();
  const { model, report } = await pruneModel(student, { images, batchSize: 2 });
  const seconds = (performance.now() - start) / 1000;
  const thesis = modelCost(model, { height: 320, width: 480 }).total;
  console.log(
    JSON.stringify({
      bench: 'pruneModel',
      model: 'thesis student (depth 2, 8 base, 3x3 head)',
      images: 20,
      height,
      width,
      samples: report.samples,
      sites: report.sites.map((s) => ({
        producer: s.producer,
        channels: `${s.channelsBefore}->${s.channelsAfter}`,
        lassoFits: s.fits,
        exact: s.exact,
        errorPruned: Number(s.errorPruned.toFixed(4)),
        errorAfter: Number(s.errorAfter.toFixed(4)),
      })),
      weightsAt320x480: `${modelCost(student, { height: 320, width: 480 }).total.weights}->${thesis.weights}`,
      macsAt320x480: `${modelCost(student, { height: 320, width: 480 }).total.macs}->${thesis.macs}`,
      seconds: Number(seconds.toFixed(2)),
    }),
  );
  model.dispose();
  images.dispose();
  student.dispose();
}

await selectionBench();
await studentBench(64, 64);
if (!process.argv.includes('--quick')) await studentBench(320, 480);
