/** Progress lines: elapsed time and ETA, also for a run resumed from a checkpoint. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatSeconds, startProgress } from '../src/progress';

afterEach(() => {
  vi.useRealTimers();
});

describe('startProgress (plain lines)', () => {
  it('estimates the remaining time from the rate so far', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const progress = startProgress({
      label: 'x',
      total: 100,
      unit: 'steps',
      print: (line) => lines.push(line),
      plain: true,
      intervalSeconds: 1,
    });
    vi.setSystemTime(20_000);
    progress.update(25); // 25 steps in 20 s: 75 more take 60 s
    expect(lines).toEqual(['x: 25/100 steps (25%), 20.0s elapsed, ETA 1m00s']);
  });

  it('measures the rate on the steps done since a resume, not on the resumed ones', () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const progress = startProgress({
      label: 'x',
      total: 100,
      unit: 'steps',
      print: (line) => lines.push(line),
      plain: true,
      intervalSeconds: 1,
      initial: 50,
    });
    progress.update(50);
    vi.setSystemTime(10_000);
    progress.update(60, 'loss 0.1'); // 10 steps in 10 s: 40 more take 40 s (not 6.7 s)
    expect(lines).toEqual(['x: 60/100 steps (60%), 10.0s elapsed, ETA 40.0s, loss 0.1']);
    progress.stop();
    expect(lines).toHaveLength(1);
  });

  it('formats durations', () => {
    expect(formatSeconds(4)).toBe('4.0s');
    expect(formatSeconds(75)).toBe('1m15s');
    expect(formatSeconds(3 * 3600 + 120)).toBe('3h02m');
  });
});
