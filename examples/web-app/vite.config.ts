import { defineConfig } from 'vite';
import { serviceWorker } from './vite-plugins/service-worker.ts';
import { tfjsWasm } from './vite-plugins/tfjs-wasm.ts';

export default defineConfig({
  // Relative asset URLs: the build works from any path (a sub-folder, GitHub Pages, a file share).
  base: './',
  resolve: {
    // One TensorFlow.js, whoever imports it (the app, @crack/runtime, @crack/data).
    dedupe: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'],
  },
  build: {
    target: 'es2022',
    // TensorFlow.js is large; it is cached by the service worker after the first visit.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      onwarn(warning, warn) {
        // TensorFlow.js and @crack/data import some modules both lazily and eagerly (Node-only
        // paths, tf.data); harmless, and not ours to fix.
        if (warning.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
        warn(warning);
      },
    },
  },
  plugins: [tfjsWasm(), serviceWorker()],
});
