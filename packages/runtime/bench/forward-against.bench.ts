// The pure-wasm forward pass of this checkout against another one (issue 15's "at least 2.5x
// faster than at filing": the other checkout is the commit the issue was filed on, 32856c9, built
// beside this one), for the thesis student and the depth-4, 16-channel U-Net at 1x320x480x3, on
// 1 and 2 threads. Each tree is used as a user would: its built @crack/runtime's initBackend
// (prefer wasm, no other engine) and its @crack/unet's createUnet, so the comparison includes
// whatever each tree's kernels and thread pool do by default.
//
//   git worktree add /tmp/filing 32856c9 && (cd /tmp/filing && pnpm install && pnpm -r build)
//   tsx bench/forward-against.bench.ts --against /tmp/filing [--rounds 3 --reps 5]
//
// Both trees must be built (dist/). Each (tree, model, threads) runs in its own process and the
// configurations alternate round by round, so both trees see the same load; compare only within
// one run. JSON lines on stdout: one per child, then a summary per model and thread count with
// the median wall and CPU time per forward of each tree and their ratios.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './machine';
import { median, time } from './timing';

const models = {
  student: { depth: 2, baseFilters: 8, headKernel: 3 },
  'depth4-base16': { depth: 4, baseFilters: 16, headKernel: 3 },
} as const;
type ModelName = keyof typeof models;
const [height, width] = [320, 480];

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    models: { type: 'string', default: Object.keys(models).join(',') },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '5' },
    child: { type: 'string' },
  },
});

const THIS_TREE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built packages of the checkout at `root`, loaded from its own node_modules. */
function treeModules(root: string) {
  const runtimeDir = path.join(root, 'packages', 'runtime');
  const entry = path.join(runtimeDir, 'dist', 'index.cjs');
  if (!existsSync(entry))
    throw new Error(`${root}: ${entry} is missing; build that checkout first (pnpm -r build)`);
  // CommonJS on purpose: the runtime's dist, @crack/unet and tfjs-core then resolve to one module
  // instance each (pnpm links every package's tfjs-core to the same store folder).
  const require = createRequire(path.join(runtimeDir, 'package.json'));
  return {
    runtime: require(entry) as {
      initBackend(options: object): Promise<{ backend: string; threads: number }>;
    },
    unet: require('@crack/unet') as {
      createUnet(config: object): {
        predict(x: unknown): { dataSync(): unknown; dispose(): void };
        countParams(): number;
      };
    },
    tf: require('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core'),
  };
}

/** Child: `reps` timed forwards (after two warm-ups) of `model` on `threads` in tree `root`. */
async function child(root: string, model: ModelName, threads: number, reps: number) {
  const { runtime, unet, tf } = treeModules(root);
  const choice = await runtime.initBackend({ prefer: 'wasm', threads, logger: null });
  if (choice.backend !== 'wasm') throw new Error(`${root}: got ${choice.backend}, not wasm`);
  const net = unet.createUnet({ ...models[model], inputSize: [height, width], seed: 1 });
  const image = tf.randomUniform([1, height, width, 3], -1, 1, 'float32', 7);
  const forward = () => {
    const out = net.predict(image);
    out.dataSync();
    out.dispose();
  };
  forward();
  const { wallMs, cpuMs } = await time(forward, reps);
  return { tree: root, model, threads: choice.threads, params: net.countParams(), wallMs, cpuMs };
}

if (values.child) {
  const [root, model, threads, reps] = JSON.parse(values.child) as [
    string,
    ModelName,
    number,
    number,
  ];
  console.log(JSON.stringify(await child(root, model, threads, reps)));
  process.exit(0);
}

if (!values.against) throw new Error('--against DIR is required: the other checkout, built');
const against = path.resolve(values.against);
treeModules(against);
treeModules(THIS_TREE);
const names = values.models.split(',') as ModelName[];
for (const name of names) if (!(name in models)) throw new Error(`--models: unknown model ${name}`);
const threadCounts = values.threads.split(',').map(Number);
const rounds = Number(values.rounds);
const reps = Number(values.reps);
console.log(JSON.stringify({ machine: machine(), this: THIS_TREE, against, rounds, reps }));
type Result = Awaited<ReturnType<typeof child>>;
const results: Result[] = [];
for (let round = 0; round < rounds; round += 1)
  // Alternate which tree goes first, so neither always runs right after the other.
  for (const model of names)
    for (const threads of threadCounts)
      for (const root of round % 2 === 0 ? [THIS_TREE, against] : [against, THIS_TREE]) {
        const load1 = os.loadavg()[0] ?? 0;
        const line = execFileSync(
          process.execPath,
          [
            ...process.execArgv,
            fileURLToPath(import.meta.url),
            '--child',
            JSON.stringify([root, model, threads, reps]),
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        )
          .trim()
          .split('\n')
          .at(-1) as string;
        const result = JSON.parse(line) as Result;
        results.push(result);
        console.log(JSON.stringify({ round, ...result, load1: Number(load1.toFixed(2)) }));
      }
for (const model of names)
  for (const threads of threadCounts) {
    const pick = (root: string, key: 'wallMs' | 'cpuMs') =>
      median(
        results
          .filter((r) => r.tree === root && r.model === model && r.threads === threads)
          .flatMap((r) => r[key]),
      );
    const [thisWall, againstWall] = [pick(THIS_TREE, 'wallMs'), pick(against, 'wallMs')];
    const [thisCpu, againstCpu] = [pick(THIS_TREE, 'cpuMs'), pick(against, 'cpuMs')];
    console.log(
      JSON.stringify({
        summary: true,
        model,
        threads,
        thisWallMs: thisWall,
        againstWallMs: againstWall,
        speedupWall: Number((againstWall / thisWall).toFixed(2)),
        thisCpuMs: thisCpu,
        againstCpuMs: againstCpu,
        speedupCpu: Number((againstCpu / thisCpu).toFixed(2)),
        load1: Number((os.loadavg()[0] ?? 0).toFixed(2)),
      }),
    );
  }
