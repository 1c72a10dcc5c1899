import { initBackend } from '@crack/runtime';
import { createUnet } from '@crack/unet';
import { usingRelaxedSimd } from '@crack/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

const model =
  process.argv[2] === 'd4'
    ? { depth: 4, baseFilters: 16, headKernel: 3 as const }
    : { depth: 2, baseFilters: 8, headKernel: 3 as const };
await initBackend({ prefer: 'wasm', threads: 1, logger: null });
const net = createUnet({ ...model, inputSize: [320, 480], seed: 1 });
const image = tf.randomUniform([1, 320, 480, 3], -1, 1, 'float32', 7);
const f = () => {
  const o = net.predict(image) as tf.Tensor;
  o.dataSync();
  o.dispose();
};
const g = globalThis as { __forceDirect?: boolean };
const res: Record<string, number[]> = { xnn: [], direct: [] };
for (const mode of ['xnn', 'direct']) {
  g.__forceDirect = mode === 'direct';
  f();
  f();
}
for (let r = 0; r < 8; r++)
  for (const mode of ['xnn', 'direct']) {
    g.__forceDirect = mode === 'direct';
    const c = process.cpuUsage();
    f();
    const u = process.cpuUsage(c);
    res[mode]!.push((u.user + u.system) / 1000);
  }
const med = (x: number[]) => [...x].sort((a, b) => a - b)[4];
console.log(
  JSON.stringify({
    relaxed: usingRelaxedSimd(),
    xnnCpuMs: med(res.xnn!),
    directCpuMs: med(res.direct!),
    min: [Math.min(...res.xnn!), Math.min(...res.direct!)],
  }),
);
