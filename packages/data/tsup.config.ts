import { defineConfig } from 'tsup';

const entry = ['src/index.ts', 'src/image.ts', 'src/node.ts'];

export default defineConfig([
  { entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'es2022' },
  // fast-png and its iobuffer are ESM-only: bundle them into the CommonJS build so require()
  // works on every Node >= 20, not only where require(esm) is available.
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    noExternal: ['fast-png', 'iobuffer'],
    // Shared chunks, so ImageDecodeError is one class across the entries (instanceof works).
    splitting: true,
  },
]);
