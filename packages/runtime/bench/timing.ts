// Timing helpers the benches share: medians, one-decimal rounding, and wall + process CPU time of
// repeated calls.

/** The median (the upper one for an even count). */
export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** `x` rounded to one decimal. */
export const round1 = (x: number): number => Number(x.toFixed(1));

/** Times `reps` calls of `f` (after one warm-up), wall and process CPU time. */
export async function time(
  f: () => unknown,
  reps: number,
): Promise<{ wallMs: number[]; cpuMs: number[] }> {
  await f();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < reps; i += 1) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await f();
    wallMs.push(round1(performance.now() - start));
    const used = process.cpuUsage(cpu);
    cpuMs.push(round1((used.user + used.system) / 1000));
  }
  return { wallMs, cpuMs };
}
