// Benchmarks of @crack/data, printed as JSON lines (one measurement per line) so runs can be
// compared: `pnpm --filter @crack/data bench`. Decoding uses the CFD copy at CRACK_DATA_DIR or
// ../shared/datasets/cfd (skipped with a note if absent); sharp is a devDependency used only
// here, to justify the codec choice in the README.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decode as fastPngDecode } from 'fast-png';
import { decode as jpegJsDecode } from 'jpeg-js';
import { decodeImage } from '../src/image.js';
import { syntheticCrack } from '../src/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const cfd = process.env.CRACK_DATA_DIR ?? path.resolve(repoRoot, '../shared/datasets/cfd');

function line(record: Record<string, unknown>) {
  console.log(JSON.stringify({ package: '@crack/data', node: process.version, ...record }));
}

async function time(files: Uint8Array[], run: (bytes: Uint8Array) => unknown): Promise<number> {
  for (const bytes of files.slice(0, 5)) await run(bytes); // warm-up
  const start = performance.now();
  for (const bytes of files) await run(bytes);
  return (performance.now() - start) / files.length;
}

async function loadSharp(): Promise<((bytes: Uint8Array) => Promise<unknown>) | undefined> {
  try {
    const sharp = (await import('sharp')).default;
    return (bytes) => sharp(bytes).raw().toBuffer();
  } catch {
    return undefined;
  }
}

if (existsSync(path.join(cfd, 'images'))) {
  const ids = readdirSync(path.join(cfd, 'images')).map((f) => path.basename(f, '.jpg'));
  const jpegs = ids.map(
    (id) => new Uint8Array(readFileSync(path.join(cfd, 'images', `${id}.jpg`))),
  );
  const pngs = ids.map((id) => new Uint8Array(readFileSync(path.join(cfd, 'masks', `${id}.png`))));
  const sharp = await loadSharp();
  const runs: [string, string, Uint8Array[], (bytes: Uint8Array) => unknown][] = [
    [
      'decode-jpeg',
      'jpeg-js',
      jpegs,
      (b) => jpegJsDecode(b, { useTArray: true, formatAsRGBA: false }),
    ],
    ['decode-jpeg', 'decodeImage (jpeg-js + checks)', jpegs, (b) => decodeImage(b)],
    ['decode-png', 'fast-png', pngs, (b) => fastPngDecode(b)],
    ['decode-png', 'decodeImage (fast-png + checks)', pngs, (b) => decodeImage(b, { channels: 1 })],
  ];
  if (sharp)
    runs.push(['decode-jpeg', 'sharp', jpegs, sharp], ['decode-png', 'sharp', pngs, sharp]);
  else line({ bench: 'decode', note: 'sharp not installed; skipped' });
  for (const [bench, codec, files, run] of runs)
    line({
      bench,
      codec,
      images: files.length,
      msPerImage: Number((await time(files, run)).toFixed(3)),
    });
} else {
  line({ bench: 'decode', note: `no CFD at ${cfd}; set CRACK_DATA_DIR` });
}

const count = 100;
syntheticCrack(0);
let crack = 0;
const start = performance.now();
for (let i = 0; i < count; i++) {
  const { mask } = syntheticCrack(i, { seed: 1 });
  for (const v of mask) crack += v;
}
const ms = (performance.now() - start) / count;
line({
  bench: 'synthetic',
  width: 480,
  height: 320,
  images: count,
  msPerImage: Number(ms.toFixed(3)),
  crackFraction: Number((crack / (count * 480 * 320)).toFixed(4)),
});
