// What a user of @crack/batch writes. Type-checked only (by tsc here and by the consumer check
// under node16 ESM/CJS and bundler resolution), never run.
import {
  type BatchJobEvent,
  type EnqueueResult,
  enqueue,
  fairEngineThreads,
  type IndexRecord,
  type QueueStatus,
  queueStatus,
  readIndex,
  startWorker,
} from '@crack/batch';

export async function survey(redis: string, photos: string[], out: string): Promise<number> {
  const added: EnqueueResult = await enqueue({ redis, queue: 'survey', inputs: photos });
  const worker = await startWorker({
    redis,
    queue: 'survey',
    out,
    mode: 'full',
    threshold: 0.5,
    measure: true,
    mmPerPixel: 0.2,
    // Four worker processes on this machine, each with its share of the cores.
    engineThreads: fairEngineThreads(4),
    readAhead: true,
    onJob: (event: BatchJobEvent) => {
      if (!event.ok) console.error(event.input, event.error, event.permanent);
    },
  });
  await worker.idle();
  console.log(worker.stats().tensors, added.added, worker.engine.engine, worker.engineThreads);
  await worker.close();
  const status: QueueStatus = await queueStatus({ redis, queue: 'survey', failedLimit: 10 });
  for (const item of status.failedItems) console.log(item.input, item.reason);
  const index: IndexRecord[] = await readIndex({ out });
  return index.reduce((sum, record) => sum + (record.measurements?.total.count ?? 0), 0);
}
