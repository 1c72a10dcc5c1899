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
/** Writes a PNG (W x H unless `size` says otherwise) whose pixel (x, y) is `value(x, y)`. */
function png(
  file: string,
  value: (x: number, y: number) => number | number[],
  channels: 1 | 3 = 1,
  size: { width: number; height: number } = { width: W, height: H },
) {
  const { width, height } = size;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = value(x, y);
      for (let c = 0; c < channels; c++)
        data[(y * width + x) * channels + c] = Array.isArray(v) ? (v[c] ?? 0) : v;
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng({ data, width, height, channels }));
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
// Issue 17: three ground truths with a 6-px vertical crack; x predicted right, y missing, z
// predicted right but at twice the size (16x12, the line 2 px wide).
for (const name of ['x', 'y', 'z'])
  png(path.join(work, `gt3/${name}.png`), (x) => (x === 2 ? 255 : 0));
png(path.join(work, 'pred3/x.png'), (x) => (x === 2 ? 255 : 0));
png(path.join(work, 'pred3/z.png'), (x) => (x === 4 || x === 5 ? 255 : 0), 1, {
  width: 16,
  height: 12,
});
// Issue 18: crack-segment's names. p.mask.png is the mask, p.prob.png the probabilities (one
// pixel off the crack at 100/255), p.overlay.png an overlay that must not be taken for either.
png(path.join(work, 'gt-seg/p.png'), (x) => (x === 2 ? 255 : 0));
png(path.join(work, 'seg/p.mask.png'), (x) => (x === 2 ? 255 : 0));
png(path.join(work, 'seg/p.prob.png'), (x, y) => (x === 2 ? 230 : x === 7 && y === 0 ? 100 : 0));
png(path.join(work, 'seg/p.overlay.png'), () => [255, 0, 0], 3);

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
  it('scores every ground truth, lists missing and bad predictions and prints JSON', async () => {
    const { code, stdout, stderr } = await cli('--pred', dir('pred'), '--gt', dir('gt'), '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    // a: 6 of 6 exact; b: the 8 pixels are 1 px off, within the default 2 px; c (missing) and d
    // (unreadable) are scored as empty predictions of empty ground truths.
    expect(report).toEqual({
      images: 4,
      tolerance: 2,
      micro: { precision: 1, recall: 1, f1: 1, tpPred: 14, pred: 14, tpGt: 14, gt: 14 },
      macro: { precision: 1, recall: 1, f1: 1 },
      missing: ['c'],
      bad: [
        {
          name: 'd',
          file: path.join(work, 'pred/d.png'),
          reason: expect.stringMatching(/d\.png/),
          scored: true,
        },
      ],
    });
    expect(stderr).toMatch(
      /c: no prediction named c\.mask\.\*, c\.\* or c\.prob\.\* .*; scored as an empty prediction/,
    );
    expect(stderr).toMatch(/e\.png: no ground truth named e\.\* .*; ignored/);
    expect(stderr).toMatch(/crack-metrics: d: .*d\.png: .*; scored as an empty prediction/);
  });

  // Issue 17 (1): a missing or wrong-size prediction used to be dropped, which raised F1.
  it('counts a missing or wrong-size prediction as empty, lowering recall, and exits 1', async () => {
    const { code, stdout, stderr } = await cli(
      '--pred',
      dir('pred3'),
      '--gt',
      dir('gt3'),
      '--json',
    );
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.images).toBe(3);
    expect(report.micro).toEqual({
      precision: 1,
      recall: 6 / 18,
      f1: (2 * (6 / 18)) / (1 + 6 / 18),
      tpPred: 6,
      pred: 6,
      tpGt: 6,
      gt: 18,
    });
    expect(report.missing).toEqual(['y']);
    expect(report.bad).toEqual([
      {
        name: 'z',
        file: path.join(work, 'pred3/z.png'),
        reason: 'prediction is 16x12 but ground truth is 8x6 (--resize scales it)',
        scored: true,
      },
    ]);
    expect(stderr).toMatch(/y: no prediction named y\.mask\.\*/);
    expect(stderr).toMatch(/z: .*z\.png: prediction is 16x12 but ground truth is 8x6/);
    const quiet = await cli('--pred', dir('pred3'), '--gt', dir('gt3'), '--json', '--quiet');
    expect([quiet.code, quiet.stderr]).toEqual([1, '']);
    const allowed = await cli('--pred', dir('pred3'), '--gt', dir('gt3'), '--allow-missing');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/1 missing and 1 bad prediction\(s\) scored as empty/);
    expect(allowed.stdout).toMatch(/missing {2}y/);
    // --resize scales z (nearest neighbour) to 8x6: its 2-px line lands on x = 2, a perfect match.
    const resized = JSON.parse(
      (await cli('--pred', dir('pred3'), '--gt', dir('gt3'), '--json', '--resize')).stdout,
    );
    expect(resized.micro).toMatchObject({ tpPred: 12, pred: 12, tpGt: 12, gt: 18 });
    expect([resized.missing, resized.bad]).toEqual([['y'], []]);
  });

  // Issue 18: crack-segment writes NAME.mask.png and NAME.prob.png beside NAME.overlay.png.
  it("pairs crack-segment's NAME.mask.png, or NAME.prob.png with --sweep, with ground truth NAME.*", async () => {
    const masks = await cli(
      '--pred',
      dir('seg'),
      '--gt',
      dir('gt-seg'),
      '--json',
      '--tolerance',
      '0',
    );
    expect(masks.code).toBe(0);
    expect(masks.stderr).toBe('');
    expect(JSON.parse(masks.stdout).micro).toMatchObject({ tpPred: 6, pred: 6, gt: 6, f1: 1 });
    const sweep = await cli(
      '--pred',
      dir('seg'),
      '--gt',
      dir('gt-seg'),
      '--json',
      '--sweep',
      '--tolerance',
      '0',
    );
    expect(sweep.code).toBe(0);
    const report = JSON.parse(sweep.stdout);
    // The prob map, not the mask: below 100/255 (threshold <= 0.39) the far pixel counts too.
    expect(report.ods).toEqual({ threshold: 0.4, precision: 1, recall: 1, f1: 1 });
    const low = await cli(
      '--pred',
      dir('seg'),
      '--gt',
      dir('gt-seg'),
      '--json',
      '--sweep',
      '--threshold',
      '0.39',
    );
    expect(JSON.parse(low.stdout).micro).toMatchObject({ tpPred: 6, pred: 7 });
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
    // c and d: empty predictions of empty ground truths, 0/0 = 1.
    expect(report.macro).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75 });
    expect(report.perImage.map((i: { name: string; f1: number }) => [i.name, i.f1])).toEqual([
      ['a', 1],
      ['b', 0],
      ['c', 1],
      ['d', 1],
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

  it('exits 1 when nothing can be evaluated, and 2 on usage errors', async () => {
    const none = await cli('--pred', dir('pred'), '--gt', dir('empty'));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/nothing to evaluate/);
    const allMissing = await cli('--pred', dir('empty'), '--gt', dir('gt3'), '--json');
    expect(allMissing.code).toBe(1);
    expect(JSON.parse(allMissing.stdout).micro).toMatchObject({ f1: 0, recall: 0, gt: 18 });
    const missing = await cli('--pred', dir('nope'), '--gt', dir('gt'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--pred .*nope: no such folder/);
    const bad = await cli('--pred', dir('pred'), '--gt', dir('gt'), '--tolerance', '-1');
    expect(bad.code).toBe(2);
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
    expect(threshold.code).toBe(2);
    const required = await cli('--gt', dir('gt'));
    expect(required.code).toBe(2);
    expect(required.stderr).toMatch(/required option '--pred <dir>'/);
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
    const incomplete = (await run(process.execPath, args, { cwd: packageDir }).catch(
      (error) => error,
    )) as { code: number; stdout: string; stderr: string };
    expect(incomplete.code).toBe(1);
    expect(JSON.parse(incomplete.stdout).images).toBe(4);
    expect(incomplete.stderr).toMatch(/scored as an empty prediction/);
    const { stdout } = await run(process.execPath, [...args, '--allow-missing'], {
      cwd: packageDir,
    });
    expect(JSON.parse(stdout).missing).toEqual(['c']);
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--pred', dir('nope'), '--gt', dir('gt')],
      {
        cwd: packageDir,
      },
    ).catch((error: { code: number }) => error);
    expect((failed as { code: number }).code).toBe(2);
  });
});

// Multi-class maps (issue 19): 3 classes, gray values are class ids. Image m: truth row-major
// 0 0 1 1 2 2 | ... ; prediction 0 1 1 1 2 0, repeated on every row (W = 6 here, H = 2).
const classSize = { width: 6, height: 2 };
png(path.join(work, 'gt-classes/m.png'), (x) => [0, 0, 1, 1, 2, 2][x]!, 1, classSize);
png(path.join(work, 'pred-classes/m.png'), (x) => [0, 1, 1, 1, 2, 0][x]!, 1, classSize);
png(path.join(work, 'pred-classes-bad/m.png'), () => 7, 1, classSize);

describe('crack-metrics --classes', () => {
  it('prints per-class IoU and mean IoU (JSON): the hand-computed 3-class example', async () => {
    const { code, stdout } = await cli(
      '--pred',
      dir('pred-classes'),
      '--gt',
      dir('gt-classes'),
      '--classes',
      '3',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // Per row: class 0 TP 1 / union 3, class 1 TP 2 / 3, class 2 TP 1 / 2; two rows double both.
    expect(report.intersection).toEqual([2, 4, 2]);
    expect(report.union).toEqual([6, 6, 4]);
    expect(report.perClassIoU[0]).toBeCloseTo(1 / 3, 12);
    expect(report.perClassIoU[1]).toBeCloseTo(2 / 3, 12);
    expect(report.perClassIoU[2]).toBe(0.5);
    expect(report.meanIoU).toBeCloseTo(0.5, 12);
    expect(report).toMatchObject({ images: 1, classes: 3, missing: [], bad: [] });
  });

  it('prints a table, and reads crack masks as 2 classes', async () => {
    const table = await cli(
      '--pred',
      dir('pred-classes'),
      '--gt',
      dir('gt-classes'),
      '--classes',
      '3',
    );
    expect(table.stdout).toContain('1 image(s), 3 classes');
    expect(table.stdout).toMatch(/mean IoU\s+0\.5000/);
    expect(table.stdout).toMatch(/\n2\s+0\.5000\s+2\s+4/);
    const binary = await cli(
      '--pred',
      dir('pred3'),
      '--gt',
      dir('gt3'),
      '--classes',
      '2',
      '--json',
      '--quiet',
    );
    const report = JSON.parse(binary.stdout);
    expect(report.classes).toBe(2);
    expect(report.images).toBe(3);
  });

  it('refuses values that are not class ids, a bad --classes, and --sweep with it', async () => {
    const bad = await cli(
      '--pred',
      dir('pred-classes-bad'),
      '--gt',
      dir('gt-classes'),
      '--classes',
      '3',
      '--json',
      '--quiet',
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).bad[0].reason).toBe(
      'pixel 0,0 has value 7, not a class id in [0, 2]',
    );
    expect((await cli('--pred', dir('pred'), '--gt', dir('gt'), '--classes', '1')).code).toBe(2);
    const both = await cli('--pred', dir('pred'), '--gt', dir('gt'), '--classes', '3', '--sweep');
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('crack-metrics: --classes and --sweep cannot be combined\n');
  });
});
