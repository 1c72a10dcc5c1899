/**
 * The task module of `crack-segment --jobs N` (a piscina worker thread): each thread loads its
 * own segmenter once, from the settings the pool was started with, then segments one photo per
 * task and writes its outputs. Built as dist/photo-worker.js.
 */
import { readImageFile } from '@crack/data/node';
import { modelDirectory } from '@crack/models/node';
import { workerData } from 'piscina';
import { initBackend } from '../backend/init-backend';
import { loadSegmenter } from '../io/load-node-segmenter';
import type { NodeSegmentInput } from '../io/read-node-input';
import { type PhotoReport, segmentToFiles } from '../io/segment-to-files';
import type { Segmenter } from '../segmenter/types';
import type { PhotoTask, PhotoTaskResult, PhotoWorkerSettings } from './photo-pool';

const settings = workerData as PhotoWorkerSettings;
let loading: Promise<Segmenter<NodeSegmentInput>> | undefined;

function segmenter(): Promise<Segmenter<NodeSegmentInput>> {
  loading ??= (async () => {
    await initBackend({
      prefer: settings.backend,
      threads: 1,
      engine: settings.engine,
      logger: null,
    });
    return loadSegmenter(settings.model ?? modelDirectory(), {
      mode: settings.mode,
      threshold: settings.threshold,
      tileSize: settings.tileSize,
      engine: settings.engine,
      engineThreads: settings.engineThreads,
    });
  })();
  return loading;
}

/** Segments one photo; a model that cannot load is reported as such, not as a bad photo. */
export default async function segmentPhoto(task: PhotoTask): Promise<PhotoTaskResult> {
  let model: Segmenter<NodeSegmentInput>;
  try {
    model = await segmenter();
  } catch (error) {
    return { ok: false, model: true, error: (error as Error)?.message ?? String(error) };
  }
  try {
    const image = await readImageFile(task.file, { channels: 3 });
    const report: PhotoReport = await segmentToFiles(model, image, {
      input: task.file,
      base: task.base,
      ...settings.outputs,
    });
    return { ok: true, report, engine: model.engine.engine };
  } catch (error) {
    return { ok: false, model: false, error: (error as Error)?.message ?? String(error) };
  }
}
