import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

// Tests import the package by its public names, resolved to the sources (no build needed).
const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default mergeConfig(
  shared,
  defineConfig({
    resolve: {
      alias: [
        { find: /^@crack\/distill\/cache$/, replacement: source('cache.ts') },
        { find: /^@crack\/distill$/, replacement: source('index.ts') },
      ],
    },
  }),
);
