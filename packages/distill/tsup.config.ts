import { defineConfig } from 'tsup';

export default defineConfig({
  // Two entries: the browser-safe losses ('.') and the Node-only teacher-logit cache ('./cache').
  entry: ['src/index.ts', 'src/cache.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
