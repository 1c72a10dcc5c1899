import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createUnet } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { EXIT, runCli } from '../src/cli/run';
import {
  maxAbsDiff,
  onnxOutput,
  randomImages,
  randomizeBatchNorms,
  tfjsOutput,
  useCpu,
} from './helpers';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'crack-export-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const at = (...parts: string[]) => path.join(work, ...parts);

let student: tfl.LayersModel;
beforeAll(async () => {
  await useCpu();
  student = createUnet({ depth: 2, baseFilters: 4, batchNorm: true, dropout: 0.1, seed: 8 });
  randomizeBatchNorms(student, 3);
  await student.save(nodeFileSystem(at('student')));
  const input = tfl.input({ shape: [4, 4, 1] });
  const dense = tfl.layers
    .dense({ units: 1, name: 'classifier' })
    .apply(tfl.layers.flatten({ name: 'flatten' }).apply(input)) as tfl.SymbolicTensor;
  await tfl.model({ inputs: input, outputs: dense }).save(nodeFileSystem(at('dense')));
});

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

describe('crack-export', () => {
  it('writes an ONNX file equal to the tfjs model and a uint8 copy, and says so in JSON', async () => {
    const result = await cli(
      at('student'),
      '--onnx',
      at('out/student.onnx'),
      '--layout',
      'nhwc',
      '--quantize',
      'uint8',
      '--out',
      at('out/uint8'),
      '--json',
    );
    expect(result.stderr).toMatch(/crack-export: loading .*model\.json/);
    expect(result.code).toBe(EXIT.ok);
    const summary = JSON.parse(result.stdout);
    expect(summary.onnx.layout).toBe('NHWC');
    expect(summary.onnx.foldedBatchNorms).toHaveLength(10);
    expect(summary.onnx.droppedLayers).toEqual(['bottleneck_dropout']);
    expect(summary.onnx.inputs).toEqual([{ name: 'input', shape: [null, null, null, 3] }]);
    expect(summary.quantized.weightBytes * 4).toBe(summary.quantized.float32WeightBytes);

    const images = randomImages(4, [1, 8, 12, 3]);
    const expected = tfjsOutput(student, images, [1, 8, 12, 3]).values;
    const bytes = new Uint8Array(readFileSync(at('out/student.onnx')));
    const actual = await onnxOutput(bytes, images, [1, 8, 12, 3]);
    expect(maxAbsDiff(expected, actual.values)).toBeLessThanOrEqual(1e-4);

    const reloaded = await tfl.loadLayersModel(nodeFileSystem(at('out/uint8')));
    expect(reloaded.countParams()).toBe(student.countParams());
    reloaded.dispose();
  });

  it('accepts the path of model.json and prints a readable summary', async () => {
    const result = await cli(
      at('student/model.json'),
      '--quantize',
      'float16',
      '--out',
      at('f16'),
      '--quiet',
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/f16: tfjs model, float16 weights, \d+ bytes \(float32: \d+\)/);
  });

  it('exit code 1 with the layer named when the model cannot be exported, and nothing written', async () => {
    const result = await cli(at('dense'), '--onnx', at('dense.onnx'));
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toMatch(
      /crack-export: exportOnnx: layer 'flatten' \(Flatten\) is not supported/,
    );
    expect(existsSync(at('dense.onnx'))).toBe(false);
    const missing = await cli(at('nowhere'), '--onnx', at('x.onnx'));
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toMatch(/nowhere: no such file or folder/);
  });

  it('exit code 2 for usage errors, each named', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[at('student')], /nothing to do: give --onnx <file> and\/or --quantize/],
      [[at('student'), '--quantize', 'uint8'], /--quantize needs --out <dir>/],
      [
        [at('student'), '--quantize', 'int4', '--out', at('x')],
        /--quantize <dtype>' argument 'int4' is invalid\. must be one of float16, uint8/,
      ],
      [
        [at('student'), '--onnx', at('x.onnx'), '--layout', 'HWC'],
        /must be one of NCHW, NHWC, got HWC/,
      ],
      [[at('student'), '--onnx', at('x.onnx'), '--bogus'], /unknown option '--bogus'/],
      [[], /missing required argument 'model'/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toMatch(message);
    }
  });

  it('--help and --version exit 0', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: crack-export \[options\] <model>/);
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 export failed/);
    const v = await cli('--version');
    expect([v.code, v.stdout.trim()]).toEqual([0, version]);
  });

  it('runs as a process: stdout, stderr and exit codes', async () => {
    const run = promisify(execFile);
    const bin = ['--import', 'tsx', 'src/cli.ts'];
    const { stdout } = await run(
      process.execPath,
      [...bin, at('student'), '--onnx', at('p.onnx'), '--json', '--quiet'],
      {
        cwd: packageDir,
      },
    );
    expect(JSON.parse(stdout).onnx.bytes).toBeGreaterThan(1000);
    const usage = await run(process.execPath, [...bin, at('student')], { cwd: packageDir }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((usage as { code: number }).code).toBe(2);
    const failed = await run(process.execPath, [...bin, at('dense'), '--onnx', at('d.onnx')], {
      cwd: packageDir,
    }).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
  });
});
