import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { syntheticCracks } from '@crack/data';
import { decodeImage } from '@crack/data/image';
import { writePngFile } from '@crack/data/node';
import { tolerantScores } from '@crack/metrics';
import { initBackend } from '@crack/runtime/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentFolder } from '../src/segment-folder';

// The trained thesis student the web app bundles (exported by examples/compress-pipeline).
const model = path.resolve(
  import.meta.dirname,
  '../../../packages/models/models/cfd-student-pruned',
);
const runtimeCli = path.resolve(
  import.meta.dirname,
  '../../../packages/runtime/bin/crack-segment.js',
);

let root: string;
const photos = syntheticCracks({ count: 3, width: 480, height: 320, seed: 11 });

beforeAll(async () => {
  await initBackend({ logger: null });
  root = await mkdtemp(path.join(os.tmpdir(), 'segment-images-'));
  for (const photo of photos)
    await writePngFile(path.join(root, 'in', `${photo.id}.png`), photo.image);
  await writeFile(path.join(root, 'in', 'broken.jpg'), 'not a jpeg');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('segmentFolder', () => {
  it('segments every photo, skips the unreadable one, and finds the drawn cracks', async () => {
    const start = tf.memory().numTensors;
    const lines: string[] = [];
    const summary = await segmentFolder(model, path.join(root, 'in'), path.join(root, 'api'), {
      onImage: (line) => lines.push(line),
    });
    expect(tf.memory().numTensors).toBe(start);
    expect(summary.map((s) => s.file)).toEqual([
      'broken.jpg',
      ...photos.map((p) => `${p.id}.png`).sort(),
    ]);
    expect(summary[0]?.error).toMatch(/broken\.jpg: not a JPEG or PNG file/);
    expect(lines[0]).toMatch(/^broken\.jpg: skipped/);
    const written = JSON.parse(await readFile(path.join(root, 'api', 'summary.json'), 'utf8'));
    expect(written).toEqual(summary);
    for (const photo of photos) {
      const mask = decodeImage(await readFile(path.join(root, 'api', `${photo.id}.mask.png`)), {
        channels: 1,
      });
      expect([mask.width, mask.height]).toEqual([480, 320]);
      const predicted = Uint8Array.from(mask.data, (v) => (v > 127 ? 1 : 0));
      const truth = { data: photo.mask, width: 480, height: 320 };
      const scores = tolerantScores({ data: predicted, width: 480, height: 320 }, truth);
      // A trained student on its own kind of data: most crack pixels found within 2 px.
      expect(scores.f1).toBeGreaterThan(0.6);
      const cracks = JSON.parse(
        await readFile(path.join(root, 'api', `${photo.id}.cracks.json`), 'utf8'),
      );
      expect(cracks.total.count).toBeGreaterThan(0);
      const overlay = decodeImage(
        await readFile(path.join(root, 'api', `${photo.id}.overlay.png`)),
      );
      expect([overlay.width, overlay.height]).toEqual([480, 320]);
    }
  });

  it('writes the same masks as the crack-segment CLI', async () => {
    const args = [
      runtimeCli,
      '--model',
      model,
      '--out',
      path.join(root, 'cli'),
      path.join(root, 'in'),
    ];
    execFileSync(process.execPath, args, {
      stdio: 'pipe',
      env: { ...process.env, CRACK_BACKEND: 'wasm' },
    });
    for (const photo of photos) {
      const name = `${photo.id}.mask.png`;
      const api = await readFile(path.join(root, 'api', name));
      const cli = await readFile(path.join(root, 'cli', name));
      expect(Buffer.compare(api, cli)).toBe(0);
    }
  });
});
