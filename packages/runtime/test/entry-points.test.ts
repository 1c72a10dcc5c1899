import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = path.resolve(import.meta.dirname, '..');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
let outDir: string;

// Built here, with the package's own tsup settings, so the check does not depend on a stale dist.
beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'crack-runtime-build-'));
  const { default: config } = await import('../tsup.config');
  await build({
    ...(config as object),
    entry: ['src/index.ts', 'src/node.ts'],
    format: ['esm'],
    dts: false,
    sourcemap: false,
    outDir,
    silent: true,
    config: false,
  });
}, 120_000);
afterAll(() => rm(outDir, { recursive: true, force: true }));

/** Static and dynamic import specifiers of one built file and the local chunks it loads. */
function importsOf(entry: string) {
  return importsOfFile(path.join(outDir, entry));
}

function importsOfFile(file: string) {
  const staticImports = new Set<string>();
  const dynamicImports = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(/^\s*(?:import|export)\s[^'"]*?['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else staticImports.add(specifier);
    }
    for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      dynamicImports.add(match[1]!);
    }
  };
  visit(file);
  return { staticImports, dynamicImports };
}

describe('entry points', () => {
  it("the main entry is browser-safe: no static Node built-in or '/node' subpath import", () => {
    const { staticImports, dynamicImports } = importsOf('index.js');
    expect([...staticImports].filter((s) => builtins.has(s) || s.endsWith('/node'))).toEqual([]);
    expect(staticImports).toContain('@crack/metrics');
    // The only Node built-ins are loaded lazily by registerThreadedWasm (Node-only, opt-in).
    expect([...dynamicImports].filter((s) => builtins.has(s)).sort()).toEqual([
      'fs',
      'module',
      'os',
      'path',
    ]);
    // @crack/metrics' main entry, which the measurements use, is browser-safe too.
    const metrics = importsOfFile(
      path.join(packageDir, 'node_modules/@crack/metrics/dist/index.js'),
    );
    expect(
      [...metrics.staticImports].filter((s) => builtins.has(s) || s.endsWith('/node')),
    ).toEqual([]);
  });

  it('the node entry adds the file-system pieces', () => {
    const { staticImports } = importsOf('node.js');
    expect(staticImports).toContain('@crack/unet/node');
    expect(staticImports).toContain('@crack/data/node');
  });
});
