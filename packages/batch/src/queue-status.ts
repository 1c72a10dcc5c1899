import type { BatchJobData } from './batch-job';
import { assertQueueLocation, openQueue, type QueueLocation, redisError } from './connection';

/** Options of {@link queueStatus}. */
export interface QueueStatusOptions extends QueueLocation {
  /** Most failed items to list (newest first), 0-100000. Default 100. */
  failedLimit?: number;
}

/** A photo that failed for good, with the reason. */
export interface FailedItem {
  /** Job id. */
  id: string;
  /** The photo: path or URL. */
  input: string;
  /** The error of the last attempt (BullMQ's `failedReason`). */
  reason: string;
  /** Attempts made. */
  attempts: number;
  /** When it failed, ISO time. */
  failedAt: string | null;
}

/** What {@link queueStatus} reports. */
export interface QueueStatus {
  /** The queue's name. */
  queue: string;
  /** Jobs waiting to be taken (including prioritized ones). */
  waiting: number;
  /** Jobs being processed now (or held by a worker that died, until they are recovered). */
  active: number;
  /** Jobs waiting for a retry after a transient error. */
  delayed: number;
  /** Photos done. */
  done: number;
  /** Photos that failed for good. */
  failed: number;
  /** Photos per second over the last finished jobs (up to 200 within 10 minutes), or null. */
  throughput: number | null;
  /** Seconds until waiting + delayed + active are done at that throughput, or null. */
  etaSeconds: number | null;
  /** The failed photos (newest first, at most `failedLimit`). */
  failedItems: FailedItem[];
}

/**
 * Counts of a queue (waiting, active, delayed, done, failed), the recent throughput and an
 * ETA, and the photos that failed with their reasons.
 *
 * @example
 * const status = await queueStatus({ redis: 'redis://127.0.0.1:6379', queue: 'survey' });
 * // { waiting: 1200, active: 8, done: 3400, failed: 3, throughput: 14.2, etaSeconds: 85, ... }
 */
export async function queueStatus(options: QueueStatusOptions): Promise<QueueStatus> {
  assertQueueLocation(options, 'queueStatus');
  const { failedLimit = 100 } = options;
  if (!Number.isInteger(failedLimit) || failedLimit < 0 || failedLimit > 100_000)
    throw new RangeError(
      `queueStatus: options.failedLimit must be an integer in [0, 100000], got ${failedLimit}`,
    );
  const queue = openQueue<BatchJobData>(options, 'queueStatus');
  try {
    const counts = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    const n = (key: string) => counts[key] ?? 0;
    const recent = await queue.getCompleted(0, 199);
    const throughput = rate(recent.map((job) => job.finishedOn ?? 0).filter((t) => t > 0));
    const remaining = n('waiting') + n('prioritized') + n('delayed') + n('active');
    const failedJobs = failedLimit > 0 ? await queue.getFailed(0, failedLimit - 1) : [];
    return {
      queue: options.queue,
      waiting: n('waiting') + n('prioritized'),
      active: n('active'),
      delayed: n('delayed'),
      done: n('completed'),
      failed: n('failed'),
      throughput,
      etaSeconds:
        remaining === 0 ? 0 : throughput ? Math.round((remaining / throughput) * 10) / 10 : null,
      failedItems: failedJobs.map((job) => ({
        id: String(job.id),
        input: job.data?.input ?? '?',
        reason: job.failedReason ?? '',
        attempts: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      })),
    };
  } catch (error) {
    throw redisError(error, options, 'queueStatus');
  } finally {
    await queue.close();
  }
}

/** Jobs per second from finish times: those of the last 10 minutes, first to last. */
function rate(finishedOn: number[]): number | null {
  const now = Date.now();
  const times = finishedOn.filter((t) => now - t < 600_000).sort((a, b) => a - b);
  if (times.length < 2) return null;
  const span = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  if (span <= 0) return null;
  return Math.round(((times.length - 1) / span) * 100) / 100;
}
