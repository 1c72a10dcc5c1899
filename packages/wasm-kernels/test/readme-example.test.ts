// The README's first example is what a user copies: run it as written (only the package's own
// import pointed at the sources) in a child process, with a fresh wasm backend.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = path.resolve(import.meta.dirname, '..');

describe('README example', () => {
  it('trains the small CNN on wasm: the loss falls and every image is classified', () => {
    const readme = readFileSync(path.join(packageDir, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const source = (example as string).replace(
      "from '@crack/wasm-kernels'",
      `from '${path.join(packageDir, 'src/index.ts')}'`,
    );
    expect(source).not.toBe(example);
    // Inside the package, so tfjs resolves from its node_modules.
    const outputs = path.join(packageDir, 'test-output');
    mkdirSync(outputs, { recursive: true });
    const folder = mkdtempSync(path.join(outputs, 'readme-'));
    try {
      const file = path.join(folder, 'example.mts');
      writeFileSync(file, source);
      const tsx = createRequire(import.meta.url).resolve('tsx/cli');
      const output = execFileSync(process.execPath, [tsx, file], {
        cwd: packageDir,
        encoding: 'utf8',
      });
      const match = /^wasm loss (\S+) -> (\S+) accuracy (\S+)$/m.exec(output);
      expect(match, output).not.toBeNull();
      const [first, last, accuracy] = (match as RegExpExecArray).slice(1).map(Number);
      expect(first).toBeGreaterThan(0.5);
      expect(last).toBeLessThan((first as number) * 0.2);
      expect(accuracy).toBe(1);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
