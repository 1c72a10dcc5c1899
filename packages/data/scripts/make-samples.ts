// Writes the README's sample pictures: `pnpm --filter @crack/data samples`.
//   docs/synthetic-samples.png  synthetic photos (top) and their masks (bottom), half size.
//   docs/cfd-comparison.png     CFD photos (top) next to synthetic ones (bottom), half size;
//                               only when a CFD copy is found, and git-ignored: CFD is licensed
//                               for non-commercial research, so no CFD pixels are committed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type DecodedImage, decodeImage } from '../src/image.js';
import { type Sample, syntheticCrack } from '../src/index.js';
import { writePngFile } from '../src/node.js';

const docs = path.resolve(import.meta.dirname, '../docs');
const cfd =
  process.env.CRACK_DATA_DIR ??
  path.resolve(import.meta.dirname, '../../../../shared/datasets/cfd');
const indices = [0, 1, 2];
const seed = 2024;

/** Box-filter downscale by an integer factor (RGB or gray). */
function downscale(image: DecodedImage, factor: number): DecodedImage {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++)
          for (let dx = 0; dx < factor; dx++)
            sum += image.data[
              ((y * factor + dy) * image.width + x * factor + dx) * channels + c
            ] as number;
        data[(y * width + x) * channels + c] = Math.round(sum / (factor * factor));
      }
  return { data, width, height, channels };
}

function maskImage(sample: Sample): DecodedImage {
  const data = new Uint8Array(sample.mask.length * 3);
  for (let i = 0; i < sample.mask.length; i++)
    data.fill(sample.mask[i] ? 255 : 0, i * 3, i * 3 + 3);
  return { data, width: sample.width, height: sample.height, channels: 3 };
}

/** Tiles (all the same size, RGB) into a grid with a 4-px white gutter. */
function grid(rows: DecodedImage[][]): DecodedImage {
  const gutter = 4;
  const tileW = rows[0]?.[0]?.width ?? 0;
  const tileH = rows[0]?.[0]?.height ?? 0;
  const columns = Math.max(...rows.map((r) => r.length));
  const width = columns * tileW + (columns - 1) * gutter;
  const height = rows.length * tileH + (rows.length - 1) * gutter;
  const data = new Uint8Array(width * height * 3).fill(255);
  rows.forEach((row, r) => {
    row.forEach((tile, c) => {
      for (let y = 0; y < tileH; y++) {
        const from = tile.data.subarray(y * tileW * 3, (y + 1) * tileW * 3);
        data.set(from, ((r * (tileH + gutter) + y) * width + c * (tileW + gutter)) * 3);
      }
    });
  });
  return { data, width, height, channels: 3 };
}

const samples = indices.map((i) => syntheticCrack(i, { seed }));
let crack = 0;
for (const s of samples) for (const v of s.mask) crack += v;
await writePngFile(
  path.join(docs, 'synthetic-samples.png'),
  grid([samples.map((s) => downscale(s.image, 2)), samples.map((s) => downscale(maskImage(s), 2))]),
  { level: 9 },
);
console.log(
  `wrote docs/synthetic-samples.png (seed ${seed}, crack fraction ${(crack / (samples.length * 480 * 320)).toFixed(4)})`,
);

if (existsSync(path.join(cfd, 'images'))) {
  const photos = ['003', '042', '097'].map((id) =>
    downscale(
      decodeImage(readFileSync(path.join(cfd, 'images', `${id}.jpg`)), { name: `${id}.jpg` }),
      2,
    ),
  );
  await writePngFile(
    path.join(docs, 'cfd-comparison.png'),
    grid([photos, samples.map((s) => downscale(s.image, 2))]),
  );
  console.log('wrote docs/cfd-comparison.png (CFD top, synthetic bottom; local only, git-ignored)');
} else {
  console.log(`no CFD at ${cfd}: skipped docs/cfd-comparison.png (set CRACK_DATA_DIR)`);
}
