/**
 * Serves tfjs-backend-wasm's .wasm binaries at `<base>tfjs-wasm/` (dev server) and copies them
 * into the build there, where src/backend.ts points `setWasmPaths`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vite';

const DIRECTORY = 'tfjs-wasm';

export function tfjsWasm(): Plugin {
  const require = createRequire(import.meta.url);
  const dist = path.join(
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  const files = readdirSync(dist).filter((name) => name.endsWith('.wasm'));
  return {
    name: 'crack:tfjs-wasm',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const match = request.url?.match(new RegExp(`/${DIRECTORY}/([\\w.-]+\\.wasm)(\\?|$)`));
        const name = match?.[1];
        if (!name || !files.includes(name)) return next();
        response.setHeader('Content-Type', 'application/wasm');
        response.end(readFileSync(path.join(dist, name)));
      });
    },
    generateBundle() {
      for (const name of files) {
        this.emitFile({
          type: 'asset',
          fileName: `${DIRECTORY}/${name}`,
          source: readFileSync(path.join(dist, name)),
        });
      }
    },
  };
}
