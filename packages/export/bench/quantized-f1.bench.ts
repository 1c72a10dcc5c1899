// Size and quality of tfjs models saved with quantized weights: for every model folder given,
// float32 vs float16 vs uint8 weights.bin size, and strict / 2 px micro F1 on held-out images
// (a folder with images/ + masks/ + folds.json, e.g. CFD; never committed). Prints JSON lines.
//
//   tsx bench/quantized-f1.bench.ts --data DIR --fold 0 MODEL_DIR [MODEL_DIR ...]
//
// The models are expected to output logits for normalised NHWC images ((x - 127.5) / 127.5),
// as every model of this project does; a pixel is crack when sigmoid(logit) >= 0.5 (logit >= 0).
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { foldSplit, normalizePixels, type Sample } from '@crack/data';
import { loadFolderDataset } from '@crack/data/node';
import { aggregateScores, type MatchCounts, tolerantScores } from '@crack/metrics';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { saveQuantized } from '../src/node';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const data = flag('--data');
const fold = Number(flag('--fold') ?? 0);
if (!data || args.length === 0) {
  console.error('usage: tsx bench/quantized-f1.bench.ts --data DIR [--fold i] MODEL_DIR ...');
  process.exit(2);
}

await tf.setBackend('cpu');
const dataset = await loadFolderDataset(data);
if (!dataset.folds) throw new Error(`${data} has no folds.json`);
const test: Sample[] = [];
for await (const sample of dataset.select(foldSplit(dataset.folds, fold).test)) test.push(sample);

function evaluate(model: tfl.LayersModel) {
  const strict: MatchCounts[] = [];
  const tolerant: MatchCounts[] = [];
  for (const sample of test) {
    const { width, height } = sample;
    const logits = tf.tidy(() => {
      const input = tf.tensor4d(normalizePixels(sample.image.data), [1, height, width, 3]);
      return (model.predict(input) as tf.Tensor).dataSync();
    });
    const pred = { data: Uint8Array.from(logits, (v) => (v >= 0 ? 1 : 0)), width, height };
    const truth = { data: sample.mask, width, height };
    strict.push(tolerantScores(pred, truth, { tolerance: 0 }));
    tolerant.push(tolerantScores(pred, truth, { tolerance: 2 }));
  }
  return { f1: aggregateScores(strict).micro.f1, f1At2px: aggregateScores(tolerant).micro.f1 };
}

const work = mkdtempSync(path.join(tmpdir(), 'crack-quantized-f1-'));
try {
  for (const modelDir of args) {
    const model = await tfl.loadLayersModel(nodeFileSystem(modelDir));
    const rows: Record<string, unknown>[] = [];
    for (const dtype of ['float32', 'float16', 'uint8'] as const) {
      let candidate = model;
      let bytes = statSync(path.join(modelDir, 'weights.bin')).size;
      if (dtype !== 'float32') {
        const directory = path.join(work, `${path.basename(modelDir)}-${dtype}`);
        bytes = (await saveQuantized(model, { directory, dtype })).weightBytes;
        candidate = await tfl.loadLayersModel(nodeFileSystem(directory));
      }
      const started = performance.now();
      const scores = evaluate(candidate);
      rows.push({
        model: modelDir,
        params: model.countParams(),
        dtype,
        weightBytes: bytes,
        images: test.length,
        fold,
        ...scores,
        seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      });
      if (candidate !== model) candidate.dispose();
    }
    const base = rows[0] as { f1: number; f1At2px: number };
    for (const row of rows) {
      const r = row as { f1: number; f1At2px: number };
      console.log(
        JSON.stringify({ ...row, deltaF1: r.f1 - base.f1, deltaF1At2px: r.f1At2px - base.f1At2px }),
      );
    }
    model.dispose();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
