// Backend benchmark: training step and forward pass of the thesis student (U-Net depth 2, 8
// base channels) and of a depth-4, 16-channel U-Net at 320x480, batch 1, on every backend and
// thread count asked for. Each configuration runs in its own child process (a process has one
// wasm build), and every result is one JSON line on stdout.
//
//   pnpm bench                                   # wasm 1 and 2 threads, cpu; both models
//   tsx bench/backend.bench.ts --backends wasm --threads 1,2 --reps 10
//
// Reference (PyTorch on the same 2 cores): training step 260 ms, forward 98 ms for the student.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createUnet } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index';

const models = {
  student: { depth: 2, baseFilters: 8 },
  'depth4-base16': { depth: 4, baseFilters: 16 },
} as const;
type ModelName = keyof typeof models;
const pytorchReference = { train: 260, forward: 98 };

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    threads: { type: 'string', default: '1,2' },
    models: { type: 'string', default: Object.keys(models).join(',') },
    reps: { type: 'string', default: '5' },
    'cpu-reps': { type: 'string', default: '1' },
    height: { type: 'string', default: '320' },
    width: { type: 'string', default: '480' },
    child: { type: 'string' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function measure(backend: 'wasm' | 'cpu', threads: number, model: ModelName) {
  const choice = await initBackend({ prefer: backend, threads, logger: null });
  const height = Number(values.height);
  const width = Number(values.width);
  const reps = backend === 'cpu' ? Number(values['cpu-reps']) : Number(values.reps);
  const unet = createUnet({ ...models[model], inputSize: [height, width], seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const image = tf.randomUniform([1, height, width, 3], -1, 1);
  const mask = tf.cast(tf.greater(tf.randomUniform([1, height, width, 1]), 0.98), 'float32');
  const forward = () => {
    const out = unet.predict(image) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
  const train = () => {
    const cost = optimizer.minimize(
      () =>
        tf.losses.sigmoidCrossEntropy(
          mask,
          unet.apply(image, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    );
    cost?.dataSync();
    cost?.dispose();
  };
  const timed = (f: () => void) => {
    f(); // warm-up: XNNPACK operator creation, weight packing, optimizer slots
    const ms: number[] = [];
    for (let i = 0; i < reps; i += 1) {
      const start = performance.now();
      f();
      ms.push(performance.now() - start);
    }
    return ms;
  };
  const loadBefore = os.loadavg()[0];
  for (const [phase, f] of [
    ['forward', forward],
    ['train', train],
  ] as const) {
    const ms = timed(f);
    const reference = model === 'student' ? pytorchReference[phase] : undefined;
    console.log(
      JSON.stringify({
        bench: 'backend',
        model,
        phase,
        backend: choice.backend,
        threads: choice.threads,
        simd: choice.simd,
        input: [1, height, width, 3],
        reps,
        medianMs: Number(median(ms).toFixed(1)),
        minMs: Number(Math.min(...ms).toFixed(1)),
        vsPytorch: reference ? Number((median(ms) / reference).toFixed(2)) : undefined,
        load1: Number((os.loadavg()[0] ?? 0).toFixed(2)),
        load1Before: Number((loadBefore ?? 0).toFixed(2)),
        cores: os.cpus().length,
      }),
    );
  }
  unet.dispose();
  optimizer.dispose();
  image.dispose();
  mask.dispose();
}

if (values.child) {
  const [backend, threads, model] = values.child.split(':') as ['wasm' | 'cpu', string, ModelName];
  await measure(backend, Number(threads), model);
  // The threaded build's pthread workers would keep the process alive.
  process.exit(0);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const model of values.models.split(',') as ModelName[]) {
    for (const backend of values.backends.split(',') as Array<'wasm' | 'cpu'>) {
      const threadCounts = backend === 'wasm' ? values.threads.split(',').map(Number) : [1];
      for (const threads of threadCounts) {
        const args = process.argv.slice(2).filter((a) => !a.startsWith('--child'));
        const out = execFileSync(
          process.execPath,
          [...process.execArgv, self, ...args, `--child=${backend}:${threads}:${model}`],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        );
        process.stdout.write(out);
      }
    }
  }
}
