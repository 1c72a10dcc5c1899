/**
 * The `crack-export` command: a saved tfjs-layers model to ONNX and/or to tfjs with quantized
 * weights. Results go to stdout (a summary, or one JSON object with --json), progress and errors
 * to stderr. Exit codes: 0 done, 1 the export failed (unreadable model, unsupported layer, write
 * error), 2 usage error.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { nodeFileSystem } from '@crack/unet/node';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { version } from '../../package.json';
import { saveOnnx } from '../node/save-onnx';
import { saveQuantized } from '../node/save-quantized';
import type { OnnxHead, OnnxLayout } from '../onnx/types';
import type { QuantizationDtype } from '../quantize/quantize-weights';

/** Where the CLI writes; the process streams by default, strings in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes of `crack-export`. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

interface CliOptions {
  onnx?: string;
  layout: OnnxLayout;
  head: OnnxHead;
  quantize?: QuantizationDtype;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

const choice =
  <T extends string>(values: readonly T[], upper = false) =>
  (value: string): T => {
    const normalised = (upper ? value.toUpperCase() : value.toLowerCase()) as T;
    if (!values.includes(normalised)) {
      throw new InvalidArgumentError(`must be one of ${values.join(', ')}, got ${value}`);
    }
    return normalised;
  };

function program(io: CliIo): Command {
  return new Command('crack-export')
    .description(
      'Export a saved tfjs-layers model (a folder with model.json, or the model.json itself) to ' +
        'ONNX, and/or save it again with float16 or uint8 quantized weights.',
    )
    .version(version, '-V, --version')
    .argument('<model>', 'model folder (with model.json + weights) or path of its model.json')
    .option('--onnx <file>', 'write an ONNX model (IR 8, opset 13) to this file')
    .option(
      '--layout <layout>',
      'ONNX input/output layout: NCHW or NHWC',
      choice(['NCHW', 'NHWC'] as const, true),
      'NCHW',
    )
    .option(
      '--head <head>',
      'ONNX output: logits, sigmoid or softmax',
      choice(['logits', 'sigmoid', 'softmax'] as const),
      'logits',
    )
    .option(
      '--quantize <dtype>',
      'save a tfjs model with float16 or uint8 weights (needs --out)',
      choice(['float16', 'uint8'] as const),
    )
    .option('--out <dir>', 'folder for the quantized tfjs model (model.json + weights.bin)')
    .option('--json', 'print one JSON object describing what was written')
    .option('--quiet', 'no progress messages on stderr')
    .addHelpText(
      'after',
      [
        '',
        'Give --onnx, --quantize or both. The ONNX graph has batch norms folded into their',
        'convolutions, separable convolutions as grouped Conv, dropout removed; its input and',
        'output keep the tfjs layer names. Quantized weights load with tf.loadLayersModel as usual.',
        'Exit codes: 0 done, 1 export failed (unreadable model, unsupported layer, write error),',
        '2 usage error.',
        '',
        'Examples:',
        '  crack-export runs/student --onnx student.onnx --layout NHWC --head sigmoid',
        '  crack-export runs/student/model.json --quantize uint8 --out runs/student-uint8 --json',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function locateModel(argument: string): { directory: string; modelFileName: string } | string {
  if (!existsSync(argument)) return `${argument}: no such file or folder`;
  if (statSync(argument).isDirectory()) {
    if (!existsSync(path.join(argument, 'model.json')))
      return `${argument}: no model.json in this folder`;
    return { directory: argument, modelFileName: 'model.json' };
  }
  return { directory: path.dirname(argument), modelFileName: path.basename(argument) };
}

/**
 * Runs `crack-export` with the given arguments (without `node` and the script) and returns the
 * exit code: {@link EXIT}.ok (0) when everything asked for was written, failed (1) when loading,
 * exporting or writing failed, usage (2) for bad arguments.
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  let modelArgument: string;
  const command = program(io);
  try {
    command.parse(args, { from: 'user' });
    options = command.opts<CliOptions>();
    modelArgument = command.args[0] as string;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  const fail = (code: number, text: string) => {
    io.stderr(`crack-export: ${text}\n`);
    return code;
  };
  const progress = (text: string) => {
    if (!options.quiet) io.stderr(`crack-export: ${text}\n`);
  };
  if (!options.onnx && !options.quantize) {
    return fail(
      EXIT.usage,
      'nothing to do: give --onnx <file> and/or --quantize <dtype> --out <dir> (see --help)',
    );
  }
  if (options.quantize && !options.out) return fail(EXIT.usage, '--quantize needs --out <dir>');
  if (options.out && !options.quantize)
    return fail(EXIT.usage, '--out is only used with --quantize float16|uint8');
  const location = locateModel(modelArgument);
  if (typeof location === 'string') return fail(EXIT.failed, location);

  await tf.setBackend('cpu');
  let model: LayersModel;
  try {
    progress(`loading ${path.join(location.directory, location.modelFileName)}`);
    model = await loadLayersModel(
      nodeFileSystem(location.directory, { modelFileName: location.modelFileName }),
    );
  } catch (error) {
    return fail(EXIT.failed, `cannot load ${modelArgument}: ${messageOf(error)}`);
  }
  const summary: Record<string, unknown> = { model: modelArgument, params: model.countParams() };
  try {
    if (options.onnx) {
      progress(`exporting to ONNX (${options.layout}, head ${options.head})`);
      const exported = await saveOnnx(model, {
        file: options.onnx,
        layout: options.layout,
        head: options.head,
      });
      summary.onnx = {
        file: options.onnx,
        bytes: exported.bytes.byteLength,
        layout: options.layout,
        head: options.head,
        opset: exported.opset,
        inputs: exported.inputs,
        outputs: exported.outputs,
        foldedBatchNorms: exported.foldedBatchNorms,
        droppedLayers: exported.droppedLayers,
      };
    }
    if (options.quantize && options.out) {
      progress(`saving with ${options.quantize} weights to ${options.out}`);
      const saved = await saveQuantized(model, { directory: options.out, dtype: options.quantize });
      const float32Bytes = model.weights.reduce(
        (total, w) => total + w.shape.reduce((a: number, b) => a * (b ?? 1), 1) * 4,
        0,
      );
      summary.quantized = {
        directory: options.out,
        dtype: options.quantize,
        weightBytes: saved.weightBytes,
        float32WeightBytes: float32Bytes,
      };
    }
  } catch (error) {
    return fail(EXIT.failed, messageOf(error));
  } finally {
    model.dispose();
  }
  io.stdout(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return EXIT.ok;
}

function formatSummary(summary: Record<string, unknown>): string {
  const lines: string[] = [];
  const onnx = summary.onnx as
    | {
        file: string;
        bytes: number;
        layout: string;
        head: string;
        inputs: Array<{ name: string; shape: Array<number | null> }>;
        foldedBatchNorms: string[];
        droppedLayers: string[];
      }
    | undefined;
  const dims = (shape: Array<number | null>) => `[${shape.map((d) => d ?? '?').join(', ')}]`;
  if (onnx) {
    lines.push(
      `${onnx.file}: ONNX, ${onnx.bytes} bytes, ${onnx.layout}, head ${onnx.head}; input ${onnx.inputs.map((i) => `${i.name} ${dims(i.shape)}`).join(', ')}; ` +
        `${onnx.foldedBatchNorms.length} batch norms folded, ${onnx.droppedLayers.length} layers dropped`,
    );
  }
  const quantized = summary.quantized as
    | { directory: string; dtype: string; weightBytes: number; float32WeightBytes: number }
    | undefined;
  if (quantized) {
    lines.push(
      `${quantized.directory}: tfjs model, ${quantized.dtype} weights, ${quantized.weightBytes} bytes (float32: ${quantized.float32WeightBytes})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
