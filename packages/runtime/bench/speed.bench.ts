// Speed benchmark of issue 15, in one run on one machine: the thesis student (U-Net depth 2, 8
// channels) and a depth-4, 16-channel U-Net at 1x320x480x3,
//   - this project on wasm (@crack/wasm-kernels, 1 and 2 threads): forward pass and training
//     step (sigmoid cross-entropy on the logits, Adam);
//   - PyTorch CPU on the same architecture (bench/pytorch_unet.py run by /usr/bin/python3, or
//     $PYTHON; skipped with a message when `import torch` fails), 1 and 2 threads, both phases;
//   - onnxruntime-node on the model's ONNX export (@crack/export): forward, 1 and 2 threads and
//     its default threading, and loadSegmenter({ engine: 'onnxruntime' }) on a 480x320 photo
//     against that raw session, in one process, alternating;
//   - the baseline 'wasm-kernels-1-thread' (2+ threads): the same wasm build and thread count
//     with @crack/wasm-kernels' own kernels held to the calling thread (setWasmKernelThreads(1),
//     as before their thread pool: XNNPACK's convolutions on all threads, the rest on one);
//   - the baseline 'wasm-simd128' (opt-in, `--engines`): the same build with relaxed SIMD's
//     multiply-add off (setWasmRelaxedSimd(false)), for runtimes that have it (on Node 20 run the
//     bench as `node --experimental-wasm-relaxed-simd --import tsx bench/speed.bench.ts`; the
//     children inherit the flag);
//   - the baseline 'wasm-tfjs-adam' (opt-in): the same build with tfjs's own Adam
//     (tf.train.adam, 14 element-wise kernels per variable) instead of fusedAdam (one);
// then the ratios, the CPU model (lscpu) and the 1-minute load average around every figure.
// `--engines` picks a subset (default wasm,wasm-kernels-1-thread,onnxruntime,pytorch).
// Every line is JSON on stdout.
//
//   tsx bench/speed.bench.ts                       # everything, ~5-10 minutes on 2 busy cores
//   tsx bench/speed.bench.ts --models student --rounds 3 --reps 5
//
// Each configuration runs in its own process (a process holds one wasm build), and the
// configurations are interleaved round by round, so on a shared machine they see the same load;
// compare figures only within one run. Every line gives the median and the minimum over all runs
// and the process CPU time per run (what it would take on an idle core, for one thread). Lines
// with `round: true` are one child's figures, printed as it ends; the summaries and the ratios
// follow each model.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportOnnx } from '@crack/export';
import { createUnet } from '@crack/unet';
import {
  setWasmKernelThreads,
  setWasmRelaxedSimd,
  usingRelaxedSimd,
  wasmKernelThreading,
} from '@crack/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { fusedAdam, initBackend, loadSegmenter } from '../src/index';
import { machine } from './machine';
import { median, round1, time } from './timing';

const models = {
  student: { depth: 2, baseFilters: 8, headKernel: 3 },
  'depth4-base16': { depth: 4, baseFilters: 16, headKernel: 3 },
} as const;
type ModelName = keyof typeof models;
/** This project on wasm, and two baselines of the same build (see the header). */
const WASM_ENGINES = ['wasm', 'wasm-kernels-1-thread', 'wasm-simd128', 'wasm-tfjs-adam'] as const;
type WasmEngine = (typeof WASM_ENGINES)[number];
type Phase = 'forward' | 'train';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(models).join(',') },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    python: { type: 'string', default: process.env.PYTHON ?? '/usr/bin/python3' },
    engines: { type: 'string', default: 'wasm,wasm-kernels-1-thread,onnxruntime,pytorch' },
    child: { type: 'string' },
  },
});
const [height, width] = [320, 480];
const input = [1, height, width, 3];

/** Raw timings of one configuration in one child process. */
interface Samples {
  model: ModelName;
  phase: Phase | 'segment';
  engine: string;
  threads: number | 'default';
  wallMs: number[];
  cpuMs: number[];
  load1: number[];
  params?: number;
  note?: string;
}

const load1 = () => Number((os.loadavg()[0] ?? 0).toFixed(2));

function build(model: ModelName) {
  return createUnet({ ...models[model], inputSize: [height, width], seed: 1 });
}

/** Child: this project on wasm, forward and training step. */
async function wasmChild(
  model: ModelName,
  threads: number,
  reps: number,
  engine: WasmEngine,
): Promise<Samples[]> {
  if (engine === 'wasm-kernels-1-thread') setWasmKernelThreads(1);
  if (engine === 'wasm-simd128') setWasmRelaxedSimd(false);
  const choice = await initBackend({ prefer: 'wasm', threads, logger: null });
  const unet = build(model);
  const optimizer = engine === 'wasm-tfjs-adam' ? tf.train.adam(1e-3) : fusedAdam(1e-3);
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
  const out: Samples[] = [];
  // Both phases once before any timing: the first call of either starts the kernels' thread
  // pool, whose worker threads then boot on the other core for ~0.1 s.
  forward();
  train();
  for (const [phase, f] of [
    ['forward', forward],
    ['train', train],
  ] as const) {
    const before = load1();
    const timed = await time(f, reps);
    const pool = wasmKernelThreading();
    out.push({
      model,
      phase,
      engine,
      threads: choice.threads,
      ...timed,
      load1: [before, load1()],
      params: unet.countParams(),
      note: `kernel pool: ${pool.threads} threads, ${pool.workerChunks} of ${pool.chunks} chunks on workers; relaxed SIMD ${usingRelaxedSimd() ? 'on' : 'off'}`,
    });
  }
  return out;
}

/**
 * Child: onnxruntime-node on the ONNX export (NHWC, logits), forward only. With threads
 * 'default' (onnxruntime's own choice, what loadSegmenter uses) it also times
 * loadSegmenter({ engine: 'onnxruntime' }) on a 480x320 photo, alternating with the raw session
 * call by call, so the two see the same load.
 */
async function ortChild(
  model: ModelName,
  threads: number | 'default',
  reps: number,
): Promise<Samples[]> {
  await initBackend({ prefer: 'wasm', logger: null });
  const unet = build(model);
  const { bytes } = exportOnnx(unet, { layout: 'NHWC' });
  const session = await ort.InferenceSession.create(
    bytes,
    threads === 'default' ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 },
  );
  const values = Float32Array.from(tf.randomUniform(input, -1, 1, 'float32', 7).dataSync());
  const raw = async () => {
    const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', values, input) };
    const result = await session.run(feeds);
    return (result[session.outputNames[0] as string] as ort.Tensor).data;
  };
  const before = load1();
  const out: Samples[] = [];
  if (threads !== 'default') {
    const timed = await time(raw, reps);
    out.push({
      model,
      phase: 'forward',
      engine: 'onnxruntime',
      threads,
      ...timed,
      load1: [before, load1()],
    });
  } else {
    const segmenter = await loadSegmenter(unet, { engine: 'onnxruntime', mode: 'full' });
    if (segmenter.engine.engine !== 'onnxruntime') {
      throw new Error(`speed.bench: the segmenter fell back: ${segmenter.engine.reason}`);
    }
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 2654435761) >>> 24;
    const photo = { data: pixels, width, height, channels: 3 };
    await raw();
    await segmenter.segment(photo);
    const rawSamples: Samples = {
      model,
      phase: 'forward',
      engine: 'onnxruntime',
      threads,
      wallMs: [],
      cpuMs: [],
      load1: [before],
    };
    const segmentSamples: Samples = {
      ...rawSamples,
      phase: 'segment',
      engine: 'segmenter-onnxruntime',
      wallMs: [],
      cpuMs: [],
      note: 'segment() total, full mode, one 480x320 tile',
    };
    const inferenceSamples: Samples = {
      ...segmentSamples,
      engine: 'segmenter-onnxruntime-inference',
      wallMs: [],
      cpuMs: [],
      note: "segment()'s timings.inferenceMs",
    };
    for (let i = 0; i < 2 * reps; i += 1) {
      let cpu = process.cpuUsage();
      let start = performance.now();
      await raw();
      rawSamples.wallMs.push(round1(performance.now() - start));
      let used = process.cpuUsage(cpu);
      rawSamples.cpuMs.push(round1((used.user + used.system) / 1000));
      cpu = process.cpuUsage();
      start = performance.now();
      const result = await segmenter.segment(photo);
      segmentSamples.wallMs.push(round1(performance.now() - start));
      used = process.cpuUsage(cpu);
      segmentSamples.cpuMs.push(round1((used.user + used.system) / 1000));
      inferenceSamples.wallMs.push(round1(result.timings.inferenceMs));
    }
    for (const s of [rawSamples, segmentSamples, inferenceSamples]) s.load1.push(load1());
    out.push(rawSamples, segmentSamples, inferenceSamples);
    segmenter.dispose();
  }
  await session.release();
  unet.dispose();
  return out;
}

/** PyTorch, through bench/pytorch_unet.py; null (and a line saying why) when it cannot run. */
function pytorch(model: ModelName, threads: number, reps: number): Samples[] | null {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch_unet.py');
  const config = models[model];
  const before = load1();
  let output: string;
  try {
    output = execFileSync(
      values.python,
      [
        script,
        `--depth=${config.depth}`,
        `--base=${config.baseFilters}`,
        `--threads=${threads}`,
        `--reps=${reps}`,
        `--height=${height}`,
        `--width=${width}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    skipPytorch(`${values.python} failed: ${String((error as Error).message).split('\n')[0]}`);
    return null;
  }
  const samples: Samples[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as {
      skipped?: boolean;
      reason?: string;
      phase: Phase;
      params: number;
      wallMs: number[];
      cpuMs: number[];
      torch: string;
    };
    if (parsed.skipped) {
      skipPytorch(parsed.reason ?? 'skipped');
      return null;
    }
    samples.push({
      model,
      phase: parsed.phase,
      engine: 'pytorch',
      threads,
      wallMs: parsed.wallMs,
      cpuMs: parsed.cpuMs,
      load1: [before, load1()],
      params: parsed.params,
      note: `torch ${parsed.torch}`,
    });
  }
  return samples;
}

let pytorchSkipped = false;
function skipPytorch(reason: string): void {
  if (pytorchSkipped) return;
  pytorchSkipped = true;
  console.log(JSON.stringify({ bench: 'speed', engine: 'pytorch', skipped: true, reason }));
}

/** Runs this script as a child for one configuration and returns its samples. */
function child(spec: string): Samples[] {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...process.execArgv, self, `--child=${spec}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  return out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Samples);
}

/** One JSON line per configuration: all rounds together. */
function summarise(all: Samples[]): Record<string, unknown> | null {
  if (all.length === 0) return null;
  const first = all[0] as Samples;
  const wall = all.flatMap((s) => s.wallMs);
  const cpu = all.flatMap((s) => s.cpuMs);
  const loads = all.flatMap((s) => s.load1);
  return {
    bench: 'speed',
    model: first.model,
    phase: first.phase,
    engine: first.engine,
    threads: first.threads,
    input,
    runs: wall.length,
    medianMs: round1(median(wall)),
    minMs: round1(Math.min(...wall)),
    cpuMsMedian: cpu.length ? round1(median(cpu)) : undefined,
    load1: [Math.min(...loads), Math.max(...loads)],
    params: first.params,
    note: first.note,
  };
}

if (values.child) {
  const [kind, model, threads, reps] = values.child.split(':') as [
    string,
    ModelName,
    string,
    string,
  ];
  const count = threads === 'default' ? 'default' : Number(threads);
  const samples = (WASM_ENGINES as readonly string[]).includes(kind)
    ? await wasmChild(model, count as number, Number(reps), kind as WasmEngine)
    : await ortChild(model, count, Number(reps));
  for (const s of samples) console.log(JSON.stringify(s));
  // Ends at once (the threaded build no longer keeps a process alive, but a child has nothing
  // left to wait for).
  process.exit(0);
} else {
  const threadCounts = values.threads.split(',').map(Number);
  const engines = new Set(values.engines.split(','));
  const rounds = Number(values.rounds);
  const reps = Number(values.reps);
  console.log(
    JSON.stringify({
      bench: 'speed',
      machine: machine(),
      node: process.version,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      load1: os.loadavg().map((x) => Number(x.toFixed(2))),
      input,
      rounds,
      reps,
    }),
  );
  for (const model of values.models.split(',') as ModelName[]) {
    if (!(model in models)) throw new Error(`speed.bench: unknown model '${model}'`);
    const collected = new Map<string, Samples[]>();
    const add = (samples: Samples[] | null) => {
      for (const s of samples ?? []) {
        // Each child's own figures at once, so an interrupted run still reports what it measured.
        console.log(JSON.stringify({ ...summarise([s]), round: true }));
        const key = `${s.engine}:${s.phase}:${s.threads}`;
        collected.set(key, [...(collected.get(key) ?? []), s]);
      }
    };
    for (let round = 0; round < rounds; round += 1) {
      for (const threads of threadCounts) {
        if (engines.has('wasm')) add(child(`wasm:${model}:${threads}:${reps}`));
        if (engines.has('wasm-kernels-1-thread') && threads > 1) {
          add(child(`wasm-kernels-1-thread:${model}:${threads}:${reps}`));
        }
        if (engines.has('wasm-simd128')) add(child(`wasm-simd128:${model}:${threads}:${reps}`));
        if (engines.has('wasm-tfjs-adam')) {
          add(child(`wasm-tfjs-adam:${model}:${threads}:${reps}`));
        }
      }
      if (engines.has('onnxruntime')) {
        for (const threads of threadCounts) add(child(`ort:${model}:${threads}:${reps}`));
        add(child(`ort:${model}:default:${reps}`));
      }
      if (engines.has('pytorch')) {
        for (const threads of threadCounts) add(pytorch(model, threads, reps));
      }
    }
    const lines = new Map<string, Record<string, unknown>>();
    for (const [key, samples] of collected) {
      const line = summarise(samples);
      if (line == null) continue;
      lines.set(key, line);
      console.log(JSON.stringify(line));
    }
    const ms = (key: string) => lines.get(key)?.medianMs as number | undefined;
    // Process CPU time: for one thread, what the run would take on an idle core; on a busy
    // machine the wall time is mostly waiting for a core.
    const cpuMs = (key: string) => lines.get(key)?.cpuMsMedian as number | undefined;
    const ratio = (a?: number, b?: number) =>
      a != null && b != null ? Number((a / b).toFixed(2)) : undefined;
    const best = (engine: string, phase: string) => {
      const found = threadCounts
        .map((t) => ms(`${engine}:${phase}:${t}`))
        .filter((x): x is number => x != null);
      return found.length ? Math.min(...found) : undefined;
    };
    for (const phase of ['forward', 'train'] as const) {
      const perThreads = Object.fromEntries(
        threadCounts.map((t) => [
          t,
          {
            wasmMs: ms(`wasm:${phase}:${t}`),
            pytorchMs: ms(`pytorch:${phase}:${t}`),
            onnxruntimeMs: phase === 'forward' ? ms(`onnxruntime:forward:${t}`) : undefined,
            wasmVsPytorch: ratio(ms(`wasm:${phase}:${t}`), ms(`pytorch:${phase}:${t}`)),
            kernels1ThreadMs: ms(`wasm-kernels-1-thread:${phase}:${t}`),
            wasmVsKernels1Thread: ratio(
              ms(`wasm:${phase}:${t}`),
              ms(`wasm-kernels-1-thread:${phase}:${t}`),
            ),
            wasmCpuMs: cpuMs(`wasm:${phase}:${t}`),
            pytorchCpuMs: cpuMs(`pytorch:${phase}:${t}`),
            onnxruntimeCpuMs: phase === 'forward' ? cpuMs(`onnxruntime:forward:${t}`) : undefined,
            cpuWasmVsPytorch: ratio(cpuMs(`wasm:${phase}:${t}`), cpuMs(`pytorch:${phase}:${t}`)),
            cpuWasmVsOnnxruntime:
              phase === 'forward'
                ? ratio(cpuMs(`wasm:forward:${t}`), cpuMs(`onnxruntime:forward:${t}`))
                : undefined,
            wasmVsOnnxruntime:
              phase === 'forward'
                ? ratio(ms(`wasm:forward:${t}`), ms(`onnxruntime:forward:${t}`))
                : undefined,
          },
        ]),
      );
      console.log(
        JSON.stringify({
          bench: 'speed',
          ratios: true,
          model,
          phase,
          perThreads,
          bestWasmMs: best('wasm', phase),
          bestPytorchMs: best('pytorch', phase),
          bestWasmVsBestPytorch: ratio(best('wasm', phase), best('pytorch', phase)),
          bestWasmVsBestOnnxruntime:
            phase === 'forward'
              ? ratio(best('wasm', phase), best('onnxruntime', phase))
              : undefined,
        }),
      );
    }
    console.log(
      JSON.stringify({
        bench: 'speed',
        ratios: true,
        model,
        phase: 'segment',
        segmenterMs: ms('segmenter-onnxruntime:segment:default'),
        segmenterInferenceMs: ms('segmenter-onnxruntime-inference:segment:default'),
        rawOnnxruntimeMs: ms('onnxruntime:forward:default'),
        segmenterVsRawOnnxruntime: ratio(
          ms('segmenter-onnxruntime:segment:default'),
          ms('onnxruntime:forward:default'),
        ),
        segmenterCpuMs: cpuMs('segmenter-onnxruntime:segment:default'),
        rawOnnxruntimeCpuMs: cpuMs('onnxruntime:forward:default'),
        cpuSegmenterVsRawOnnxruntime: ratio(
          cpuMs('segmenter-onnxruntime:segment:default'),
          cpuMs('onnxruntime:forward:default'),
        ),
        segmenterInferenceVsRawOnnxruntime: ratio(
          ms('segmenter-onnxruntime-inference:segment:default'),
          ms('onnxruntime:forward:default'),
        ),
      }),
    );
  }
  console.log(
    JSON.stringify({
      bench: 'speed',
      done: true,
      load1: os.loadavg().map((x) => Number(x.toFixed(2))),
    }),
  );
}
