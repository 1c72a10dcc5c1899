// Segmenter benchmark: segment() of the thesis student (createUnet(thesisStudent), untrained
// weights: the time does not depend on them) on a 480x320 photo (thesis and full mode) and a
// 4000x3000 photo (full mode: 63 tiles of 512 px; thesis mode: crop + resize only), per
// backend. One JSON line per case on stdout.
//
//   pnpm bench:segment
//   tsx bench/segment.bench.ts --backends wasm --reps 5 --large-reps 2
import { parseArgs } from 'node:util';
import { createUnet, thesisStudent } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, initBackend, loadSegmenter, type SegmentMode } from '../src/index';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu' },
    reps: { type: 'string', default: '5' },
    'large-reps': { type: 'string', default: '2' },
    'cpu-reps': { type: 'string', default: '1' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function photo(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height, channels: 3 };
}

interface Case {
  width: number;
  height: number;
  mode: SegmentMode;
  large: boolean;
}
const cases: Case[] = [
  { width: 480, height: 320, mode: 'thesis', large: false },
  { width: 480, height: 320, mode: 'full', large: false },
  { width: 4000, height: 3000, mode: 'thesis', large: true },
  { width: 4000, height: 3000, mode: 'full', large: true },
];

for (const backend of values.backends.split(',') as BackendName[]) {
  const choice = await initBackend({ prefer: backend, logger: null });
  if (choice.backend !== backend) {
    console.error(`segment.bench: backend ${backend} unavailable (${choice.reason})`);
    continue;
  }
  const model = createUnet({ ...thesisStudent, seed: 1 });
  const segmenter = await loadSegmenter(model);
  for (const c of cases) {
    // The cpu backend runs the student's forward pass in seconds: the 480x320 photo only.
    if (backend === 'cpu' && c.large) continue;
    const reps = Number(
      backend === 'cpu' ? values['cpu-reps'] : c.large ? values['large-reps'] : values.reps,
    );
    const image = photo(c.width, c.height);
    await segmenter.segment(image, { mode: c.mode }); // warm-up for this shape
    const runs: Array<{
      totalMs: number;
      preprocessMs: number;
      inferenceMs: number;
      postprocessMs: number;
    }> = [];
    for (let r = 0; r < reps; r++)
      runs.push((await segmenter.segment(image, { mode: c.mode })).timings);
    const phase = (key: keyof (typeof runs)[number]) =>
      Math.round(median(runs.map((t) => t[key])) * 10) / 10;
    console.log(
      JSON.stringify({
        bench: 'segment',
        model: 'student (depth 2, base 8)',
        backend,
        threads: choice.threads,
        mode: c.mode,
        width: c.width,
        height: c.height,
        reps,
        medianMs: phase('totalMs'),
        minMs: Math.round(Math.min(...runs.map((t) => t.totalMs)) * 10) / 10,
        preprocessMs: phase('preprocessMs'),
        inferenceMs: phase('inferenceMs'),
        postprocessMs: phase('postprocessMs'),
        tensors: tf.memory().numTensors,
      }),
    );
  }
  segmenter.dispose();
  model.dispose();
}
