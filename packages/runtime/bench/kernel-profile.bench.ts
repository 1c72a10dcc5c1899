// Per-kernel profile of issue 15: the student (U-Net depth 2, 8 channels) and a depth-4,
// 16-channel U-Net at 1x320x480x3 on wasm (1 thread, @crack/wasm-kernels), forward pass and one
// training step (sigmoid cross-entropy on the logits, Adam), as in bench/speed.bench.ts.
//
// Every kernel registered for the wasm backend is wrapped, so each call is timed (process CPU
// time, steadier than wall time on a shared machine, and wall time). A kernel that calls other
// kernels through the registry (the composite kernels of @crack/wasm-kernels) is charged its self
// time only; the rest goes to the kernels it called. Calls are grouped by kernel name and by
// kernel name + input shapes; "outside kernels" is the step's CPU time minus every kernel's.
// Prints JSON lines: one per kernel (and, with --shapes, per kernel and shape), ranked by CPU
// time per step, then a total line with the load average.
//
//   tsx bench/kernel-profile.bench.ts --models student --reps 3
//   tsx bench/kernel-profile.bench.ts --models depth4-base16 --phases train --shapes
//   tsx bench/kernel-profile.bench.ts --threads 2 --kernel-threads 1   # the pool held to 1 thread
//   tsx bench/kernel-profile.bench.ts --size 256x256 --config '{"depth":2,"block":"inverted-residual","expansion":2,"baseFilters":18}'
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createUnet } from '@crack/unet';
import { setWasmKernelThreads } from '@crack/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { fusedAdam, initBackend } from '../src/index';
import { machine } from './machine';

const models = {
  student: { depth: 2, baseFilters: 8, headKernel: 3 },
  'depth4-base16': { depth: 4, baseFilters: 16, headKernel: 3 },
} as const;

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(models).join(',') },
    phases: { type: 'string', default: 'forward,train' },
    reps: { type: 'string', default: '3' },
    shapes: { type: 'boolean', default: false },
    top: { type: 'string', default: '40' },
    threads: { type: 'string', default: '1' },
    'kernel-threads': { type: 'string', default: 'auto' },
    /** Any createUnet config as JSON, profiled as model 'custom' (e.g. the study's students). */
    config: { type: 'string' },
    /** Input height x width (the study trains on 256x256 crops). */
    size: { type: 'string', default: '320x480' },
  },
});
const [height, width] = values.size.split('x').map(Number) as [number, number];
if (!(height > 0 && width > 0))
  throw new Error(`--size ${values.size}: expected HxW, e.g. 256x256`);
const configs: Record<string, object> = {
  ...models,
  ...(values.config ? { custom: JSON.parse(values.config) as object } : {}),
};
const round2 = (x: number) => Number(x.toFixed(2));
const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Entry {
  calls: number;
  cpuMs: number;
  wallMs: number;
}
const byKernel = new Map<string, Entry>();
const byShape = new Map<string, Entry>();
let recording = false;
/** CPU / wall time of the kernels running now, to subtract nested calls from their callers. */
const stack: { childCpu: number; childWall: number }[] = [];

function charge(map: Map<string, Entry>, key: string, cpu: number, wall: number): void {
  const entry = map.get(key) ?? { calls: 0, cpuMs: 0, wallMs: 0 };
  entry.calls += 1;
  entry.cpuMs += cpu;
  entry.wallMs += wall;
  map.set(key, entry);
}

function describeAttrs(attrs: Record<string, unknown> | undefined): string {
  if (attrs == null) return '';
  const keep = ['strides', 'pad', 'filterShape', 'inputShape', 'perm', 'axis', 'dims'];
  const parts = keep
    .filter((k) => attrs[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(attrs[k])}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** Wraps every wasm kernel so each call is timed. */
function wrapKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const wrapped: tf.KernelFunc = (args) => {
      if (!recording) return inner(args);
      const frame = { childCpu: 0, childWall: 0 };
      stack.push(frame);
      const cpu0 = cpuNow();
      const wall0 = performance.now();
      const out = inner(args);
      const cpu = cpuNow() - cpu0;
      const wall = performance.now() - wall0;
      stack.pop();
      const parent = stack.at(-1);
      if (parent) {
        parent.childCpu += cpu;
        parent.childWall += wall;
      }
      const selfCpu = cpu - frame.childCpu;
      const selfWall = wall - frame.childWall;
      charge(byKernel, name, selfCpu, selfWall);
      if (values.shapes) {
        const shapes = Object.entries(args.inputs)
          .filter(([, t]) => t != null)
          .map(([k, t]) => `${k}${JSON.stringify((t as tf.TensorInfo).shape)}`)
          .join(' ');
        charge(
          byShape,
          `${name} ${shapes}${describeAttrs(args.attrs as Record<string, unknown>)}${parent ? ' (nested)' : ''}`,
          selfCpu,
          selfWall,
        );
      }
      return out;
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
}

async function main(): Promise<void> {
  const kernelThreads = values['kernel-threads'];
  setWasmKernelThreads(kernelThreads === 'auto' ? 'auto' : Number(kernelThreads));
  const choice = await initBackend({
    prefer: 'wasm',
    threads: Number(values.threads),
    logger: null,
  });
  if (choice.backend !== 'wasm')
    throw new Error(`kernel-profile: no wasm backend (${choice.reason})`);
  wrapKernels();
  const reps = Number(values.reps);
  const names = values.config ? ['custom'] : values.models.split(',');
  for (const model of names) {
    const config = configs[model];
    if (!config) throw new Error(`--models: unknown model ${model}`);
    const unet = createUnet({ ...config, inputSize: [height, width], seed: 1 });
    const optimizer = fusedAdam(1e-3);
    const image = tf.randomUniform([1, height, width, 3], -1, 1, 'float32', 7);
    const mask = tf.cast(
      tf.greater(tf.randomUniform([1, height, width, 1], 0, 1, 'float32', 8), 0.98),
      'float32',
    );
    const phases = {
      forward: () => {
        const out = unet.predict(image) as tf.Tensor;
        out.dataSync();
        out.dispose();
      },
      train: () => {
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
      },
    };
    for (const phase of values.phases.split(',') as (keyof typeof phases)[]) {
      const f = phases[phase];
      f();
      f();
      byKernel.clear();
      byShape.clear();
      const loadBefore = load();
      const cpu0 = cpuNow();
      const wall0 = performance.now();
      recording = true;
      for (let i = 0; i < reps; i += 1) f();
      recording = false;
      const stepCpu = (cpuNow() - cpu0) / reps;
      const stepWall = (performance.now() - wall0) / reps;
      const ranked = (map: Map<string, Entry>) =>
        [...map.entries()].sort((a, b) => b[1].cpuMs - a[1].cpuMs);
      let kernelCpu = 0;
      let kernelWall = 0;
      for (const [, e] of byKernel) {
        kernelCpu += e.cpuMs / reps;
        kernelWall += e.wallMs / reps;
      }
      const line = (kind: string, key: string, e: Entry) =>
        console.log(
          JSON.stringify({
            model,
            phase,
            [kind]: key,
            callsPerStep: round2(e.calls / reps),
            cpuMsPerStep: round2(e.cpuMs / reps),
            wallMsPerStep: round2(e.wallMs / reps),
            cpuShare: round2(e.cpuMs / reps / stepCpu),
          }),
        );
      for (const [key, e] of ranked(byKernel)) line('kernel', key, e);
      if (values.shapes) {
        for (const [key, e] of ranked(byShape).slice(0, Number(values.top))) line('call', key, e);
      }
      console.log(
        JSON.stringify({
          model,
          phase,
          total: true,
          reps,
          stepCpuMs: round2(stepCpu),
          stepWallMs: round2(stepWall),
          kernelCpuMs: round2(kernelCpu),
          kernelWallMs: round2(kernelWall),
          outsideKernelsCpuMs: round2(stepCpu - kernelCpu),
          load: [loadBefore, load()],
          cpu: machine().cpu,
        }),
      );
    }
    tf.dispose([image, mask]);
    unet.dispose();
    optimizer.dispose();
  }
}

await main();
