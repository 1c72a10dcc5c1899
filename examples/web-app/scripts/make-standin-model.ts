/**
 * Writes an UNTRAINED stand-in of the thesis student (createUnet(thesisStudent), fixed seed) to
 * public/models/standin-student/ and lists it in public/models/index.json, so the app can be
 * developed before the compression pipeline has exported a trained student. Its masks are
 * meaningless; ship `bundle-models` output instead (see README).
 *
 * Usage: pnpm exec tsx scripts/make-standin-model.ts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@crack/runtime';
import { createUnet, thesisStudent } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import { addToManifest } from './manifest';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelsDir = path.join(here, '..', 'public', 'models');

await initBackend({ prefer: 'cpu', logger: null });
const id = 'standin-student';
const model = createUnet({ ...thesisStudent, seed: 20240611, name: 'standin_student' });
await model.save(nodeFileSystem(path.join(modelsDir, id)));
await addToManifest(modelsDir, id, model, 'Student, untrained stand-in');
model.dispose();
console.log(`wrote ${path.join(modelsDir, id)}`);
