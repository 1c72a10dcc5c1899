// Backend benchmark: training step and forward pass of the thesis student (U-Net depth 2, 8
// base channels, 3x3 head) and of a depth-4, 16-channel U-Net at 320x480, batch 1, on wasm with
// 1 and 2 threads and on cpu; plus a per-kernel breakdown of one student training step. Every
// result is one JSON line on stdout.
//
//   tsx bench/backend.bench.ts                      # everything below, ~2 minutes
//   tsx bench/backend.bench.ts --models student --backends wasm --rounds 4 --reps 5
//   tsx bench/backend.bench.ts --cpu-train          # also the cpu training step (~3 min a step)
//   tsx bench/backend.bench.ts --no-breakdown       # without the per-kernel breakdown
//
// A process holds one wasm build, so each configuration runs in a child process. The machine
// this was written on is shared with other work, so configurations are interleaved (wasm 1
// thread, wasm 2 threads, wasm 1 thread, ...: `--rounds` times) and every line reports the
// median and the minimum over all rounds, the process CPU time per step and the 1-minute load
// average, read before and after. The CPU time of a single-threaded run is what it would take
// on an idle core; its wall time also counts the waits for one.
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
  student: { depth: 2, baseFilters: 8, headKernel: 3 },
  'depth4-base16': { depth: 4, baseFilters: 16, headKernel: 3 },
} as const;
type ModelName = keyof typeof models;
type Phase = 'forward' | 'train';
const pytorchReference: Record<Phase, number> = { train: 260, forward: 98 };

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(models).join(',') },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '4' },
    backends: { type: 'string', default: 'wasm,cpu' },
    'cpu-train': { type: 'boolean', default: false },
    'no-breakdown': { type: 'boolean', default: false },
    height: { type: 'string', default: '320' },
    width: { type: 'string', default: '480' },
    child: { type: 'string' },
  },
});
const height = Number(values.height);
const width = Number(values.width);

/** One child's raw samples for one phase. */
interface Samples {
  model: ModelName;
  phase: Phase;
  backend: string;
  threads: number;
  simd: boolean;
  wallMs: number[];
  cpuMs: number[];
  load1: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round1 = (x: number) => Number(x.toFixed(1));
const load1 = () => Number((os.loadavg()[0] ?? 0).toFixed(2));

function setup(model: ModelName) {
  const unet = createUnet({ ...models[model], inputSize: [height, width], seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const image = tf.randomUniform([1, height, width, 3], -1, 1, 'float32', 7);
  const mask = tf.cast(
    tf.greater(tf.randomUniform([1, height, width, 1], 0, 1, 'float32', 8), 0.98),
    'float32',
  );
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
  const dispose = () => {
    unet.dispose();
    optimizer.dispose();
    image.dispose();
    mask.dispose();
  };
  return { forward, train, dispose };
}

/** Child: warm up, then time `reps` runs of each phase asked for; one JSON line per phase. */
async function measure(
  backend: 'wasm' | 'cpu',
  threads: number,
  model: ModelName,
  phases: Phase[],
  reps: number,
) {
  const choice = await initBackend({ prefer: backend, threads, logger: null });
  const run = setup(model);
  for (const phase of phases) {
    const f = run[phase];
    f(); // warm-up: XNNPACK operators, optimizer slots, JIT
    const samples: Samples = {
      model,
      phase,
      backend: choice.backend,
      threads: choice.threads,
      simd: choice.simd,
      wallMs: [],
      cpuMs: [],
      load1: [load1()],
    };
    for (let i = 0; i < reps; i += 1) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      f();
      samples.wallMs.push(round1(performance.now() - start));
      const used = process.cpuUsage(cpu);
      samples.cpuMs.push(round1((used.user + used.system) / 1000));
    }
    samples.load1.push(load1());
    console.log(JSON.stringify({ samples }));
  }
  run.dispose();
}

/**
 * Child: where one student training step goes, per kernel. Every wasm kernel is wrapped to
 * record its wall time and the process CPU time (kernels a kernel calls are counted in the
 * caller), over 3 steps; "(outside kernels)" is the rest of the step (tfjs's tape, Adam's
 * bookkeeping, JavaScript). CPU time does not count waits for a busy core, so on a shared
 * machine it is the better guide to where an idle core's time would go.
 */
async function breakdown(threads: number) {
  const choice = await initBackend({ prefer: 'wasm', threads, logger: null });
  const run = setup('student');
  run.train();
  run.train();
  const perKernel = new Map<string, { wallMs: number; cpuMs: number; calls: number }>();
  const configs = tf.getKernelsForBackend('wasm');
  const originals = configs.map((config) => config.kernelFunc);
  let depth = 0;
  for (const config of configs) {
    const inner = config.kernelFunc;
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      if (depth > 0) return inner(args);
      depth += 1;
      const cpu = process.cpuUsage();
      const start = performance.now();
      try {
        return inner(args);
      } finally {
        const used = process.cpuUsage(cpu);
        const entry = perKernel.get(config.kernelName) ?? { wallMs: 0, cpuMs: 0, calls: 0 };
        entry.wallMs += performance.now() - start;
        entry.cpuMs += (used.user + used.system) / 1000;
        entry.calls += 1;
        perKernel.set(config.kernelName, entry);
        depth -= 1;
      }
    };
  }
  const steps = 3;
  const loadBefore = load1();
  let stepWall = 0;
  let stepCpu = 0;
  for (let i = 0; i < steps; i += 1) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    run.train();
    stepWall += performance.now() - start;
    const used = process.cpuUsage(cpu);
    stepCpu += (used.user + used.system) / 1000;
  }
  configs.forEach((config, i) => {
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i] as tf.KernelFunc;
  });
  const kernelWall = [...perKernel.values()].reduce((sum, k) => sum + k.wallMs, 0);
  const kernelCpu = [...perKernel.values()].reduce((sum, k) => sum + k.cpuMs, 0);
  perKernel.set('(outside kernels)', {
    wallMs: stepWall - kernelWall,
    cpuMs: stepCpu - kernelCpu,
    calls: 0,
  });
  const kernels = Object.fromEntries(
    [...perKernel]
      .sort((a, b) => b[1].cpuMs - a[1].cpuMs)
      .map(([name, k]) => [
        name,
        {
          cpuMs: round1(k.cpuMs / steps),
          wallMs: round1(k.wallMs / steps),
          calls: Math.round(k.calls / steps),
          cpuShare: Number((k.cpuMs / stepCpu).toFixed(3)),
        },
      ]),
  );
  console.log(
    JSON.stringify({
      bench: 'backend-breakdown',
      model: 'student',
      phase: 'train',
      backend: choice.backend,
      threads: choice.threads,
      input: [1, height, width, 3],
      steps,
      stepWallMs: round1(stepWall / steps),
      stepCpuMs: round1(stepCpu / steps),
      load1: [loadBefore, load1()],
      kernels,
    }),
  );
  run.dispose();
}

function child(spec: string): Samples[] {
  const self = fileURLToPath(import.meta.url);
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--child'));
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, self, ...args, `--child=${spec}`],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    },
  );
  const samples: Samples[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as { samples?: Samples };
    if (parsed.samples) samples.push(parsed.samples);
    else process.stdout.write(`${line}\n`);
  }
  return samples;
}

function report(all: Samples[], extra: Record<string, unknown> = {}) {
  if (all.length === 0) return;
  const first = all[0] as Samples;
  const wall = all.flatMap((s) => s.wallMs);
  const cpu = all.flatMap((s) => s.cpuMs);
  const loads = all.flatMap((s) => s.load1);
  const reference = first.model === 'student' ? pytorchReference[first.phase] : undefined;
  console.log(
    JSON.stringify({
      bench: 'backend',
      model: first.model,
      phase: first.phase,
      backend: first.backend,
      threads: first.threads,
      simd: first.simd,
      input: [1, height, width, 3],
      runs: wall.length,
      rounds: all.length,
      medianMs: round1(median(wall)),
      minMs: round1(Math.min(...wall)),
      cpuMsPerStep: round1(median(cpu)),
      pytorchMs: reference,
      vsPytorch: reference ? Number((median(wall) / reference).toFixed(2)) : undefined,
      minVsPytorch: reference ? Number((Math.min(...wall) / reference).toFixed(2)) : undefined,
      load1: [Math.min(...loads), Math.max(...loads)],
      cores: os.cpus().length,
      ...extra,
    }),
  );
}

if (values.child) {
  const [kind, backend, threads, model, phases, reps] = values.child.split(':') as [
    string,
    'wasm' | 'cpu',
    string,
    ModelName,
    string,
    string,
  ];
  if (kind === 'breakdown') await breakdown(Number(threads));
  else await measure(backend, Number(threads), model, phases.split(',') as Phase[], Number(reps));
  // The threaded build's pthread workers would keep the process alive.
  process.exit(0);
} else {
  const backends = values.backends.split(',');
  const threadCounts = backends.includes('wasm') ? values.threads.split(',').map(Number) : [];
  const rounds = Number(values.rounds);
  const reps = Number(values.reps);
  for (const model of values.models.split(',') as ModelName[]) {
    if (!(model in models)) throw new Error(`backend.bench: unknown model '${model}'`);
    const collected = new Map<string, Samples[]>();
    for (let r = 0; r < rounds; r += 1) {
      for (const threads of threadCounts) {
        for (const s of child(`measure:wasm:${threads}:${model}:forward,train:${reps}`)) {
          const key = `${s.phase}:${threads}`;
          collected.set(key, [...(collected.get(key) ?? []), s]);
        }
      }
    }
    for (const phase of ['forward', 'train'] as Phase[]) {
      for (const threads of threadCounts) report(collected.get(`${phase}:${threads}`) ?? []);
    }
    if (model === 'student' && backends.includes('cpu')) {
      report(child(`measure:cpu:1:${model}:forward:2`));
      if (values['cpu-train']) report(child(`measure:cpu:1:${model}:train:1`));
      else {
        console.log(
          JSON.stringify({
            bench: 'backend',
            model,
            phase: 'train',
            backend: 'cpu',
            skipped: true,
            reason: 'about 170 s per step (173 s measured); pass --cpu-train to run it',
          }),
        );
      }
    }
  }
  if (!values['no-breakdown']) {
    for (const threads of threadCounts) child(`breakdown:wasm:${threads}:student:train:0`);
  }
}
