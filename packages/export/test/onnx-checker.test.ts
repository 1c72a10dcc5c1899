// A second consumer of the exported files: the official ONNX checker (Debian's python3-onnx),
// with full_check so shape inference runs over the whole graph too. Skipped, with a message,
// where the module is not installed (.ci/run installs it with apt-get).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createUnet, thesisStudent } from '@crack/unet';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index';
import { randomizeBatchNorms, useCpu } from './helpers';

beforeAll(useCpu);

/** A Python 3 with the onnx module: Debian's first (the system one), then whatever is on PATH. */
function pythonWithOnnx(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import onnx; print(onnx.__version__)'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return python;
  }
  return undefined;
}

const python = pythonWithOnnx();
if (!python) {
  console.warn(
    'onnx-checker.test: skipped, no python3 with the onnx module (apt-get install python3-onnx)',
  );
}

const CHECK = `
import sys, onnx
model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
print(onnx.__version__, model.ir_version, model.opset_import[0].version, len(model.graph.node))
`;

const work = mkdtempSync(path.join(tmpdir(), 'crack-export-checker-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!python)('the ONNX checker (python3-onnx) accepts the exported files', () => {
  const models = {
    'standard, transpose, batch norm, dropout': {
      depth: 2,
      baseFilters: 8,
      batchNorm: true,
      dropout: 0.2,
      seed: 1,
    },
    'separable, bilinear': {
      depth: 2,
      baseFilters: 8,
      block: 'separable',
      upsampling: 'bilinear',
      seed: 1,
    },
    'thesis student, fixed size': { ...thesisStudent, inputSize: [320, 480], seed: 1 },
  } as const;
  for (const [label, config] of Object.entries(models)) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      it(`${label}, ${layout}, sigmoid head`, () => {
        const model = createUnet(config);
        randomizeBatchNorms(model, 2);
        const file = path.join(work, `${label.replace(/\W+/g, '_')}_${layout}.onnx`);
        writeFileSync(file, exportOnnx(model, { layout, head: 'sigmoid' }).bytes);
        const out = execFileSync(python as string, ['-c', CHECK, file], { encoding: 'utf8' });
        const [, irVersion, opset] = out.trim().split(' ');
        expect([irVersion, opset]).toEqual(['8', '13']);
        model.dispose();
      });
    }
  }

  it('rejects a broken graph, so the passes above mean something', () => {
    const model = createUnet({ depth: 1, baseFilters: 2, seed: 1 });
    const { onnx } = onnxProto;
    const proto = onnx.ModelProto.decode(exportOnnx(model).bytes);
    const node = proto.graph?.node?.[1] as { input: string[] };
    node.input[0] = 'no_such_tensor';
    const file = path.join(work, 'broken.onnx');
    writeFileSync(file, onnx.ModelProto.encode(proto).finish());
    const run = spawnSync(python as string, ['-c', CHECK, file], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/no_such_tensor/);
    model.dispose();
  });
});
