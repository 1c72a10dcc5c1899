// What a consumer writes with @crack/data: type-checked by the consumer check (node16 ESM and
// CJS, bundler), never run.
import {
  augmentSample,
  decodeSeg,
  foldSplit,
  kFold,
  type Sample,
  type SampleSource,
  syntheticCracks,
  type TfDatasetOptions,
  THESIS_CFD_FOLDS,
  toTfDataset,
} from '@crack/data';
import { type DecodedImage, decodeImage, encodePng, ImageDecodeError } from '@crack/data/image';

const samples: Sample[] = syntheticCracks({ count: 4, width: 96, height: 64, seed: 1 });
const first: Sample | undefined = samples[0];
const flipped: Sample[] = samples.map((sample, i) =>
  augmentSample(sample, { seed: i, rotate: 'keep-shape' }),
);
const folds: string[][] = kFold(
  samples.map((s) => s.id),
  2,
  { seed: 7 },
);
const thesisTrain: string[] = foldSplit(THESIS_CFD_FOLDS, 0).train;
const options: TfDatasetOptions = { batchSize: 2, crop: { width: 64, height: 64 }, augment: true };

export function crackFraction(sample: Sample): number {
  let crack = 0;
  for (const value of sample.mask) crack += value;
  return crack / (sample.width * sample.height);
}

export function roundTrip(image: DecodedImage): DecodedImage {
  const png: Uint8Array = encodePng(image);
  try {
    return decodeImage(png, { channels: 3, name: 'in-memory.png' });
  } catch (error) {
    if (error instanceof ImageDecodeError) throw new Error(`${error.file}: ${error.problem}`);
    throw error;
  }
}

export function maskFromSeg(text: string): Uint8Array {
  return decodeSeg(text, { name: 'example.seg' }).mask;
}

export async function epochs(source: Sample[] | SampleSource): Promise<number> {
  const dataset = await toTfDataset(source, options);
  let batches = 0;
  await dataset.forEachAsync(({ xs, ys }) => {
    batches += xs.shape[0] === ys.shape[0] ? 1 : 0;
    xs.dispose();
    ys.dispose();
  });
  return batches;
}

export const summary = { first, flipped, folds, thesisTrain };
