import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { DEFAULT_MODEL_ID } from '@crack/models';
import { BACKEND_NAMES, SEGMENTER_DEFAULTS } from '@crack/runtime';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../../package.json';
import { enqueue } from '../enqueue';
import { fairEngineThreads } from '../fair-engine-threads';
import { queueStatus } from '../queue-status';
import { compactIndex } from '../results-index';
import { type BatchJobEvent, type StartWorkerOptions, startWorker } from '../start-worker';

/** Exit codes of `crack-batch`. */
export const EXIT = {
  ok: 0,
  /** Nothing could be done (no inputs, a model or Redis that cannot be used, a worker failed). */
  failed: 1,
  /** Usage error. */
  usage: 2,
  /** Stopped by SIGINT / SIGTERM after finishing (or releasing) the active job. */
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** Where the CLI writes, and how it is stopped. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborted with 'SIGINT' or 'SIGTERM' to stop `work` gracefully. */
  signal?: AbortSignal;
  /** This CLI's script, to start worker processes (`work --concurrency N`). Default argv[1]. */
  script?: string;
}

const DEFAULT_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function numberIn(name: string, min: number, max: number, integer = false) {
  return (value: string): number => {
    const parsed = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(parsed) ||
      parsed < min ||
      parsed > max ||
      (integer && !Number.isInteger(parsed))
    ) {
      throw new InvalidArgumentError(
        `${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${value}`,
      );
    }
    return parsed;
  };
}

const queueOptions = (command: Command) =>
  command
    .option('-r, --redis <url>', 'Redis URL (env REDIS_URL)', DEFAULT_REDIS)
    .option('-q, --queue <name>', 'queue name', 'crack');

interface WorkFlags {
  redis: string;
  queue: string;
  out: string;
  model?: string;
  mode: 'full' | 'thesis';
  threshold: number;
  overlay?: boolean;
  probabilities?: boolean;
  measure?: boolean;
  mmPerPixel?: number;
  minPixels: number;
  tileSize: number;
  backend: StartWorkerOptions['backend'];
  engineThreads?: number;
  readAhead: boolean;
  concurrency: number;
  maxBytes: number;
  maxMegapixels: number;
  lockDuration: number;
  stalledInterval: number;
  exitWhenEmpty?: boolean;
  index: boolean;
  name?: string;
  quiet?: boolean;
}

/**
 * Runs `crack-batch` with `argv` (without node and the script) and returns the exit code (see
 * {@link EXIT}).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let result: Promise<number> = Promise.resolve(EXIT.ok);
  const root = new Command('crack-batch')
    .description(
      'Segment cracks in millions of photos with many workers on a BullMQ job queue in Redis.',
    )
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText(
      'after',
      [
        '',
        'Local setup:',
        '  redis-server --port 6379 --save "" &',
        '  crack-batch enqueue photos/',
        '  crack-batch work --out masks --exit-when-empty',
        '',
        'Many machines: point every worker at the same Redis (--redis redis://host:6379) and the',
        'same --out on shared storage; enqueue from anywhere that sees the photos at the same paths.',
      ].join('\n'),
    );

  queueOptions(
    root
      .command('enqueue')
      .description(
        'queue photos (each once: a second enqueue of the same photos adds nothing); prints what was added',
      )
      .argument(
        '<inputs...>',
        'image files, folders, globs, http(s) URLs, or lists (.txt: a path or URL per line; .jsonl)',
      ),
  )
    .addOption(
      new Option(
        '--dedup <how>',
        "recognise queued photos by 'stat' (path+size+mtime) or 'content' (SHA-256)",
      )
        .choices(['stat', 'content'])
        .default('stat'),
    )
    .option(
      '--attempts <n>',
      'attempts per photo (transient errors)',
      numberIn('--attempts', 1, 100, true),
      3,
    )
    .option(
      '--backoff <ms>',
      'first retry delay, doubled each retry',
      numberIn('--backoff', 0, 3_600_000),
      2000,
    )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((inputs: string[], flags) => {
      result = (async () => {
        const done = await enqueue({
          redis: flags.redis,
          queue: flags.queue,
          inputs,
          dedup: flags.dedup,
          attempts: flags.attempts,
          backoffMs: flags.backoff,
        });
        if (flags.json) io.stdout(`${JSON.stringify(done, null, 2)}\n`);
        for (const { input, message } of done.problems)
          io.stderr(`crack-batch: skipped ${input}: ${message}\n`);
        if (!flags.json)
          io.stdout(
            `${done.added} added, ${done.existing} already queued, ${done.problems.length} skipped\n`,
          );
        return done.total > 0 ? EXIT.ok : EXIT.failed;
      })();
    });

  queueOptions(
    root
      .command('work')
      .description(
        "take photo jobs from the queue and segment them with @crack/runtime's Segmenter (the options of crack-segment)",
      ),
  )
    .requiredOption(
      '-o, --out <dir>',
      'output folder (shared storage when workers run on many machines)',
    )
    .option(
      '-m, --model <dir|file|url>',
      `tfjs-layers model (default: @crack/models' ${DEFAULT_MODEL_ID})`,
    )
    .addOption(
      new Option('--mode <mode>', "'full' or 'thesis'").choices(['full', 'thesis']).default('full'),
    )
    .option(
      '-t, --threshold <p>',
      'probability at or above which a pixel is crack',
      numberIn('--threshold', 0, 1),
      0.5,
    )
    .option('--overlay', 'also write <name>.overlay.png')
    .option('--probabilities', 'also write <name>.prob.png (8-bit probabilities)')
    .option(
      '--measure',
      'also measure every crack; write <name>.cracks.json and add it to the index',
    )
    .option(
      '--mm-per-pixel <mm>',
      'with --measure: pixel size in mm',
      numberIn('--mm-per-pixel', 1e-9, 1e9),
    )
    .option(
      '--min-pixels <n>',
      'with --measure: ignore smaller cracks',
      numberIn('--min-pixels', 1, Number.MAX_SAFE_INTEGER, true),
      1,
    )
    .option(
      '--tile-size <px>',
      'full mode: tile side',
      numberIn('--tile-size', 16, 8192, true),
      SEGMENTER_DEFAULTS.tileSize,
    )
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend to try first')
        .choices(['auto', ...BACKEND_NAMES])
        .default('auto'),
    )
    .option(
      '-c, --concurrency <n>',
      'worker processes on this machine (default: one per core)',
      numberIn('--concurrency', 1, 256, true),
      availableParallelism(),
    )
    .option(
      '--engine-threads <n>',
      "onnxruntime threads per worker process (default: cores / --concurrency; one process alone: onnxruntime's default, one per core)",
      numberIn('--engine-threads', 1, 256, true),
    )
    .option(
      '--no-read-ahead',
      'hold one job at a time (default: read the next photo while one is segmented)',
    )
    .option(
      '--max-bytes <n>',
      'largest photo file in bytes',
      numberIn('--max-bytes', 1, Number.MAX_SAFE_INTEGER, true),
      100_000_000,
    )
    .option(
      '--max-megapixels <n>',
      'largest photo in megapixels',
      numberIn('--max-megapixels', 0.000001, 10_000),
      100,
    )
    .option(
      '--lock-duration <ms>',
      "a dead worker's job is taken up again after about this long plus --stalled-interval",
      numberIn('--lock-duration', 1000, 3_600_000, true),
      30_000,
    )
    .option(
      '--stalled-interval <ms>',
      'how often to look for jobs of dead workers',
      numberIn('--stalled-interval', 500, 3_600_000, true),
      30_000,
    )
    .option('--exit-when-empty', 'exit once no job is waiting, delayed or active')
    .option('--no-index', 'do not compact <out>/index.jsonl on exit')
    .option('--name <name>', 'worker name shown in BullMQ (default host:pid)')
    .option('--quiet', 'no per-photo lines on stderr')
    .exitOverride()
    .action((flags: WorkFlags, command: Command) => {
      result =
        flags.concurrency > 1
          ? supervise(argv, flags, io)
          : work(flags, io).catch((error: unknown) => {
              io.stderr(`crack-batch: ${(error as Error)?.message ?? String(error)}\n`);
              return EXIT.failed;
            });
      void command;
    });

  queueOptions(root.command('status').description('counts, throughput, ETA and the failed photos'))
    .option('--json', 'print the status as JSON')
    .option(
      '--failed-limit <n>',
      'most failed photos to list',
      numberIn('--failed-limit', 0, 100_000, true),
      100,
    )
    .exitOverride()
    .action((flags) => {
      result = (async () => {
        const status = await queueStatus({
          redis: flags.redis,
          queue: flags.queue,
          failedLimit: flags.failedLimit,
        });
        if (flags.json) {
          io.stdout(`${JSON.stringify(status, null, 2)}\n`);
          return EXIT.ok;
        }
        const eta = status.etaSeconds === null ? 'unknown' : `${status.etaSeconds} s`;
        io.stdout(
          `${status.queue}: ${status.waiting} waiting, ${status.active} active, ${status.delayed} delayed (retry), ${status.done} done, ${status.failed} failed; ` +
            `${status.throughput ?? '-'} photos/s, ETA ${eta}\n`,
        );
        for (const item of status.failedItems)
          io.stdout(`failed ${item.input}: ${item.reason} (${item.attempts} attempt(s))\n`);
        return EXIT.ok;
      })();
    });

  root
    .command('index')
    .description(
      'write <out>/index.jsonl from the per-photo records (workers do it when they stop)',
    )
    .requiredOption('-o, --out <dir>', "the workers' output folder")
    .exitOverride()
    .action((flags) => {
      result = compactIndex({ out: flags.out }).then((lines) => {
        io.stdout(`${lines} photos in ${flags.out}/index.jsonl\n`);
        return EXIT.ok;
      });
    });

  try {
    await root.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  try {
    return await result;
  } catch (error) {
    io.stderr(`crack-batch: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.failed;
  }
}

/** One worker in this process, until the queue is empty (--exit-when-empty) or a signal. */
async function work(flags: WorkFlags, io: CliIo): Promise<number> {
  const say = (text: string) => {
    if (!flags.quiet) io.stderr(text);
  };
  const tag = `[${process.pid}]`;
  const engineThreads = flags.engineThreads ?? fairEngineThreads(flags.concurrency);
  const worker = await startWorker({
    redis: flags.redis,
    queue: flags.queue,
    out: flags.out,
    ...(flags.model === undefined ? {} : { model: flags.model }),
    mode: flags.mode,
    threshold: flags.threshold,
    overlay: Boolean(flags.overlay),
    probabilities: Boolean(flags.probabilities),
    measure: Boolean(flags.measure),
    ...(flags.mmPerPixel === undefined ? {} : { mmPerPixel: flags.mmPerPixel }),
    minPixels: flags.minPixels,
    tileSize: flags.tileSize,
    backend: flags.backend,
    engineThreads,
    readAhead: flags.readAhead,
    maxBytes: flags.maxBytes,
    maxMegapixels: flags.maxMegapixels,
    lockDurationMs: flags.lockDuration,
    stalledIntervalMs: flags.stalledInterval,
    compactOnClose: flags.index,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.quiet ? {} : { onJob: (event: BatchJobEvent) => say(`${tag} ${describe(event)}\n`) }),
  });
  const { engine } = worker.engine;
  const threads =
    engine !== 'onnxruntime'
      ? ''
      : engineThreads === 'auto'
        ? ' with a thread per core'
        : ` with ${engineThreads} thread${engineThreads === 1 ? '' : 's'}`;
  say(
    `${tag} crack-batch: working on queue ${flags.queue}, outputs in ${flags.out}; engine ${engine}${threads}\n`,
  );
  const stopped = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    const reason = () => (io.signal?.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    if (io.signal?.aborted) resolve(reason());
    io.signal?.addEventListener('abort', () => resolve(reason()), { once: true });
  });
  const outcome = await Promise.race([
    stopped,
    flags.exitWhenEmpty ? worker.idle().then(() => 'empty' as const) : new Promise<never>(() => {}),
  ]);
  if (outcome !== 'empty') say(`${tag} crack-batch: ${outcome}: finishing the active photo(s)\n`);
  await worker.close();
  const { processed, skipped, failed } = worker.stats();
  say(`${tag} crack-batch: ${processed} done, ${skipped} done before, ${failed} failed attempts\n`);
  return outcome === 'empty' ? EXIT.ok : EXIT[outcome];
}

function describe(event: BatchJobEvent): string {
  if (!event.ok)
    return `failed ${event.input}: ${event.error}${event.permanent ? '' : ' (will retry if attempts remain)'}`;
  const { record } = event;
  if (event.skipped) return `done before ${record.input}`;
  return `${record.input}: ${record.width}x${record.height}, ${(100 * record.crackFraction).toFixed(2)} % crack, ${Math.round(record.timings.jobMs)} ms`;
}

/**
 * `work --concurrency N`: N worker processes of this CLI (each with one model, one photo at a
 * time in it, and its share of the cores: `--engine-threads`, by default cores / N), signals
 * passed on, the index compacted once when all have stopped. A process that
 * dies is not restarted here (its job is recovered by the others); run the command under a
 * service manager to restart it.
 */
async function supervise(argv: string[], flags: WorkFlags, io: CliIo): Promise<number> {
  const script = io.script ?? process.argv[1];
  if (!script) throw new Error('crack-batch: cannot find this script to start workers');
  const childArgs = withoutConcurrency(argv);
  // The children run with --concurrency 1: their share of the cores is decided here.
  const threads = flags.engineThreads ?? fairEngineThreads(flags.concurrency);
  if (threads !== 'auto') childArgs.push('--engine-threads', String(threads));
  const children = Array.from({ length: flags.concurrency }, () =>
    spawn(process.execPath, [script, ...childArgs, '--concurrency', '1', '--no-index'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  io.stderr(
    `crack-batch: ${children.length} worker processes (${children.map((c) => c.pid).join(', ')})\n`,
  );
  let stopSignal: 'SIGINT' | 'SIGTERM' | null = null;
  io.signal?.addEventListener(
    'abort',
    () => {
      stopSignal = io.signal?.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
      for (const child of children) if (child.exitCode === null) child.kill(stopSignal);
    },
    { once: true },
  );
  const codes = await Promise.all(
    children.map(
      (child) =>
        new Promise<number>((resolve) =>
          child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
        ),
    ),
  );
  if (flags.index) await compactIndex({ out: flags.out });
  if (stopSignal) return EXIT[stopSignal];
  return codes.every((code) => code === 0) ? EXIT.ok : EXIT.failed;
}

function withoutConcurrency(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-c' || arg === '--concurrency') {
      i++;
      continue;
    }
    if (arg.startsWith('--concurrency=') || /^-c\d+$/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}
