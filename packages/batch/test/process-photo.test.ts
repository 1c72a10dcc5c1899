import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '@crack/data/image';
import { initBackend, loadSegmenter, type PixelImage, type Segmenter } from '@crack/runtime/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSerialSection,
  describeInput,
  type IndexRecord,
  jobOutputBase,
  PARTIAL_FOLDER,
  type PhotoJobSettings,
  processPhotoJob,
  readRecord,
} from '../src/index';
import { saveTinyModel, writeCorruptPhotos, writePhotos } from './helpers/fixtures';

let temp: string;
let segmenter: Segmenter<PixelImage>;
let photos: string[];
let corrupt: string[];

beforeAll(async () => {
  await initBackend({ logger: null });
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-batch-process-'));
  segmenter = await loadSegmenter(await saveTinyModel(path.join(temp, 'model')));
  photos = await writePhotos(path.join(temp, 'in'), 3);
  corrupt = await writeCorruptPhotos(path.join(temp, 'in'));
});

afterAll(async () => {
  segmenter?.dispose();
  await rm(temp, { recursive: true, force: true });
});

async function settingsFor(out: string): Promise<PhotoJobSettings> {
  await mkdir(path.join(out, PARTIAL_FOLDER), { recursive: true });
  return {
    out,
    model: 'tiny',
    mode: 'full',
    threshold: 0.5,
    maxBytes: 1_000_000,
    maxMegapixels: 100,
    fetchTimeoutMs: 10_000,
    overlay: true,
    measure: true,
    probabilities: false,
    minPixels: 1,
  };
}

async function jobFor(file: string, attemptsMade = 0, attemptsStarted?: number) {
  const { id, data } = await describeInput(file, 'stat');
  return {
    id,
    data,
    attemptsMade,
    ...(attemptsStarted === undefined ? {} : { attemptsStarted }),
    timestamp: Date.now() - 5,
    processedOn: Date.now(),
  };
}

async function permanentError(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected the job to fail');
  expect(error.name).toBe('UnrecoverableError');
  return error;
}

describe('processPhotoJob', () => {
  it('writes the output set and then the record; a rerun skips, a forced redo rewrites the same bytes', async () => {
    const out = path.join(temp, 'out-set');
    const settings = await settingsFor(out);
    const job = await jobFor(photos[0] as string);
    const first = await processPhotoJob(job, segmenter, settings);
    expect(first.skipped).toBe(false);
    const base = jobOutputBase(out, job.id, 'img-0000');
    expect(first.record.outputs).toEqual({
      mask: `${base}.mask.png`,
      overlay: `${base}.overlay.png`,
      measurements: `${base}.cracks.json`,
    });
    // The record on disk is the one returned, and its numbers are those of the mask written.
    const record = (await readRecord(out, job.id)) as IndexRecord;
    expect(record).toEqual(first.record);
    const mask = decodeImage(await readFile(record.outputs.mask), { channels: 1 });
    expect([mask.width, mask.height]).toEqual([64, 64]);
    const crack = mask.data.reduce((sum, v) => sum + (v === 255 ? 1 : 0), 0);
    expect(record.crackPixels).toBe(crack);
    expect(record.crackFraction).toBeCloseTo(crack / 4096, 12);
    const cracks = JSON.parse(await readFile(record.outputs.measurements as string, 'utf8'));
    expect(record.measurements?.total).toEqual(cracks.total);
    expect(record).toMatchObject({ input: photos[0], model: 'tiny', attempt: 1, width: 64 });

    // A second run of the finished job (a worker killed before BullMQ heard of it) skips.
    const maskBytes = await readFile(record.outputs.mask);
    const before = (await stat(record.outputs.mask)).mtimeMs;
    const again = await processPhotoJob(await jobFor(photos[0] as string, 1), segmenter, settings);
    expect(again).toEqual({ record: first.record, skipped: true });
    expect((await stat(record.outputs.mask)).mtimeMs).toBe(before);

    // With an output missing, the job is redone: the same bytes, one record (for the same id).
    await rm(record.outputs.overlay as string);
    const redo = await processPhotoJob(await jobFor(photos[0] as string, 1), segmenter, settings);
    expect(redo.skipped).toBe(false);
    expect(await readFile(record.outputs.mask)).toEqual(maskBytes);
    expect(redo.record.attempt).toBe(2);
    expect(
      (await readdir(path.join(out, '.index', job.id.slice(0, 2)))).filter((n) =>
        n.startsWith(job.id),
      ),
    ).toEqual([`${job.id}.json`]);
  });

  it("removes a killed attempt's temporary files and leaves no new ones", async () => {
    const out = path.join(temp, 'out-partial');
    const settings = await settingsFor(out);
    const job = await jobFor(photos[1] as string);
    const base = path.basename(jobOutputBase(out, job.id, 'img-0001'));
    const partial = path.join(out, PARTIAL_FOLDER);
    await writeFile(path.join(partial, `${base}.mask.png.123-abcd.partial`), 'half a png');
    await writeFile(path.join(partial, 'other-photo.mask.png.9-ffff.partial'), 'not ours');
    await processPhotoJob(job, segmenter, settings);
    expect(await readdir(partial)).toEqual(['other-photo.mask.png.9-ffff.partial']);
    const files = (await readdir(out)).filter((name) => !name.startsWith('.')).sort();
    expect(files).toEqual([`${base}.cracks.json`, `${base}.mask.png`, `${base}.overlay.png`]);
  });

  it('lists .partial only when the job was started before (BullMQ attemptsStarted > 1)', async () => {
    const out = path.join(temp, 'out-started');
    const settings = await settingsFor(out);
    const partial = path.join(out, PARTIAL_FOLDER);
    const first = await jobFor(photos[1] as string, 0, 1);
    const stray = `${path.basename(jobOutputBase(out, first.id, 'img-0001'))}.mask.png.1-aaaa.partial`;
    // A first start cannot have left files: the folder is not listed (the stray file stays).
    await writeFile(path.join(partial, stray), 'not from this job');
    await processPhotoJob(first, segmenter, settings);
    expect(await readdir(partial)).toEqual([stray]);
    // A job taken up again after its worker died (second start) removes what the first left.
    await rm(path.join(out, '.index'), { recursive: true });
    await processPhotoJob(await jobFor(photos[1] as string, 0, 2), segmenter, settings);
    expect(await readdir(partial)).toEqual([]);
  });

  it('with a shared serial section, reads the next photo while one is segmented, one photo in the model at a time, the same outputs', async () => {
    const sequentialOut = path.join(temp, 'out-sequential');
    const sharedOut = path.join(temp, 'out-shared');
    const sequential = await settingsFor(sequentialOut);
    const shared = await settingsFor(sharedOut);
    let inModel = 0;
    let mostInModel = 0;
    const counting: Segmenter<PixelImage> = {
      ...segmenter,
      async segment(input, options) {
        inModel += 1;
        mostInModel = Math.max(mostInModel, inModel);
        try {
          return await segmenter.segment(input, options);
        } finally {
          inModel -= 1;
        }
      },
    };
    const expected: Buffer[] = [];
    for (const photo of photos) {
      const { record } = await processPhotoJob(await jobFor(photo), segmenter, sequential);
      expected.push(await readFile(record.outputs.mask));
    }
    const section = createSerialSection();
    const outcomes = await Promise.all(
      photos.map(async (photo) =>
        processPhotoJob(await jobFor(photo), counting, shared, { section }),
      ),
    );
    expect(mostInModel).toBe(1);
    expect(outcomes.map((o) => o.skipped)).toEqual([false, false, false]);
    for (const [i, { record }] of outcomes.entries()) {
      expect(await readFile(record.outputs.mask)).toEqual(expected[i]);
      expect(record.timings.segmenterWaitMs).toBeGreaterThanOrEqual(0);
      expect(record.timings.jobMs).toBeGreaterThanOrEqual(
        (record.timings.segmenterWaitMs as number) + record.timings.segment.totalMs,
      );
    }
    // All three were read at once; two of them waited for the model.
    const waited = outcomes.filter(({ record }) => (record.timings.segmenterWaitMs as number) > 0);
    expect(waited.length).toBeGreaterThanOrEqual(2);
    expect(await readdir(path.join(sharedOut, PARTIAL_FOLDER))).toEqual([]);
  });

  it('fails bad photos permanently with the reason, and writes nothing for them', async () => {
    const out = path.join(temp, 'out-bad');
    const settings = await settingsFor(out);
    const reasons: string[] = [];
    for (const file of corrupt) {
      const error = await permanentError(processPhotoJob(await jobFor(file), segmenter, settings));
      reasons.push(error.message);
    }
    expect(reasons[0]).toMatch(/not a usable image \(empty\): .*corrupt-empty\.jpg/);
    expect(reasons[1]).toMatch(/not a usable image \(unknown-format\): .*corrupt-text\.png/);
    expect(reasons[2]).toMatch(
      /not a usable image \((truncated|corrupt)\): .*corrupt-truncated\.png/,
    );

    const tooLarge = await permanentError(
      processPhotoJob(await jobFor(photos[2] as string), segmenter, { ...settings, maxBytes: 100 }),
    );
    expect(tooLarge.message).toMatch(
      /^too large: .*img-0002\.png has \d+ bytes, more than maxBytes 100$/,
    );
    const tooManyPixels = await permanentError(
      processPhotoJob(await jobFor(photos[2] as string), segmenter, {
        ...settings,
        maxMegapixels: 0.001,
      }),
    );
    expect(tooManyPixels.message).toMatch(/not a usable image \(too-large\)/);

    const gone = path.join(temp, 'in', 'gone.png');
    await writeFile(gone, await readFile(photos[2] as string));
    const goneJob = await jobFor(gone);
    await rm(gone);
    expect((await permanentError(processPhotoJob(goneJob, segmenter, settings))).message).toMatch(
      /^cannot read .*gone\.png: .*ENOENT/,
    );

    const changed = path.join(temp, 'in', 'changed.png');
    await writeFile(changed, await readFile(photos[2] as string));
    const changedJob = await jobFor(changed);
    await utimes(changed, new Date(), new Date(Date.now() + 60_000));
    expect(
      (await permanentError(processPhotoJob(changedJob, segmenter, settings))).message,
    ).toMatch(/^changed since it was enqueued: .*changed\.png .*enqueue it again$/);
    expect((await readdir(out)).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('keeps the tensor count flat over many photos', async () => {
    const out = path.join(temp, 'out-memory');
    const settings = await settingsFor(out);
    const job = await jobFor(photos[0] as string);
    await processPhotoJob(job, segmenter, settings); // first run: kernels set up
    const start = tf.memory().numTensors;
    for (let i = 0; i < 40; i++) {
      await rm(path.join(out, '.index'), { recursive: true, force: true });
      await processPhotoJob(job, segmenter, settings);
    }
    await permanentError(processPhotoJob(await jobFor(corrupt[1] as string), segmenter, settings));
    expect(tf.memory().numTensors).toBe(start);
  });
});
