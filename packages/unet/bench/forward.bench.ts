/**
 * Forward latency of the thesis's U-Nets at 320x480 on the wasm backend (single-threaded in
 * Node, SIMD). Prints one JSON line per model: median latency over the timed runs after warm-up,
 * MACs (thesis convention, from @crack/metrics/cost) and effective GFLOP/s = 2 * MACs / time.
 * Run: pnpm --filter @crack/unet bench  (env BENCH_RUNS overrides the number of timed runs).
 */
import os from 'node:os';
import { modelCost } from '@crack/metrics/cost';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  createUnet,
  THESIS_INPUT_SIZE,
  thesisStudent,
  thesisTeacher,
  type UnetConfig,
} from '../src/index';

const [height, width] = THESIS_INPUT_SIZE;
const requestedRuns = Number(process.env.BENCH_RUNS ?? 0);

const cases: Array<{ model: string; config: UnetConfig; runs: number; warmup: number }> = [
  { model: 'thesis-student (2 pools, 8 ch)', config: thesisStudent, runs: 20, warmup: 3 },
  { model: 'depth 4, 16 ch', config: { ...thesisTeacher, baseFilters: 16 }, runs: 10, warmup: 2 },
  { model: 'thesis-teacher (4 pools, 64 ch)', config: thesisTeacher, runs: 3, warmup: 1 },
];

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const load = os.loadavg()[0]!;
  for (const { model: label, config, runs, warmup } of cases) {
    const model = createUnet({ ...config, inputSize: THESIS_INPUT_SIZE, seed: 0 });
    const { macs, params } = modelCost(model, { height, width }).total;
    const images = tf.randomUniform([1, height, width, 3], -1, 1, 'float32', 1);
    const forward = async () => {
      const output = model.predict(images) as tf.Tensor;
      await output.data();
      output.dispose();
    };
    for (let i = 0; i < warmup; i += 1) await forward();
    const times: number[] = [];
    for (let i = 0; i < (requestedRuns > 0 ? requestedRuns : runs); i += 1) {
      const start = performance.now();
      await forward();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const medianMs = median(times);
    console.log(
      JSON.stringify({
        bench: 'unet-forward',
        model: label,
        backend: tf.getBackend(),
        height,
        width,
        params,
        macs,
        runs: times.length,
        medianMs: round(medianMs),
        minMs: round(times[0]!),
        maxMs: round(times[times.length - 1]!),
        gflops: round((2 * macs) / (medianMs * 1e6)),
        loadAverage1m: round(load),
        cpus: os.cpus().length,
      }),
    );
    images.dispose();
    model.dispose();
  }
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
