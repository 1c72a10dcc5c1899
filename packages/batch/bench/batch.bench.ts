// crack-batch benchmark: photos/s with 1 and 2 worker processes, the queue's per-photo overhead
// against plain crack-segment on the same photos in the same run, and a worker's memory (RSS,
// tensor count) sampled over many photos. Prints JSON lines; starts its own redis-server.
//
//   pnpm --filter @crack/batch bench
//   tsx bench/batch.bench.ts --photos 100 --width 480 --height 320 --reps 2 --memory-photos 2000
//   tsx bench/batch.bench.ts --engine-threads 1 --memory-photos 0   # the queue's own cost
//
// Three tools alternately, reps times each, on the same photos with the same engine and threads
// (onnxruntime's default: one per physical core): crack-segment --jobs 1, `crack-batch work -c 1`
// (the next photo read while one is segmented) and `crack-batch work -c 1 --no-read-ahead`; with
// `--workers W`, crack-segment --jobs W against crack-batch work -c W (cores / W engine threads
// each: the tools' defaults with W = the cores). Two measures:
// - wall clock in the steady state, from the modification times of the first and the last mask
//   written (so process start-up and model loading, paid once per worker, do not count). On a
//   busy machine this moves with the load of the other processes, so the load is printed along.
// - CPU time (user + system, from bash's `times`, including child processes) per photo:
//   (CPU of N photos - CPU of 1 photo) / (N - 1), which removes start-up and model loading.
//   With more than one engine thread, onnxruntime's pool threads spin-wait for work, so this
//   is about twice the wall clock on an idle 2-core machine and moves with the load too.
// The overhead of the queue is compared on both. Then `crack-batch work -c 2` (each process
// with --engine-threads cores / 2) against one worker, and a worker's memory.
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enqueue, fairEngineThreads, startWorker } from '../src/index';
import { writePhotos } from '../test/helpers/fixtures';
import { startRedis } from '../test/helpers/redis-server';

const { values } = parseArgs({
  options: {
    photos: { type: 'string', default: '100' },
    width: { type: 'string', default: '480' },
    height: { type: 'string', default: '320' },
    reps: { type: 'string', default: '2' },
    'memory-photos': { type: 'string', default: '2000' },
    'memory-size': { type: 'string', default: '96' },
    'sample-every': { type: 'string', default: '100' },
    // Engine threads of crack-segment and the one-process crack-batch runs (default: onnxruntime's
    // own, one per physical core). 1 leaves onnxruntime no pool threads to spin, so the CPU time
    // compares the work done alone.
    'engine-threads': { type: 'string' },
    // Photos at once in both tools: crack-segment --jobs W against crack-batch work -c W (each
    // with cores / W engine threads unless --engine-threads). 1 (default): one model each.
    workers: { type: 'string', default: '1' },
  },
});
const photos = Number(values.photos);
const width = Number(values.width);
const height = Number(values.height);
const reps = Number(values.reps);
const memoryPhotos = Number(values['memory-photos']);
const memorySize = Number(values['memory-size']);
const sampleEvery = Number(values['sample-every']);
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1)
  throw new Error(`--workers must be an integer >= 1, got ${values.workers}`);
const engineThreads =
  values['engine-threads'] === undefined ? [] : ['--engine-threads', values['engine-threads']];

const require = createRequire(import.meta.url);
const segmentCli = path.join(
  path.dirname(require.resolve('@crack/runtime/package.json')),
  'bin/crack-segment.js',
);
const batchCli = path.resolve(import.meta.dirname, '../bin/crack-batch.js');
const print = (line: object) => console.log(JSON.stringify(line));
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function cpuModel(): string {
  try {
    const text = execFileSync('lscpu', { encoding: 'utf8' });
    return /^Model name:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** Runs `node ...args` under bash and returns the CPU seconds (user + system) it used. */
function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const quoted = [process.execPath, ...args]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    // `times` prints the shell's and then its children's user and system time.
    const child = spawn('bash', ['-c', `${quoted} >/dev/null && times >&3`], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let times = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdio[3]?.on('data', (chunk) => {
      times += chunk;
    });
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${args[0]} exited ${code}:\n${stderr}`));
      const line = times.trim().split('\n')[1] ?? '';
      const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map(
        (m) => 60 * Number(m[1]) + Number(m[2]),
      );
      resolve(seconds.reduce((a, b) => a + b, 0));
    });
  });
}

/** Steady-state photos/s from the masks' modification times, and the wall time. */
async function timed(out: string, runIt: () => Promise<number>) {
  const loadBefore = load();
  const start = performance.now();
  const cpuS = await runIt();
  const wallS = (performance.now() - start) / 1000;
  const masks = (await readdir(out)).filter((name) => name.endsWith('.mask.png'));
  const times = (
    await Promise.all(masks.map(async (m) => (await stat(path.join(out, m))).mtimeMs))
  ).sort((a, b) => a - b);
  const spanS = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  return {
    photos: masks.length,
    photosPerS: Math.round(((masks.length - 1) / spanS) * 1000) / 1000,
    msPerPhoto: Math.round((spanS / (masks.length - 1)) * 1000 * 10) / 10,
    wallS: Math.round(wallS * 10) / 10,
    cpuS: Math.round(cpuS * 100) / 100,
    loadBefore,
    loadAfter: load(),
  };
}

const temp = await mkdtemp(path.join(os.tmpdir(), 'crack-batch-bench-'));
const redis = await startRedis();
try {
  print({
    bench: 'machine',
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    load: load(),
    node: process.version,
    model: '@crack/models default',
    // crack-segment and one worker: --engine-threads, else onnxruntime's default (one thread per
    // physical core); two workers: cores / 2 each.
    workers,
    engineThreads: {
      [`crack-segment --jobs ${workers}`]: values['engine-threads'] ?? fairEngineThreads(workers),
      [`crack-batch -c ${workers}`]: values['engine-threads'] ?? fairEngineThreads(workers),
      'crack-batch -c 2': fairEngineThreads(2),
    },
  });
  const input = path.join(temp, 'in');
  await writePhotos(input, photos, width);
  if (width !== height) {
    // writePhotos makes squares; regenerate at width x height.
    await rm(input, { recursive: true });
    const { syntheticCrack } = await import('@crack/data');
    const { writePngFile } = await import('@crack/data/node');
    for (let i = 0; i < photos; i++)
      await writePngFile(
        path.join(input, `img-${String(i).padStart(4, '0')}.png`),
        syntheticCrack(i, { width, height }).image,
      );
  }

  // One photo, for the CPU cost of starting a process and loading the model.
  const single = path.join(temp, 'in-1');
  await mkdir(single);
  await copyFile(path.join(input, 'img-0000.png'), path.join(single, 'img-0000.png'));

  let queues = 0;
  const segment = (folder: string, out: string) => () =>
    run([segmentCli, folder, '--out', out, '--quiet', '--jobs', String(workers), ...engineThreads]);
  const batch =
    (folder: string, out: string, workers: number, extra: string[] = []) =>
    async () => {
      const queue = `bench-${queues++}`;
      await enqueue({ redis: redis.url, queue, inputs: [folder] });
      return run([
        batchCli,
        'work',
        '--redis',
        redis.url,
        '--queue',
        queue,
        '--out',
        out,
        '-c',
        String(workers),
        '--exit-when-empty',
        '--quiet',
        ...extra,
      ]);
    };
  // The queue with its defaults (the next photo read while one is segmented) and with one job
  // at a time, against plain crack-segment; all three with the same engine and threads.
  const tools = {
    'crack-segment': segment,
    'crack-batch': (folder: string, out: string) => batch(folder, out, workers, engineThreads),
    'crack-batch --no-read-ahead': (folder: string, out: string) =>
      batch(folder, out, workers, ['--no-read-ahead', ...engineThreads]),
  };
  type Tool = keyof typeof tools;
  const names = Object.keys(tools) as Tool[];
  const perPhoto = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<
    Tool,
    number[]
  >;
  const cpuPerPhoto = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<
    Tool,
    number[]
  >;
  /** CPU ms per photo: (CPU of all photos - CPU of one photo) / (photos - 1). */
  const cpuPerPhotoOf = (cpuS: number, startupS: number) =>
    Math.round(((cpuS - startupS) / (photos - 1)) * 1000 * 10) / 10;
  for (let rep = 0; rep < reps; rep++) {
    for (const [index, tool] of names.entries()) {
      const out = path.join(temp, `tool-${index}-${rep}`);
      const full = await timed(out, tools[tool](input, out));
      const startup = await tools[tool](single, `${out}-single`)();
      const cpuMsPerPhoto = cpuPerPhotoOf(full.cpuS, startup);
      perPhoto[tool].push(full.msPerPhoto);
      cpuPerPhoto[tool].push(cpuMsPerPhoto);
      print({
        bench: 'throughput',
        tool,
        workers,
        rep,
        width,
        height,
        ...full,
        cpuStartupS: Math.round(startup * 100) / 100,
        cpuMsPerPhoto,
      });
    }
  }
  const overhead = (values: Record<Tool, number[]>, tool: Tool) => {
    const plain = median(values['crack-segment']);
    const queued = median(values[tool]);
    // Paired by rep (the tools run one after the other in each rep): the machine's drift between
    // reps, often larger than the overhead itself, cancels in each rep's ratio.
    const paired = values[tool]
      .map((ms, rep) => ms / (values['crack-segment'][rep] as number) - 1)
      .sort((a, b) => a - b);
    const percent = (x: number) => Math.round(x * 1000) / 10;
    return {
      tool,
      crackSegmentMsPerPhoto: plain,
      crackBatchMsPerPhoto: queued,
      overheadMsPerPhoto: Math.round((queued - plain) * 10) / 10,
      overheadPercent: percent((queued - plain) / plain),
      pairedOverheadPercent: {
        median: percent(median(paired)),
        min: percent(paired[0] as number),
        max: percent(paired.at(-1) as number),
      },
    };
  };
  for (const tool of names.slice(1)) {
    print({
      bench: 'overhead',
      measure: 'wall clock, steady state',
      ...overhead(perPhoto, tool),
      target: '< 5 %',
      reps,
      load: load(),
    });
    print({
      bench: 'overhead',
      measure: 'CPU time',
      ...overhead(cpuPerPhoto, tool),
      target: '< 5 %',
      reps,
      load: load(),
    });
  }
  // Two worker processes against one (each with its share of the cores: --engine-threads cores / 2).
  if (workers === 1) {
    const oneMs = median(perPhoto['crack-batch']);
    const out2 = path.join(temp, 'batch2');
    const two = await timed(out2, batch(input, out2, 2));
    const twoStartup = await batch(single, `${out2}-single`, 2)();
    print({
      bench: 'throughput',
      tool: 'crack-batch',
      workers: 2,
      engineThreadsEach: fairEngineThreads(2),
      width,
      height,
      ...two,
      cpuStartupS: Math.round(twoStartup * 100) / 100,
      cpuMsPerPhoto: cpuPerPhotoOf(two.cpuS, twoStartup),
      speedupVs1: Math.round((two.photosPerS / (1000 / oneMs)) * 100) / 100,
    });
  }

  // Memory: one worker in this process over many photos.
  if (memoryPhotos > 0) {
    const memoryInput = path.join(temp, 'memory-in');
    await writePhotos(memoryInput, memoryPhotos, memorySize);
    await enqueue({ redis: redis.url, queue: 'bench-memory', inputs: [memoryInput] });
    const samples: Array<{ photos: number; rssMB: number; heapMB: number; tensors: number }> = [];
    const worker = await startWorker({
      redis: redis.url,
      queue: 'bench-memory',
      out: path.join(temp, 'memory-out'),
      compactOnClose: false,
      onJob: () => {
        const stats = worker.stats();
        const done = stats.processed + stats.failed;
        if (done % sampleEvery !== 0 && done !== 1) return;
        const sample = {
          photos: done,
          rssMB: Math.round((stats.rss / 2 ** 20) * 10) / 10,
          heapMB: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
          tensors: stats.tensors,
        };
        samples.push(sample);
        print({ bench: 'memory-sample', size: memorySize, ...sample });
      },
    });
    await worker.idle();
    await worker.close();
    const afterWarmup = samples.filter((s) => s.photos >= sampleEvery);
    const rss = afterWarmup.map((s) => s.rssMB);
    print({
      bench: 'memory',
      photos: memoryPhotos,
      size: `${memorySize}x${memorySize}`,
      tensorsMin: Math.min(...samples.map((s) => s.tensors)),
      tensorsMax: Math.max(...samples.map((s) => s.tensors)),
      rssFirstMB: rss[0],
      rssLastMB: rss.at(-1),
      rssMaxMB: Math.max(...rss),
      rssGrowthMB: Math.round(((rss.at(-1) as number) - (rss[0] as number)) * 10) / 10,
      load: load(),
    });
  }
} finally {
  await redis.stop();
  await rm(temp, { recursive: true, force: true });
}
