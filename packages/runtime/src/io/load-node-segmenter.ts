import { modelDirectory } from '@crack/models/node';
import {
  createSegmenter,
  loadModel,
  resolveSegmenterOptions,
  type SegmenterSource,
} from '../segmenter/load-segmenter';
import type { Segmenter, SegmenterOptions } from '../segmenter/types';
import { nodeModelSource } from './node-model-source';
import { type NodeSegmentInput, readNodeInput } from './read-node-input';

/**
 * {@link loadSegmenter} for Node: `source` may also be a folder holding model.json, the path
 * of a model.json file, or a `file://` URL, and the segmenter also takes image file paths and
 * encoded JPEG/PNG bytes (`Buffer`). Without `source` it loads the default model of
 * `@crack/models`: the compressed student trained on CrackForest (weights for non-commercial
 * research only, see its model card).
 *
 * @example
 * import { initBackend } from '@crack/runtime';
 * import { loadSegmenter, writeMaskPng } from '@crack/runtime/node';
 * await initBackend();
 * const segmenter = await loadSegmenter('models/student');
 * const result = await segmenter.segment('photos/road.jpg');
 * await writeMaskPng('out/road.mask.png', result.mask, result.width, result.height);
 */
export async function loadSegmenter(
  source: SegmenterSource = modelDirectory(),
  options: SegmenterOptions = {},
): Promise<Segmenter<NodeSegmentInput>> {
  const settings = resolveSegmenterOptions(options, 'loadSegmenter');
  const resolved = typeof source === 'string' ? nodeModelSource(source) : source;
  const { model, owned } = await loadModel(resolved, 'loadSegmenter');
  return createSegmenter<NodeSegmentInput>(model, settings, {
    ownsModel: owned,
    resolveInput: readNodeInput,
  });
}
