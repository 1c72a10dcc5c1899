import { copyFile, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, queueStatus, readIndex, readInputList } from '../src/index';
import { runCli } from './helpers/cli-process';
import { saveTinyModel, writePhotos } from './helpers/fixtures';
import { startRedis, type TestRedis } from './helpers/redis-server';

let redis: TestRedis;
let temp: string;
let photos: string[];

beforeAll(async () => {
  redis = await startRedis();
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-batch-enqueue-'));
  photos = await writePhotos(path.join(temp, 'in'), 4);
});

afterAll(async () => {
  await redis?.stop();
  await rm(temp, { recursive: true, force: true });
});

async function jobsOf(queueName: string) {
  const queue = new Queue(queueName, { connection: { url: redis.url } });
  try {
    const jobs = await queue.getWaiting(0, 1000);
    return jobs.map((job) => ({
      id: job.id,
      input: job.data.input as string,
      name: job.data.name,
    }));
  } finally {
    await queue.close();
  }
}

describe('enqueue', () => {
  it('adds each photo once, keyed by path + size + mtime: again adds nothing, a rewritten file is new', async () => {
    const where = { redis: redis.url, queue: 'stat' };
    const first = await enqueue({ ...where, inputs: [path.join(temp, 'in'), photos[0] as string] });
    expect(first).toEqual({ total: 4, added: 4, existing: 0, problems: [] });
    const jobs = await jobsOf('stat');
    expect(jobs.map((j) => j.input).sort()).toEqual(photos);
    expect(jobs.every((j) => /^[0-9a-f]{40}$/.test(j.id as string))).toBe(true);
    expect(await enqueue({ ...where, inputs: [`${temp}/in/*.png`] })).toEqual({
      total: 4,
      added: 0,
      existing: 4,
      problems: [],
    });
    await utimes(photos[3] as string, new Date(), new Date(Date.now() + 5000));
    expect(await enqueue({ ...where, inputs: [path.join(temp, 'in')] })).toMatchObject({
      added: 1,
      existing: 3,
    });
  });

  it("dedup 'content' merges copies at other paths", async () => {
    const copy = path.join(temp, 'copy.png');
    await copyFile(photos[1] as string, copy);
    const result = await enqueue({
      redis: redis.url,
      queue: 'content',
      inputs: [path.join(temp, 'in'), copy],
      dedup: 'content',
    });
    expect(result).toEqual({ total: 5, added: 4, existing: 1, problems: [] });
  });

  it('reads .txt and .jsonl lists (paths relative to the list, URLs) and reports what names nothing', async () => {
    await writeFile(
      path.join(temp, 'list.txt'),
      [
        '# survey day 1',
        'in/img-0000.png',
        '',
        'https://example.com/photos/road%201.jpg',
        'missing.png',
      ].join('\n'),
    );
    await writeFile(
      path.join(temp, 'list.jsonl'),
      [JSON.stringify({ path: 'in/img-0001.png' }), JSON.stringify('in/img-0002.png')].join('\n'),
    );
    expect(await readInputList(path.join(temp, 'list.txt'))).toEqual([
      photos[0],
      'https://example.com/photos/road%201.jpg',
      path.join(temp, 'missing.png'),
    ]);
    const result = await enqueue({
      redis: redis.url,
      queue: 'lists',
      inputs: [
        path.join(temp, 'list.txt'),
        path.join(temp, 'list.jsonl'),
        path.join(temp, 'nowhere'),
      ],
    });
    expect(result).toEqual({
      total: 4,
      added: 4,
      existing: 0,
      problems: [
        { input: path.join(temp, 'missing.png'), message: 'no such file or folder' },
        { input: path.join(temp, 'nowhere'), message: 'no such file or folder' },
      ],
    });
    const jobs = await jobsOf('lists');
    expect(jobs.find((j) => j.input.startsWith('https:'))?.name).toBe('road 1');

    await writeFile(path.join(temp, 'bad.jsonl'), '{"input": 3}\n');
    const bad = await enqueue({
      redis: redis.url,
      queue: 'lists',
      inputs: [path.join(temp, 'bad.jsonl')],
    });
    expect(bad.problems).toEqual([
      {
        input: path.join(temp, 'bad.jsonl'),
        message: `${path.join(temp, 'bad.jsonl')}:1: expected a string or an object with "input", "path" or "url"`,
      },
    ]);
  });

  it('refuses bad options by name', async () => {
    await expect(enqueue({ redis: 'localhost:6379', queue: 'q', inputs: [] })).rejects.toThrow(
      /^enqueue: options.redis must be a redis:\/\/ or rediss:\/\/ URL .*got localhost:6379$/,
    );
    await expect(enqueue({ redis: redis.url, queue: 'a:b', inputs: [] })).rejects.toThrow(
      /^enqueue: options.queue must be 1-100 letters/,
    );
    await expect(
      enqueue({ redis: redis.url, queue: 'q', inputs: [], attempts: 0 }),
    ).rejects.toThrow('enqueue: options.attempts must be an integer in [1, 100], got 0');
  });
});

describe('http(s) inputs', () => {
  it('downloads photos; 404 fails at once, 503 is retried with backoff and fails after the attempts', async () => {
    const bytes = await readFile(photos[0] as string);
    let flakyCalls = 0;
    let downCalls = 0;
    const server = http.createServer((request, response) => {
      if (request.url === '/ok.png') return response.end(bytes);
      if (request.url === '/flaky.png') {
        flakyCalls += 1;
        if (flakyCalls === 1) response.statusCode = 503;
        return response.end(flakyCalls === 1 ? 'busy' : bytes);
      }
      if (request.url === '/down.png') {
        downCalls += 1;
        response.statusCode = 503;
        return response.end('down');
      }
      response.statusCode = 404;
      response.end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const model = await saveTinyModel(path.join(temp, 'model'));
      const out = path.join(temp, 'out-urls');
      const list = path.join(temp, 'urls.txt');
      await writeFile(
        list,
        ['ok', 'flaky', 'down', 'missing'].map((n) => `${base}/${n}.png`).join('\n'),
      );
      const where = ['--redis', redis.url, '--queue', 'urls'];
      const added = await runCli([
        'enqueue',
        ...where,
        list,
        '--attempts',
        '3',
        '--backoff',
        '200',
      ]);
      expect(added.stdout).toBe('4 added, 0 already queued, 0 skipped\n');
      const work = await runCli([
        'work',
        ...where,
        '--model',
        model,
        '--out',
        out,
        '--concurrency',
        '1',
        '--exit-when-empty',
      ]);
      expect(work.code).toBe(0);
      expect(flakyCalls).toBe(2);
      expect(downCalls).toBe(3);
      const index = await readIndex({ out });
      expect(index.map((r) => r.input).sort()).toEqual([`${base}/flaky.png`, `${base}/ok.png`]);
      expect(index.find((r) => r.input.endsWith('flaky.png'))?.attempt).toBe(2);
      const status = await queueStatus({ redis: redis.url, queue: 'urls' });
      expect(status).toMatchObject({ done: 2, failed: 2, waiting: 0, delayed: 0, active: 0 });
      const reasons = Object.fromEntries(
        status.failedItems.map((f) => [f.input, [f.reason, f.attempts]]),
      );
      expect(reasons).toEqual({
        [`${base}/down.png`]: [`cannot download ${base}/down.png: HTTP 503 Service Unavailable`, 3],
        [`${base}/missing.png`]: [`cannot download ${base}/missing.png: HTTP 404 Not Found`, 1],
      });
    } finally {
      server.close();
    }
  });
});

describe('crack-batch CLI', () => {
  it('reports usage errors with exit code 2', async () => {
    const noOut = await runCli(['work', '--redis', redis.url]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("required option '-o, --out <dir>' not specified");
    const threshold = await runCli(['work', '--out', temp, '--threshold', '2']);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('--threshold must be a number in [0, 1], got 2');
    const threads = await runCli(['work', '--out', temp, '--engine-threads', '0']);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toContain('--engine-threads must be an integer in [1, 256], got 0');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('fails (exit 1) before taking any job when the model cannot be loaded', async () => {
    await enqueue({ redis: redis.url, queue: 'nomodel', inputs: [photos[0] as string] });
    const result = await runCli([
      'work',
      '--redis',
      redis.url,
      '--queue',
      'nomodel',
      '--model',
      path.join(temp, 'nothing'),
      '--out',
      path.join(temp, 'out-nomodel'),
      '--concurrency',
      '1',
      '--exit-when-empty',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/crack-batch: loadSegmenter: no model at .*nothing/);
    expect(await queueStatus({ redis: redis.url, queue: 'nomodel' })).toMatchObject({
      waiting: 1,
      failed: 0,
    });
  });
});
