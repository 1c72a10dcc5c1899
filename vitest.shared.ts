import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares. Each run also writes a JSON report to
 * test-output/vitest.json (a turbo output, so cached runs keep it) that
 * tooling/test-summary.mjs adds up into the one closing line of `pnpm test`.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
    passWithNoTests: true,
  },
});
