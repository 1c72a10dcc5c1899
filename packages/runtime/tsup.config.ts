import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    cli: 'src/cli.ts',
    // crack-segment --jobs: the module each worker thread runs (photo-pool.ts finds it here).
    'photo-worker': 'src/cli/photo-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // registerThreadedWasm resolves tfjs-backend-wasm's files through import.meta.url.
  shims: true,
});
