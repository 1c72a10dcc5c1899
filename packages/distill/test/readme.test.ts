// Runs the README's first example exactly as printed (imports resolve to this package's sources).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

const here = path.dirname(new URL(import.meta.url).pathname);

describe('README', () => {
  it('the 15-line example runs and trains', async () => {
    const readme = await readFile(path.join(here, '../README.md'), 'utf8');
    const code = /## Distil your own student[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const file = path.join(here, '../test-output/readme-example.ts');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${code}\nexport { student };\n`);
    // The example registers its own backend; nothing here may touch tf before it runs.
    const module = await import(/* @vite-ignore */ pathToFileURL(file).href);
    const student = module.student as { optimizer: { iterations: number } };
    expect(tf.getBackend()).toBe('cpu');
    expect(student.optimizer.iterations).toBe(4); // 2 epochs of 8 samples in batches of 4
  });
});
