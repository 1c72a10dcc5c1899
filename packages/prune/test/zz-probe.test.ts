import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, it } from 'vitest';
import { pruneModel } from '../src/index';
import { randomImages, useCpu } from './helpers';
import { ZOO } from './zoo';
beforeAll(useCpu);
it('probe', async () => {
  for (const [name, build] of Object.entries(ZOO)) {
    const m = build();
    const images = randomImages(6, 16, 16, 3);
    const start = tf.memory().numTensors;
    const { model, report } = await pruneModel(m, { images });
    console.log(name, 'MACs', report.before.macs, '->', report.after.macs, (1 - report.after.macs / report.before.macs).toFixed(3), 'params', report.before.params, '->', report.after.params);
    for (const s of report.sites) console.log(' ', s.producer, s.channelsBefore, '->', s.channelsAfter, s.consumers.map(c => `${c.layer} rows ${c.rows}/${c.unknowns} r=${c.ridge} in ${c.errorPruned.toFixed(3)}->${c.errorAfter.toFixed(3)} out ${c.heldOutErrorPruned?.toFixed(3)}->${c.heldOutErrorAfter?.toFixed(3)}`).join(' | '));
    console.log(' skipped', JSON.stringify(report.skipped), report.warnings);
    const y = model.predict(images) as tf.Tensor;
    y.dispose();
    model.dispose();
    console.log(' leak', tf.memory().numTensors - start);
    images.dispose(); m.dispose();
  }
}, 600000);
