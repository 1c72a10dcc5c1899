// Large photos: time per megapixel and peak extra memory per pixel of decodeImage, for a JPEG
// and a PNG made with sharp (a devDependency). Each decode runs in its own process, which resets
// its peak-RSS counter (Linux /proc/self/clear_refs) just before decoding, so the figure is the
// decoder's own peak, not Node's. Prints JSON lines; `--megapixels 24,99` picks the sizes.
// Part of `pnpm --filter @crack/data bench`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeImage } from '../src/image.js';

function line(record: Record<string, unknown>) {
  console.log(JSON.stringify({ package: '@crack/data', node: process.version, ...record }));
}

const peakRss = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN) *
  1024;

if (process.argv[2] === '--child') {
  // One decode: print its time and peak extra memory.
  const file = process.argv[3] as string;
  const bytes = readFileSync(file);
  writeFileSync('/proc/self/clear_refs', '5');
  const before = peakRss();
  const start = performance.now();
  const image = decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    channels: 3,
  });
  const ms = performance.now() - start;
  const pixels = image.width * image.height;
  console.log(JSON.stringify({ pixels, ms, extra: peakRss() - before }));
} else if (!existsSync('/proc/self/clear_refs')) {
  line({ bench: 'decode-large', note: 'needs Linux /proc/self/clear_refs; skipped' });
} else {
  let sharp: typeof import('sharp').default | undefined;
  try {
    sharp = (await import('sharp')).default;
  } catch {
    line({ bench: 'decode-large', note: 'sharp not installed; skipped' });
  }
  const flag = process.argv.indexOf('--megapixels');
  const sizes = (flag > 0 ? (process.argv[flag + 1] ?? '24') : '24').split(',').map(Number);
  const dir = mkdtempSync(path.join(tmpdir(), 'crack-data-large-'));
  try {
    for (const megapixels of sharp ? sizes : []) {
      const width = Math.round(Math.sqrt((megapixels * 1e6 * 3) / 2));
      const height = Math.round(width * (2 / 3));
      // A smooth gradient with texture: compresses like a photo, not like noise or a flat field.
      const raw = Buffer.alloc(width * height * 3);
      for (let y = 0, i = 0; y < height; y++)
        for (let x = 0; x < width; x++, i += 3) {
          raw[i] = (x * 7 + y * 3) & 255;
          raw[i + 1] = (x ^ y) & 255;
          raw[i + 2] = ((x * y) >> 6) & 255;
        }
      const source = sharp?.(raw, { raw: { width, height, channels: 3 } });
      for (const [format, encode] of [
        ['jpeg', () => source?.clone().jpeg({ quality: 90 }).toBuffer()],
        ['png', () => source?.clone().png().toBuffer()],
      ] as const) {
        const file = path.join(dir, `photo.${format}`);
        writeFileSync(file, (await encode()) as Buffer);
        const result = JSON.parse(
          execFileSync(
            process.execPath,
            ['--import', 'tsx', import.meta.filename, '--child', file],
            {
              encoding: 'utf8',
              maxBuffer: 1 << 20,
            },
          ),
        );
        const mp = result.pixels / 1e6;
        line({
          bench: 'decode-large',
          format,
          width,
          height,
          megapixels: Number(mp.toFixed(1)),
          fileMB: Number((readFileSync(file).length / 2 ** 20).toFixed(1)),
          msPerMegapixel: Number((result.ms / mp).toFixed(1)),
          peakExtraBytesPerPixel: Number((result.extra / result.pixels).toFixed(2)),
          target: '<= 8 bytes per pixel (issue 17)',
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
