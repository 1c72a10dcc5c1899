/**
 * Runs the tasks given to it one at a time, in the order they were given; each call resolves
 * or rejects with its own task's outcome, and a task that fails does not stop the next.
 */
export type SerialSection = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A {@link SerialSection}. A worker holds two jobs: while one photo is decoded, segmented and
 * its outputs encoded inside the section, the next one's record check and file read (or
 * download) wait on the disk or the network outside it, and the finished one's writes, record
 * and BullMQ's round trip to Redis go on after it. The section keeps the model to one photo at a time, so memory is that of
 * one decoded photo, as with one job at a time.
 */
export function createSerialSection(): SerialSection {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = last.then(task);
    // The next task waits for this one to settle, whatever its outcome.
    last = run.catch(() => {});
    return run;
  };
}
