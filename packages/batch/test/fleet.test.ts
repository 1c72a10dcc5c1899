// The acceptance test: 300 photos (plus 3 corrupt files) across 2 worker processes
// against a real redis-server, one worker SIGKILLed mid-run. Nothing here depends on speed:
// the test waits on the queue's state with bounds of minutes, and the workers' locks are long
// enough (10 s, renewed every 5 s) to hold on a loaded machine.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '@crack/data/image';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IndexRecord, PARTIAL_FOLDER, type QueueStatus, readIndex } from '../src/index';
import { runCli, startCli, waitFor } from './helpers/cli-process';
import { saveTinyModel, writeCorruptPhotos, writePhotos } from './helpers/fixtures';
import { startRedis, type TestRedis } from './helpers/redis-server';

const MINUTES = 60_000;
let redis: TestRedis;
let temp: string;
let model: string;
let photos: string[];
let corrupt: string[];

beforeAll(async () => {
  redis = await startRedis();
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-batch-fleet-'));
  model = await saveTinyModel(path.join(temp, 'model'));
  photos = await writePhotos(path.join(temp, 'in'), 300);
  corrupt = await writeCorruptPhotos(path.join(temp, 'in'));
}, 10 * MINUTES);

afterAll(async () => {
  await redis?.stop();
  await rm(temp, { recursive: true, force: true });
});

const queueArgs = (queue: string) => ['--redis', redis.url, '--queue', queue];
const workArgs = (queue: string, out: string, name: string, concurrency = 1) => [
  'work',
  ...queueArgs(queue),
  '--model',
  model,
  '--out',
  out,
  '--measure',
  '--concurrency',
  String(concurrency),
  '--lock-duration',
  '10000',
  '--stalled-interval',
  '2000',
  '--name',
  name,
];

describe('crack-batch on a real Redis', () => {
  it(
    '300 photos, 2 workers, one SIGKILLed: one output set and one index line per photo, the 3 corrupt files failed',
    async () => {
      const queueName = 'fleet';
      const out = path.join(temp, 'out');
      const first = await runCli([
        'enqueue',
        ...queueArgs(queueName),
        path.join(temp, 'in'),
        '--json',
      ]);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        total: 303,
        added: 303,
        existing: 0,
        problems: [],
      });

      const queue = new Queue(queueName, { connection: { url: redis.url } });
      const events = new QueueEvents(queueName, { connection: { url: redis.url } });
      const stalled: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      await events.waitUntilReady();
      try {
        const a = startCli(workArgs(queueName, out, 'worker-a'));
        const b = startCli(workArgs(queueName, out, 'worker-b'));
        // Kill worker a while it holds a job, once 30 photos are done.
        const victim = await waitFor('worker a to hold a job after 30 are done', async () => {
          const counts = await queue.getJobCounts('completed');
          if ((counts.completed ?? 0) < 30) return undefined;
          const held = (await queue.getActive()).find((job) => job.processedBy === 'worker-a');
          return held?.id;
        });
        a.child.kill('SIGKILL');
        expect(await a.exited).toBe(128 + 9);
        expect(victim).toMatch(/^[0-9a-f]{40}$/);
        // What worker a really held when it died: between the query above and the kill it may have
        // finished that job and taken the next one. Its lock outlives it, so the job is still active.
        const held = (await queue.getActive())
          .filter((job) => job.processedBy === 'worker-a')
          .map((job) => job.id as string);

        // Worker b finishes everything, including the killed job once its lock has expired.
        const counts = await waitFor('all 303 jobs to finish', async () => {
          const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
          return (c.completed ?? 0) + (c.failed ?? 0) === 303 && c.active === 0 ? c : undefined;
        });
        expect(counts).toMatchObject({ completed: 300, failed: 3, waiting: 0, delayed: 0 });
        expect(await queue.getJobState(victim as string)).toBe('completed');
        // The killed worker's job went through BullMQ's stalled-job recovery (unless it died
        // between two jobs, holding none: then there is nothing to recover).
        if (held.length > 0) {
          await waitFor(
            'the stalled event',
            async () => (stalled.length > 0 ? true : undefined),
            MINUTES,
          );
          expect(stalled).toEqual(expect.arrayContaining(held));
          for (const id of held) expect(await queue.getJobState(id)).toBe('completed');
        } else {
          console.warn('fleet test: worker a held no job when it was killed; no stalled job');
        }

        // Graceful stop: SIGTERM, the worker closes and writes the index.
        b.child.kill('SIGTERM');
        expect(await b.exited).toBe(143);
        expect(b.output()).toMatch(/SIGTERM: finishing the active photo/);
      } finally {
        await events.close();
        await queue.close();
      }

      // The index: every photo exactly once, with outputs that exist and match it.
      const index = await readIndex({ out });
      expect(index).toHaveLength(300);
      expect(index.map((r) => r.input).sort()).toEqual([...photos].sort());
      expect(new Set(index.map((r) => r.id)).size).toBe(300);
      expect(new Set(index.map((r) => r.worker)).size).toBe(2);
      const expectedFiles: string[] = [];
      for (const record of index) {
        expectedFiles.push(path.basename(record.outputs.mask));
        expectedFiles.push(path.basename(record.outputs.measurements as string));
        const mask = decodeImage(await readFile(record.outputs.mask), { channels: 1 });
        let crack = 0;
        for (const v of mask.data) crack += v === 255 ? 1 : 0;
        expect([mask.width, mask.height, crack]).toEqual([64, 64, record.crackPixels]);
        const measured = JSON.parse(await readFile(record.outputs.measurements as string, 'utf8'));
        expect(measured.input).toBe(record.input);
        expect(record.measurements?.total).toEqual(measured.total);
        expect(record).toMatchObject({
          model,
          mode: 'full',
          threshold: 0.5,
          width: 64,
          height: 64,
        });
      }
      // Exactly one complete set per photo: no other files, no temporary leftovers.
      const files = (await readdir(out)).filter((name) => !name.startsWith('.')).sort();
      expect(files).toEqual([...expectedFiles, 'index.jsonl'].sort());
      expect(await readdir(path.join(out, PARTIAL_FOLDER))).toEqual([]);
      // The raw index file has one line per photo too.
      const lines = (await readFile(path.join(out, 'index.jsonl'), 'utf8')).trim().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as IndexRecord).input)).toEqual(
        index.map((r) => r.input),
      );

      // Status: the 3 corrupt files and their reasons, nothing else.
      const status = await runCli(['status', ...queueArgs(queueName), '--json']);
      const report = JSON.parse(status.stdout) as QueueStatus;
      expect(report).toMatchObject({
        waiting: 0,
        active: 0,
        delayed: 0,
        done: 300,
        failed: 3,
        etaSeconds: 0,
      });
      const failed = [...report.failedItems].sort((x, y) => x.input.localeCompare(y.input));
      expect(failed.map((item) => item.input)).toEqual(corrupt);
      expect(failed.map((item) => item.reason)).toEqual([
        expect.stringMatching(/^not a usable image \(empty\): .*corrupt-empty\.jpg/),
        expect.stringMatching(/^not a usable image \(unknown-format\): .*corrupt-text\.png/),
        expect.stringMatching(
          /^not a usable image \((truncated|corrupt)\): .*corrupt-truncated\.png/,
        ),
      ]);
      expect(failed.map((item) => item.attempts)).toEqual([1, 1, 1]);
      const text = await runCli(['status', ...queueArgs(queueName)]);
      expect(text.stdout).toMatch(
        /^fleet: 0 waiting, 0 active, 0 delayed \(retry\), 300 done, 3 failed;/,
      );
      expect(text.stdout).toContain(`failed ${corrupt[0]}: not a usable image (empty)`);

      // A second enqueue of the same inputs adds nothing.
      const second = await runCli([
        'enqueue',
        ...queueArgs(queueName),
        path.join(temp, 'in'),
        '--json',
      ]);
      expect(JSON.parse(second.stdout)).toEqual({
        total: 303,
        added: 0,
        existing: 303,
        problems: [],
      });
    },
    15 * MINUTES,
  );

  it(
    'SIGTERM finishes the active photo and leaves none locked; work --concurrency 2 --exit-when-empty does the rest',
    async () => {
      const queueName = 'graceful';
      const out = path.join(temp, 'out-graceful');
      const inputs = photos.slice(0, 40);
      const list = path.join(temp, 'graceful.txt');
      await writeFile(list, `${inputs.join('\n')}\n`);
      expect((await runCli(['enqueue', ...queueArgs(queueName), list])).stdout).toBe(
        '40 added, 0 already queued, 0 skipped\n',
      );
      const queue = new Queue(queueName, { connection: { url: redis.url } });
      try {
        const worker = startCli(workArgs(queueName, out, 'graceful-a'));
        await waitFor('10 photos done', async () => {
          const { completed } = await queue.getJobCounts('completed');
          return (completed ?? 0) >= 10 ? true : undefined;
        });
        worker.child.kill('SIGTERM');
        expect(await worker.exited).toBe(143);
        // Nothing was left active (locked), and every finished job has its record.
        const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
        expect(counts.active).toBe(0);
        const done = counts.completed ?? 0;
        expect(done + (counts.waiting ?? 0)).toBe(40);
        expect(await readIndex({ out })).toHaveLength(done);

        const rest = await runCli([
          ...workArgs(queueName, out, 'graceful-b', 2),
          '--exit-when-empty',
        ]);
        expect(rest.code).toBe(0);
        expect(rest.stderr).toMatch(/crack-batch: 2 worker processes/);
        // Each process takes its share of the cores: floor(cores / 2) onnxruntime threads.
        const share = Math.max(1, Math.floor(os.availableParallelism() / 2));
        const engineLines = rest.stderr.match(/; engine .*\n/g) ?? [];
        expect(engineLines).toEqual([
          `; engine onnxruntime with ${share} thread${share === 1 ? '' : 's'}\n`,
          `; engine onnxruntime with ${share} thread${share === 1 ? '' : 's'}\n`,
        ]);
        const index = await readIndex({ out });
        expect(index.map((r) => r.input).sort()).toEqual([...inputs].sort());
        expect(await queue.getJobCounts('completed', 'failed')).toEqual({
          completed: 40,
          failed: 0,
        });
      } finally {
        await queue.close();
      }
    },
    15 * MINUTES,
  );
});
