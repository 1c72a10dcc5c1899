import { type ConnectionOptions, Queue } from 'bullmq';

/** Where the queue lives: the options every `@crack/batch` function shares. */
export interface QueueLocation {
  /** Redis URL, `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  redis: string;
  /** Queue name: letters, digits, `-`, `_` and `.`, at most 100 characters. */
  queue: string;
}

/**
 * Checks a {@link QueueLocation} and turns it into BullMQ connection options. Workers need
 * `maxRetriesPerRequest: null` (BullMQ's blocking commands must wait for Redis across
 * reconnects instead of failing); producers and status readers fail fast instead.
 */
export function connectionOptions(
  location: QueueLocation,
  caller: string,
  role: 'worker' | 'client',
): ConnectionOptions {
  assertQueueLocation(location, caller);
  return {
    url: location.redis,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    // A worker started before Redis keeps trying; a client gives up after a few seconds.
    ...(role === 'client' ? { retryStrategy: (times: number) => (times > 3 ? null : 500) } : {}),
  };
}

/** Throws an error naming `caller` and the field when `location` is not usable. */
export function assertQueueLocation(location: QueueLocation, caller: string): void {
  if (location === null || typeof location !== 'object')
    throw new TypeError(`${caller}: options must be an object, got ${String(location)}`);
  const { redis, queue } = location;
  if (typeof redis !== 'string' || !/^rediss?:\/\/[^/\s]+/i.test(redis))
    throw new RangeError(
      `${caller}: options.redis must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got ${String(redis)}`,
    );
  if (typeof queue !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(queue))
    throw new RangeError(
      `${caller}: options.queue must be 1-100 letters, digits, '-', '_' or '.', got ${String(queue)}`,
    );
}

/**
 * A BullMQ queue handle for producers and readers. Connection errors are not printed as they
 * happen (ioredis retries a few times); the call that needed Redis fails with
 * {@link redisError}'s message instead.
 */
export function openQueue<Data>(location: QueueLocation, caller: string): Queue<Data> {
  const queue = new Queue<Data>(location.queue, {
    connection: connectionOptions(location, caller, 'client'),
  });
  queue.on('error', () => {});
  return queue;
}

/** An error that names the Redis URL when Redis could not be reached. */
export function redisError(error: unknown, location: QueueLocation, caller: string): Error {
  const message = (error as Error)?.message ?? String(error);
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|Connection is closed/i.test(message))
    return new Error(`${caller}: cannot reach Redis at ${location.redis}: ${message}`, {
      cause: error,
    });
  return error instanceof Error ? error : new Error(message);
}
