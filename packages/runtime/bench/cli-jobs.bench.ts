// crack-segment on a folder: one photo at a time in the main thread (--jobs 1, the engine's
// default threads: the behaviour before --jobs) against photos on worker threads (--jobs N, the
// cores shared out), alternately in the same run, on the same synthetic photos, on a quiet
// machine and with `--load K` busy processes spinning beside it. Prints JSON lines.
//
//   tsx bench/cli-jobs.bench.ts --photos 120 --reps 5
//   tsx bench/cli-jobs.bench.ts --photos 120 --reps 5 --load 1
//
// Two measures per run: the wall clock of the whole command (start-up and model loading
// included: what a user waits for) and the steady state from the modification times of the
// first and last mask written. Each rep's ratio pairs a run with the run of the other setting
// just before it, which cancels the machine's drift between reps.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticCrack } from '@crack/data';
import { writePngFile } from '@crack/data/node';
import { machine } from './machine';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '120' },
    width: { type: 'string', default: '480' },
    height: { type: 'string', default: '320' },
    reps: { type: 'string', default: '5' },
    load: { type: 'string', default: '0' },
    jobs: { type: 'string', default: String(os.availableParallelism()) },
  },
});
const photos = Number(values.photos);
const [width, height, reps, busy] = [values.width, values.height, values.reps, values.load].map(
  Number,
) as [number, number, number, number];
const cli = path.resolve(import.meta.dirname, '../bin/crack-segment.js');
const print = (line: object) => console.log(JSON.stringify(line));
const loadavg = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`crack-segment exited ${code}:\n${stderr}`)),
    );
  });
}

async function timed(input: string, out: string, extra: string[]) {
  await rm(out, { recursive: true, force: true });
  const loadBefore = loadavg();
  const start = performance.now();
  await runCli([input, '--out', out, '--quiet', ...extra]);
  const wallS = (performance.now() - start) / 1000;
  const masks = (await readdir(out)).filter((name) => name.endsWith('.mask.png'));
  if (masks.length !== photos) throw new Error(`expected ${photos} masks, got ${masks.length}`);
  const times = (
    await Promise.all(masks.map(async (m) => (await stat(path.join(out, m))).mtimeMs))
  ).sort((a, b) => a - b);
  const spanS = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  return {
    wallS: round(wallS, 2),
    msPerPhotoWall: round((wallS * 1000) / photos),
    msPerPhotoSteady: round((spanS * 1000) / (photos - 1)),
    loadBefore,
  };
}

/** `count` processes that spin on one core each until killed: the load of a busy machine. */
function spinners(count: number) {
  return Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

const settings = {
  'jobs 1': ['--jobs', '1'],
  [`jobs ${values.jobs}`]: ['--jobs', String(values.jobs)],
};
const names = Object.keys(settings);
const temp = await mkdtemp(path.join(os.tmpdir(), 'crack-segment-jobs-'));
const load = spinners(busy);
try {
  print({
    bench: 'machine',
    cpu: machine().cpu,
    cores: os.availableParallelism(),
    load: loadavg(),
    spinners: busy,
    node: process.version,
    photos,
    size: `${width}x${height}`,
    model: '@crack/models default, full mode, engine auto',
  });
  const input = path.join(temp, 'in');
  for (let i = 0; i < photos; i++)
    await writePngFile(
      path.join(input, `img-${String(i).padStart(4, '0')}.png`),
      syntheticCrack(i, { width, height }).image,
    );
  const results: Record<string, Array<Awaited<ReturnType<typeof timed>>>> = Object.fromEntries(
    names.map((name) => [name, []]),
  );
  // Order alternates between reps, so neither setting always runs second.
  for (let rep = 0; rep < reps; rep++) {
    for (const name of rep % 2 === 0 ? names : [...names].reverse()) {
      const result = await timed(input, path.join(temp, 'out'), settings[name] as string[]);
      results[name]?.push(result);
      print({ bench: 'crack-segment', setting: name, rep, spinners: busy, ...result });
    }
  }
  const [base, other] = names as [string, string];
  const baseRuns = results[base] ?? [];
  const otherRuns = results[other] ?? [];
  const speedups = (pick: (r: (typeof baseRuns)[number]) => number) =>
    baseRuns.map((run, k) => round(pick(run) / pick(otherRuns[k] as typeof run), 3));
  print({
    bench: 'summary',
    spinners: busy,
    medianMsPerPhotoWall: Object.fromEntries(
      names.map((n) => [n, median((results[n] ?? []).map((r) => r.msPerPhotoWall))]),
    ),
    medianMsPerPhotoSteady: Object.fromEntries(
      names.map((n) => [n, median((results[n] ?? []).map((r) => r.msPerPhotoSteady))]),
    ),
    // > 1: the worker threads are faster; per rep, paired with the same rep's other run.
    speedupWall: {
      median: median(speedups((r) => r.msPerPhotoWall)),
      reps: speedups((r) => r.msPerPhotoWall),
    },
    speedupSteady: {
      median: median(speedups((r) => r.msPerPhotoSteady)),
      reps: speedups((r) => r.msPerPhotoSteady),
    },
  });
} finally {
  for (const child of load) child.kill('SIGKILL');
  await rm(temp, { recursive: true, force: true });
}
