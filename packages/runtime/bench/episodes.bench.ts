// Issue 15's slow processes, watched over time. One fresh process at a time runs, for `--seconds`,
// a loop of three probes and reports them in 2-second windows:
//   - `forward`: the thesis student's pure-wasm forward at 1x320x480x3 on one thread (XNNPACK;
//     its feature maps, 5-15 MB a layer, live in L2/L3 and memory);
//   - `copy`: four 32 MB Float32Array copies (memory bandwidth);
//   - `peak`: a WebAssembly SIMD128 loop of 12 independent f32x4 multiply-adds on registers
//     (the core's arithmetic, no memory).
// A window whose forward median is above 1.25x the run's median forward is an episode. If the
// episodes were a property of the process (code placement, tier-up, its pages) a process would be
// slow from its first window to its last; if the machine's arithmetic were shared out (a busy SMT
// sibling, steal), `peak` would slow with `forward`. `--co-runner` runs a 64 MB copy loop in
// another process for the whole run, to see whether our own memory traffic on the other core
// causes episodes.
//
//   tsx bench/episodes.bench.ts --processes 10 --seconds 14 [--co-runner]
//
// JSON lines: one per window, then a summary with the episodes' ratios. Pause other work first:
// this bench looks for the machine's own variation.
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createUnet } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { encodeModule, FunctionBody, I32, V128 } from '../../wasm-kernels/src/wasm-code';
import { initBackend } from '../src/index';
import { machine } from './machine';
import { median } from './timing';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '14' },
    'co-runner': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});

/** A wasm function running `n` rounds of 12 independent f32x4 mul + add on registers. */
function peakLoop(): (n: number) => void {
  const f = new FunctionBody([I32]);
  const [a, b] = [f.local(V128), f.local(V128)];
  const sums = Array.from({ length: 12 }, () => f.local(V128));
  f.i32(0).load(0).set(a).i32(0).load(16).set(b);
  for (const sum of sums) f.i32(0).load(32).set(sum);
  f.loop();
  for (const sum of sums) f.multiplyAdd(sum, a, b, false);
  f.get(0).i32(1).sub().tee(0).eqz().eqz().brIf(0).end();
  // Stored, so the sums are live.
  for (const [i, sum] of sums.entries())
    f.i32(64 + 16 * i)
      .get(sum)
      .store();
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(encodeModule({ run: f })), {
    env: { memory },
  });
  return instance.exports.run as (n: number) => void;
}

interface Window {
  process: number;
  second: number;
  forwardMs: number;
  copyMs: number;
  peakMs: number;
  samples: number;
}

async function child(index: number, seconds: number): Promise<Window[]> {
  await initBackend({ prefer: 'wasm', threads: 1, logger: null });
  const net = createUnet({
    depth: 2,
    baseFilters: 8,
    headKernel: 3,
    inputSize: [320, 480],
    seed: 1,
  });
  const image = tf.randomUniform([1, 320, 480, 3], -1, 1, 'float32', 7);
  const forward = () => {
    const out = net.predict(image) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
  const source = new Float32Array(8 << 20).fill(1);
  const target = new Float32Array(8 << 20);
  const peak = peakLoop();
  forward();
  peak(1e6);
  const rows: { t: number; forward: number; copy: number; peak: number }[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    forward();
    const t1 = performance.now();
    for (let k = 0; k < 4; k += 1) target.set(source);
    const t2 = performance.now();
    peak(5e6);
    const t3 = performance.now();
    rows.push({ t: (t0 - start) / 1000, forward: t1 - t0, copy: t2 - t1, peak: t3 - t2 });
  }
  image.dispose();
  net.dispose();
  const windows: Window[] = [];
  for (let second = 0; second < seconds; second += 2) {
    const inWindow = rows.filter((r) => r.t >= second && r.t < second + 2);
    if (inWindow.length === 0) continue;
    const m = (key: 'forward' | 'copy' | 'peak') =>
      Number(median(inWindow.map((r) => r[key])).toFixed(2));
    windows.push({
      process: index,
      second,
      forwardMs: m('forward'),
      copyMs: m('copy'),
      peakMs: m('peak'),
      samples: inWindow.length,
    });
  }
  return windows;
}

if (values.child) {
  const [index, seconds] = JSON.parse(values.child) as [number, number];
  console.log(JSON.stringify(await child(index, seconds)));
  process.exit(0);
}

const processes = Number(values.processes);
const seconds = Number(values.seconds);
if (!(processes >= 1 && seconds >= 2)) throw new Error('--processes >= 1 and --seconds >= 2');
console.log(
  JSON.stringify({ machine: machine(), processes, seconds, coRunner: values['co-runner'] }),
);
const coRunner = values['co-runner']
  ? spawn(
      process.execPath,
      [
        '-e',
        'const a = new Float32Array(16 << 20).fill(1), b = new Float32Array(16 << 20); for (;;) b.set(a);',
      ],
      { stdio: 'ignore' },
    )
  : undefined;
const all: Window[] = [];
try {
  for (let i = 0; i < processes; i += 1) {
    const out = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--child',
        JSON.stringify([i, seconds]),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const windows = JSON.parse(out.trim().split('\n').at(-1) as string) as Window[];
    for (const w of windows) console.log(JSON.stringify(w));
    all.push(...windows);
  }
} finally {
  coRunner?.kill();
}
const typical = median(all.map((w) => w.forwardMs));
const episodes = all.filter((w) => w.forwardMs > 1.25 * typical);
const calm = all.filter((w) => w.forwardMs <= 1.25 * typical);
const ratio = (key: 'forwardMs' | 'copyMs' | 'peakMs') =>
  episodes.length === 0
    ? null
    : Number((median(episodes.map((w) => w[key])) / median(calm.map((w) => w[key]))).toFixed(3));
const byProcess = new Map<number, number>();
for (const w of episodes) byProcess.set(w.process, (byProcess.get(w.process) ?? 0) + 1);
console.log(
  JSON.stringify({
    summary: true,
    windows: all.length,
    typicalForwardMs: typical,
    episodeWindows: episodes.length,
    processesWithEpisodes: byProcess.size,
    // An episode that lasted the whole process would make these equal to its window count.
    processesSlowThroughout: [...byProcess].filter(
      ([p, n]) => n === all.filter((w) => w.process === p).length,
    ).length,
    episodeOverCalm: { forward: ratio('forwardMs'), copy: ratio('copyMs'), peak: ratio('peakMs') },
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  }),
);
