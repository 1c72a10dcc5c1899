import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodePng } from '@crack/data/image';
import { afterAll, describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { runCli } from '../src/cli/run';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'crack-metrics-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const W = 8;
const H = 6;
/** Writes a W x H PNG whose pixel (x, y) is `value(x, y)` in every one of `channels` channels. */
function png(
  file: string,
  value: (x: number, y: number) => number | number[],
  channels: 1 | 3 = 1,
) {
  const data = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = value(x, y);
      for (let c = 0; c < channels; c++)
        data[(y * W + x) * channels + c] = Array.isArray(v) ? (v[c] ?? 0) : v;
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng({ data, width: W, height: H, channels }));
}

// a: a vertical line; the prediction is the same line, red on black (RGB).
png(path.join(work, 'gt/a.png'), (x) => (x === 2 ? 255 : 0));
png(path.join(work, 'pred/a.png'), (x) => (x === 2 ? [255, 0, 0] : [0, 0, 0]), 3);
// b: a horizontal line stored as 0/1; the prediction is 1 px lower.
png(path.join(work, 'gt/b.png'), (_, y) => (y === 3 ? 1 : 0));
png(path.join(work, 'pred/b.png'), (_, y) => (y === 4 ? 255 : 0));
// c: ground truth only; e: prediction only; d: an unreadable prediction.
png(path.join(work, 'gt/c.png'), () => 0);
png(path.join(work, 'pred/e.png'), () => 0);
png(path.join(work, 'gt/d.png'), () => 0);
writeFileSync(path.join(work, 'pred/d.png'), 'not a png');
// f: probabilities 200/255 on the crack row, 100/255 on one far pixel.
png(path.join(work, 'gt-sweep/f.png'), (_, y) => (y === 1 ? 255 : 0));
png(path.join(work, 'prob/f.png'), (x, y) => (y === 1 ? 200 : x === 7 && y === 5 ? 100 : 0));
mkdirSync(path.join(work, 'empty'));

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
const dir = (name: string) => path.join(work, name);

describe('crack-metrics', () => {
  it('evaluates matched pairs, lists skipped files on stderr and prints JSON', async () => {
    const { code, stdout, stderr } = await cli('--pred', dir('pred'), '--gt', dir('gt'), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // a: 6 of 6 exact; b: the 8 pixels are 1 px off, within the default 2 px.
    expect(report).toEqual({
      images: 2,
      tolerance: 2,
      micro: { precision: 1, recall: 1, f1: 1, tpPred: 14, pred: 14, tpGt: 14, gt: 14 },
      macro: { precision: 1, recall: 1, f1: 1 },
    });
    expect(stderr).toMatch(/c\.png: no prediction named c\.\*/);
    expect(stderr).toMatch(/e\.png: no ground truth named e\.\*/);
    expect(stderr).toMatch(/crack-metrics: d: .*; skipped/);
  });

  it('scores strictly with --tolerance 0 and lists images with --per-image', async () => {
    const { stdout } = await cli(
      '--pred',
      dir('pred'),
      '--gt',
      dir('gt'),
      '--tolerance',
      '0',
      '--json',
      '--per-image',
    );
    const report = JSON.parse(stdout);
    expect(report.micro).toEqual({
      precision: 6 / 14,
      recall: 6 / 14,
      f1: 6 / 14,
      tpPred: 6,
      pred: 14,
      tpGt: 6,
      gt: 14,
    });
    expect(report.macro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(report.perImage.map((i: { name: string; f1: number }) => [i.name, i.f1])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
  });

  it('sweeps 8-bit probability maps: ODS at 0.40, where 100/255 drops out', async () => {
    const { code, stdout } = await cli(
      '--pred',
      dir('prob'),
      '--gt',
      dir('gt-sweep'),
      '--sweep',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // Thresholds <= 0.39 also keep the far pixel (P 8/9); 0.40 ... 0.78 keep the row only.
    expect(report.ods).toEqual({ threshold: 0.4, precision: 1, recall: 1, f1: 1 });
    expect(report.ois).toBe(1);
    expect(report.ap).toBe(1);
    expect(report.threshold).toBe(0.5);
    expect(report.micro).toMatchObject({ tpPred: 8, pred: 8, tpGt: 8, gt: 8 });
    const low = JSON.parse(
      (
        await cli(
          '--pred',
          dir('prob'),
          '--gt',
          dir('gt-sweep'),
          '--sweep',
          '--threshold',
          '0.39',
          '--json',
        )
      ).stdout,
    );
    expect(low.micro).toMatchObject({ tpPred: 8, pred: 9, precision: 8 / 9 });
  });

  it('prints readable tables without --json', async () => {
    const { stdout } = await cli(
      '--pred',
      dir('prob'),
      '--gt',
      dir('gt-sweep'),
      '--sweep',
      '--per-image',
    );
    expect(stdout).toMatch(/^1 image\(s\), tolerance 2 px, probabilities >= 0.5/);
    expect(stdout).toMatch(/micro\s+1\.0000\s+1\.0000\s+1\.0000\s+8\s+8\s+8\s+8/);
    expect(stdout).toMatch(/ODS\s+0\.4\s+1\.0000/);
    expect(stdout).toMatch(/\nf\s+1\.0000/);
  });

  it('exits 1 when nothing can be evaluated, and on usage errors', async () => {
    const none = await cli('--pred', dir('empty'), '--gt', dir('gt'));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/nothing to evaluate/);
    const missing = await cli('--pred', dir('nope'), '--gt', dir('gt'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--pred .*nope: no such folder/);
    const bad = await cli('--pred', dir('pred'), '--gt', dir('gt'), '--tolerance', '-1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--tolerance.*must be a finite number >= 0, got -1/);
    const threshold = await cli(
      '--pred',
      dir('pred'),
      '--gt',
      dir('gt'),
      '--sweep',
      '--threshold',
      '0.505',
    );
    expect(threshold.code).toBe(1);
    expect((await cli('--gt', dir('gt'))).stderr).toMatch(/required option '--pred <dir>'/);
  });

  it('answers --help and --version with exit code 0', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: crack-metrics \[options\]/);
    expect(help.stdout).toMatch(/--sweep/);
    const v = await cli('--version');
    expect([v.code, v.stdout.trim()]).toEqual([0, version]);
  });

  it('runs as a process: stdout, stderr and exit code', async () => {
    const run = promisify(execFile);
    const args = [
      '--import',
      'tsx',
      'src/cli.ts',
      '--pred',
      dir('pred'),
      '--gt',
      dir('gt'),
      '--json',
    ];
    const { stdout, stderr } = await run(process.execPath, args, { cwd: packageDir });
    expect(JSON.parse(stdout).images).toBe(2);
    expect(stderr).toMatch(/skipped/);
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--pred', dir('empty'), '--gt', dir('gt')],
      {
        cwd: packageDir,
      },
    ).catch((error: { code: number }) => error);
    expect((failed as { code: number }).code).toBe(1);
  });
});
