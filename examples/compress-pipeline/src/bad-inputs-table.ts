/**
 * The bad-input table of docs/bad-inputs.md, produced by running every bad input of issue 17
 * through the real CLIs (the built bins, as a user runs them) and APIs, and recording what each
 * one says and returns. `tsx src/bad-inputs-table.ts` rewrites the document;
 * `tsx src/bad-inputs-table.ts --check` exits 1 when the document no longer matches the behaviour
 * (test/bad-inputs-table.test.ts runs the check).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticCracks } from '@crack/data';
import { decodeImage, encodePng } from '@crack/data/image';
import { aggregateScores } from '@crack/metrics';
import { pruneModel } from '@crack/prune';
import { initBackend, loadSegmenter } from '@crack/runtime/node';
import { createUnet } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SEGMENT = path.join(REPO, 'packages/runtime/bin/crack-segment.js');
const METRICS = path.join(REPO, 'packages/metrics/bin/crack-metrics.js');
/** Where the table lives. */
export const TABLE_FILE = path.join(REPO, 'docs/bad-inputs.md');

/** One bad input and what the project does with it. */
export interface BadInputRow {
  /** The CLI or function. */
  surface: string;
  /** The input, in words. */
  input: string;
  /** The message the user sees (stderr line or error message), temporary paths as <tmp>. */
  message: string;
  /** The exit code, or what the function does ("throws", "warns", "returns"). */
  outcome: string;
}

/** A hang bound, not a speed budget: each of these runs takes about a second. */
const HANG_BOUND_MS = 120_000;

function writePng(file: string, width: number, height: number, value: (x: number) => number) {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = value(i % width);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng({ data, width, height, channels: 1 }));
}

/** The first line of `text` that comes from the CLI itself (not backend notices), else the first. */
function messageLine(text: string, cli: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.find((line) => line.startsWith(`${cli}: `)) ?? lines[0] ?? '';
}

async function caught(run: () => unknown | Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return '(no error)';
}

/** Runs every bad input and returns the rows, in the order of issue 17. */
export async function badInputRows(): Promise<BadInputRow[]> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
  const clean = (text: string) => text.split(temp).join('<tmp>');
  const rows: BadInputRow[] = [];
  const cli = (surface: string, input: string, bin: string, args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      timeout: HANG_BOUND_MS,
      env: { ...process.env, CRACK_BACKEND: 'cpu' },
    });
    const name = path.basename(bin, '.js');
    rows.push({
      surface,
      input,
      message: clean(messageLine(result.stderr, name)),
      outcome: result.signal ? `killed (${result.signal})` : `exit ${result.status}`,
    });
  };
  try {
    await initBackend({ prefer: 'cpu', logger: null });
    // crack-metrics: one folder pair per defect; x is always predicted right.
    const metricsCase = (name: string, pred: (dir: string) => void) => {
      const dir = path.join(temp, `metrics-${name}`);
      for (const id of ['x', 'y'])
        writePng(path.join(dir, 'gt', `${id}.png`), 8, 6, (x) => (x === 2 ? 255 : 0));
      writePng(path.join(dir, 'pred', 'x.png'), 8, 6, (x) => (x === 2 ? 255 : 0));
      pred(path.join(dir, 'pred'));
      return ['--pred', path.join(dir, 'pred'), '--gt', path.join(dir, 'gt')];
    };
    const missing = metricsCase('missing', () => {});
    cli('crack-metrics', 'a missing prediction', METRICS, missing);
    cli(
      'crack-metrics',
      'a wrong-size prediction',
      METRICS,
      metricsCase('size', (dir) =>
        writePng(path.join(dir, 'y.png'), 16, 12, (x) => (x === 4 ? 255 : 0)),
      ),
    );
    cli(
      'crack-metrics',
      'an unreadable prediction',
      METRICS,
      metricsCase('unreadable', (dir) => writeFileSync(path.join(dir, 'y.png'), 'not a png')),
    );
    cli('crack-metrics', 'a missing prediction, --allow-missing', METRICS, [
      ...missing,
      '--allow-missing',
    ]);
    cli('crack-metrics', '--tolerance -1', METRICS, [...missing, '--tolerance', '-1']);

    // crack-segment: a model, photos, and damaged copies of the model.
    const model = createUnet({ depth: 1, baseFilters: 2, seed: 1 });
    const modelDir = path.join(temp, 'model');
    await model.save(nodeFileSystem(modelDir));
    const weights = readFileSync(path.join(modelDir, 'weights.bin'));
    const cutDir = path.join(temp, 'model-cut');
    await model.save(nodeFileSystem(cutDir));
    writeFileSync(path.join(cutDir, 'weights.bin'), weights.subarray(0, 40));
    model.dispose();
    const input = tfl.input({ shape: [null, null, 3] });
    const threeChannels = tfl.model({
      inputs: input,
      outputs: tfl.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(input) as tfl.SymbolicTensor,
    });
    await threeChannels.save(nodeFileSystem(path.join(temp, 'model-3ch')));
    const photos = path.join(temp, 'photos');
    mkdirSync(photos);
    for (const sample of syntheticCracks({ count: 24, width: 256, height: 256, seed: 2 }))
      writeFileSync(path.join(photos, `${sample.id}.png`), encodePng(sample.image), {
        flag: 'w',
      });
    writeFileSync(path.join(temp, 'a-file'), 'x');
    const segment = (input: string, args: string[]) =>
      cli('crack-segment', input, SEGMENT, ['-m', modelDir, ...args, photos]);
    segment('--out /proc/x', ['--out', '/proc/x']);
    segment('--out is a file', ['--out', path.join(temp, 'a-file')]);
    segment('--summary under a file', [
      '--out',
      path.join(temp, 'out'),
      '--summary',
      path.join(temp, 'a-file', 'summary.json'),
    ]);
    cli('crack-segment', 'weights.bin truncated to 40 bytes', SEGMENT, ['-m', cutDir, photos]);
    cli('crack-segment', 'a model with 3 output channels', SEGMENT, [
      '-m',
      path.join(temp, 'model-3ch'),
      photos,
    ]);
    rows.push(await interrupted(photos, modelDir, path.join(temp, 'sigint'), clean));

    // The APIs.
    const full = encodePng({
      data: new Uint8Array(64 * 48 * 3),
      width: 64,
      height: 48,
      channels: 3,
    });
    rows.push({
      surface: 'decodeImage',
      input: 'PNG cut after 60 bytes',
      message: await caught(() => decodeImage(full.subarray(0, 60), { name: 'cut.png' })),
      outcome: 'throws',
    });
    rows.push({
      surface: 'decodeImage',
      input: 'image above maxMegapixels',
      message: await caught(() => decodeImage(full, { name: 'big.png', maxMegapixels: 0.001 })),
      outcome: 'throws',
    });
    const segmenter = await loadSegmenter(modelDir, { warmup: false });
    const nan = new Float32Array(8 * 8 * 3);
    nan[5] = Number.NaN;
    rows.push({
      surface: 'segment()',
      input: 'a NaN pixel',
      message: await caught(() =>
        segmenter.segment({ data: nan, width: 8, height: 8, channels: 3 }),
      ),
      outcome: 'throws',
    });
    segmenter.dispose();
    const student = createUnet({ depth: 2, baseFilters: 4, seed: 1 });
    const prune = async (input: string, images: tf.Tensor4D) => {
      try {
        const { model: pruned, report } = await pruneModel(student, { images, ratio: 0 });
        pruned.dispose();
        const [warning] = report.warnings;
        rows.push({
          surface: 'pruneModel',
          input,
          message: warning ?? '',
          outcome: warning ? 'warns (report.warnings)' : 'returns',
        });
      } catch (error) {
        rows.push({
          surface: 'pruneModel',
          input,
          message: clean((error as Error).message),
          outcome: 'throws',
        });
      }
      images.dispose();
    };
    await prune('NaN images', tf.fill([1, 8, 8, 3], Number.NaN) as tf.Tensor4D);
    await prune('10x12 images, model downsamples by 4', tf.zeros([1, 10, 12, 3]) as tf.Tensor4D);
    await prune('0-255 images', tf.fill([1, 8, 8, 3], 200) as tf.Tensor4D);
    student.dispose();
    threeChannels.dispose();
    rows.push({
      surface: 'aggregateScores',
      input: 'zero images',
      message: await caught(() => aggregateScores([])),
      outcome: 'throws',
    });
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return rows;
}

/** crack-segment on 24 photos, SIGINT as soon as the first photo is reported. */
function interrupted(
  photos: string,
  modelDir: string,
  out: string,
  clean: (text: string) => string,
): Promise<BadInputRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [SEGMENT, '-m', modelDir, '--out', out, '--summary', `${out}.json`, photos],
      { env: { ...process.env, CRACK_BACKEND: 'cpu' } },
    );
    let stderr = '';
    let sent = false;
    const bound = setTimeout(() => child.kill('SIGKILL'), HANG_BOUND_MS);
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
      if (!sent && /\[1\/24\]/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(bound);
      const summary = stderr.split('\n').find((line) => / processed, /.test(line)) ?? '';
      resolve({
        surface: 'crack-segment',
        input: 'SIGINT during a folder run',
        message: clean(
          summary
            .replace(/\d+ processed/, 'N processed')
            .replace(/\d+ not started/, 'M not started'),
        ),
        outcome: signal ? `killed (${signal})` : `exit ${code} (summary written)`,
      });
    });
  });
}

/** The Markdown document. */
export function renderTable(rows: readonly BadInputRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    '# Bad inputs: what each surface says',
    '',
    'Generated by `examples/compress-pipeline/src/bad-inputs-table.ts` from real runs of the built',
    'CLIs and the APIs (issue 17); `test/bad-inputs-table.test.ts` fails when this table no longer',
    'matches the behaviour. Regenerate with',
    '`pnpm --filter compress-pipeline exec tsx src/bad-inputs-table.ts` after `pnpm build`.',
    'Temporary paths are shown as `<tmp>`.',
    '',
    '| surface | input | message | exit code / outcome |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${cell(row.surface)} | ${cell(row.input)} | ${row.message ? `\`${cell(row.message)}\`` : ''} | ${cell(row.outcome)} |`,
    ),
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderTable(await badInputRows());
  if (process.argv.includes('--check')) {
    const current = readFileSync(TABLE_FILE, 'utf8');
    if (current !== text) {
      console.error(
        `${TABLE_FILE} does not match the behaviour; regenerate it. Expected:\n${text}`,
      );
      process.exit(1);
    }
    console.log(`${TABLE_FILE} matches the behaviour`);
  } else {
    writeFileSync(TABLE_FILE, text);
    console.log(`wrote ${TABLE_FILE}`);
  }
  process.exit(0);
}
