import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '@crack/data/image';
import { writePngFile } from '@crack/data/node';
import { modelDirectory } from '@crack/models/node';
import { nodeFileSystem } from '@crack/unet/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli';
import { startBothBackends } from './helpers/backends';
import { linearModel, rgbImage } from './helpers/segmenter-models';

let temp: string;
let modelDir: string;
const line = rgbImage(80, 40, (x, y) =>
  y >= 18 && y < 21 && x >= 10 && x < 70 ? [255, 0, 0] : [0, 0, 0],
);

beforeAll(async () => {
  await startBothBackends();
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-segment-cli-'));
  modelDir = path.join(temp, 'model');
  const model = linearModel({ a: 4, b: 0 });
  await model.save(nodeFileSystem(modelDir));
  model.dispose();
  await mkdir(path.join(temp, 'photos/nested'), { recursive: true });
  await writePngFile(path.join(temp, 'photos/a.png'), line);
  await writePngFile(path.join(temp, 'photos/b.png'), line);
  await writePngFile(path.join(temp, 'photos/nested/c.png'), line);
  await writeFile(path.join(temp, 'photos/broken.jpg'), 'not a photo');
});
afterAll(() => rm(temp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe('crack-segment', () => {
  it('--help documents every option, the outputs and the exit code', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const option of [
      '--model',
      '--mode',
      '--threshold',
      '--out',
      '--overlay',
      '--measure',
      '--mm-per-pixel',
      '--min-pixels',
      '--tile-size',
      '--backend',
      '--engine-threads',
      '--threads',
      '--jobs',
      '--json',
      '--summary',
      '--probabilities',
      '--skip-existing',
      '--quiet',
      '.mask.png',
      '.prob.png',
      '.overlay.png',
      '.cracks.json',
      'Exit codes',
      'SIGINT',
    ]) {
      expect(stdout.toLowerCase()).toContain(option.toLowerCase());
    }
  });

  it('segments folders and globs, skips unreadable files, writes masks, overlays, measurements', async () => {
    const out = path.join(temp, 'out');
    const { code, stdout, stderr } = await cli(
      '--model',
      modelDir,
      '--backend',
      'cpu',
      '--engine-threads',
      '1',
      '--out',
      out,
      '--overlay',
      '--measure',
      '--mm-per-pixel',
      '0.5',
      '--json',
      '--summary',
      path.join(out, 'summary.json'),
      path.join(temp, 'photos'),
      `${temp.split(path.sep).join('/')}/photos/**/c.png`,
      path.join(temp, 'missing.png'),
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.processed).toBe(3);
    expect(summary.skipped).toBe(2);
    expect(summary.failures.map((f: { input: string }) => path.basename(f.input)).sort()).toEqual([
      'broken.jpg',
      'missing.png',
    ]);
    expect(stderr).toMatch(/skipped .*broken\.jpg: decodeImage: .*not a JPEG or PNG file/);
    expect(stderr).toMatch(/skipped .*missing\.png: no such file or folder/);
    for (const name of ['a', 'b', 'c']) {
      const mask = decodeImage(await readFile(path.join(out, `${name}.mask.png`)), { channels: 1 });
      expect([mask.width, mask.height]).toEqual([80, 40]);
      expect(mask.data[19 * 80 + 40]).toBe(255);
      expect(mask.data[5 * 80 + 5]).toBe(0);
      expect(existsSync(path.join(out, `${name}.overlay.png`))).toBe(true);
      const cracks = JSON.parse(await readFile(path.join(out, `${name}.cracks.json`), 'utf8'));
      expect(cracks.total.count).toBe(1);
      expect(cracks.cracks[0].bbox).toEqual({ x: 10, y: 18, width: 60, height: 3 });
      expect(cracks.cracks[0].maxWidthMm).toBeCloseTo(cracks.cracks[0].maxWidthPx / 2, 10);
    }
    expect(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    // A second run over the same folder never takes its own outputs as inputs.
    const again = await cli('--model', modelDir, '--backend', 'cpu', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/folder has no \.jpg or \.png files/);
  });

  it('--jobs 2 (worker threads) writes the same bytes and summary as --jobs 1', async () => {
    const run = async (jobs: string, ...more: string[]) => {
      const out = path.join(temp, `jobs-${jobs}${more.join('')}`);
      const result = await cli(
        '--model',
        modelDir,
        '--backend',
        'cpu',
        '--jobs',
        jobs,
        '--out',
        out,
        '--overlay',
        '--measure',
        '--probabilities',
        '--json',
        ...more, // after --backend cpu: the last value counts
        path.join(temp, 'photos'),
        `${temp.split(path.sep).join('/')}/photos/**/c.png`,
      );
      return { ...result, out };
    };
    const one = await run('1');
    const two = await run('2');
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.stderr).not.toMatch(/at a time/);
    expect(two.stderr).toMatch(/crack-segment: 2 photos at a time \(worker threads/);
    // Progress counts photos as they finish (3 photos and the broken one): distinct counts.
    const counts = two.stderr.match(/^\[\d\/4\]/gm) ?? [];
    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(3);
    expect(two.stderr).toMatch(/skipped .*broken\.jpg: decodeImage: .*not a JPEG or PNG file/);
    const names = (await readdir(one.out)).sort();
    expect(names).toHaveLength(12);
    expect((await readdir(two.out)).sort()).toEqual(names);
    for (const name of names)
      expect(
        (await readFile(path.join(two.out, name))).equals(await readFile(path.join(one.out, name))),
        name,
      ).toBe(true);
    const strip = (text: string, out: string) => {
      const summary = JSON.parse(text.split(out).join('OUT'));
      for (const image of summary.images) image.timings = null;
      return summary;
    };
    expect(strip(two.stdout, two.out)).toEqual(strip(one.stdout, one.out));
    expect(
      strip(two.stdout, two.out).images.map((i: { input: string }) => path.resolve(i.input)),
    ).toEqual(['a.png', 'b.png', 'nested/c.png'].map((name) => path.join(temp, 'photos', name)));
    // The tfjs engine on wasm in the worker threads (onnxruntime above, when installed).
    const wasm = await run('2', '--engine', 'tfjs', '--backend', 'wasm');
    expect(wasm.code).toBe(0);
    expect(wasm.stderr).toMatch(/backend wasm/);
    expect(wasm.stderr).toMatch(/2 photos at a time \(worker threads\)/);
    const mask = (out: string) => readFile(path.join(out, 'a.mask.png'));
    expect((await mask(wasm.out)).equals(await mask(one.out))).toBe(true);
  });

  it('writes next to the inputs by default and prints the mask paths', async () => {
    const { code, stdout, stderr } = await cli(
      '-m',
      path.join(modelDir, 'model.json'),
      '--backend',
      'cpu',
      '--mode',
      'thesis',
      path.join(temp, 'photos/a.png'),
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(path.join(temp, 'photos/a.mask.png'));
    expect(stderr).toMatch(/\[1\/1\] .*a\.png: 80x40/);
    expect(stderr).toMatch(/1 processed, 0 skipped/);
  });

  it('takes the id of a bundled model for --model: the same masks as its folder', async () => {
    const out = (name: string) => path.join(temp, name);
    const byId = await cli(
      '--model',
      'cfd-student',
      '--backend',
      'cpu',
      '-o',
      out('by-id'),
      out('photos/a.png'),
    );
    const byFolder = await cli(
      '--model',
      modelDirectory('cfd-student'),
      '--backend',
      'cpu',
      '-o',
      out('by-folder'),
      out('photos/a.png'),
    );
    expect([byId.code, byFolder.code]).toEqual([0, 0]);
    const [a, b] = await Promise.all([
      readFile(path.join(out('by-id'), 'a.mask.png')),
      readFile(path.join(out('by-folder'), 'a.mask.png')),
    ]);
    expect(a.equals(b)).toBe(true);
    const help = await cli('--help');
    expect(help.stdout + help.stderr).toMatch(/cfd-student-pruned,\s+cfd-student,\s+cfd-teacher/);
  });

  it('exits 1 when nothing was processed (bad inputs only, missing model), 2 on bad options', async () => {
    const bad = await cli('--model', modelDir, path.join(temp, 'photos/broken.jpg'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/0 processed, 1 skipped/);
    const noModel = await cli('--model', path.join(temp, 'nope'), path.join(temp, 'photos/a.png'));
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model at .*nope/);
    const threshold = await cli('--model', modelDir, '--threshold', '3', 'x.png');
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toMatch(/--threshold must be a number in \[0, 1\], got 3/);
    const threads = await cli('--model', modelDir, '--engine-threads', '0', 'x.png');
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--engine-threads must be an integer in \[1, 256\], got 0/);
    const jobs = await cli('--model', modelDir, '--jobs', 'many', 'x.png');
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toMatch(/--jobs must be auto or an integer in \[1, 256\], got many/);
    // With photos on worker threads, a model that cannot load still stops the run with exit 1.
    const poolNoModel = await cli(
      '--model',
      path.join(temp, 'nope'),
      '--jobs',
      '2',
      path.join(temp, 'photos/a.png'),
      path.join(temp, 'photos/b.png'),
    );
    expect(poolNoModel.code).toBe(1);
    expect(poolNoModel.stderr).toMatch(/2 photos at a time/);
    expect(poolNoModel.stderr).toMatch(/no model at .*nope/);
    const mode = await cli('--model', modelDir, '--mode', 'fast', 'x.png');
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/Allowed choices are full, thesis/);
  });
});
