import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../src');

describe('entry points', () => {
  it('keep Node built-ins and static TensorFlow imports out of @crack/data and @crack/data/image', async () => {
    const files = (await readdir(src, { recursive: true })).filter(
      (f) => f.endsWith('.ts') && !f.startsWith('node') && !f.startsWith(`node${path.sep}`),
    );
    expect(files).toContain('index.ts');
    expect(files).toContain('image.ts');
    for (const file of files) {
      const text = await readFile(path.join(src, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:/);
      // TensorFlow only as types or through a lazy import() (see tf/to-tf-dataset.ts).
      expect(text, file).not.toMatch(/^import (?!type)[^;]*from ['"]@tensorflow/m);
    }
  });

  it('index.ts files only re-export', async () => {
    for (const entry of ['index.ts', 'image.ts', 'node.ts']) {
      const code = (await readFile(path.join(src, entry), 'utf8')).replace(/\/\/.*$/gm, '');
      expect(code.replace(/export (type )?\{[^}]*\} from '[^']+';/g, '').trim(), entry).toBe('');
    }
  });
});
