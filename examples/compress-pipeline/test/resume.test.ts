/**
 * Kill and resume: the CLI is killed (SIGKILL) during train-student once a checkpoint exists; the
 * rerun on the same --out skips the finished stages, continues training from the checkpoint and
 * finishes. Also: a resumed training reaches the same weights as an uninterrupted one (the
 * checkpoint restores weights, Adam state and the epoch; data order depends on the epoch only).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticCracks } from '@crack/data';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { hardLoss } from '../src/losses';
import { buildUnet } from '../src/models';
import { latestCheckpoint, trainModel } from '../src/train';
import {
  CLI,
  EXAMPLE_DIR,
  removeTemporaryDirs,
  temporaryDir,
  tinyConfig,
  useBackend,
} from './helpers';

afterAll(removeTemporaryDirs);

function startCli(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  // One process (node with tsx's loader), so SIGKILL really stops the training: the tsx CLI would
  // run the script in a child process that outlives its killed parent.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: EXAMPLE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/**
 * A bound, not a budget: only reached when something hangs. The two runs take ~40 s on an idle
 * 2-core machine and several minutes with both cores loaded; the test waits on process events.
 */
const SLOW_MACHINE_BOUND_MS = 30 * 60_000;

describe('kill and resume', () => {
  it(
    'continues train-student from its checkpoint after SIGKILL',
    async () => {
      const out = temporaryDir('resume');
      const args = [
        'run',
        '--preset',
        'tiny',
        '--out',
        out,
        '--image-size',
        '64x64',
        '--student-epochs',
        '60',
      ];
      const first = startCli(args);
      const checkpoints = path.join(out, 'checkpoints', 'train-student-plain');
      // Waits for the event (a checkpoint folder appears, or the process ends early), not for a
      // time budget: on a loaded 2-core machine the teacher alone can take minutes (issue 17).
      let exited = false;
      void first.exit.then(() => {
        exited = true;
      });
      while (
        !(
          existsSync(checkpoints) &&
          readdirSync(checkpoints).some((name) => /^epoch-\d+$/.test(name))
        )
      ) {
        if (exited) throw new Error(`the CLI ended before a checkpoint:\n${first.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      first.child.kill('SIGKILL');
      await first.exit;
      const killedAt = latestCheckpoint(checkpoints)?.epoch as number;
      const stateAfterKill = JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8'));
      expect(stateAfterKill.stages['train-teacher'].status).toBe('done');
      expect(stateAfterKill.stages['train-student-plain'].status).toBe('running');
      expect(killedAt).toBeGreaterThanOrEqual(1);
      expect(killedAt).toBeLessThan(60);

      const second = startCli(['run', '--out', out]);
      expect(await second.exit, second.output()).toBe(0);
      expect(second.output()).toContain('train-teacher: done already (state.json), skipped');
      expect(second.output()).toMatch(
        /student \(plain\): resuming from the checkpoint after epoch (\d+)/,
      );
      const resumedAt = Number(
        /resuming from the checkpoint after epoch (\d+)/.exec(second.output())?.[1],
      );
      expect(resumedAt).toBeGreaterThanOrEqual(killedAt);
      const state = JSON.parse(readFileSync(path.join(out, 'state.json'), 'utf8'));
      expect(state.stages['train-student-plain'].status).toBe('done');
      expect(state.stages['train-student-plain'].resumedFromEpoch).toEqual([resumedAt]);
      expect(state.stages.report.status).toBe('done');
      const history = JSON.parse(
        readFileSync(path.join(out, 'student-plain', 'history.json'), 'utf8'),
      );
      expect(history.map((epoch: { epoch: number }) => epoch.epoch)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      expect(second.output()).toContain('| control + pruned + fine-tuned |');
    },
    SLOW_MACHINE_BOUND_MS,
  );

  it(
    'a resumed training ends with the weights of an uninterrupted one',
    async () => {
      await useBackend();
      const config = tinyConfig();
      const samples = syntheticCracks({ count: 4, width: 32, height: 32, seed: 3 });
      const train = async (epochs: number, checkpointDir: string) => {
        const model = buildUnet(config.student, 7, 'student');
        const options = {
          label: 'test',
          model,
          samples,
          targets: 'mask' as const,
          loss: hardLoss(config),
          epochs,
          learningRate: 1e-2,
          schedule: 'constant' as const,
          batchSize: 2,
          crop: 16,
          augment: true,
          seed: 5,
          checkpointDir,
          log: () => {},
        };
        const result = await trainModel(options);
        const weights = model.getWeights().map((weight) => weight.dataSync().slice());
        model.dispose();
        return { weights, result };
      };
      const before = tf.memory().numTensors;
      const straight = await train(3, temporaryDir('straight'));
      const resumedDir = temporaryDir('resumed');
      await train(1, resumedDir);
      const resumed = await train(3, resumedDir);
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.result.resumedFrom).toBe(1);
      expect(resumed.result.history.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
      straight.weights.forEach((weight, i) => {
        const other = resumed.weights[i] as Float32Array;
        for (let j = 0; j < weight.length; j++)
          expect(other[j]).toBeCloseTo(weight[j] as number, 5);
      });
    },
    SLOW_MACHINE_BOUND_MS,
  );
});
