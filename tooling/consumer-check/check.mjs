#!/usr/bin/env node
// The consumer check: is `npm install @crack/<name>` usable, the way a user meets it?
//
// 1. `pnpm pack` every package under packages/ (pnpm rewrites `workspace:` ranges, as publish does).
// 2. `npm install` the tarballs (plus the tfjs peers) into a fresh project in the OS temp dir,
//    far from the workspace, so nothing resolves through workspace links.
// 3. For every entry of every package's `exports` map:
//    (a) `import()` it from an .mjs file, (b) `require()` it from a .cjs file; both must expose
//        the same names as the package's own build;
//    (c) type-check a TypeScript file that names every export, under moduleResolution "node16"
//        (as .mts and as .cts, so both the import and require conditions are checked) and
//        "bundler". A package may add its own `test/consumer.ts` that uses its main API.
// 4. Run the first ```ts example of every package README (the "example that runs") with tsx in
//    that project, so README examples are tested against what npm users actually get.
// Any failure exits non-zero. Pass `--keep` to leave the temp project for inspection.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');
const keep = process.argv.includes('--keep');
const tfVersion = '4.22.0';

const failures = [];
let passed = 0;
function check(name, fn) {
  try {
    fn();
    passed += 1;
    console.log(`  ok   ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(
      `  FAIL ${name}\n${indent(String(error?.stdout ?? ''))}${indent(error?.message ?? String(error))}`,
    );
  }
}
const indent = (text) => (text.trim() ? `${text.trim().replace(/^/gm, '       ')}\n` : '');

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// pnpm runs this script, so npm_execpath names pnpm's own entry point; fall back to the root's bin.
function pnpm(args, cwd) {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(path.basename(execPath)))
    return run(process.execPath, [execPath, ...args], cwd);
  return run(path.join(root, 'node_modules/.bin/pnpm'), args, cwd);
}

const packages = fs
  .readdirSync(path.join(root, 'packages'))
  .map((dir) => path.join(root, 'packages', dir))
  .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crack-consumer-'));
const tarballs = path.join(work, 'tarballs');
fs.mkdirSync(tarballs);
console.log(`consumer-check: ${packages.length} packages, project in ${work}`);

for (const { dir } of packages) pnpm(['pack', '--pack-destination', tarballs], dir);
const project = path.join(work, 'project');
fs.mkdirSync(project);
fs.writeFileSync(
  path.join(project, 'package.json'),
  JSON.stringify({ name: 'crack-consumer', version: '1.0.0', private: true }, null, 2),
);
run(
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefer-offline',
    ...fs.readdirSync(tarballs).map((file) => path.join(tarballs, file)),
    `@tensorflow/tfjs-core@${tfVersion}`,
    `@tensorflow/tfjs-layers@${tfVersion}`,
    `@tensorflow/tfjs-data@${tfVersion}`,
    `@tensorflow/tfjs-backend-cpu@${tfVersion}`,
    'typescript@5.9.3',
    'tsx@4',
    '@types/node@20',
  ],
  project,
);

// Every subpath the exports maps promise, with the names the workspace build itself exposes.
const entries = [];
// Exports that map to plain files (e.g. @crack/models' "./models/*": the weights), not modules.
const fileExports = [];
for (const { dir, manifest } of packages) {
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (subpath.endsWith('package.json')) continue;
    if (typeof target === 'string') {
      fileExports.push({ name: manifest.name, subpath, target });
      continue;
    }
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    const built = await import(pathToFileURL(path.join(dir, target.import.default)).href);
    entries.push({ dir, specifier, names: Object.keys(built).sort() });
  }
}

// A file export must ship its files: the folder its pattern points into is in the installed package.
for (const { name, subpath, target } of fileExports) {
  check(`files ${name}/${subpath.slice(2)}`, () => {
    const folder = path.join(
      project,
      'node_modules',
      name,
      path.dirname(target.replace(/\*.*$/, 'x')),
    );
    if (!fs.existsSync(folder) || fs.readdirSync(folder).length === 0)
      throw new Error(
        `${name}: exports["${subpath}"] -> ${target}, but ${folder} is missing or empty`,
      );
  });
}

const probe = (file, source) => {
  fs.writeFileSync(path.join(project, file), source);
  return JSON.parse(run(process.execPath, [file], project));
};
const namesOf = `(m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort()`;
const specifiers = JSON.stringify(entries.map((e) => e.specifier));
// Each specifier is loaded on its own so one broken entry is reported by name, not as a crash.
const load = (how) =>
  `const names = ${namesOf}; const out = {};\nfor (const s of ${specifiers}) {\n  try { out[s] = names(${how}); } catch (e) { out[s] = 'cannot load: ' + e.message.split('\\n')[0]; }\n}\nconsole.log(JSON.stringify(out));\n`;
const esm = probe('probe.mjs', load('await import(s)'));
const cjs = probe('probe.cjs', load('require(s)'));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
for (const { specifier, names } of entries) {
  check(`import ${specifier} (${names.length} exports)`, () => {
    if (!same(esm[specifier], names)) throw new Error(`got ${esm[specifier]}, build has ${names}`);
  });
  check(`require ${specifier}`, () => {
    if (!same(cjs[specifier], names)) throw new Error(`got ${cjs[specifier]}, build has ${names}`);
  });
}

// Type-check: one file per entry that names every runtime export through the types, plus the
// package's own consumer usage file if it has one.
const typeSources = entries.map(({ specifier, names }) => {
  const id = specifier.replace(/[^a-z0-9]+/gi, '_');
  const keys = names.length ? `[${names.map((n) => `'${n}'`).join(', ')}]` : '[]';
  return {
    id,
    source: `import * as ns from '${specifier}';\nexport type Api_${id} = typeof ns;\nexport const keys_${id}: Array<keyof typeof ns> = ${keys};\n`,
  };
});
for (const { dir, manifest } of packages) {
  const usage = path.join(dir, 'test/consumer.ts');
  if (fs.existsSync(usage)) {
    typeSources.push({
      id: `usage_${manifest.name.split('/')[1]}`,
      source: fs.readFileSync(usage, 'utf8'),
    });
  }
}
const compilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  types: ['node'],
};
const typeRuns = [
  { name: 'node16-esm', ext: '.mts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'node16-cjs', ext: '.cts', options: { module: 'node16', moduleResolution: 'node16' } },
  { name: 'bundler', ext: '.ts', options: { module: 'esnext', moduleResolution: 'bundler' } },
];
for (const { name, ext, options } of typeRuns) {
  const folder = path.join(project, name);
  fs.mkdirSync(folder);
  for (const { id, source } of typeSources)
    fs.writeFileSync(path.join(folder, `${id}${ext}`), source);
  fs.writeFileSync(
    path.join(project, `tsconfig.${name}.json`),
    JSON.stringify(
      { compilerOptions: { ...compilerOptions, ...options }, include: [`${name}/*${ext}`] },
      null,
      2,
    ),
  );
  check(`types under ${name} (${typeSources.length} files)`, () =>
    run(path.join(project, 'node_modules/.bin/tsc'), ['-p', `tsconfig.${name}.json`], project),
  );
}

// README examples: the first ```ts block of each package README, run as an ES module.
for (const { dir, manifest } of packages) {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!example) continue;
  const file = path.join(project, `readme_${manifest.name.split('/')[1]}.mts`);
  fs.writeFileSync(file, example);
  check(`README example of ${manifest.name} runs`, () =>
    execFileSync(path.join(project, 'node_modules/.bin/tsx'), [file], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    }),
  );
}

if (!keep) fs.rmSync(work, { recursive: true, force: true });
console.log(`consumer-check: ${passed} passed, ${failures.length} failed`);
const outDir = path.join(import.meta.dirname, 'test-output');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(
  path.join(outDir, 'result.json'),
  JSON.stringify({ passed, failed: failures.length }),
);
if (failures.length) process.exit(1);
