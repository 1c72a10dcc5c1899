import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE, fusedAdam } from '../src/index';
import { randomValues, startBothBackends, useBackend } from './helpers/backends';

/** A small least-squares problem with a weight matrix, a bias and a vector under an L1 term. */
function problem(seed: number) {
  const x = tf.tensor2d(randomValues(32 * 12, seed), [32, 12]);
  const y = tf.tensor2d(randomValues(32 * 5, seed + 1), [32, 5]);
  const initial = {
    w: randomValues(12 * 5, seed + 2),
    b: randomValues(5, seed + 3),
    c: randomValues(7, seed + 4),
  };
  return { x, y, initial };
}

type Optimizer = tf.Optimizer & { learningRate: number };

/**
 * `steps` Adam steps from the same start; the learning rate halves after step 10 (as a schedule
 * does, through the field tfjs reads at every step). Returns the losses and the final values.
 */
function train(make: () => tf.Optimizer, seed: number, steps: number) {
  const { x, y, initial } = problem(seed);
  const [w, b, c] = tf.tidy(() => [
    tf.variable(tf.tensor2d(initial.w, [12, 5])),
    tf.variable(tf.tensor1d(initial.b)),
    tf.variable(tf.tensor1d(initial.c)),
  ]) as [tf.Variable, tf.Variable, tf.Variable];
  const optimizer = make() as Optimizer;
  const losses: number[] = [];
  for (let step = 0; step < steps; step += 1) {
    if (step === 10) optimizer.learningRate /= 2;
    const cost = optimizer.minimize(
      () => tf.add(tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)), tf.sum(tf.abs(c))),
      true,
      [w, b, c],
    ) as tf.Scalar;
    losses.push(cost.dataSync()[0] as number);
    cost.dispose();
  }
  const values = [w, b, c].map((v) => v.dataSync().slice());
  return {
    losses,
    values,
    optimizer,
    variables: [w, b, c],
    dispose: () => tf.dispose([x, y, w, b, c]),
  };
}

describe('fusedAdam', () => {
  beforeAll(startBothBackends);

  it('gives bit-identical losses and weights to tf.train.adam on wasm over 20 steps', async () => {
    await useBackend('wasm');
    const stock = train(() => tf.train.adam(0.05), 1, 20);
    const fused = train(() => fusedAdam(0.05), 1, 20);
    expect(fused.losses).toEqual(stock.losses);
    // The losses really moved (the test would pass trivially on a frozen problem otherwise).
    expect(stock.losses[19]).toBeLessThan((stock.losses[0] as number) * 0.8);
    for (let k = 0; k < 3; k += 1) expect(fused.values[k]).toEqual(stock.values[k]);
    // So is the optimizer's state: iterations, then m and v of every variable, same names.
    const [a, b] = [await stock.optimizer.getWeights(), await fused.optimizer.getWeights()];
    expect(b.map((v) => v.name.replace(/\d.*$/, ''))).toEqual(
      a.map((v) => v.name.replace(/\d.*$/, '')),
    );
    for (let k = 0; k < a.length; k += 1) {
      expect(b[k]?.tensor.dataSync()).toEqual(a[k]?.tensor.dataSync());
    }
    tf.dispose([a[0]?.tensor, b[0]?.tensor] as tf.Tensor[]); // the iteration counts
    stock.optimizer.dispose();
    fused.optimizer.dispose();
    stock.dispose();
    fused.dispose();
  });

  it('leaks no more tensors than tf.train.adam', async () => {
    await useBackend('wasm');
    const leaked = (make: () => tf.Optimizer) => {
      const before = tf.memory().numTensors;
      const run = train(make, 4, 5);
      run.optimizer.dispose();
      run.dispose();
      return tf.memory().numTensors - before;
    };
    const stock = leaked(() => tf.train.adam(0.05));
    // tfjs's own Adam keeps one tensor after dispose() (4.22); the fused one keeps no more.
    expect(stock).toBeLessThanOrEqual(1);
    expect(leaked(() => fusedAdam(0.05))).toBe(stock);
  });

  it('runs one CrackAdamUpdate per variable on wasm, and none of the element-wise kernels', async () => {
    await useBackend('wasm');
    const { x, y, initial } = problem(3);
    const w = tf.variable(tf.tensor2d(initial.w, [12, 5]));
    const b = tf.variable(tf.tensor1d(initial.b));
    const optimizer = fusedAdam(0.01);
    const loss = () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar;
    optimizer.minimize(loss, false, [w, b]); // creates the moments
    const grads = tf.variableGrads(loss, [w, b]);
    const info = await tf.profile(() =>
      optimizer.applyGradients(
        grads.grads as unknown as Parameters<typeof optimizer.applyGradients>[0],
      ),
    );
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === ADAM_UPDATE)).toHaveLength(2);
    expect(names).not.toContain('Sqrt');
    expect(names).not.toContain('RealDiv');
    // And the step leaks nothing.
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i += 1) optimizer.minimize(loss, false, [w, b]);
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([x, y, w, b, grads.value, ...Object.values(grads.grads)]);
    optimizer.dispose();
  });

  it('is tfjs Adam where the kernel is not registered (cpu), and restores state saved by it', async () => {
    await useBackend('cpu');
    expect(tf.getKernel(ADAM_UPDATE, 'cpu')).toBeUndefined();
    const stock = train(() => tf.train.adam(0.05), 2, 12);
    const fused = train(() => fusedAdam(0.05), 2, 12);
    expect(fused.losses).toEqual(stock.losses);
    // A fused optimizer on wasm continues from state tfjs's Adam saved on cpu, as tfjs would.
    const saved = await stock.optimizer.getWeights();
    const copies = saved.map((v) => ({ name: v.name, tensor: tf.clone(v.tensor) }));
    const continued = async (optimizer: tf.Optimizer) => {
      await useBackend('wasm');
      await optimizer.setWeights(copies.map((v) => ({ name: v.name, tensor: tf.clone(v.tensor) })));
      return optimizer;
    };
    const a = await continued(tf.train.adam(0.05));
    const b = await continued(fusedAdam(0.05));
    // The same gradients for both: those of the saved weights' problem at its last values.
    const grads = stock.variables.map((v) => tf.mul(tf.onesLike(v), 0.1));
    const apply = (optimizer: tf.Optimizer, variables: tf.Variable[]) =>
      optimizer.applyGradients(
        variables.map((v, i) => ({ name: v.name, tensor: grads[i] as tf.Tensor })),
      );
    const clones = (vars: tf.Variable[]) => vars.map((v) => tf.variable(tf.clone(v)));
    const [va, vb] = [clones(stock.variables), clones(stock.variables)];
    apply(a, va);
    apply(b, vb);
    for (let k = 0; k < 3; k += 1) expect(vb[k]?.dataSync()).toEqual(va[k]?.dataSync());
    expect(vb[0]?.dataSync()).not.toEqual(stock.variables[0]?.dataSync());
    tf.dispose([...grads, ...va, ...vb, ...copies.map((v) => v.tensor)]);
    for (const o of [a, b, stock.optimizer, fused.optimizer]) o.dispose();
    stock.dispose();
    fused.dispose();
  });
});
