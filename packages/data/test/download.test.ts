import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image.js';
import { downloadCfd, loadFolderDataset } from '../src/node.js';
import { cfdDir } from './shared-data.js';

const ids = ['001', '002', '003', '021'];
let temp: string;
let server: http.Server;
let baseUrl: string;
const requests: string[] = [];
/** Files whose body the server cuts off halfway (an interrupted connection). */
const cut = new Set<string>();

beforeAll(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-data-download-'));
  // A stand-in for raw.githubusercontent.com: serves image/NNN.jpg and seg/NNN.seg from the
  // shared CFD copy, on 127.0.0.1 and a random port.
  server = http.createServer(async (request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const match = /^\/(image\/\d{3}\.jpg|seg\/\d{3}\.seg)$/.exec(url);
    if (!match || !cfdDir) {
      response.writeHead(404).end('not found');
      return;
    }
    const file = path.join(cfdDir, (match[1] as string).replace(/^image\//, 'images/'));
    const size = await stat(file).then(
      (info) => info.size,
      () => -1,
    );
    if (size < 0) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': size });
    if (cut.has(url)) {
      const bytes = await readFile(file);
      response.write(bytes.subarray(0, size >> 1), () => response.destroy());
      return;
    }
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(temp, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(dir, { withFileTypes: true })) {
    if (sub.isDirectory())
      out.push(...(await readdir(path.join(dir, sub.name))).map((f) => `${sub.name}/${f}`));
    else out.push(sub.name);
  }
  return out.sort();
}

describe.skipIf(!cfdDir)('downloadCfd from a local server', () => {
  it('resumes an interrupted download without refetching complete files', async () => {
    const dest = path.join(temp, 'cfd');
    cut.add('/image/003.jpg');
    const first = await downloadCfd(dest, { baseUrl, ids, retries: 0, concurrency: 1 }).catch(
      (e: unknown) => e,
    );
    expect((first as Error).message).toMatch(
      /downloadCfd: download of .*\/image\/003\.jpg was cut off/,
    );
    const afterFirst = await filesUnder(dest);
    expect(afterFirst).toContain('images/001.jpg');
    expect(afterFirst).toContain('masks/002.png');
    expect(afterFirst).not.toContain('images/003.jpg');
    expect(afterFirst.filter((f) => f.includes('.partial'))).toEqual([]);

    cut.clear();
    requests.length = 0;
    const second = await downloadCfd(dest, { baseUrl, ids });
    expect(requests.sort()).toEqual([
      '/image/003.jpg',
      '/image/021.jpg',
      '/seg/003.seg',
      '/seg/021.seg',
    ]);
    expect(second.skipped).toEqual(
      expect.arrayContaining(['images/001.jpg', 'masks/001.png', 'masks/002.png']),
    );
    expect(await filesUnder(dest)).toEqual(
      [
        'folds.json',
        ...ids.map((id) => `images/${id}.jpg`),
        ...ids.map((id) => `masks/${id}.png`),
        ...ids.map((id) => `seg/${id}.seg`),
      ].sort(),
    );

    for (const id of ids) {
      const original = await readFile(path.join(cfdDir as string, `images/${id}.jpg`));
      expect(
        Buffer.compare(await readFile(path.join(dest, `images/${id}.jpg`)), original),
        id,
      ).toBe(0);
      const mask = decodeImage(await readFile(path.join(dest, `masks/${id}.png`)), { channels: 1 });
      const expected = decodeImage(await readFile(path.join(cfdDir as string, `masks/${id}.png`)), {
        channels: 1,
      });
      expect(Buffer.compare(mask.data, expected.data), id).toBe(0);
    }
    const folds = JSON.parse(await readFile(path.join(dest, 'folds.json'), 'utf8'));
    expect(folds.folds).toEqual([['001', '002', '003'], ['021'], [], [], [], []]);
    const dataset = await loadFolderDataset(dest);
    expect(dataset.ids).toEqual(ids);

    requests.length = 0;
    const third = await downloadCfd(dest, { baseUrl, ids });
    expect(requests).toEqual([]);
    expect(third.downloaded).toEqual(['folds.json']);
  });

  it('names a missing file (HTTP 404)', async () => {
    await expect(
      downloadCfd(path.join(temp, 'missing'), { baseUrl, ids: ['999'] }),
    ).rejects.toThrow(/downloadCfd: GET .*\/image\/999\.jpg returned HTTP 404/);
  });
});

describe('downloadCfd without network', () => {
  it('fails fast on an unreachable address, pointing at --data DIR / CRACK_DATA_DIR', async () => {
    // A port that was just free: connecting to it is refused at once.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const started = Date.now();
    const error = (await downloadCfd(path.join(temp, 'offline'), {
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 3000,
    }).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.message).toMatch(
      /^downloadCfd: cannot reach http:\/\/127\.0\.0\.1:\d+\/image\/\d{3}\.jpg \(ECONNREFUSED/,
    );
    expect(error.message).toMatch(/--data DIR/);
    expect(error.message).toMatch(/CRACK_DATA_DIR/);
  });

  it('gives up after timeoutMs when the server never answers', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      await expect(
        downloadCfd(path.join(temp, 'silent'), {
          baseUrl: `http://127.0.0.1:${port}`,
          ids: ['001'],
          timeoutMs: 300,
        }),
      ).rejects.toThrow(/cannot reach .* \(no answer within 300 ms\)\. .*CRACK_DATA_DIR/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('validates options', async () => {
    await expect(downloadCfd(temp, { baseUrl: 'ftp://x' })).rejects.toThrow(
      /options\.baseUrl must be an http\(s\) URL/,
    );
    await expect(downloadCfd(temp, { concurrency: 0 })).rejects.toThrow(
      /options\.concurrency must be an integer from 1 to 16, got 0/,
    );
  });
});
