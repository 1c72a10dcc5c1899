/**
 * Issue 17, items 4 and 6, and issue 18's --probabilities: crack-segment checks what it will
 * write before any work (exit 2), never hangs on special paths such as /proc, writes the outputs
 * of a photo as a set, resumes a folder run with --skip-existing, and on SIGINT/SIGTERM writes the
 * summary of what it finished.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '@crack/data/image';
import { writePngFile } from '@crack/data/node';
import { nodeFileSystem } from '@crack/unet/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli';
import { startBothBackends } from './helpers/backends';
import { linearModel, rgbImage } from './helpers/segmenter-models';

let temp: string;
let modelDir: string;
let photos: string;
const line = rgbImage(40, 20, (x, y) =>
  y >= 8 && y < 11 && x >= 5 && x < 35 ? [255, 0, 0] : [0, 0, 0],
);

beforeAll(async () => {
  await startBothBackends();
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-segment-reliability-'));
  modelDir = path.join(temp, 'model');
  const model = linearModel({ a: 4, b: 0 });
  await model.save(nodeFileSystem(modelDir));
  model.dispose();
  photos = path.join(temp, 'photos');
  for (const name of ['a', 'b', 'c']) await writePngFile(path.join(photos, `${name}.png`), line);
});
afterAll(() => rm(temp, { recursive: true, force: true }));

async function cli(argv: string[], signal?: AbortSignal, onStderr?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
      onStderr?.(text);
    },
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}
const base = () => ['--model', modelDir, '--backend', 'cpu'];

describe('crack-segment checks its outputs before any work', () => {
  it('exits 2 at once on --out /proc/x (recursive mkdir used to spin there forever)', async () => {
    // A missing model proves nothing was loaded: the output check comes first.
    const { code, stderr } = await cli([
      '--model',
      path.join(temp, 'no-model'),
      '--out',
      '/proc/crack-segment-test',
      photos,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /crack-segment: --out \/proc\/crack-segment-test: cannot create the folder \/proc\/crack-segment-test: /,
    );
    expect(stderr).not.toMatch(/no model/);
  });

  it('exits 2 when --out is a file, or the --summary folder cannot be created, writing nothing', async () => {
    const file = path.join(temp, 'a-file');
    await writeFile(file, 'x');
    const out = await cli([...base(), '--out', file, photos]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`crack-segment: --out ${file}: ${file} is a file, not a folder\n`);
    const masks = path.join(temp, 'summary-check');
    const summary = await cli([
      ...base(),
      '--out',
      masks,
      '--summary',
      path.join(file, 'summary.json'),
      photos,
    ]);
    expect(summary.code).toBe(2);
    expect(summary.stderr).toMatch(
      new RegExp(`--summary ${path.join(file, 'summary.json')}: ${file} is a file, not a folder`),
    );
    // Checked before the work: not one mask was written.
    expect(existsSync(path.join(masks, 'a.mask.png'))).toBe(false);
  });
});

describe('crack-segment outputs', () => {
  it('writes NAME.prob.png: 8-bit probabilities whose >= 128 pixels are the mask', async () => {
    const out = path.join(temp, 'prob');
    const { code, stderr } = await cli([
      ...base(),
      '--out',
      out,
      '--probabilities',
      '--quiet',
      photos,
    ]);
    expect([code, stderr]).toEqual([0, '']);
    const prob = decodeImage(await readFile(path.join(out, 'a.prob.png')), { channels: 1 });
    const mask = decodeImage(await readFile(path.join(out, 'a.mask.png')), { channels: 1 });
    // logit = 4 * (R / 127.5 - 1): 255 * sigmoid(4) = 250.4, 255 * sigmoid(-4) = 4.6.
    expect(prob.data[9 * 40 + 20]).toBe(250);
    expect(prob.data[0]).toBe(5);
    for (let i = 0; i < mask.data.length; i++)
      expect((prob.data[i] as number) >= 128 ? 255 : 0).toBe(mask.data[i]);
  });

  it('writes all outputs of a photo or none: a blocked overlay leaves no mask either', async () => {
    const out = path.join(temp, 'set');
    await mkdir(path.join(out, 'b.overlay.png'), { recursive: true });
    const { code, stdout } = await cli([...base(), '--out', out, '--overlay', '--json', photos]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.processed).toBe(2);
    expect(summary.failures.map((f: { input: string }) => path.basename(f.input))).toEqual([
      'b.png',
    ]);
    expect(existsSync(path.join(out, 'b.mask.png'))).toBe(false);
    expect((await readdir(out)).filter((name) => name.includes('.partial'))).toEqual([]);
    expect(existsSync(path.join(out, 'a.mask.png'))).toBe(true);
    expect(existsSync(path.join(out, 'a.overlay.png'))).toBe(true);
  });

  it('--skip-existing redoes only photos whose outputs are not all there', async () => {
    const out = path.join(temp, 'resume');
    expect((await cli([...base(), '--out', out, '--overlay', photos])).code).toBe(0);
    const before = (await stat(path.join(out, 'a.mask.png'))).mtimeMs;
    await rm(path.join(out, 'c.overlay.png'));
    const again = await cli([
      ...base(),
      '--out',
      out,
      '--overlay',
      '--skip-existing',
      '--json',
      photos,
    ]);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect([summary.processed, summary.existing]).toEqual([1, 2]);
    expect(summary.images.map((i: { input: string }) => path.basename(i.input))).toEqual(['c.png']);
    expect(existsSync(path.join(out, 'c.overlay.png'))).toBe(true);
    expect((await stat(path.join(out, 'a.mask.png'))).mtimeMs).toBe(before);
    // Everything done: nothing to load, exit 0.
    const done = await cli([...base(), '--out', out, '--overlay', '--skip-existing', photos]);
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/0 processed, 0 skipped, 3 done already/);
  });

  it('on SIGINT finishes the current photo, writes the summary of what was done and exits 130', async () => {
    const out = path.join(temp, 'interrupted');
    const summaryFile = path.join(temp, 'interrupted.json');
    const stop = new AbortController();
    const { code, stderr } = await cli(
      [...base(), '--jobs', '1', '--out', out, '--summary', summaryFile, photos],
      stop.signal,
      (text) => {
        if (text.startsWith('[1/3]')) stop.abort('SIGINT');
      },
    );
    expect(code).toBe(130);
    expect(stderr).toMatch(/1 processed, 0 skipped; stopped by SIGINT, 2 not started/);
    const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
    expect(summary).toMatchObject({ processed: 1, interrupted: 'SIGINT', notStarted: 2 });
    expect(summary.images[0].outputs.mask).toBe(path.join(out, 'a.mask.png'));
    expect(existsSync(path.join(out, 'b.mask.png'))).toBe(false);
  });

  it('with --jobs 2, on SIGTERM finishes both photos in flight and starts no other', async () => {
    const out = path.join(temp, 'interrupted-jobs');
    const summaryFile = path.join(temp, 'interrupted-jobs.json');
    const stop = new AbortController();
    const { code, stderr } = await cli(
      [...base(), '--jobs', '2', '--out', out, '--summary', summaryFile, photos],
      stop.signal,
      (text) => {
        if (text.startsWith('[1/3]')) stop.abort('SIGTERM');
      },
    );
    expect(code).toBe(143);
    expect(stderr).toMatch(/2 photos at a time/);
    expect(stderr).toMatch(/2 processed, 0 skipped; stopped by SIGTERM, 1 not started/);
    const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
    expect(summary).toMatchObject({ processed: 2, interrupted: 'SIGTERM', notStarted: 1 });
    // In input order, whichever finished first; both complete, the third never begun.
    expect(summary.images.map((i: { input: string }) => path.basename(i.input))).toEqual([
      'a.png',
      'b.png',
    ]);
    for (const name of ['a', 'b']) {
      const mask = decodeImage(await readFile(path.join(out, `${name}.mask.png`)), {
        channels: 1,
      });
      expect(mask.data[9 * 40 + 20]).toBe(255);
    }
    expect(existsSync(path.join(out, 'c.mask.png'))).toBe(false);
    expect((await readdir(out)).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});
