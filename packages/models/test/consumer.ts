// What a consumer writes with @crack/models. Type-checked by the consumer check; never run.
import { DEFAULT_MODEL_ID, findModel, MODELS, type ModelInfo, modelFile } from '@crack/models';
import { modelDirectory } from '@crack/models/node';

export function describeDefault(): string {
  const model: ModelInfo = findModel(DEFAULT_MODEL_ID);
  const f1 = model.crossValidated?.f1 ?? null;
  return `${model.label}: ${model.params} params, held-out F1 ${f1}, ${modelFile()} in ${modelDirectory()}`;
}

export const ids: string[] = MODELS.map((model) => model.id);
