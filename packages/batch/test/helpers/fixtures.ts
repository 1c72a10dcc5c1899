import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { syntheticCrack } from '@crack/data';
import { encodePng } from '@crack/data/image';
import { initBackend } from '@crack/runtime';
import { createUnet } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';

/** The CLI as users run it (built by turbo before the tests). */
export const CLI = path.resolve(import.meta.dirname, '../../bin/crack-batch.js');

/** A tiny U-Net (depth 1, 4 filters, seeded) saved as a tfjs model folder: fast and deterministic. */
export async function saveTinyModel(dir: string): Promise<string> {
  await initBackend({ logger: null });
  const model = createUnet({ depth: 1, baseFilters: 4, seed: 7 });
  await model.save(nodeFileSystem(dir));
  model.dispose();
  return dir;
}

/** `count` synthetic 64x64 crack photos `img-0000.png`, ... in `dir`; returns their paths. */
export async function writePhotos(dir: string, count: number, size = 64): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `img-${String(i).padStart(4, '0')}.png`);
    await writeFile(file, encodePng(syntheticCrack(i, { width: size, height: size }).image));
    files.push(file);
  }
  return files;
}

/** Three files that are not usable images: text named .png, a truncated PNG, an empty .jpg. */
export async function writeCorruptPhotos(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const png = encodePng(syntheticCrack(999, { width: 64, height: 64 }).image);
  const files = {
    'corrupt-text.png': new TextEncoder().encode('this is not a photo\n'),
    'corrupt-truncated.png': png.subarray(0, Math.floor(png.length / 2)),
    'corrupt-empty.jpg': new Uint8Array(0),
  };
  const paths: string[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(path.join(dir, name), bytes);
    paths.push(path.join(dir, name));
  }
  return paths.sort();
}
