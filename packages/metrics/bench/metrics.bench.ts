// Benchmarks of @crack/metrics. Prints one JSON line per measurement (times in ms).
// Run: pnpm --filter @crack/metrics bench (builds first, for the CLI part).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, encodePng } from '@crack/data/image';
import {
  binarize,
  type SweepCounts,
  sweepThresholds,
  thresholdSweep,
  tolerantScores,
} from '../src';
import { syntheticPair } from './synthetic';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cfdMasks = path.join(
  process.env.CRACK_DATA_DIR ?? path.resolve(packageDir, '../../../shared/datasets/cfd'),
  'masks',
);

function median(runs: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(10, runs); i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1] as number;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const emit = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

/** The 99-threshold sweep the straightforward way: binarise, then evaluate, per threshold. */
function naiveSweep(pair: ReturnType<typeof syntheticPair>): SweepCounts {
  const counts: SweepCounts = {
    thresholds: sweepThresholds(),
    tpPred: [],
    pred: [],
    tpGt: [],
    gt: 0,
  };
  for (const threshold of counts.thresholds) {
    const s = tolerantScores(binarize(pair.probability, { threshold }), pair.truth);
    counts.tpPred.push(s.tpPred);
    counts.pred.push(s.pred);
    counts.tpGt.push(s.tpGt);
    counts.gt = s.gt;
  }
  return counts;
}

emit({ bench: 'machine', cpus: cpus().length, loadavg1: loadavg()[0], node: process.version });

const pair = syntheticPair(1);
const size = '480x320';
emit({
  bench: 'tolerantScores',
  size,
  tolerance: 2,
  runs: 200,
  medianMs: round(median(200, () => tolerantScores(pair.pred, pair.truth))),
});
emit({
  bench: 'tolerantScores',
  size,
  tolerance: 0,
  runs: 200,
  medianMs: round(median(200, () => tolerantScores(pair.pred, pair.truth, { tolerance: 0 }))),
});
emit({
  bench: 'tolerantScores',
  size,
  tolerance: 10,
  runs: 100,
  medianMs: round(median(100, () => tolerantScores(pair.pred, pair.truth, { tolerance: 10 }))),
});

const fast = median(100, () => thresholdSweep(pair.probability, pair.truth));
const naive = median(10, () => naiveSweep(pair));
const same =
  JSON.stringify(thresholdSweep(pair.probability, pair.truth)) === JSON.stringify(naiveSweep(pair));
emit({
  bench: 'thresholdSweep',
  size,
  tolerance: 2,
  thresholds: 99,
  runs: 100,
  medianMs: round(fast),
});
emit({
  bench: 'naiveSweep',
  size,
  tolerance: 2,
  thresholds: 99,
  runs: 10,
  medianMs: round(naive),
  speedup: round(naive / fast),
  sameCounts: same,
});

// The CLI end to end over the CFD masks: against themselves, and against copies moved 3 px.
const cli = path.join(packageDir, 'bin/crack-metrics.js');
if (!existsSync(cfdMasks)) {
  emit({ bench: 'cli', skipped: `no CFD masks in ${cfdMasks}` });
} else if (!existsSync(path.join(packageDir, 'dist/cli.js'))) {
  emit({ bench: 'cli', skipped: 'dist/cli.js missing: run the build first' });
} else {
  const moved = mkdtempSync(path.join(tmpdir(), 'crack-metrics-bench-'));
  try {
    const files = readdirSync(cfdMasks).filter((f) => f.endsWith('.png'));
    mkdirSync(moved, { recursive: true });
    for (const file of files) {
      const image = decodeImage(readFileSync(path.join(cfdMasks, file)), { channels: 1 });
      const out = new Uint8Array(image.data.length);
      for (let y = 0; y < image.height; y++)
        for (let x = 3; x < image.width; x++)
          out[y * image.width + x] = image.data[y * image.width + x - 3] as number;
      writeFileSync(path.join(moved, file), encodePng({ ...image, data: out }));
    }
    for (const [label, pred, extra] of [
      ['self', cfdMasks, []],
      ['moved-3px', moved, []],
      ['self-sweep', cfdMasks, ['--sweep']],
    ] as const) {
      const start = performance.now();
      const stdout = execFileSync(
        process.execPath,
        [cli, '--pred', pred, '--gt', cfdMasks, '--json', ...extra],
        {
          encoding: 'utf8',
        },
      );
      const ms = performance.now() - start;
      const report = JSON.parse(stdout);
      emit({
        bench: 'cli',
        pairs: report.images,
        input: label,
        wallMs: Math.round(ms),
        microF1: report.micro.f1,
      });
    }
  } finally {
    rmSync(moved, { recursive: true, force: true });
  }
}
