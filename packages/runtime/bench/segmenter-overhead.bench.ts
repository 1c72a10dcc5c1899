// What loadSegmenter({ engine: 'onnxruntime' }) adds to a raw onnxruntime-node session on the
// same model: segment() of a 480x320 photo (full mode, one tile) against session.run() of the
// normalised photo, each in its own process with one session, the processes alternating round by
// round. (Two sessions in one process disturb each other on 2 cores: each session's pool thread
// spin-waits after its run while the other works; speed.bench.ts's call-by-call comparison has
// that bias.) One JSON line per process and a summary line; the CPU model and load are included.
//
//   tsx bench/segmenter-overhead.bench.ts --rounds 5 --calls 35 --model student
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './machine';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '35' },
    model: { type: 'string', default: 'student' },
    child: { type: 'string' },
  },
});
const calls = Number(values.calls);
const configs = {
  student: { depth: 2, baseFilters: 8 },
  'depth4-base16': { depth: 4, baseFilters: 16 },
} as const;
const config = configs[values.model as keyof typeof configs];
if (!config) throw new Error(`--model must be one of ${Object.keys(configs).join(', ')}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] as number;

async function child(kind: 'raw' | 'segment'): Promise<void> {
  const ort = await import('onnxruntime-node');
  const { exportOnnx } = await import('@crack/export');
  const { createUnet } = await import('@crack/unet');
  const { initBackend, loadSegmenter } = await import('../src/index');
  await initBackend({ prefer: 'wasm', logger: null });
  const unet = createUnet({ ...config, seed: 1 });
  const width = 480;
  const height = 320;
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const times: number[] = [];
  if (kind === 'raw') {
    // The segmenter's own export: NHWC with a sigmoid head.
    const { bytes } = exportOnnx(unet, { layout: 'NHWC', head: 'sigmoid' });
    const session = await ort.InferenceSession.create(bytes, {});
    const input = Float32Array.from(pixels, (v) => (v - 127.5) / 127.5);
    const name = session.inputNames[0] as string;
    for (let i = 0; i < calls + 5; i++) {
      const start = performance.now();
      await session.run({ [name]: new ort.Tensor('float32', input, [1, height, width, 3]) });
      if (i >= 5) times.push(performance.now() - start);
    }
    await session.release();
  } else {
    const segmenter = await loadSegmenter(unet, { engine: 'onnxruntime', mode: 'full' });
    if (segmenter.engine.engine !== 'onnxruntime')
      throw new Error(`the segmenter fell back: ${segmenter.engine.reason}`);
    const photo = { data: pixels, width, height, channels: 3 };
    for (let i = 0; i < calls + 5; i++) {
      const start = performance.now();
      await segmenter.segment(photo);
      if (i >= 5) times.push(performance.now() - start);
    }
    segmenter.dispose();
  }
  unet.dispose();
  process.stdout.write(
    `${JSON.stringify({ kind, medianMs: median(times), p25Ms: quantile(times, 0.25) })}\n`,
  );
}

if (values.child === 'raw' || values.child === 'segment') {
  await child(values.child);
} else {
  const cpu = machine().cpu;
  const print = (line: object) => console.log(JSON.stringify(line));
  print({
    bench: 'segmenter-overhead',
    cpu,
    cores: os.availableParallelism(),
    model: values.model,
    load: os.loadavg(),
  });
  const results: Record<'raw' | 'segment', number[]> = { raw: [], segment: [] };
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const kind of ['raw', 'segment'] as const) {
      const run = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          script,
          '--child',
          kind,
          '--calls',
          String(calls),
          '--model',
          values.model as string,
        ],
        { encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`${kind} process failed:\n${run.stderr}`);
      const line = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
      results[kind].push(line.medianMs);
      print({ bench: 'segmenter-overhead', round, ...line, load: os.loadavg()[0] });
    }
  }
  const raw = median(results.raw);
  const segment = median(results.segment);
  // Each round's processes ran back to back, so the per-round ratio cancels slow drifts of load.
  const perRound = results.raw.map(
    (r, i) => Math.round(((results.segment[i] as number) / r) * 100) / 100,
  );
  print({
    bench: 'segmenter-overhead',
    summary: true,
    model: values.model,
    rawMs: raw,
    segmentMs: segment,
    ratioOfMedians: Math.round((segment / raw) * 100) / 100,
    perRound,
    medianRatio: median(perRound),
    target: '<= 1.1',
  });
}
