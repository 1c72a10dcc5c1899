// The parts a worker is made of: the serial section, the share of the cores, option checks.
import { describe, expect, it } from 'vitest';
import { createSerialSection, fairEngineThreads, startWorker } from '../src/index';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createSerialSection', () => {
  it('runs tasks one at a time in call order, each with its own outcome; a failure does not stop the next', async () => {
    const section = createSerialSection();
    const log: string[] = [];
    let inside = 0;
    let mostInside = 0;
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        log.push(`${name}:start`);
        await tick(ms);
        log.push(`${name}:end`);
        inside -= 1;
        if (fail) throw new Error(`${name} failed`);
        return name.toUpperCase();
      };
    const results = await Promise.allSettled([
      section(task('a', 30)),
      section(task('b', 1, true)),
      section(task('c', 10)),
    ]);
    expect(mostInside).toBe(1);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'A' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'b failed' } });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 'C' });
  });

  it('lets work outside the section go on while a task is inside', async () => {
    const section = createSerialSection();
    const log: string[] = [];
    const first = section(async () => {
      await tick(40);
      log.push('first done');
    });
    // A second job reads its photo (outside) while the first is in the section.
    const second = (async () => {
      await tick(5);
      log.push('second read');
      await section(async () => {
        log.push('second in');
      });
    })();
    await Promise.all([first, second]);
    expect(log).toEqual(['second read', 'first done', 'second in']);
  });
});

describe('fairEngineThreads', () => {
  it('gives each of N processes floor(cores / N) threads, at least 1, and one process auto', () => {
    expect(fairEngineThreads(2, 2)).toBe(1);
    expect(fairEngineThreads(4, 2)).toBe(1);
    expect(fairEngineThreads(3, 8)).toBe(2);
    expect(fairEngineThreads(2, 16)).toBe(8);
    expect(fairEngineThreads(1, 16)).toBe('auto');
    expect(fairEngineThreads(1)).toBe('auto');
  });

  it('refuses bad counts by name', () => {
    expect(() => fairEngineThreads(0, 2)).toThrow(
      'fairEngineThreads: workers must be an integer >= 1, got 0',
    );
    expect(() => fairEngineThreads(2, 1.5)).toThrow(
      'fairEngineThreads: cores must be an integer >= 1, got 1.5',
    );
  });
});

describe('startWorker', () => {
  it('refuses a bad engineThreads or readAhead by name, before connecting or loading anything', async () => {
    // Nothing listens on port 1: the options are checked before any connection.
    const where = { redis: 'redis://127.0.0.1:1', queue: 'q', out: '/nonexistent/out' };
    await expect(startWorker({ ...where, engineThreads: 0 })).rejects.toThrow(
      "startWorker: options.engineThreads must be 'auto' or an integer in [1, 256], got 0",
    );
    await expect(startWorker({ ...where, engineThreads: 2.5 })).rejects.toThrow(
      "startWorker: options.engineThreads must be 'auto' or an integer in [1, 256], got 2.5",
    );
    await expect(startWorker({ ...where, readAhead: 'yes' as never })).rejects.toThrow(
      'startWorker: options.readAhead must be a boolean, got yes',
    );
  });
});
